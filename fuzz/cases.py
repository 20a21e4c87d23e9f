"""The specs the harness tries: hostile values injected into one field, mutated examples, hostile file names.

Every case is built from its own random generator, seeded by the run's seed and the case's number, so that one
case can be rebuilt alone (``--case N``).
"""

from __future__ import annotations

import copy
import os
import random
import re
import dataclasses
from dataclasses import dataclass
from typing import Any, Callable

from fuzz import hostile
from fuzz.fields import Field, Placer, Samples, values_at, with_value
from fuzz.hostile import PLAIN, STRINGS, Plain

#: How a hostile text is combined with a valid value of a constrained field.
VARIANTS = ("alone", "after", "before", "inside")
#: The benign value of free-text fields: its reappearance shows where the field lands in the output.
MARKER = "fzmark"
FILE_MARKER = "fzmark.yaml"


@dataclass
class Case:
    number: int
    kind: str  # inject, mutate or filename
    base: str
    data: dict | None
    file_name: str = "spec.yaml"
    raw: bytes | None = None
    field: Field | None = None
    value: Any = None
    #: The value the spec means (YAML 1.2's reading of a plain scalar); what must reappear in the output.
    expected: Any = None
    path: tuple = ()
    #: The same spec with a benign value instead: (data, file name), and the benign value.
    twin: tuple[dict, str] | None = None
    benign: Any = None
    mutations: list[str] = dataclasses.field(default_factory=list)

    @property
    def text(self) -> bytes:
        return self.raw if self.raw is not None else hostile.dump(self.data).encode("utf-8")

    def describe(self) -> str:
        if self.kind == "inject":
            return f"{self.field.name} = {hostile.describe(self.value)}"
        if self.kind == "filename":
            return f"file name {hostile.describe(self.file_name)}"
        return "mutations: " + "; ".join(self.mutations)


