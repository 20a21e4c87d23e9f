"""The JSON Schema pass: every schema error as a located :class:`Problem`, and the schema's defaults filled in.

The schema (``schemas/azoai-gen.schema.json``) is the one place where spec keys get their defaults.
"""

from __future__ import annotations

import copy
import difflib
import re
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from . import regions, resources, text
from .errors import Problem
from .load import PathT, Positions

_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "object": "a mapping of keys to values", "array": "a list", "null": "nothing"}


def _is_integer(checker: Any, instance: Any) -> bool:
    # JSON Schema counts 50.0 as an integer; in a spec it is a mistake that Bicep cannot print.
    return isinstance(instance, int) and not isinstance(instance, bool)


@lru_cache(maxsize=None)
def ecma_pattern(pattern: str) -> re.Pattern[str]:
    """A JSON Schema ``pattern`` (an ECMA-262 regular expression) compiled for Python with ECMA-262's meaning of
    ``$``: the end of the text. Python's ``$`` also matches before a final newline, so ``^[0-9a-f-]{36}$`` would
    accept a GUID followed by a newline; each ``$`` outside a character class becomes ``\\Z``."""
    out, escaped, in_class = [], False, False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            in_class = True
        elif char == "]":
            in_class = False
        elif char == "$" and not in_class:
            char = "\\Z"
        out.append(char)
    return re.compile("".join(out))


