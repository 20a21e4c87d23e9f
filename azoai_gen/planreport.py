"""``azoai-gen plan`` for people and machines: the JSON document (``schemas/output/plan.schema.json``), Markdown
for a pull-request comment, and the lines of the text output with their styles.

Pure: each function builds data or text from a :class:`~azoai_gen.plan.Plan`; the command line writes it. Each
section of the plan has one function per format here, so that a new section (cost, deploy time, diagram) adds its
own without touching the others.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .cost import CostEstimate, TokenRate
from .timeline import Timeline
from .plan import (FIRST_RENDER, UNKNOWN, DeploymentChange, Deployments, Plan, PostureReport, ResourceChange,
                   Resources)
from .report import header

#: How the text output styles a line: lowering changes first and in red.
LOWERS = "bold red"


def _resource_data(change: ResourceChange) -> dict[str, Any]:
    r = change.resource
    data: dict[str, Any] = {"type": r.type, "name": r.name, "shownName": change.shown_name,
                            "resourceGroup": r.resource_group, "location": r.location,
                            "computedBy": r.computed_by or None}
    if change.action == "leave":
        data["deleteCommands"] = list(change.commands)
        data["note"] = change.note or None
    return data


def _model(d: Any) -> dict[str, Any]:
    return {"model": d.model, "version": d.version, "sku": d.sku, "capacity": d.capacity}


def _deployment_data(change: DeploymentChange) -> dict[str, Any]:
    a = change.account
    return {"name": change.deployment.name, "account": a.name, "shownAccount": change.shown_account,
            "resourceGroup": a.resource_group, "location": a.location, **_model(change.deployment),
            "provisioned": change.provisioned,
            "previous": _model(change.previous) if change.previous is not None else None,
            "deleteCommands": list(change.commands), "notes": list(change.notes)}


def deployments_data(section: Deployments) -> dict[str, Any]:
    return {"previous": section.previous, "created": [_deployment_data(c) for c in section.created],
            "changed": [_deployment_data(c) for c in section.changed],
            "leftBehind": [_deployment_data(c) for c in section.left_behind]}


def resources_data(section: Resources) -> dict[str, Any]:
    return {
        "previous": section.previous,
        "created": [_resource_data(c) for c in section.created],
        "kept": [_resource_data(c) for c in section.kept],
        "leftBehind": [_resource_data(c) for c in section.left_behind],
        "roleAssignmentsLeftBehind": [{"role": a.role, "principal": a.principal, "scope": a.scope,
                                       "deleteCommand": a.command} for a in section.role_assignments_left_behind],
        "modulesAdded": list(section.modules_added),
        "modulesRemoved": list(section.modules_removed),
        "filesChanged": list(section.files_changed),
        "deployments": deployments_data(section.deployments),
    }


def posture_data(section: PostureReport) -> dict[str, Any]:
    return {"tier": section.tier, "previousTier": section.previous_tier, "basis": section.basis,
            "lowersIsolation": bool(section.lowers),
            "changes": [{"aspect": c.aspect, "lowersIsolation": c.lowers, "message": c.message}
                        for c in section.changes]}


def document(plan: Plan, spec: Path, out_dir: Path) -> dict[str, Any]:
    """The JSON document of ``plan --output json``."""
    return {**header("plan"), "spec": str(spec), "outDir": str(out_dir), "tier": plan.tier,
            "previousTier": plan.previous_tier, "changes": plan.changes,
            "resources": resources_data(plan.resources), "posture": posture_data(plan.posture),
            **({"cost": plan.cost.as_dict()} if plan.cost is not None else {}),
            **({"deployTime": plan.deploy_time.as_dict()} if plan.deploy_time is not None else {}),
            **({"diagram": {"format": "mermaid", "text": plan.diagram}} if plan.diagram else {})}


# ---------------------------------------------------------------------------------------------------------------------
# Text: (line, style) pairs


def _previous_line(section: Resources) -> str:
    if section.previous == FIRST_RENDER:
        return "first render: nothing was rendered here before, so everything is created"
    if section.previous == UNKNOWN:
        return ("the previous render did not record its Azure resources (an older azoai-gen wrote it): the previous "
                "resources are unknown, so only the generated modules are compared")
    return ""


def posture_lines(section: PostureReport) -> list[tuple[str, str]]:
    if not section.changes:
        return []
    lines = [("Posture", "bold")]
    for change in section.changes:
        label = "LOWERS ISOLATION: " if change.lowers else ""
        lines.append((f"  {label}{change.message}", LOWERS if change.lowers else ""))
    return lines


def _resource_line(sign: str, change: ResourceChange) -> str:
    return f"  {sign} {change.resource.type} {change.shown_name}"


def resource_lines(section: Resources) -> list[tuple[str, str]]:
    lines = [("Resources", "bold")]
    if _previous_line(section):
        lines.append((f"  {_previous_line(section)}", "yellow"))
    lines += [(_resource_line("+", c), "green") for c in section.created]
    if section.kept:
        lines.append((f"  = {len(section.kept)} kept, updated in place", "dim"))
    if section.left_behind or section.role_assignments_left_behind:
        lines.append(("  Left behind: deployments are incremental, so these stay in Azure (and keep billing) until "
                      "you delete them, once the new deployment has succeeded:", "yellow"))
    for change in section.left_behind:
        lines.append((_resource_line("-", change), "yellow"))
        lines += [(f"      {command}", "") for command in change.commands]
        if change.note:
            lines.append((f"      note: {change.note}", "dim"))
    for assignment in section.role_assignments_left_behind:
        lines.append((f"  - role assignment: {assignment.role} of {assignment.principal} on {assignment.scope}",
                      "yellow"))
        lines.append((f"      {assignment.command}", ""))
    lines += deployment_lines(section.deployments)
    lines += [(f"  + module {path}", "green") for path in section.modules_added]
    lines += [(f"  - module {path}", "yellow") for path in section.modules_removed]
    if section.files_changed:
        count = len(section.files_changed)
        lines.append((f"  {count} generated file{'s' if count != 1 else ''} change: "
                      f"{', '.join(section.files_changed)}", "dim"))
    return lines


def _deployment(change: DeploymentChange) -> str:
    d = change.deployment
    return f"deployment {d.name} in {change.shown_account} ({d.model} {d.version}, {d.sku}, capacity {d.capacity})"


def deployment_lines(section: Deployments) -> list[tuple[str, str]]:
    """Model deployments created, changed and left behind, with the delete command and what each keeps."""
    lines = []
    if section.previous == UNKNOWN:
        lines.append(("  the previous render did not record its model deployments: they are not compared", "yellow"))
    lines += [(f"  + {_deployment(c)}", "green") for c in section.created]
    for change in section.changed:
        lines.append((f"  ~ {_deployment(change)}", "yellow"))
        lines += [(f"      note: {note}", "dim") for note in change.notes]
    if section.left_behind:
        lines.append(("  Model deployments left behind: they stay in their accounts until deleted:", "yellow"))
    for change in section.left_behind:
        lines.append((f"  - {_deployment(change)}", "yellow"))
        lines += [(f"      {command}", "") for command in change.commands]
        lines += [(f"      note: {note}", "dim") for note in change.notes]
    return lines


def _money(amount: float, currency: str) -> str:
    return f"{amount:,.2f} {currency}"


def cost_lines(section: CostEstimate | None) -> list[tuple[str, str]]:
    """Each billed item with its quantity, price and assumption; the total; the table's date, basis and source."""
    if section is None:
        return []
    lines = [(f"Monthly cost estimate: {_money(section.total, section.currency)} (price table of "
              f"{section.table_date}, {section.region_basis}{', approximate' if section.approximate else ''})",
              "bold")]
    for line in section.lines:
        lines.append((f"  {line.item}: {line.quantity:g} {line.unit} x {line.unit_price:g} = "
                      f"{_money(line.monthly, section.currency)}", ""))
        lines.append((f"      assumes: {line.assumption}", "dim"))
    lines += [(f"  note: {note}", "dim") for note in section.notes]
    lines += [(f"  tokens of {_token_rate(rate, section.currency)}", "") for rate in section.token_rates]
    lines.append((f"  source: {section.source}", "dim"))
    return lines