class Builder:
    """Builds case number ``n`` of a run from the examples, the schema's fields and the run's seed."""

    def __init__(self, examples: dict[str, dict], fields: list[Field], placer: Placer, samples: Samples,
                 seed: int) -> None:
        self.examples = examples
        self.fields = fields
        self.placer = placer
        self.samples = samples
        self.seed = seed
        order = random.Random(f"{seed}:fields")
        self.schedule = list(fields)
        order.shuffle(self.schedule)
        self.strings = list(STRINGS)
        self.orders: dict[str, list[str]] = {}
        #: Only hostile values in fields (no mutated examples, no file names): set when the fields are chosen.
        self.only_inject = False
        #: Whether spec data with a benign value renders, and with the value in its files: ``reached``, ``rendered``
        #: or ``refused`` (the harness renders the twins); without it, every twin is taken as it is.
        self.accepts: Callable[[dict, Any], str] = lambda data, benign: "reached"
        self.plain = list(PLAIN)

    def build(self, number: int) -> Case:
        """Case ``number``: of every ten, seven inject into the next field of the schedule, two mutate an example
        and one gives the spec a hostile file name."""
        rng = random.Random(f"{self.seed}:{number}")
        slot = number % 10
        if slot < 7 or self.only_inject:
            injected_before = number if self.only_inject else 7 * (number // 10) + slot
            chosen = self.schedule[injected_before % len(self.schedule)]
            turn = injected_before // len(self.schedule)
            return self.inject(number, rng, chosen, self.base_for(chosen, rng), turn)
        if slot < 9:
            return self.mutate(number, rng)
        return self.file_name(number, rng)

    def base_for(self, chosen: Field, rng: random.Random) -> str:
        """An example that already sets the field if one does (most of the time), any example otherwise."""
        names = sorted(self.examples)
        having = [n for n in names if self.samples_in(n, chosen)]
        return rng.choice(having) if having and rng.random() < 0.8 else rng.choice(names)

    def samples_in(self, name: str, chosen: Field) -> bool:
        return any(True for _ in values_at(self.examples[name], chosen.path))

    # -- one field ------------------------------------------------------------------------------------------------

    def inject(self, number: int, rng: random.Random, chosen: Field, base: str, turn: int = 0) -> Case:
        """Case ``number``: a hostile value in ``chosen``; the field's ``turn``-th time takes the ``turn``-th hostile
        text of the field's own order of them, so that every text reaches every field over a long run."""
        placement = rng.choice([0, 0, 0, 1, 2])
        having = [b for b in sorted(self.examples) if self.samples_in(b, chosen)]
        others = [b for b in sorted(self.examples) if b not in having]
        rng.shuffle(having)
        rng.shuffle(others)
        bases = list(dict.fromkeys([base] + having + others))[:5]
        base, benign, twin_data = self.benign_twin(chosen, bases, placement)
        value = self.hostile_value(rng, chosen, benign, turn)
        hostile_data, path = with_value(self.examples[base], self.placer, chosen, value, _seed(self, chosen, base,
                                                                                                  placement))
        expected = hostile.yaml12(value.text) if isinstance(value, Plain) else value
        return Case(number, "inject", base, hostile_data, field=chosen, value=value, expected=expected, path=path,
                    twin=(twin_data, "spec.yaml"), benign=benign)

    def benign_twin(self, chosen: Field, bases: list[str], placement: int) -> tuple[str, Any, dict]:
        """The first base and benign value (the unique marker where the schema admits it, then the samples) whose
        spec renders with the value in its files; else the first that renders; else the first of each."""
        marker = _fit(MARKER, chosen.schema)
        candidates = ([marker] if _allows(chosen.schema, marker) else []) + self.samples.by_field.get(chosen.name,
                                                                                                       [])[:4]
        candidates = candidates or [None]
        first = rendered = None
        for base in bases:
            for benign in candidates:
                data, _ = with_value(self.examples[base], self.placer, chosen, benign,
                                     _seed(self, chosen, base, placement))
                first = first or (base, benign, data)
                verdict = self.accepts(data, benign)
                if verdict == "reached":
                    return base, benign, data
                if verdict == "rendered":
                    rendered = rendered or (base, benign, data)
        return rendered or first

    def hostile_value(self, rng: random.Random, chosen: Field, benign: Any, turn: int) -> Any:
        """The ``turn``-th hostile value of a field. A text field gets a plain scalar every seventh turn and the
        next hostile text otherwise; other fields get plain scalars seven turns in ten."""
        period, plain_turns = (7, 1) if chosen.is_text else (10, 7)
        cycle, step = divmod(turn, period)
        if self.plain and step >= period - plain_turns:
            return self.plain[(cycle * plain_turns + step - (period - plain_turns)) % len(self.plain)]
        strings_turn = turn if not self.plain else cycle * (period - plain_turns) + step
        text = self.order(chosen)[strings_turn % len(self.strings)]
        if not isinstance(benign, str) or not benign:
            return text
        if chosen.kind == "pattern" and rng.random() < 0.2:  # Python's $ matches before a final line feed
            return benign + rng.choice(["\n", "\n", "\n", "\r\n", "\r"])
        variant = rng.choice(VARIANTS if chosen.kind == "pattern" else ("alone", "alone", "inside"))
        cut = rng.randrange(len(benign) + 1)
        return {"alone": text, "after": benign + text, "before": text + benign,
                "inside": benign[:cut] + text + benign[cut:]}[variant]

    def order(self, chosen: Field) -> list[str]:
        """The order in which ``chosen`` gets the hostile texts: :data:`~fuzz.hostile.FIRST` first, each part
        shuffled for the field."""
        if chosen.name not in self.orders:
            rng = random.Random(f"{self.seed}:{chosen.name}:strings")
            first = [t for t in self.strings if t in hostile.FIRST]
            rest = [t for t in self.strings if t not in hostile.FIRST]
            rng.shuffle(first)
            rng.shuffle(rest)
            self.orders[chosen.name] = first + rest
        return self.orders[chosen.name]

    # -- mutated examples -----------------------------------------------------------------------------------------

    def mutate(self, number: int, rng: random.Random) -> Case:
        base = rng.choice(sorted(self.examples))
        data = copy.deepcopy(self.examples[base])
        done = []
        for _ in range(rng.randint(1, 3)):
            operation = rng.choice(_MUTATIONS)
            done.append(operation(self, data, rng))
        case = Case(number, "mutate", base, data, mutations=done)
        if rng.random() < 0.2:
            case.raw, note = _mangle(case.text, rng)
            case.mutations.append(note)
        return case

    def file_name(self, number: int, rng: random.Random) -> Case:
        base = rng.choice(sorted(self.examples))
        text = rng.choice([s for s in self.strings if "/" not in s and "\0" not in s and len(s) < 100])
        text = "".join(c if not 0xD800 <= ord(c) <= 0xDFFF else chr(0xDC80 + ord(c) % 0x80) for c in text)
        name = f"spec{text}.yaml"
        if len(os.fsencode(name)) > 200 or name in (".", ".."):
            name = "spec-long.yaml"
        data = self.examples[base]
        return Case(number, "filename", base, copy.deepcopy(data), file_name=name, expected=name,
                    twin=(data, FILE_MARKER), benign=FILE_MARKER)


def _seed(builder: Builder, chosen: Field, base: str, placement: int) -> str:
    """The seed of a placement: the hostile value and its benign twin go to the same place."""
    return f"{builder.seed}:{chosen.name}:{base}:{placement}"


def _allows(schema: dict, text: str) -> bool:
    """Whether a text field's schema admits ``text`` (so that a unique marker can stand for its benign value)."""
    if schema.get("type") not in ("string", None) or "enum" in schema or "const" in schema or "format" in schema:
        return False
    if schema.get("type") is None and "pattern" not in schema:
        return False
    pattern = schema.get("pattern")
    return pattern is None or re.search(pattern, text) is not None


def _fit(text: str, schema: dict) -> str:
    low, high = schema.get("minLength", 0), schema.get("maxLength", 10 ** 6)
    return (text + "z" * max(0, low - len(text)))[:high]


# ---------------------------------------------------------------------------------------------------------------------
# Mutations of spec data. Each changes ``data`` in place and says what it did.

def _nodes(data: Any, path: tuple = ()) -> list[tuple[tuple, Any]]:
    found = [(path, data)]
    if isinstance(data, dict):
        for key, value in data.items():
            found += _nodes(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += _nodes(value, path + (index,))
    return found


def _parent(data: Any, path: tuple) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def _leaf(data: Any, rng: random.Random) -> tuple:
    leaves = [path for path, value in _nodes(data) if path and not isinstance(value, (dict, list))]
    return rng.choice(leaves)


def _delete(builder: Builder, data: dict, rng: random.Random) -> str:
    path = rng.choice([p for p, _ in _nodes(data) if p])
    del _parent(data, path)[path[-1]]
    return f"delete {_show(path)}"


_ODD = [None, [], {}, True, False, 0, -1, 1.5, "", "x", 10 ** 30, -(10 ** 30), [None], {"x": 1}]


def _retype(builder: Builder, data: dict, rng: random.Random) -> str:
    path = rng.choice([p for p, _ in _nodes(data) if p])
    value = rng.choice(_ODD + builder.plain[:3])
    _parent(data, path)[path[-1]] = copy.deepcopy(value)
    return f"{_show(path)} = {hostile.describe(value) if isinstance(value, (str, Plain)) else repr(value)}"


def _plain(builder: Builder, data: dict, rng: random.Random) -> str:
    path = _leaf(data, rng)
    value = rng.choice(builder.plain)
    _parent(data, path)[path[-1]] = value
    return f"{_show(path)} = {hostile.describe(value)}"


def _hostile(builder: Builder, data: dict, rng: random.Random) -> str:
    path = _leaf(data, rng)
    value = rng.choice(builder.strings)
    _parent(data, path)[path[-1]] = value
    return f"{_show(path)} = {hostile.describe(value)}"


def _duplicate(builder: Builder, data: dict, rng: random.Random) -> str:
    lists = [(p, v) for p, v in _nodes(data) if isinstance(v, list) and v]
    if not lists:
        return "duplicate nothing"
    path, items = rng.choice(lists)
    items.append(copy.deepcopy(rng.choice(items)))
    return f"duplicate an item of {_show(path)}"


def _empty(builder: Builder, data: dict, rng: random.Random) -> str:
    path = rng.choice([p for p, v in _nodes(data) if p and isinstance(v, (list, dict))])
    parent = _parent(data, path)
    parent[path[-1]] = [] if isinstance(parent[path[-1]], list) else {}
    return f"empty {_show(path)}"


def _tier(builder: Builder, data: dict, rng: random.Random) -> str:
    data["tier"] = rng.choice([1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 0, 6])
    return f"tier = {data['tier']}"


def _add(builder: Builder, data: dict, rng: random.Random) -> str:
    chosen = rng.choice(builder.fields)
    value = builder.samples.get(chosen, rng)
    if value is None:
        return f"no sample for {chosen.name}"
    try:
        builder.placer.place(data, chosen, value, rng)
    except (TypeError, AttributeError, IndexError, KeyError):
        return f"cannot place {chosen.name}"
    return f"set {chosen.name} = {hostile.describe(value) if isinstance(value, str) else value!r}"


def _swap(builder: Builder, data: dict, rng: random.Random) -> str:
    first, second = _leaf(data, rng), _leaf(data, rng)
    a, b = _parent(data, first), _parent(data, second)
    a[first[-1]], b[second[-1]] = b[second[-1]], a[first[-1]]
    return f"swap {_show(first)} and {_show(second)}"


_MUTATIONS = [_delete, _retype, _plain, _hostile, _duplicate, _empty, _tier, _tier, _add, _add, _add, _swap]

_SNIPPETS = [b"\x00", b"\xff", b"\xef\xbb\xbf", b"\t", b"\r", b"&a ", b"*a ", b"<<: *a\n", b"!!python/object:os.system ",
             b"---\n", b"...\n", b"%YAML 1.1\n", b"? ", b"- ", b": ", b"{", b"[", b"\"", b"'", b"#", b"\xc3\x28",
             b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"!!binary ", b"!!set ", b"!!omap ", b"!custom "]


def _mangle(text: bytes, rng: random.Random) -> tuple[bytes, str]:
    """Spec bytes with a snippet inserted at a random place, or cut short."""
    at = rng.randrange(len(text) + 1)
    if rng.random() < 0.15:
        return text[:at], f"cut at byte {at}"
    snippet = rng.choice(_SNIPPETS)
    return text[:at] + snippet + text[at:], f"insert {snippet!r} at byte {at}"


def _show(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text
