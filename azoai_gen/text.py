"""Text rules: what the text of a spec may hold, checked once, at the edge (the schema pass), with its location.

Every string value of the spec, every key of a mapping whose keys are data (``tags``) and the spec's file name (which
the generated files name) are found by walking the schema alongside the data, so a new field is covered as soon as
the schema has it. One rule set applies to all of them. Text is refused when it holds:

* a control character (U+0000 to U+001F, U+007F to U+009F): a line break in a tag name became Bicep code, a vertical
  tab could not be written into the policy XML, an escape sequence rewrote the user's terminal;
* a lone surrogate (``"\\ud800"`` is valid YAML), which no UTF-8 file can hold;
* a bidirectional control (U+202A to U+202E, U+2066 to U+2069, U+200E, U+200F, U+061C) or another invisible
  formatting character (U+200B, U+2060, U+FEFF, ...): they make text read differently in review than it is. The
  zero-width non-joiner and joiner (U+200C, U+200D), which scripts and emoji need, and the emoji tag characters are
  allowed; Bicep shows them as escapes;
* a line or paragraph separator (U+2028, U+2029), which editors and several languages read as a line break;
* a noncharacter (U+FDD0 to U+FDEF, U+FFFE, U+FFFF and the last two code points of every plane), which XML cannot
  hold.

Lengths and forms are the schema's, after Azure's limits (tag names at most 512 characters without ``<>%&\\?/``, tag
values at most 256, API Management publisher name and email at most 100, ...), and every pattern is anchored at the
very end of the text (:func:`azoai_gen.schema.ecma_pattern`).

Values that API Management reads in a policy are refused when the gateway would not read them as literals
(:data:`POLICY_LITERALS`): it substitutes a named value for ``{{name}}`` and evaluates a value that begins with
``@(`` or ``@{``. No such field can need either.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePath
from typing import Any, Iterator

from . import resources
from .errors import Problem
from .load import PathT, Positions

#: Bidirectional controls: embeddings, overrides and isolates, and the implicit marks.
BIDI_CONTROLS = frozenset([0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
#: Invisible formatting characters that text needs: the zero-width non-joiner and joiner, and the tag characters
#: of emoji flag sequences.
ALLOWED_FORMAT = frozenset([0x200C, 0x200D, *range(0xE0020, 0xE0080)])

#: Fields whose values API Management reads in a policy, by spec path (``[]`` for every item of a list).
POLICY_LITERALS = {"apiManagement.oauth.audiences[]": "an audience",
                   "apiManagement.contentSafety.blocklists[]": "a blocklist name"}

HINT = ("spec text cannot hold control characters (line breaks and tabs included), lone surrogates, bidirectional "
        "controls, invisible formatting characters, line separators or noncharacters: remove it")


def noncharacter(char: str) -> bool:
    """Unicode's noncharacters: U+FDD0 to U+FDEF and the last two code points of every plane."""
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE


def refused_kind(char: str) -> str | None:
    """What makes ``char`` unfit for spec text, or ``None`` when it is fit."""
    code = ord(char)
    category = unicodedata.category(char)
    if category == "Cs":
        return "a lone surrogate"
    if category == "Cc":
        return "a control character"
    if code in BIDI_CONTROLS:
        return "a bidirectional control"
    if category == "Cf" and code not in ALLOWED_FORMAT:
        return "an invisible formatting character"
    if category in ("Zl", "Zp"):
        return "a line or paragraph separator"
    if noncharacter(char):
        return "a noncharacter"
    return None


def first_refused(text: str) -> str | None:
    """Why ``text`` is unfit for a spec, naming its first unfit character, or ``None`` when it is fit."""
    for index, char in enumerate(text):
        kind = refused_kind(char)
        if kind:
            return f"{kind} (U+{ord(char):04X}) at character {index + 1}"
    return None


_POLICY_EXPRESSION = re.compile(r"\s*@[({]")


def policy_literal_problem(text: str) -> str | None:
    """Why API Management would not read ``text`` as a literal in a policy, or ``None``."""
    if "{{" in text:
        return "API Management reads {{ as the start of a named value reference"
    if _POLICY_EXPRESSION.match(text):
        return "API Management evaluates a value that begins with @( or @{ as a policy expression"
    return None


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = resources.schema()
        for part in schema["$ref"].lstrip("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def texts(schema: dict[str, Any], data: Any, path: PathT = ()) -> Iterator[tuple[PathT, str, bool]]:
    """Every text of ``data`` where ``schema`` says what it is: ``(path, text, is_key)``. Keys are yielded for
    mappings whose keys are data (``additionalProperties`` with a schema); other keys are the schema's own."""
    schema = _resolve(schema)
    if isinstance(data, str):
        yield path, data, False
    elif isinstance(data, dict):
        properties, extra = schema.get("properties", {}), schema.get("additionalProperties")
        for key, value in data.items():
            if key in properties:
                yield from texts(properties[key], value, path + (key,))
            elif isinstance(extra, dict) and isinstance(key, str):
                yield path + (key,), key, True
                yield from texts(extra, value, path + (key,))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from texts(schema.get("items", {}), item, path + (index,))


def _field(path: PathT) -> str:
    return "".join("[]" if isinstance(part, int) else f".{part}" for part in path).lstrip(".")


def problems(data: Any, positions: Positions) -> list[Problem]:
    """Every text of the spec that the rules above refuse, located; the spec's file name included."""
    found = []
    for path, text, is_key in texts(resources.schema(), data):
        what = "this key" if is_key else "this value"
        unfit = first_refused(text)
        if unfit:
            found.append(positions.problem(path, f"{what} holds {unfit}", HINT, at_key=is_key))
            continue
        literal = POLICY_LITERALS.get(_field(path))
        problem = policy_literal_problem(text) if literal and not is_key else None
        if problem:
            found.append(positions.problem(path, f"{problem}, so {literal} cannot hold it",
                                           f"{literal} is a literal: write it without {{{{ and without a leading @"))
    return found + file_name_problems(positions.file)


def file_name_problems(file: str) -> list[Problem]:
    """The spec's file name is written into the generated files' headers: the same rules apply to it."""
    unfit = first_refused(PurePath(file).name)
    if not unfit:
        return []
    return [Problem(file, 1, 1, "(spec)", f"the spec's file name holds {unfit}",
                    "rename the file: the generated files name it in their headers")]
