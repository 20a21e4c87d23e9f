"""Records: a cheaper stand-in for ``@dataclass(frozen=True)`` and plain ``@dataclass``.

The standard decorator compiles half a dozen generated methods for every class, one ``exec`` each, which costs
about half a millisecond per class; the package defines about a hundred records, all of them created on every run.
Here only ``__init__`` is made for each class, from code compiled once per shape of fields and renamed; equality,
hashing, ordering, ``repr`` and the refusal to assign are functions every record shares, which read the class's
compared and shown fields from two class attributes. The classes keep what the code relies on from dataclasses:
equality and hashing by the compared fields (the same hash as a dataclass), the same ``repr``,
:class:`dataclasses.FrozenInstanceError` on assignment, and ``__dataclass_fields__`` holding real
:class:`dataclasses.Field` objects, so ``dataclasses.fields``, ``replace``, ``asdict`` and ``is_dataclass`` work.
``field(default=..., default_factory=..., compare=..., repr=...)`` declares a field as with dataclasses.
"""

from __future__ import annotations

import builtins
import dataclasses
import functools
import operator
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
    for base in reversed(cls.__mro__[1:-1]):  # the last is object, which has no fields
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
        if spec.name in _RESERVED or spec.name in _CLASS_ATTRIBUTES:
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
        return _no_fields
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda self: (one(self),)
    return attrgetter(*names)


def _no_fields(_self: Any) -> tuple:
    return ()


# The methods every record shares. Each reads what it needs from the record's class, where the decorator puts it:
# ``_record_key``, the tuple of the compared fields (from :func:`_key`), and ``_record_shown``, the names ``repr``
# shows. So making a record class makes no function but its ``__init__``.

def _comparison(compare: Callable[[tuple, tuple], Any]) -> Callable[[Any, Any], Any]:
    """A method that compares two records of the same class by their classes' ``_record_key``, as dataclasses do."""
    def method(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            key = self.__class__._record_key
            return compare(key(self), key(other))
        return NotImplemented

    return method


_eq = _comparison(operator.eq)


def _hash(self: Any) -> int:
    return hash(self.__class__._record_key(self))


@reprlib.recursive_repr()
def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__class__._record_shown)
    return f"{self.__class__.__qualname__}({shown})"


def _refuse_assignment(self: Any, name: str, value: Any) -> None:
    if type(self).__dict__.get("__setattr__") is _refuse_assignment:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")
    super(_frozen_base(type(self), "__setattr__"), self).__setattr__(name, value)


def _refuse_deletion(self: Any, name: str) -> None:
    if type(self).__dict__.get("__delattr__") is _refuse_deletion:
        raise FrozenInstanceError(f"cannot delete field {name!r}")
    super(_frozen_base(type(self), "__delattr__"), self).__delattr__(name)


def _frozen_base(cls: type, method: str) -> type:
    """The frozen record that ``cls``, a plain subclass of it, inherits the refusal ``method`` from: as with a
    dataclass, an instance of a plain subclass may be assigned to."""
    shared = _REFUSALS[method]
    return next(base for base in cls.__mro__ if base.__dict__.get(method) is shared)


_ORDER = {f"__{name}__": _comparison(getattr(operator, name)) for name in ("lt", "le", "gt", "ge")}
_REFUSALS = {"__setattr__": _refuse_assignment, "__delattr__": _refuse_deletion}
#: What the shared methods read from a record's class, which its fields may not be named.
_CLASS_ATTRIBUTES = frozenset({"_record_key", "_record_shown"})


def _build(cls: type, frozen: bool, order: bool) -> type:
    found = _collect(cls)
    specs = list(found.values())
    initialised = [s for s in specs if s.init]
    _check(cls, initialised)
    methods: dict[str, Any] = {"__init__": _LazyInit(cls, initialised, frozen), "__repr__": _repr, "__eq__": _eq}
    if order:
        methods.update(_ORDER)
    own = cls.__dict__
    if not ("__hash__" in own and not (own["__hash__"] is None and "__eq__" in own)):
        methods["__hash__"] = _hash if frozen else None
    if frozen:
        methods.update(_REFUSALS)
    for name, method in methods.items():
        if name in own and (name != "__hash__" or own[name] is not None):
            continue
        setattr(cls, name, method)
    cls._record_key = _key(tuple(spec.name for spec in specs if spec.compare))
    cls._record_shown = tuple(spec.name for spec in specs if spec.repr)
    cls.__dataclass_fields__ = found
    cls.__match_args__ = tuple(spec.name for spec in initialised)
    return cls


def frozen(cls: type[T] | None = None, *, order: bool = False) -> Any:
    """Like ``@dataclass(frozen=True)`` (with ``order=True`` if asked): an immutable record compared by its fields."""
    if cls is None:
        return lambda actual: _build(actual, True, order)
    return _build(cls, True, order)


def mutable(cls: type[T]) -> type[T]:
    """Like ``@dataclass``: a record whose fields may be reassigned, compared by its fields, not hashable."""
    return _build(cls, False, False)
