"""What a spec setting means, read from the schema: ``azoai-gen explain PATH`` (like ``kubectl explain``).

A path names a setting as the spec nests it: ``network.addressSpace``, ``apiManagement.sku``, ``regions.location``
or ``regions[].location`` (``regions[0].location`` too). Lists are crossed with ``[]``; a mapping whose keys are data
(``tags``) is crossed with any key (``tags.costCenter``). The schema is the one source: descriptions, types,
defaults, allowed values and patterns are its own, and ``x-tiers`` on every property lists the tiers at which the
setting is read (``tests/test_explain.py`` holds each list against what renders differently at each tier).
"""

from __future__ import annotations

import difflib
import json
import re
import textwrap
from dataclasses import replace
from typing import Any, Iterator

from . import resources
from .errors import UsageError
from .frozen import frozen

#: One step of a path: a name, and whether it crosses a list (``[]`` or ``[N]``).
_STEP = re.compile(r"(?P<name>[^.\[\]]+)(?P<list>\[[0-9]*\])?\Z")


@frozen
class Child:
    """A setting inside an object, as ``explain`` lists it."""

    name: str
    type: str
    required: bool
    tiers: tuple[int, ...]
    summary: str


@frozen
class Setting:
    """Everything the schema says about one setting."""

    path: str
    description: str
    type: str
    required: bool
    #: The default as JSON text, or ``None`` when the schema gives none.
    default: str | None
    #: Allowed values as JSON text (an enum or a constant).
    allowed: tuple[str, ...]
    pattern: str | None
    #: Limits in words: lengths, ranges, item counts.
    limits: tuple[str, ...]
    tiers: tuple[int, ...]
    children: tuple[Child, ...]


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """A schema node with its ``$ref`` followed; the node's own keywords win over the referenced ones."""
    if "$ref" not in node:
        return node
    target: Any = resources.schema()
    for part in node["$ref"].lstrip("#/").split("/"):
        target = target[part]
    merged = dict(_resolve(target))
    merged.update({key: value for key, value in node.items() if key != "$ref"})
    return merged


def _items(node: dict[str, Any]) -> dict[str, Any] | None:
    """The schema of a list's items, or ``None`` for anything but a list."""
    items = node.get("items")
    return _resolve(items) if node.get("type") == "array" and isinstance(items, dict) else None


def _fields(node: dict[str, Any]) -> dict[str, Any]:
    """The named settings inside a node: an object's properties, or those of a list's items."""
    inner = _items(node) or node
    return inner.get("properties", {})


def _data_values(node: dict[str, Any]) -> dict[str, Any] | None:
    """The schema of the values of a mapping whose keys are data (``tags``), or ``None``."""
    inner = _items(node) or node
    extra = inner.get("additionalProperties")
    return _resolve(extra) if isinstance(extra, dict) else None


def _type(node: dict[str, Any]) -> str:
    if "const" in node:
        return f"constant {json.dumps(node['const'])}"
    if "enum" in node:
        kinds = sorted({type(value).__name__ for value in node["enum"]})
        return "string (one of the allowed values)" if kinds == ["str"] else "one of the allowed values"
    items = _items(node)
    if items is not None:
        return f"list of {_type(items)}"
    if node.get("type") == "object" and _data_values(node) is not None and not node.get("properties"):
        return f"mapping of name to {_type(_data_values(node))}"
    return str(node.get("type", "any"))


def _limits(node: dict[str, Any]) -> tuple[str, ...]:
    words = {"minLength": "at least {} characters", "maxLength": "at most {} characters", "minimum": "at least {}",
             "maximum": "at most {}", "minItems": "at least {} items", "maxItems": "at most {} items",
             "maxProperties": "at most {} entries"}
    found = [text.format(node[key]) for key, text in words.items() if key in node]
    found = [text.replace(" 1 items", " 1 item").replace(" 1 characters", " 1 character") for text in found]
    if node.get("uniqueItems"):
        found.append("no item twice")
    return tuple(found)


def _summary(description: str) -> str:
    """The first sentence of a description."""
    match = re.match(r"(.+?\.)(\s|$)", description)
    return match.group(1) if match else description


def _tiers(node: dict[str, Any]) -> tuple[int, ...]:
    return tuple(node.get("x-tiers", ()))


def _setting(path: str, node: dict[str, Any], required: bool) -> Setting:
    fields, needed = _fields(node), set((_items(node) or node).get("required", ()))
    children = tuple(Child(name, _type(_resolve(child)), name in needed, _tiers(child),
                           _summary(_resolve(child).get("description", "")))
                     for name, child in fields.items())
    allowed = tuple(json.dumps(value) for value in node.get("enum", [node["const"]] if "const" in node else []))
    default = json.dumps(node["default"]) if "default" in node else None
    return Setting(path, node.get("description", ""), _type(node), required, default, allowed, node.get("pattern"),
                   _limits(node), _tiers(node), children)


