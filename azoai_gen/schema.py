"""The JSON Schema pass: every schema error as a located :class:`Problem`, and the schema's defaults filled in.

The schema (``schemas/azoai-gen.schema.json``) is the one place where spec keys get their defaults.
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import replace
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from . import regions, resources, text
from .errors import SCHEMA_RULE, TEXT_RULE, Problem, merged, one_per_place
from .ids import LazyPattern
from .load import PathT, Positions, plain_kind

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


def closest(word: str, choices: list[str]) -> str | None:
    """The choice ``word`` was most likely meant to be: the one that differs from it only in case, else the
    closest by spelling, or ``None`` (never ``word`` itself)."""
    choices = [choice for choice in choices if choice != word]
    same = [choice for choice in choices if choice.casefold() == word.casefold()]
    if same:
        return same[0]
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def suggest(word: str, choices: list[str]) -> str:
    """A did-you-mean hint, or nothing."""
    close = closest(word, choices)
    return f"did you mean '{close}'?" if close else ""


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


def _misspelt(errors: list[ValidationError]) -> set[tuple[PathT, str]]:
    """The keys that an unknown key of the same mapping was most likely meant to be: ``(mapping path, key)``."""
    meant = set()
    for error in errors:
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = sorted(error.schema.get("properties", {})) if isinstance(error.schema, dict) else []
            for key in error.instance:
                close = closest(str(key), allowed) if key not in allowed else None
                if close is not None:
                    meant.add((tuple(error.absolute_path), close))
    return meant


def _key_problems(error: ValidationError, path: PathT, positions: Positions,
                  misspelt: set[tuple[PathT, str]] = frozenset()) -> list[Problem] | None:
    """Problems with the keys of a mapping, or ``None`` when the error is about something else. A required key
    that is missing because it was misspelt is not reported again: the unknown key's hint names it."""
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
                for key in error.validator_value if key not in instance and (path, key) not in misspelt]
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
        hint = _unquote_hint(text, expected_list, positions.quotes.get(path)) or _yaml11_hint(text, expected_list)
    return positions.problem(path, f"expected {words}, found {_TYPE_WORDS.get(found, found)}", hint)


def _unquote_hint(text: str, expected: list[str], quote: str | None) -> str:
    """For a number or boolean that YAML read as text because it is quoted (or tagged): what to write instead."""
    kind = plain_kind(text)
    fits = kind in expected or (kind == "integer" and "number" in expected)
    if not fits or kind not in ("integer", "number", "boolean"):
        return ""
    if quote:
        return f"remove the quotes: write {_short_text(text)}, not {quote}{_short_text(text)}{quote}"
    return f"remove the tag: write {_short_text(text)}"


_YAML11_BOOLEANS = {"y", "yes", "n", "no", "on", "off"}
_YAML11_NUMBER = LazyPattern(r"[-+]?(0b[01_]+|[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|[0-9][0-9_]*(\.[0-9_]*)?)\Z")


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


def _lower_case_fits(instance: Any, pattern: str) -> bool:
    """Whether ``instance`` breaks ``pattern`` only by its capitals."""
    return (isinstance(instance, str) and instance != instance.lower()
            and bool(ecma_pattern(pattern).search(instance.lower())))


def _length(instance: str, kind: str, limit: int) -> str:
    return f"{len(instance)} character{'s' if len(instance) != 1 else ''} long; {_bound(kind)} {limit} allowed"


def _value_problem(error: ValidationError, path: PathT, positions: Positions) -> Problem:
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance, kind, limit = error.instance, error.validator, error.validator_value
    description = schema.get("description", "")
    if kind == "enum":
        choices = [str(c) for c in limit]
        if isinstance(instance, str) and instance != instance.lower() and instance.lower() in limit:
            return positions.problem(path, f"{_short(instance)} must be lower case: '{instance.lower()}'", description)
        hint = suggest(str(instance), choices) if isinstance(instance, str) else ""
        return positions.problem(path, f"{_short(instance)} is not allowed; use one of: {', '.join(choices)}", hint)
    if kind == "const":
        quote = positions.quotes.get(path)
        unquote = _unquote_hint(instance, [_kind(limit)], quote) if isinstance(instance, str) else ""
        return positions.problem(path, f"must be {limit!r}, found {_short(instance)}", unquote or description)
    if kind == "pattern":
        if _lower_case_fits(instance, limit):
            return positions.problem(path, f"{_short(instance)} must be lower case: '{instance.lower()}'", description)
        return positions.problem(path, f"{_short(instance)} is not valid here", description)
    if kind in ("minLength", "maxLength"):
        return positions.problem(path, f"{_short(instance)} is {_length(instance, kind, limit)}", description)
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


def _value_problems(errors: list[ValidationError], path: PathT, positions: Positions) -> Problem:
    """One problem for every way one value breaks its schema: a text too long and in capitals is one mistake to
    fix, not two to read."""
    located = [e for e in errors if e.validator == "pattern" and isinstance(e.instance, str)]
    if located and _is_location(path) and located[0].instance.lower() not in regions.known():
        # A display name (Sweden Central) or a name with capitals or hyphens: the region it means, not the pattern.
        return positions.problem(path, *regions.unknown(located[0].instance))
    if len(errors) == 1:
        return _value_problem(errors[0], path, positions)
    by_kind = {error.validator: error for error in errors}
    length = by_kind.get("minLength") or by_kind.get("maxLength")
    pattern = by_kind.get("pattern")
    if length is not None and pattern is not None and len(errors) == 2:
        instance = length.instance
        if instance == "":
            return _value_problem(length, path, positions)
        form = ("must be lower case" if _lower_case_fits(instance, pattern.validator_value)
                else "does not have the form allowed here")
        description = length.schema.get("description", "") if isinstance(length.schema, dict) else ""
        size = _length(instance, length.validator, length.validator_value)
        return positions.problem(path, f"{_short(instance)} is {size}, and {form}", description)
    return merged([_value_problem(error, path, positions) for error in errors])


@lru_cache(maxsize=None)
def _validator() -> Any:
    """The spec's validator, built once: a run over many specs checks each with the same one."""
    return _Validator(resources.schema())


def _is_location(path: PathT) -> bool:
    """A region's location, or the location of a region's Private Link target."""
    return len(path) >= 3 and path[0] == "regions" and path[-1] == "location"


def problems(data: Any, positions: Positions) -> list[Problem]:
    """Every way ``data`` breaks the schema, located, one problem per value or key."""
    errors = list(_validator().iter_errors(data))
    misspelt = _misspelt(errors)
    found: list[Problem] = []
    values: dict[PathT, list[ValidationError]] = {}
    for error in errors:
        path: PathT = tuple(error.absolute_path)
        keys = _key_problems(error, path, positions, misspelt)
        if keys is not None:
            found.extend(keys)
        elif error.validator == "type":
            found.append(_type_problem(error, path, positions))
        else:
            values.setdefault(path, []).append(error)
    found += [_value_problems(errors_here, path, positions) for path, errors_here in values.items()]
    found = [replace(problem, rule=SCHEMA_RULE) for problem in found]
    # The text rules (azoai_gen.text) run in the same pass; where they refuse a value, its schema error (a pattern
    # that a line break broke, say) would only repeat the news.
    unfit = [replace(problem, rule=TEXT_RULE) for problem in text.problems(data, positions)]
    blamed = {(p.line, p.column, p.path) for p in unfit}
    return one_per_place(unfit + [p for p in found if (p.line, p.column, p.path) not in blamed])


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