def _token_rate(rate: TokenRate, currency: str) -> str:
    """A deployment's per-1,000-token rates, or why the table has none."""
    what = f"{rate.deployment} ({rate.model}, {rate.sku})"
    if rate.input_per_1k is None or rate.output_per_1k is None:
        return f"{what}: {rate.note}"
    return (f"{what}: {rate.input_per_1k:g} {currency} per 1,000 input tokens, {rate.output_per_1k:g} {currency} per "
            f"1,000 output tokens" + (f" ({rate.note})" if rate.note else ""))


def deploy_time_lines(section: Timeline | None) -> list[tuple[str, str]]:
    """The range of a first deployment and the chain of modules that decides it."""
    if section is None:
        return []
    lines = [(f"Deploy time of a first deployment: {section.total_min} to {section.total_max} minutes", "bold"),
             ("  critical path: " + " -> ".join(section.critical_path), "")]
    lines += [(f"  note: {note}", "dim") for note in section.notes]
    lines.append((f"  durations: {section.source} ({section.table_date})", "dim"))
    return lines


def text_lines(plan: Plan) -> list[tuple[str, str]]:
    """The text output: the posture first (lowering changes at the top), then the resources, then what the
    deployment costs a month and how long a first deployment takes."""
    estimates = cost_lines(plan.cost) + deploy_time_lines(plan.deploy_time)
    if not plan.changes:
        return [(f"tier {plan.tier}: nothing changes; the folder holds this spec's render", "green")] + estimates
    heading = f"tier {plan.previous_tier} -> {plan.tier}" if plan.previous_tier not in (None, plan.tier) \
        else f"tier {plan.tier}"
    return [(heading, "bold")] + posture_lines(plan.posture) + resource_lines(plan.resources) + estimates


