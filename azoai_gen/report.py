"""What a command reports, for machines: a JSON document, GitHub Actions workflow commands, or a SARIF 2.1.0 log.

Every function here builds data (or the exact text to write) from what the library returned; the command line only
writes it to stdout. The JSON documents follow the schemas shipped in ``schemas/output/`` (``report.schema.json``
for ``validate`` and ``render``, ``tiers.schema.json`` for ``tiers``); ``schema --output json`` prints the spec's
schema itself. docs/architecture.md ("Machine-readable output") describes each format.

Problems carry the id of what found them (:attr:`~azoai_gen.errors.Problem.rule`): a registered rule's name, or one
of the fixed ids in :data:`FIXED_RULES`. A spec that stopped on an error without located problems (drift, an output
folder that cannot be read) is reported at its first line, under the id of what stopped it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Sequence
from urllib.parse import quote

from . import __version__
from .errors import (DRIFT_RULE, OUTPUT_RULE, SCHEMA_RULE, TEXT_RULE, UNCHANGEABLE_RULE, YAML_RULE, AzoaiError,
                     ConfirmationError, ConflictError, DriftError, OutputError, Problem, RenameError, SpecError, UsageError, shown)

if TYPE_CHECKING:
    from .api import SpecRun
    from .catalogue import Tier
    from .preflight import Finding, Preflight

#: The version of the JSON documents' layout; it changes only when a field changes meaning or goes away.
FORMAT_VERSION = 1
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

#: The checks that are not registered rules, with what each checks.
FIXED_RULES = {
    YAML_RULE: "The spec is a readable file of YAML that azoai-gen reads: no duplicate keys, merge keys, tags, "
               "or values beyond its limits.",
    SCHEMA_RULE: "The spec fits its JSON Schema (azoai-gen.schema.json): known keys, types, allowed values and "
                 "ranges.",
    TEXT_RULE: "No text of the spec holds control, invisible or bidirectional characters, nor what an API "
               "Management policy would evaluate.",
    UNCHANGEABLE_RULE: "A render does not change what cannot change once deployed: names, the first region, a "
                       "VNet's range, the Key Vault's soft-delete retention.",
    DRIFT_RULE: "The output folder holds exactly what the spec renders (render --check).",
    OUTPUT_RULE: "The output folder can be read and written.",
}

#: What each of the library's errors is called in a report, most specific first.
_KINDS: tuple[tuple[type[AzoaiError], str], ...] = (
    (UsageError, "usage"), (SpecError, "spec"), (RenameError, "unchangeable"), (ConflictError, "conflict"),
    (DriftError, "drift"), (OutputError, "output"), (ConfirmationError, "confirmation"))


def error_kind(error: AzoaiError) -> str:
    return next((kind for cls, kind in _KINDS if isinstance(error, cls)), "error")


def _rule_of(error: AzoaiError) -> str:
    """The id a report gives an error that has no located problem."""
    if isinstance(error, DriftError):
        return DRIFT_RULE
    return YAML_RULE if isinstance(error, (SpecError, UsageError)) else OUTPUT_RULE


# ---------------------------------------------------------------------------------------------------------------------
# JSON


def problem_data(problem: Problem) -> dict[str, Any]:
    return {"file": problem.file, "line": problem.line, "column": problem.column, "path": problem.path,
            "severity": problem.severity, "message": problem.message, "hint": problem.hint,
            "rule": problem.rule or None}


def error_data(error: AzoaiError | None, kind: str = "") -> dict[str, Any] | None:
    if error is None:
        return None
    data: dict[str, Any] = {"kind": kind or error_kind(error), "message": error.message, "hint": error.hint}
    if isinstance(error, ConflictError):
        data["paths"] = list(error.paths)
    return data


def _rendered_data(run: SpecRun) -> dict[str, Any]:
    from .write import CONFLICT

    outcome = run.rendered
    if outcome is None:
        changes = [{"path": path, "action": action} for path, action in getattr(run.error, "changes", [])]
        return {"changes": changes, "leftBehind": []}
    changes = []
    for change in outcome.plan.pending:
        data: dict[str, Any] = {"path": change.path, "action": change.action, "added": change.added,
                                "removed": change.removed, "reason": change.reason}
        if change.action == CONFLICT:
            data["forceable"] = change.forceable
        changes.append(data)
    left = [{"role": a.role, "principal": a.principal, "scope": a.scope, "command": a.command}
            for a in outcome.left_behind]
    return {"tier": outcome.tier, "outDir": str(outcome.out_dir), "written": outcome.written, "changes": changes,
            "leftBehind": left}


def spec_data(run: SpecRun, render: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"file": str(run.spec), "ok": run.ok}
    if run.validated is not None:
        spec = run.validated.spec
        data.update(tier=spec.tier, regions=len(spec.regions), deployments=len(spec.deployments))
    if render:
        data.update(_rendered_data(run))
    data["problems"] = [problem_data(p) for p in run.problems]
    data["error"] = error_data(run.error)
    return data


def _summary(runs: Sequence[SpecRun]) -> dict[str, int]:
    problems = [p for run in runs for p in run.problems]
    failed = sum(1 for run in runs if not run.ok)
    return {"specs": len(runs), "passed": len(runs) - failed, "failed": failed,
            "errors": sum(1 for p in problems if p.severity != "warning"),
            "warnings": sum(1 for p in problems if p.severity == "warning")}


def header(command: str) -> dict[str, Any]:
    """What every JSON document of a command starts with: the tool, the format's version and the command."""
    return {"tool": {"name": "azoai-gen", "version": __version__}, "formatVersion": FORMAT_VERSION,
            "command": command}


