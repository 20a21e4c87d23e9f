"""The deploy-time estimate of a render: the module graph of ``main.bicep``, a duration range per module, and the
longest chain (the critical path).

``estimate(files)`` reads the rendered files (``{path: text}``, as ``render`` returns them). Each ``module`` (and
top-level ``resource``) of ``main.bicep`` is a step; it waits for the steps its ``dependsOn`` names and for those whose
symbols its body refers to, directly or through a ``var``. A step's duration comes from the resources its module
file declares, by resource type, from the dated table ``azoai_gen/data/durations.json``: a child resource runs after
its parent in the same module and after the types its entry names in ``after`` (model deployments after content
filters, filters after blocklist items), serial resources (``@batchSize(1)``: model deployments, content filters,
blocklists and their items; peerings of one VNet) add up.
"""

from __future__ import annotations

import re
from typing import Any

from . import resources
from .azure import PROVISIONED_SKUS
from .frozen import frozen

_STATEMENT = re.compile(r"^(module|resource|var|output|param|metadata|targetScope|type|func|import)\b[^\n]*", re.M)
_DECLARATION = re.compile(r"^(module|resource) (\w+) '([^'@]+)(?:@[^']*)?'( existing)? =")
_VAR = re.compile(r"^var (\w+)")
_IDENTIFIER = re.compile(r"(?<![.\w])([A-Za-z_]\w*)(?!\w)(?!:)")
_PARAM_DEPLOYMENTS = re.compile(r"^param modelDeployments = \[(.*?)^\]", re.M | re.S)
_SKU = re.compile(r"^\s*sku: '([^']*)'", re.M)
DEPLOYMENTS_TYPE = "Microsoft.CognitiveServices/accounts/deployments"


@frozen
class Step:
    symbol: str
    #: The module's path (``modules/apim.bicep``) or, for a resource in main.bicep, its type.
    target: str
    depends_on: tuple[str, ...]
    minutes_min: int
    minutes_max: int
    #: What the duration is made of: the resource types behind it, each with its range.
    basis: str

    def as_dict(self) -> dict[str, Any]:
        return {"symbol": self.symbol, "target": self.target, "dependsOn": list(self.depends_on),
                "minutes": {"min": self.minutes_min, "max": self.minutes_max}, "basis": self.basis}


@frozen
class Timeline:
    steps: tuple[Step, ...]
    critical_path: tuple[str, ...]
    total_min: int
    total_max: int
    table_date: str
    source: str
    notes: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"tableDate": self.table_date, "source": self.source,
                "total": {"min": self.total_min, "max": self.total_max},
                "criticalPath": list(self.critical_path), "steps": [s.as_dict() for s in self.steps],
                "notes": list(self.notes)}


def code_only(text: str) -> str:
    """``text`` without comments and string contents (interpolations ``${...}`` stay: they are code)."""
    out: list[str] = []
    _scan(text, 0, out, None)
    return "".join(out)


def _scan(text: str, pos: int, out: list[str], closing: str | None) -> int:
    depth = 0
    while pos < len(text):
        char = text[pos]
        if text.startswith("//", pos):
            end = text.find("\n", pos)
            pos = len(text) if end < 0 else end
        elif text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            pos = len(text) if end < 0 else end + 2
        elif text.startswith("'''", pos):
            end = text.find("'''", pos + 3)
            out.append("''")
            pos = len(text) if end < 0 else end + 3
        elif char == "'":
            out.append("'")
            pos = _string(text, pos + 1, out)
        else:
            if closing is not None and char == "{":
                depth += 1
            elif closing is not None and char == "}":
                if depth == 0:
                    return pos + 1
                depth -= 1
            out.append(char)
            pos += 1
    return pos


def _string(text: str, pos: int, out: list[str]) -> int:
    """Skip a single-quoted string's text, keeping its interpolations; returns the position after it."""
    while pos < len(text):
        if text[pos] == "\\":
            pos += 2
        elif text.startswith("${", pos):
            out.append(" ")
            pos = _scan(text, pos + 2, out, "}")
            out.append(" ")
        elif text[pos] == "'":
            out.append("'")
            return pos + 1
        else:
            pos += 1
    return pos


def statements(text: str) -> list[str]:
    """The top-level statements of a Bicep file, each from its keyword to the next statement's."""
    starts = [m.start() for m in _STATEMENT.finditer(text)]
    return [text[start:end] for start, end in zip(starts, starts[1:] + [len(text)])]


def module_graph(main: str) -> dict[str, tuple[str, str, frozenset[str]]]:
    """symbol -> (keyword, target, symbols it waits for) of every module and deployed resource of ``main.bicep``."""
    declared: dict[str, tuple[str, str, str]] = {}
    variables: dict[str, str] = {}
    for statement in statements(main):
        header = _DECLARATION.match(statement)
        if header and not header.group(4):
            body = statement[header.end():]
            declared[header.group(2)] = (header.group(1), header.group(3), code_only(body))
        elif (var := _VAR.match(statement)) is not None:
            variables[var.group(1)] = code_only(statement[var.end():])

    def refers(code: str, seen: frozenset[str]) -> set[str]:
        found: set[str] = set()
        for name in _IDENTIFIER.findall(code):
            if name in declared:
                found.add(name)
            elif name in variables and name not in seen:
                found |= refers(variables[name], seen | {name})
        return found

    return {symbol: (keyword, target, frozenset(refers(code, frozenset()) - {symbol}))
            for symbol, (keyword, target, code) in declared.items()}


def _table() -> dict[str, Any]:
    return resources.data("durations.json")


def _deployment_skus(files: dict[str, str]) -> list[str]:
    found = _PARAM_DEPLOYMENTS.search(files.get("main.bicepparam", ""))
    return _SKU.findall(found.group(1)) if found else []