def _pattern(validator: Any, pattern: str, instance: Any, schema: dict[str, Any]) -> Any:
    if validator.is_type(instance, "string") and not ecma_pattern(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


_Validator = validators.extend(
    Draft202012Validator,
    validators={"pattern": _pattern},
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


def suggest(word: str, choices: list[str]) -> str:
    """A did-you-mean hint, or nothing."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def _kind(value: Any) -> str:
    for kind, types in (("boolean", bool), ("integer", int), ("number", float), ("string", str),
                        ("array", list), ("object", dict)):
        if isinstance(value, types):
            return kind
    return "null"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _resolve(ref: str) -> dict[str, Any]:
    node: Any = resources.schema()
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def _describe(schema: dict[str, Any], key: str) -> str:
    sub = schema.get("properties", {}).get(key, {})
    if "$ref" in sub:
        sub = _resolve(sub["$ref"])
    return sub.get("description", "")


def _property_name_hint(rule: dict[str, Any]) -> str:
    if "pattern" in rule:
        return "tag names cannot contain < > % & \\ ? /"
    if "maxLength" in rule:
        return f"at most {rule['maxLength']} characters"
    return ""


def _key_problems(error: ValidationError, path: PathT, positions: Positions) -> list[Problem] | None:
    """Problems with the keys of a mapping, or ``None`` when the error is about something else."""
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    if "propertyNames" in error.schema_path:
        # The subschema's error is about a key of the mapping at ``path``.
        hint = _property_name_hint({error.validator: error.validator_value})
        return [positions.problem(path + (instance,), f"the key '{instance}' is not allowed here", hint,
                                  at_key=True)]
    if error.validator == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        problems = []
        for key in sorted((k for k in instance if k not in allowed), key=str):
            hint = suggest(str(key), allowed) or ("allowed keys: " + ", ".join(allowed) if allowed else "")
            problems.append(positions.problem(path + (key,), f"unknown key '{key}'", hint, at_key=True))
        return problems
    if error.validator == "required" and isinstance(instance, dict):
        return [positions.problem(path, f"missing required key '{key}'", _describe(schema, key))
                for key in error.validator_value if key not in instance]
    return None


def _type_problem(error: ValidationError, path: PathT, positions: Positions) -> Problem:
    expected = error.validator_value
    expected_list = expected if isinstance(expected, list) else [expected]
    words = " or ".join(_TYPE_WORDS.get(e, e) for e in expected_list)
    found = _kind(error.instance)
    hint = ""
    text = positions.texts.get(path)
    if "string" in expected_list and found in ("integer", "number", "boolean", "null"):
        shown = _short_text(text if text is not None else str(error.instance))
        hint = f'quote it: "{shown}" (YAML reads {shown or "an empty value"} as {_TYPE_WORDS[found]})'
    elif found == "string" and text is not None:
        hint = _yaml11_hint(text, expected_list)
    return positions.problem(path, f"expected {words}, found {_TYPE_WORDS.get(found, found)}", hint)


_YAML11_BOOLEANS = {"y", "yes", "n", "no", "on", "off"}
_YAML11_NUMBER = re.compile(r"[-+]?(0b[01_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|[0-9][0-9_]*(\.[0-9_]*)?)\Z")


def _yaml11_hint(text: str, expected: list[str]) -> str:
    """What to write instead of a YAML 1.1 form that the loader, following YAML 1.2, read as text."""
    if "boolean" in expected and text.lower() in _YAML11_BOOLEANS:
        return f"YAML 1.2 reads only true and false as booleans, and {_short_text(text)} as text: write true or false"
    if {"integer", "number"} & set(expected) and _YAML11_NUMBER.match(text):
        return (f"YAML 1.2 reads {_short_text(text)} as text (YAML 1.1 tools read a number in base 60, base 2 or "
                "with underscores): write the number in decimal digits")
    return ""


def _short_text(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _bound(kind: str) -> str:
    return "at least" if kind.startswith("min") else "at most"


def _value_problem(error: ValidationError, path: PathT, positions: Positions) -> Problem:
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance, kind, limit = error.instance, error.validator, error.validator_value
    description = schema.get("description", "")
    if kind == "enum":
        choices = [str(c) for c in limit]
        hint = suggest(str(instance), choices) if isinstance(instance, str) else ""
        return positions.problem(path, f"{_short(instance)} is not allowed; use one of: {', '.join(choices)}", hint)
    if kind == "const":
        return positions.problem(path, f"must be {limit!r}, found {_short(instance)}", description)
    if kind == "pattern":
        return positions.problem(path, f"{_short(instance)} is not valid here", description)
    if kind in ("minLength", "maxLength"):
        return positions.problem(path, f"{_short(instance)} is {len(instance)} characters long; "
                                       f"{_bound(kind)} {limit} allowed", description)
    if kind in ("minimum", "maximum"):
        return positions.problem(path, f"{instance} is out of range: must be {_bound(kind)} {limit}")
    if kind in ("minItems", "maxItems"):
        return positions.problem(path, f"the list has {len(instance)} item{'s' if len(instance) != 1 else ''}; "
                                       f"{_bound(kind)} {limit} allowed", description)
    if kind == "maxProperties":
        return positions.problem(path, f"{len(instance)} entries; at most {limit} allowed")
    if kind == "uniqueItems":
        return positions.problem(path, "the list has the same item twice")
    return positions.problem(path, error.message)


def _problems(error: ValidationError, positions: Positions) -> list[Problem]:
    path: PathT = tuple(error.absolute_path)
    keys = _key_problems(error, path, positions)
    if keys is not None:
        return keys
    if error.validator == "type":
        return [_type_problem(error, path, positions)]
    if error.validator == "pattern" and _is_location(path) and isinstance(error.instance, str):
        # A display name (Sweden Central) or a name with capitals or hyphens: the region it means, not the pattern.
        return [positions.problem(path, *regions.unknown(error.instance))]
    return [_value_problem(error, path, positions)]


def _is_location(path: PathT) -> bool:
    """A region's location, or the location of a region's Private Link target."""
    return len(path) >= 3 and path[0] == "regions" and path[-1] == "location"


def problems(data: Any, positions: Positions) -> list[Problem]:
    """Every way ``data`` breaks the schema, located."""
    validator = _Validator(resources.schema())
    found: list[Problem] = []
    for error in validator.iter_errors(data):
        found.extend(_problems(error, positions))
    # The text rules (azoai_gen.text) run in the same pass; where they refuse a value, its schema error (a pattern
    # that a line break broke, say) would only repeat the news.
    unfit = text.problems(data, positions)
    blamed = {(p.line, p.column, p.path) for p in unfit}
    return sorted(set(unfit + [p for p in found if (p.line, p.column, p.path) not in blamed]))


def apply_defaults(schema: dict[str, Any], value: Any) -> Any:
    """Fill in every ``default`` the schema declares, recursively. Returns a new value."""
    if "$ref" in schema:
        schema = _resolve(schema["$ref"])
    if isinstance(value, dict):
        result = {}
        properties = schema.get("properties", {})
        for key, sub in properties.items():
            if key in value:
                result[key] = apply_defaults(sub, value[key])
            elif "default" in sub:
                result[key] = apply_defaults(sub, copy.deepcopy(sub["default"]))
        for key, item in value.items():
            if key not in properties:
                result[key] = apply_defaults(schema.get("additionalProperties") or {}, item)
        return result
    if isinstance(value, list):
        return [apply_defaults(schema.get("items", {}), item) for item in value]
    return value


def with_defaults(data: Any) -> Any:
    return apply_defaults(resources.schema(), data)