def document(command: str, runs: Sequence[SpecRun], *, mode: str | None = None, error: AzoaiError | None = None,
             kind: str = "") -> dict[str, Any]:
    """The JSON document of ``validate`` or ``render`` (``mode``: write, dry-run or check). ``error`` is one that
    stopped the command before or outside any spec: a usage error, or (``kind="bug"``) an unexpected one."""
    data = header(command)
    if mode is not None:
        data["mode"] = mode
    data.update(ok=error is None and all(run.ok for run in runs),
                specs=[spec_data(run, render=command == "render") for run in runs],
                summary=_summary(runs), error=error_data(error, kind))
    return data


def tiers_document(tiers: Iterable[Tier]) -> dict[str, Any]:
    data = header("tiers")
    data["tiers"] = [{"number": t.number, "title": t.title, "summary": t.summary, "adds": t.adds, "pros": t.pros,
                      "cons": t.cons, "costDrivers": t.cost_drivers, "deployTime": t.deploy_time} for t in tiers]
    return data


def json_text(data: Any) -> str:
    """One JSON document, ASCII only (every other character escaped), so that no text of a spec reaches a terminal
    raw."""
    return json.dumps(data, indent=2, ensure_ascii=True) + "\n"


# ---------------------------------------------------------------------------------------------------------------------
# Located findings, for annotations and SARIF


def _findings(runs: Sequence[SpecRun]) -> Iterable[tuple[str, str, str, int | None, int | None, str, str]]:
    """(rule, severity, file, line, column, message, hint) for every problem, and for every spec that stopped on an
    error without one (at its first line; with no line when the path is no spec that could be read: a missing file
    or a folder has none)."""
    for run in runs:
        problems = run.problems
        for p in problems:
            yield p.rule or SCHEMA_RULE, p.severity, p.file, p.line, p.column, f"{p.path}: {p.message}", p.hint
        if run.error is not None and not any(p.severity != "warning" for p in problems):
            line = None if isinstance(run.error, UsageError) else 1
            yield _rule_of(run.error), "error", str(run.spec), line, line, _error_text(run.error), run.error.hint


def _error_text(error: AzoaiError) -> str:
    text = error.message
    if isinstance(error, DriftError) and error.changes:
        text += ": " + ", ".join(f"{action} {path}" for path, action in error.changes)
    elif isinstance(error, ConflictError) and error.paths:
        text += ": " + ", ".join(error.paths)
    return text


def _relative(file: str, cwd: Path) -> str | None:
    """``file`` relative to ``cwd`` (with ``/``), or ``None`` when it lies outside."""
    absolute = Path(os.path.abspath(file))
    try:
        return absolute.relative_to(cwd).as_posix()
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------------------------------
# GitHub Actions workflow commands


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(command: str, message: str, **properties: Any) -> str:
    """``::command key=value,...::message``, escaped as GitHub documents: ``%``, CR and LF everywhere, and ``:``
    and ``,`` in property values."""
    props = ",".join(f"{key}={_escape_property(str(value))}" for key, value in properties.items())
    return f"::{command}{' ' + props if props else ''}::{_escape_data(message)}"


