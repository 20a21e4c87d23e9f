"""The package's records behave as the dataclasses they stand in for: the same repr, equality, hash and order, the
same refusal to assign, and the standard library's fields/replace/asdict work on them."""

from __future__ import annotations

import dataclasses

import pytest

from azoai_gen.frozen import field, frozen, mutable


@frozen(order=True)
class Point:
    x: int
    y: int = 0
    label: str = field(default="", compare=False)
    tags: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, order=True)
class Reference:
    x: int
    y: int = 0
    label: str = dataclasses.field(default="", compare=False)
    tags: tuple[str, ...] = ()


@mutable
class Bag:
    name: str
    items: list[str] = field(default_factory=list)


def test_a_frozen_record_matches_a_frozen_dataclass():
    ours, theirs = Point(1, 2, "a", ("t",)), Reference(1, 2, "a", ("t",))
    assert repr(ours).replace("Point", "Reference") == repr(theirs)
    assert hash(ours) == hash(theirs)
    assert ours == Point(1, 2, "other", ("t",))  # label is not compared
    assert ours != Point(1, 3) and ours != (1, 2) and Point(1) == Point(1, 0)
    assert sorted([Point(2), Point(1, 5), Point(1, 2)]) == [Point(1, 2), Point(1, 5), Point(2)]
    assert Point(1) < Point(2) <= Point(2) and Point(3) > Point(2) >= Point(2)
    with pytest.raises(TypeError):
        Point(1) < Reference(1)  # noqa: B015


def test_a_frozen_record_refuses_assignment_and_deletion():
    point = Point(1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        del point.x  # type: ignore[misc]
    assert point.x == 1


def test_the_standard_library_reads_records_as_dataclasses():
    point = Point(1, 2, "a")
    assert dataclasses.is_dataclass(point)
    assert [f.name for f in dataclasses.fields(point)] == ["x", "y", "label", "tags"]
    assert dataclasses.replace(point, y=5) == Point(1, 5) and dataclasses.replace(point, y=5).label == "a"
    assert dataclasses.asdict(point) == {"x": 1, "y": 2, "label": "a", "tags": ()}
    assert Point.__match_args__ == ("x", "y", "label", "tags")


def test_a_mutable_record_takes_fresh_defaults_and_is_not_hashable():
    first, second = Bag("a"), Bag("b")
    first.items.append("x")
    assert second.items == [] and first == Bag("a", ["x"]) and repr(first) == "Bag(name='a', items=['x'])"
    first.name = "c"
    assert first.name == "c"
    with pytest.raises(TypeError):
        hash(first)
    with pytest.raises(TypeError):
        Bag()  # type: ignore[call-arg]


def test_init_takes_the_fields_by_position_and_by_name_as_a_dataclass_does():
    import inspect

    ours, theirs = inspect.signature(Point), inspect.signature(Reference)
    assert [(p.name, p.default) for p in ours.parameters.values()] == \
        [(p.name, p.default) for p in theirs.parameters.values()]
    assert Point(y=3, x=1) == Point(1, 3) and Point(1, tags=("a",)).tags == ("a",)
    with pytest.raises(TypeError, match="'x'"):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, 2, "a", (), "too many")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="follows default"):
        frozen(type("Bad", (), {"__annotations__": {"a": "int", "b": "int"}, "a": 1}))


def test_init_is_made_when_first_looked_up_and_then_stays():
    @frozen
    class Later:
        a: int
        b: str = "x"

    assert type(Later.__dict__["__init__"]).__name__ == "_LazyInit"  # nothing made yet
    assert Later(1) == Later(a=1, b="x")
    made = Later.__dict__["__init__"]
    assert callable(made) and made.__qualname__.endswith("Later.__init__") and Later(2).b == "x"
    assert Later.__dict__["__init__"] is made


def test_every_record_class_compares_hashes_and_shows_its_own_fields():
    @frozen(order=True)
    class Pair:
        left: str
        right: str = field(default="", compare=False, repr=False)

    assert Pair("a", "x") == Pair("a", "y") and hash(Pair("a", "x")) == hash(("a",)) and Pair("a") < Pair("b")
    assert repr(Pair("a", "x")).endswith(".Pair(left='a')") and repr(Point(1)) == "Point(x=1, y=0, label='', tags=())"
    assert Pair("a") != Point(1) and Point(1, 2) == Point(1, 2, "other")
    with pytest.raises(TypeError):
        Pair("a") < Point(1)  # noqa: B015


def test_a_plain_subclass_of_a_frozen_record_may_be_assigned_to_as_with_a_dataclass():
    class Labelled(Point):
        pass

    labelled = Labelled(1)
    labelled.note = "n"  # type: ignore[attr-defined]
    del labelled.note  # type: ignore[attr-defined]
    assert labelled == Labelled(1) and repr(labelled).endswith(".Labelled(x=1, y=0, label='', tags=())")
    with pytest.raises(dataclasses.FrozenInstanceError):
        Point(1).note = "n"  # type: ignore[attr-defined]


def test_a_field_may_not_take_a_name_the_shared_methods_read():
    with pytest.raises(TypeError, match="_record_key"):
        frozen(type("Bad", (), {"__annotations__": {"_record_key": "int"}}))