def top_level() -> Setting:
    """The spec itself: its description and its top-level settings."""
    return _setting("", resources.schema(), True)


def explain(path: str) -> Setting:
    """The setting at ``path``. Raises :class:`UsageError` (with a did-you-mean) for a path the schema lacks."""
    text = path.strip()
    steps = [_STEP.match(part) for part in text.split(".")] if text else []
    if not steps or not all(steps):
        raise UsageError(f"{path!r} is not a setting path", "write it like network.addressSpace or "
                         "regions[].location; run 'azoai-gen explain' to list the settings")
    node, canonical, required, tiers = resources.schema(), "", True, ()
    for step in steps:
        name, fields = step["name"], _fields(node)
        joiner = "" if not canonical else "[]." if _items(node) is not None else "."
        if name in fields:
            required = name in set((_items(node) or node).get("required", ()))
            tiers = _tiers(fields[name]) or tiers
            node, canonical = _resolve(fields[name]), canonical + joiner + name
        elif _data_values(node) is not None:
            node, required, canonical = _data_values(node), False, canonical + joiner + "<name>"
        else:
            raise UsageError(f"unknown setting {path!r}", _did_you_mean(text))
        if step["list"] and _items(node) is None:
            raise UsageError(f"{canonical} is not a list", _did_you_mean(text))
    return replace(_setting(canonical, node, required), tiers=tiers)


def paths() -> list[str]:
    """Every setting path the schema describes, canonical (``regions[].network.addressSpace``)."""
    return [path for path, _ in _walk(resources.schema(), "")]


def _walk(node: dict[str, Any], prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, child in _fields(node).items():
        resolved = _resolve(child)
        path = f"{prefix}{name}"
        yield path, resolved
        yield from _walk(resolved, path + ("[]." if _items(resolved) is not None else "."))


def _did_you_mean(text: str) -> str:
    """A hint naming the closest settings: the closest paths, else those whose last name is the path's last name,
    else those whose last name is close to it."""
    bare = {path.replace("[]", ""): path for path in paths()}
    typed = re.sub(r"\[[0-9]*\]", "", text)
    last = typed.rsplit(".", 1)[-1]
    lasts = {path: path.rsplit(".", 1)[-1] for path in bare}
    close = difflib.get_close_matches(typed, list(bare), n=3, cutoff=0.85)
    if not close:
        close = [path for path in bare if lasts[path] == last]
    if not close:
        near = set(difflib.get_close_matches(last, sorted(set(lasts.values())), n=1, cutoff=0.75))
        close = [path for path in bare if lasts[path] in near]
    names = " or ".join(f"'{bare[path]}'" for path in close[:4])
    return (f"did you mean {names}? " if names else "") + "run 'azoai-gen explain' to list the settings"


def tier_list(tiers: tuple[int, ...]) -> str:
    """Tiers as a reader counts them: ``1-5``, ``3-5``, ``1, 2``, ``5``, or ``none``."""
    if not tiers:
        return "none"
    runs: list[list[int]] = []
    for tier in sorted(tiers):
        if runs and tier == runs[-1][-1] + 1:
            runs[-1].append(tier)
        else:
            runs.append([tier])
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 2 else ", ".join(map(str, run)) for run in runs)


def text(setting: Setting, width: int = 100) -> str:
    """The setting as ``azoai-gen explain`` prints it: its facts, its description, and the settings inside it."""
    facts = [("type", setting.type), ("required", "yes" if setting.required else "no")]
    facts += [("default", setting.default)] if setting.default is not None else []
    facts += [("allowed", ", ".join(setting.allowed))] if setting.allowed else []
    facts += [("pattern", setting.pattern)] if setting.pattern else []
    facts += [("limits", "; ".join(setting.limits))] if setting.limits else []
    facts.append(("tiers", tier_list(setting.tiers) + "  (read at these tiers; ignored or refused at the others)"))
    lines = [setting.path or "azoai-gen spec"]
    if setting.path:
        lines += [f"  {name + ':':<10} {value}" for name, value in facts]
    lines += [""] + textwrap.wrap(setting.description, width, initial_indent="  ", subsequent_indent="  ")
    if setting.children:
        name_width = max(len(child.name) for child in setting.children)
        type_width = max(len(child.type) for child in setting.children)
        lines += ["", "  fields:" if setting.path else "  settings:"]
        for child in setting.children:
            mark = "required" if child.required else "optional"
            lines.append(f"    {child.name:<{name_width}}  {child.type:<{type_width}}  {mark}  tiers "
                         f"{tier_list(child.tiers):<7}  {child.summary}")
    return "\n".join(lines) + "\n"