def github(runs: Sequence[SpecRun], cwd: Path, error: AzoaiError | None = None) -> str:
    """One ``::error`` or ``::warning`` annotation per finding, at its file, line and column. Text from the spec
    (its file name, values quoted in messages) is :func:`shown`, as on a terminal: a log is read on one."""
    lines = []
    for rule, severity, file, line, column, message, hint in _findings(runs):
        text = shown(message) + (f"\nhint: {shown(hint)}" if hint else "")
        place: dict[str, Any] = {"file": shown(_relative(file, cwd) or os.path.abspath(file))}
        if line is not None:
            place.update(line=line, col=column)
        lines.append(workflow_command("warning" if severity == "warning" else "error", text, **place,
                                      title=f"azoai-gen {rule}"))
    if error is not None:
        text = shown(error.message) + (f"\nhint: {shown(error.hint)}" if error.hint else "")
        lines.append(workflow_command("error", text, title="azoai-gen"))
    return "".join(line + "\n" for line in lines)


# ---------------------------------------------------------------------------------------------------------------------
# SARIF 2.1.0


def rule_descriptors() -> list[dict[str, Any]]:
    """Every check, as SARIF ``reportingDescriptor`` objects: the registered rules, then the fixed ids."""
    from . import rules

    descriptors = [(rule.name, rule.summary or rule.name) for rule in rules.registered()]
    descriptors += list(FIXED_RULES.items())
    return [{"id": rule_id, "shortDescription": {"text": summary}} for rule_id, summary in descriptors]


def information_uri() -> str | None:
    """Where to read about azoai-gen: the home page that the installed package's metadata declares (pyproject's
    ``[project.urls]``), if any."""
    from importlib import metadata

    try:
        meta = metadata.metadata("azoai-gen")
    except metadata.PackageNotFoundError:
        return None
    urls = {}
    for entry in meta.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    found = [urls[label] for label in ("homepage", "documentation", "repository", "source") if urls.get(label)]
    return found[0] if found else (meta.get("Home-page") or None)


def _artifact_uri(file: str, cwd: Path) -> str:
    relative = _relative(file, cwd)
    return quote(relative, safe="/") if relative is not None else Path(os.path.abspath(file)).as_uri()


def sarif(runs: Sequence[SpecRun], cwd: Path, error: AzoaiError | None = None) -> dict[str, Any]:
    """The SARIF log of ``validate`` or ``render --check``: one run, every check as a rule, every finding as a
    result located in its spec (paths relative to ``cwd``)."""
    descriptors = rule_descriptors()
    index = {d["id"]: i for i, d in enumerate(descriptors)}
    results = []
    for rule, severity, file, line, column, message, hint in _findings(runs):
        # Code scanning needs a region.startLine in every result: a path that is no readable spec is at its line 1.
        result: dict[str, Any] = {
            "ruleId": rule, "level": "warning" if severity == "warning" else "error",
            "message": {"text": message + (f"\nhint: {hint}" if hint else "")},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _artifact_uri(file, cwd)},
                                                "region": {"startLine": line or 1, "startColumn": column or 1}}}]}
        if rule in index:
            result["ruleIndex"] = index[rule]
        results.append(result)
    invocation: dict[str, Any] = {"executionSuccessful": error is None}
    if error is not None:
        text = error.message + (f"\nhint: {error.hint}" if error.hint else "")
        invocation["toolExecutionNotifications"] = [{"level": "error", "message": {"text": text}}]
    driver: dict[str, Any] = {"name": "azoai-gen", "version": __version__, "semanticVersion": __version__}
    uri = information_uri()
    if uri:
        driver["informationUri"] = uri
    driver["rules"] = descriptors
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION,
            "runs": [{"tool": {"driver": driver}, "invocations": [invocation], "columnKind": "unicodeCodePoints",
                      "results": results}]}


def preflight_document(result: Preflight | None, error: AzoaiError | None = None) -> dict[str, Any]:
    """``preflight --output json`` (``schemas/output/preflight.schema.json``): the findings, or the error that stopped
    it (``az`` missing, nobody logged in, a spec that is not valid)."""
    from .preflight import CHECKS, ERROR, WARNING

    data = header("preflight")
    if result is None:
        data.update(ok=False, spec=None, subscription=None, checks=list(CHECKS), findings=[],
                    summary={"errors": 0, "warnings": 0}, commands=[], error=error_data(error))
        return data
    data.update(ok=result.ok, spec=result.spec,
                subscription={"id": result.subscription, "name": result.subscription_name, "caller": result.caller},
                checks=list(CHECKS), findings=[_finding_data(f) for f in result.findings],
                summary={"errors": sum(1 for f in result.findings if f.severity == ERROR),
                         "warnings": sum(1 for f in result.findings if f.severity == WARNING)},
                commands=list(result.commands), error=None)
    return data


def _finding_data(finding: Finding) -> dict[str, Any]:
    return {"check": finding.check, "severity": finding.severity, "file": finding.file, "line": finding.line,
            "column": finding.column, "path": finding.path, "message": finding.message, "fix": list(finding.fix)}