# ---------------------------------------------------------------------------------------------------------------------
# Markdown


def _md(text: str) -> str:
    """Text in Markdown: the characters Markdown would read as markup are escaped."""
    out = []
    for char in text:
        out.append("\\" + char if char in "\\`*_{}[]<>()#+-.!|~" else char)
    return "".join(out)


def _code(text: str) -> str:
    """A name or type as inline code (none holds a backtick or a pipe; the spec's names are checked)."""
    return f"`{text}`"


def markdown(plan: Plan) -> str:
    """A pull-request comment: the posture (lowering changes first), then a table of the resources."""
    heading = f"tier {plan.previous_tier} → {plan.tier}" if plan.previous_tier not in (None, plan.tier) \
        else f"tier {plan.tier}"
    lines = [f"## azoai-gen plan: {heading}", ""]
    if not plan.changes:
        return "\n".join(lines + ["Nothing changes: the folder holds this spec's render.", ""]
                         + cost_markdown(plan.cost) + deploy_time_markdown(plan.deploy_time)
                         + diagram_markdown(plan.diagram))
    if plan.posture.changes:
        lines += ["### Posture", ""]
        for change in plan.posture.changes:
            lines.append(f"- {'**Lowers isolation:** ' if change.lowers else ''}{_md(change.message)}")
        lines.append("")
    section = plan.resources
    lines += ["### Resources", ""]
    if _previous_line(section):
        lines += [f"> {_md(_previous_line(section))}", ""]
    rows = [("create", c) for c in section.created] + [("leave behind", c) for c in section.left_behind]
    if rows:
        lines += ["| Change | Type | Name | Resource group |", "| --- | --- | --- | --- |"]
        lines += [f"| {what} | {_code(c.resource.type)} | {_code(c.shown_name)} | {_code(c.resource.resource_group)} |"
                  for what, c in rows]
        lines.append("")
    if section.kept:
        lines += [f"{len(section.kept)} resources are kept and updated in place.", ""]
    lines += deployment_markdown(section.deployments)
    if section.files_changed:
        lines += ["Generated files that change: " + ", ".join(_code(path) for path in section.files_changed) + ".",
                  ""]
    commands = [cmd for c in section.deployments.left_behind for cmd in c.commands]
    commands += [cmd for c in section.left_behind for cmd in c.commands]
    commands += [a.command for a in section.role_assignments_left_behind]
    if commands:
        lines += ["Deployments are incremental: what is left behind stays in Azure, and keeps billing, until "
                  "deleted. Once the new deployment has succeeded:", "", "```bash", *commands, "```", ""]
        notes = [c.note for c in section.left_behind if c.note]
        lines += [f"- {_md(note)}" for note in notes] + ([""] if notes else [])
    return "\n".join(lines + cost_markdown(plan.cost) + deploy_time_markdown(plan.deploy_time)
                     + diagram_markdown(plan.diagram))