def _module_types(text: str) -> list[tuple[str, bool]]:
    """(type, in a loop) of every resource a module deploys (``existing`` ones are only read)."""
    found = []
    for statement in statements(text):
        header = _DECLARATION.match(statement)
        if header and header.group(1) == "resource" and not header.group(4):
            found.append((header.group(3), statement[header.end():].lstrip().startswith("[")))
    return found


def _range(table: dict[str, Any], resource_type: str) -> tuple[int, int, bool]:
    entry = table["types"].get(resource_type, table["default"])
    return entry["min"], entry["max"], bool(entry.get("serial"))


def _own_durations(table: dict[str, Any], types: list[tuple[str, bool]],
                   skus: list[str]) -> dict[str, tuple[int, int, str]]:
    """Each resource type's own duration in one module: serial ones add up, the others run side by side."""
    own: dict[str, tuple[int, int, str]] = {}
    for resource_type in dict.fromkeys(t for t, _ in types):
        if resource_type == DEPLOYMENTS_TYPE:
            standard = [s for s in skus if s not in PROVISIONED_SKUS]
            provisioned = len(skus) - len(standard)
            low, high, _ = _range(table, resource_type)
            p_low, p_high, _ = _range(table, resource_type + "#provisioned")
            basis = f"{len(standard)} model deployment(s) at {low}-{high} min" + (
                f" and {provisioned} provisioned at {p_low}-{p_high} min" if provisioned else "")
            own[resource_type] = (len(standard) * low + provisioned * p_low, len(standard) * high + provisioned * p_high,
                                  basis + ", one at a time")
            continue
        low, high, serial = _range(table, resource_type)
        count = sum(1 for t, _ in types if t == resource_type) if serial else 1
        own[resource_type] = (count * low, count * high, f"{resource_type} {count * low}-{count * high} min"
                              + (f" ({count} one after the other)" if count > 1 else ""))
    return own


def module_duration(table: dict[str, Any], text: str, skus: list[str]) -> tuple[int, int, str]:
    """A module's range: the longest chain of a resource type after its parent type in the same module."""
    own = _own_durations(table, _module_types(text), skus)
    if not own:
        return 0, 0, "no resources deployed"

    def chain(resource_type: str) -> tuple[int, int, list[str]]:
        low, high, basis = own[resource_type]
        parent = resource_type.rsplit("/", 1)[0]
        # What runs before it in the same module: its parent, and the types the table says it waits for.
        earlier = [parent] if parent.count("/") >= 1 else []
        earlier += table["types"].get(resource_type.partition("#")[0], {}).get("after", [])
        found = [chain(other) for other in earlier if other in own]
        if found:
            p_low, p_high, p_basis = max(found, key=lambda c: (c[1], c[0]))
            return p_low + low, p_high + high, p_basis + [basis]
        return low, high, [basis]

    chains = [chain(t) for t in own]
    low = max(c[0] for c in chains)
    high, _, basis = max((c[1], c[0], c[2]) for c in chains)
    return low, high, ", then ".join(basis)


def _steps(files: dict[str, str], table: dict[str, Any]) -> list[Step]:
    skus = _deployment_skus(files)
    steps = []
    for symbol, (keyword, target, after) in module_graph(files["main.bicep"]).items():
        if keyword == "module":
            low, high, basis = module_duration(table, files.get(target, ""), skus)
        else:
            low, high, _ = _range(table, target)
            basis = f"{target} {low}-{high} min"
        steps.append(Step(symbol, target, tuple(sorted(after)), low, high, basis))
    return steps


def _longest(steps: list[Step]) -> tuple[dict[str, int], dict[str, int], dict[str, str | None]]:
    """Earliest finish of every step, at the low and the high end, and each step's slowest predecessor (high end)."""
    by_symbol = {s.symbol: s for s in steps}
    low: dict[str, int] = {}
    high: dict[str, int] = {}
    before: dict[str, str | None] = {}

    def visit(symbol: str, path: frozenset[str]) -> None:
        if symbol in high:
            return
        if symbol in path:
            raise ValueError(f"main.bicep's modules depend on each other in a cycle through {symbol}")
        step = by_symbol[symbol]
        for other in step.depends_on:
            visit(other, path | {symbol})
        slowest = max(step.depends_on, key=lambda s: (high[s], low[s]), default=None)
        low[symbol] = step.minutes_min + max((low[s] for s in step.depends_on), default=0)
        high[symbol] = step.minutes_max + (high[slowest] if slowest else 0)
        before[symbol] = slowest

    for step in steps:
        visit(step.symbol, frozenset())
    return low, high, before


def estimate(files: dict[str, str]) -> Timeline:
    """How long a first deployment of the rendered ``files`` takes, and which chain of modules decides it."""
    table = _table()
    steps = _steps(files, table)
    low, high, before = _longest(steps)
    last = max(high, key=lambda s: (high[s], low[s]), default=None)
    path: list[str] = []
    while last is not None:
        path.append(last)
        last = before[last]
    notes = ["Ranges are typical times of a first deployment; an update that leaves a resource unchanged is faster.",
             "Model deployments of one account are created one at a time."]
    if any(s.target == "modules/frontdoor.bicep" for s in steps):
        notes.append("Front Door's endpoint answers 10 to 90 minutes after the deployment finishes, while its "
                     "configuration reaches every edge location.")
    return Timeline(steps=tuple(steps), critical_path=tuple(reversed(path)),
                    total_min=max(low.values(), default=0), total_max=max(high.values(), default=0),
                    table_date=table["date"], source=table["source"], notes=tuple(notes))


__all__ = ["Step", "Timeline", "estimate", "module_graph", "module_duration", "statements", "code_only"]
