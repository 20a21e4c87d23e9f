"""Records: a cheaper stand-in for ``@dataclass(frozen=True)`` and plain ``@dataclass``.

The standard decorator compiles half a dozen generated methods for every class, one ``exec`` each, which costs
about half a millisecond per class; the package defines about a hundred records, all of them created on every run.
Here only ``__init__`` is generated (one ``exec`` per class); equality, hashing, ordering, ``repr`` and the refusal
to assign are shared functions closed over the class's fields. The classes keep what the code relies on from
dataclasses: equality and hashing by the compared fields (the same hash as a dataclass), the same ``repr``,
:class:`dataclasses.FrozenInstanceError` on assignment, and ``__dataclass_fields__`` holding real
:class:`dataclasses.Field` objects, so ``dataclasses.fields``, ``replace``, ``asdict`` and ``is_dataclass`` work.
``field(default=..., default_factory=..., compare=..., repr=...)`` declares a field as with dataclasses.
"""

from __future__ import annotations

import dataclasses
import reprlib
from dataclasses import MISSING, Field, FrozenInstanceError, field
from operator import attrgetter
from typing import Any, Callable, TypeVar

__all__ = ["field", "frozen", "mutable", "FrozenInstanceError"]

T = TypeVar("T")
_KIND = dataclasses._FIELD  # the marker dataclasses.fields() and replace() look for on a field


class _Factory:
    """The default of a parameter whose field has a ``default_factory``."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


def _collect(cls: type) -> dict[str, Field]:
    """The class's fields in declaration order (inherited records' fields first), as dataclasses would make them."""
    found: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        found.update(getattr(base, "__dataclass_fields__", {}))
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        value = cls.__dict__.get(name, MISSING)
        spec = value if isinstance(value, Field) else field(default=value)
        spec.name, spec.type, spec._field_type = name, annotation, _KIND
        if isinstance(value, Field):
            if spec.default is MISSING:
                delattr(cls, name)
            else:
                setattr(cls, name, spec.default)
        found[name] = spec
    return found


def _init(cls: type, specs: list[Field], frozen: bool) -> Callable[..., None]:
    """Compile ``__init__`` for the fields, the only generated method."""
    scope: dict[str, Any] = {"_FACTORY": _FACTORY}
    params, body = [], []
    for spec in specs:
        name = spec.name
        if spec.default_factory is not MISSING:
            scope[f"_make_{name}"] = spec.default_factory
            params.append(f"{name}=_FACTORY")
            value = f"_make_{name}() if {name} is _FACTORY else {name}"
        elif spec.default is not MISSING:
            scope[f"_default_{name}"] = spec.default
            params.append(f"{name}=_default_{name}")
            value = name
        else:
            params.append(name)
            value = name
        body.append(f"  _d[{name!r}] = {value}" if frozen else f"  self.{name} = {value}")
    head = "  _d = self.__dict__\n" if frozen and specs else ""
    source = f"def __init__(self, {', '.join(params)}):\n{head}" + ("\n".join(body) or "  pass") + "\n"
    exec(source, scope)
    function = scope["__init__"]
    function.__qualname__ = f"{cls.__qualname__}.__init__"
    return function


def _key(names: tuple[str, ...]) -> Callable[[Any], tuple]:
    """The tuple of the named fields of a record, as dataclasses compare and hash it."""
    if not names:
        return lambda _self: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda self: (one(self),)
    return attrgetter(*names)


def _compare(key: Callable[[Any], tuple], order: bool) -> dict[str, Callable[..., Any]]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    methods: dict[str, Callable[..., Any]] = {"__eq__": __eq__}
    if order:
        def __lt__(self: Any, other: Any) -> Any:
            return key(self) < key(other) if other.__class__ is self.__class__ else NotImplemented

        def __le__(self: Any, other: Any) -> Any:
            return key(self) <= key(other) if other.__class__ is self.__class__ else NotImplemented

        def __gt__(self: Any, other: Any) -> Any:
            return key(self) > key(other) if other.__class__ is self.__class__ else NotImplemented

        def __ge__(self: Any, other: Any) -> Any:
            return key(self) >= key(other) if other.__class__ is self.__class__ else NotImplemented

        methods.update(__lt__=__lt__, __le__=__le__, __gt__=__gt__, __ge__=__ge__)
    return methods


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _refusals(cls: type) -> dict[str, Callable[..., Any]]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return {"__setattr__": __setattr__, "__delattr__": __delattr__}


def _build(cls: type, frozen: bool, order: bool) -> type:
    found = _collect(cls)
    specs = list(found.values())
    key = _key(tuple(spec.name for spec in specs if spec.compare))
    methods: dict[str, Any] = {"__init__": _init(cls, [s for s in specs if s.init], frozen),
                               "__repr__": _repr(tuple(spec.name for spec in specs if spec.repr)),
                               **_compare(key, order)}
    own = cls.__dict__
    if not ("__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)):
        methods["__hash__"] = (lambda self: hash(key(self))) if frozen else None
    if frozen:
        methods.update(_refusals(cls))
    for name, method in methods.items():
        if name in own and (name != "__hash__" or own[name] is not None):
            continue
        if callable(method):
            method.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, method)
    cls.__dataclass_fields__ = found
    cls.__match_args__ = tuple(spec.name for spec in specs if spec.init)
    return cls


def frozen(cls: type[T] | None = None, *, order: bool = False) -> Any:
    """Like ``@dataclass(frozen=True)`` (with ``order=True`` if asked): an immutable record compared by its fields."""
    if cls is None:
        return lambda actual: _build(actual, True, order)
    return _build(cls, True, order)


def mutable(cls: type[T]) -> type[T]:
    """Like ``@dataclass``: a record whose fields may be reassigned, compared by its fields, not hashable."""
    return _build(cls, False, False)