def deployment_markdown(section: Deployments) -> list[str]:
    """A table of the model deployments that change, then what each change means (the delete commands go with the
    resources' commands)."""
    lines = []
    if section.previous == UNKNOWN:
        lines += ["> " + _md("The previous render did not record its model deployments: they are not compared."), ""]
    rows = [("create", c) for c in section.created] + [("change", c) for c in section.changed] + \
        [("leave behind", c) for c in section.left_behind]
    if not rows:
        return lines
    lines += ["| Change | Model deployment | Account | Model | SKU | Capacity |", "| --- | --- | --- | --- | --- | --- |"]
    for what, c in rows:
        d, old = c.deployment, c.previous
        capacity = f"{old.capacity} → {d.capacity}" if old is not None and old.capacity != d.capacity \
            else str(d.capacity)
        sku = f"{old.sku} → {d.sku}" if old is not None and old.sku != d.sku else d.sku
        lines.append(f"| {what} | {_code(d.name)} | {_code(c.shown_account)} | {_md(f'{d.model} {d.version}')} | "
                     f"{_md(sku)} | {_md(capacity)} |")
    lines.append("")
    notes = [f"- {_code(c.deployment.name)} in {_code(c.shown_account)}: {_md(note)}"
             for c in section.changed + section.left_behind for note in c.notes]
    return lines + notes + ([""] if notes else [])


def diagram_markdown(text: str) -> list[str]:
    """The diagram of what the spec deploys, in a fence that GitHub and Azure DevOps draw."""
    return ["### What the spec deploys", "", "```mermaid", text.rstrip("\n"), "```", ""] if text else []


def cost_markdown(section: CostEstimate | None) -> list[str]:
    if section is None:
        return []
    lines = ["### Monthly cost estimate", "",
             f"{_md(_money(section.total, section.currency))} a month, from the price table of "
             f"{_md(section.table_date)} ({_md(section.region_basis)}"
             f"{', approximate' if section.approximate else ''}).", "",
             "| Item | Quantity | Unit price | Monthly | Assumption |", "| --- | --- | --- | --- | --- |"]
    lines += [f"| {_md(line.item)} | {_md(f'{line.quantity:g} {line.unit}')} | {_md(f'{line.unit_price:g}')} | "
              f"{_md(_money(line.monthly, section.currency))} | {_md(line.assumption)} |" for line in section.lines]
    lines.append("")
    lines += [f"- {_md(note)}" for note in section.notes]
    lines += [f"- Tokens of {_md(_token_rate(rate, section.currency))}" for rate in section.token_rates]
    return lines + [f"- Source: {_md(section.source)}", ""]


def deploy_time_markdown(section: Timeline | None) -> list[str]:
    if section is None:
        return []
    lines = ["### Deploy time", "",
             f"A first deployment takes {section.total_min} to {section.total_max} minutes. Critical path: "
             + " → ".join(_code(step) for step in section.critical_path) + ".", ""]
    return lines + [f"- {_md(note)}" for note in section.notes] + [""]
