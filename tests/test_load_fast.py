"""libyaml composes the spec's node graph when PyYAML has it; PyYAML's own composer is the reference. Both must give
the same values, positions and problems for every text, so the fast path changes nothing but the time."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from azoai_gen import load
from azoai_gen.errors import SpecError

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(load._FastComposer is None, reason="PyYAML is built without libyaml")


def _outcome(raw: bytes, fast: bool, monkeypatch: pytest.MonkeyPatch) -> tuple:
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(load, "_FastComposer", None)
        try:
            loaded = load.load_text(raw, "s.yaml")
        except SpecError as exc:
            return ("error", [problem.format() for problem in exc.problems])
    p = loaded.positions
    return ("ok", loaded.data, p.values, p.keys, p.texts, p.quotes)


def _same(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _outcome(raw, True, monkeypatch) == _outcome(raw, False, monkeypatch)


def test_the_fast_path_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    made = []
    real = load._FastComposer

    class Counting(real):  # type: ignore[misc,valid-type]
        def __init__(self, stream: str) -> None:
            made.append(stream)
            super().__init__(stream)

    monkeypatch.setattr(load, "_FastComposer", Counting)
    monkeypatch.setattr(load, "_Composer", None)  # the slow path would fail: it must not run
    assert load.load_text(b"a: 1\n", "s.yaml").data == {"a": 1}
    assert made == ["a: 1\n"]


@pytest.mark.parametrize("raw", ["a:\tb\n", "a: !x b\n", "? a\n: 1\n", "a: |\n  b\n", "a: >\n  b\n", "a: &x b\n",
                                 "a: *x\n"])
def test_texts_with_constructs_the_two_read_differently_take_pyyaml_s_path(raw: str,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(stream: str) -> None:
        raise AssertionError("libyaml was asked")

    monkeypatch.setattr(load, "_FastComposer", refuse)
    try:
        load._compose(raw)
    except yaml.YAMLError:
        pass  # PyYAML refuses the tab and the unknown alias; what matters is who read them


@pytest.mark.parametrize("example", sorted((ROOT / "examples").glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_loads_the_same_both_ways(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(example.read_bytes(), monkeypatch)


@pytest.mark.parametrize("raw", [
    "a:\t1\n", "a: [1, 2\n", "a: 'open\n", "a: b: c\n", "- a\nb: 1\n", "a: 1\n---\nb: 2\n", "&x a: *x\n",
    "a: *missing\n", "? [a]\n: 1\n", "a: !!python/object:os.system x\n", "a: 0777\n", "a: 1:30\n", "a: yes\n",
    "a:\n  - b\n   - c\n", "\ufeffa: 1\n", "a: \"\\x\"\n", "key:value\n", "a: @b\n", "a: `b`\n", "a: %b\n",
    "{a: 1, b}\n", "a: |\n  text\n b: 1\n", "a: \u0085\n", "a: \x07\n", "[" * 2000 + "]" * 2000,
])
def test_awkward_and_invalid_texts_give_the_same_result(raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(raw.encode("utf-8"), monkeypatch)


_TEXT = st.text(st.sampled_from(list("ab :#-'\"{}[],&*!|>?%@`\\\n\t0123456789.eE+~é中😀")), max_size=12)
_SCALARS = st.one_of(_TEXT, st.integers(-10**12, 10**12), st.booleans(), st.none(),
                     st.floats(allow_nan=False, allow_infinity=False))
_VALUES = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                         st.dictionaries(_TEXT, inner, max_size=4)), max_leaves=20)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_VALUES, flow=st.sampled_from([None, True, False]), style=st.sampled_from([None, "'", '"', "|"]),
       width=st.sampled_from([20, 80]))
def test_generated_documents_load_the_same_both_ways(value, flow, style, width,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    text = yaml.safe_dump({"root": value}, default_flow_style=flow, default_style=style, width=width,
                          allow_unicode=True)
    _same(text.encode("utf-8"), monkeypatch)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.text(st.sampled_from(list("ab: #-'\"{}[],&*!|>?%@`\\\n\r\t 01.~é😀\x85\u2028")), max_size=40))
def test_arbitrary_texts_load_the_same_both_ways(raw: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _same(raw.encode("utf-8"), monkeypatch)
