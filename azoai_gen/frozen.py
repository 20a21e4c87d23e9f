"""Records: a cheaper stand-in for ``@dataclass(frozen=True)`` and plain ``@dataclass``.

The standard decorator compiles half a dozen generated methods for every class, one ``exec`` each, which costs
about half a millisecond per class; the package defines about a hundred records, all of them created on every run.
Here only ``__init__`` is made for each class, from code compiled once per shape of fields and renamed; equality,
hashing, ordering, ``repr`` and the refusal to assign are shared functions closed over the class's fields. The classes
keep what the code relies on from dataclasses: equality and hashing by the compared fields (the same hash as a
dataclass), the same ``repr``, :class:`dataclasses.FrozenInstanceError` on assignment, and ``__dataclass_fields__``
holding real :class:`dataclasses.Field` objects, so ``dataclasses.fields``, ``replace``, ``asdict`` and ``is_dataclass`` work.
``field(default=..., default_factory=..., compare=..., repr=...)`` declares a field as with dataclasses.
"""

from __future__ import annotations

import builtins
import dataclasses
import functools
import reprlib
from dataclasses import MISSING, Field, FrozenInstanceError, field
from operator import attrgetter
from types import CodeType, FunctionType
from typing import Any, Callable, TypeVar

__all__ = ["field", "frozen", "mutable", "FrozenInstanceError"]

T = TypeVar("T")
_KIND = dataclasses._FIELD  # the marker dataclasses.fields() and replace() look for on a field


class _Factory:
    """The default of a parameter whose field has a ``default_factory``."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()
#: Names the generated ``__init__`` uses for itself.
_RESERVED = frozenset({"self", "_d", "_FACTORY", "__builtins__"})


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


@functools.lru_cache(maxsize=None)
def _template(frozen: bool, factories: tuple[bool, ...]) -> CodeType:
    """The code of an ``__init__`` for fields of this shape, named ``_a0_``, ``_a1_``...: compiled once per shape,
    then renamed for each class (renaming code is far cheaper than compiling it)."""
    body = []
    for i, factory in enumerate(factories):
        value = f"_m{i}_() if _a{i}_ is _FACTORY else _a{i}_" if factory else f"_a{i}_"
        body.append(f"  _d['_a{i}_'] = {value}" if frozen else f"  self._a{i}_ = {value}")
    head = "  _d = self.__dict__\n" if frozen and factories else ""
    params = "".join(f", _a{i}_" for i in range(len(factories)))
    scope: dict[str, Any] = {}
    exec(f"def __init__(self{params}):\n{head}" + ("\n".join(body) or "  pass") + "\n", scope)
    return scope["__init__"].__code__


def _check(cls: type, specs: list[Field]) -> None:
    """Refuse what ``@dataclass`` refuses when the class is made: a reserved name, a field without a default after
    one with a default."""
    defaulted = False
    for spec in specs:
        if spec.name in _RESERVED:
            raise TypeError(f"{cls.__qualname__}: a field may not be named {spec.name!r}")
        if spec.default_factory is not MISSING or spec.default is not MISSING:
            defaulted = True
        elif defaulted:
            raise TypeError(f"{cls.__qualname__}: non-default argument {spec.name!r} follows default argument")


class _LazyInit:
    """A class's ``__init__`` until it is first looked up (to make an instance, or by ``inspect.signature``): then the
    real one is made and put in its place. Most records of the package are never made in a given run, and making an
    ``__init__`` is most of the cost of a record class."""

    __slots__ = ("cls", "specs", "frozen")

    def __init__(self, cls: type, specs: list[Field], frozen: bool) -> None:
        self.cls, self.specs, self.frozen = cls, specs, frozen

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        real = _init(self.cls, self.specs, self.frozen)
        type.__setattr__(self.cls, "__init__", real)
        return real if instance is None else real.__get__(instance, owner)


def _init(cls: type, specs: list[Field], frozen: bool) -> Callable[..., None]:
    """``__init__`` for the fields, the only method made for each class."""
    names = {f"_a{i}_": spec.name for i, spec in enumerate(specs)}
    scope: dict[str, Any] = {"__builtins__": builtins, "_FACTORY": _FACTORY}
    defaults: list[Any] = []
    for i, spec in enumerate(specs):
        if spec.default_factory is not MISSING:
            scope[f"_m{i}_"] = spec.default_factory
            defaults.append(_FACTORY)
        elif spec.default is not MISSING:
            defaults.append(spec.default)
    code = _template(frozen, tuple(spec.default_factory is not MISSING for spec in specs))
    code = code.replace(co_varnames=tuple(names.get(n, n) for n in code.co_varnames),
                        co_names=tuple(names.get(n, n) for n in code.co_names),
                        co_consts=tuple(names.get(c, c) if isinstance(c, str) else c for c in code.co_consts))
    function = FunctionType(code, scope, "__init__", tuple(defaults) or None)
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
    initialised = [s for s in specs if s.init]
    _check(cls, initialised)
    methods: dict[str, Any] = {"__init__": _LazyInit(cls, initialised, frozen),
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
