"""The library's entry points. Each CLI command calls exactly one of these.

Nothing here prints or exits: results are returned, failures raised as
:class:`~azoai_gen.errors.AzoaiError` subclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from . import deployed, resources, write
from .catalogue import TIERS, Tier
from .deployed import LeftBehind
from .errors import AzoaiError, Problem, RenameError, SpecError, UsageError
from .initspec import spec_text
from .pipeline import Validated, validate_file, validate_text
from .render import render

DEFAULT_SPEC = Path("azoai-gen.yaml")
DEFAULT_OUT = "infra"


@dataclass
class RenderOutcome:
    out_dir: Path
    plan: write.Plan
    tier: int
    warnings: list[Problem] = field(default_factory=list)
    written: bool = False
    #: Role assignments the previous render made and this one does not: deployments leave them in Azure.
    left_behind: list[LeftBehind] = field(default_factory=list)


def validate_spec(path: Path) -> Validated:
    """Load and check a spec. Raises :class:`SpecError` listing every problem."""
    return validate_file(path)


def default_out_dir(spec_path: Path) -> Path:
    """``infra/`` beside the spec."""
    return spec_path.parent / DEFAULT_OUT


def render_spec(spec_path: Path, out_dir: Path | None = None, *, check: bool = False, dry_run: bool = False,
                force: bool = False) -> RenderOutcome:
    """Validate, render and (unless ``check`` or ``dry_run``) write the output folder.

    * ``check``: write nothing; raise :class:`DriftError` if the folder differs from the render.
    * ``dry_run``: write nothing; return the plan, conflicts included (``plan.conflicts``), for the caller to show.
    * ``force``: overwrite files edited by hand, and render even if the render changes what the previous one
      recorded as unable to change once deployed (otherwise :class:`RenameError`).

    The outcome lists the role assignments that the previous render of the folder made and this one does not.
    """
    validated = validate_file(spec_path)
    files = render(validated.design)
    tier = validated.spec.tier
    out = out_dir if out_dir is not None else default_out_dir(spec_path)
    previous = write.previous_manifest(out)
    warnings = validated.warnings + _fixed_changes(validated, previous, force)
    left = deployed.left_behind(validated.design, previous)
    if check:
        return RenderOutcome(out, write.check(out, files, previous), tier, warnings, left_behind=left)
    plan = write.plan(out, files, force=force, previous_text=previous)
    if dry_run:
        return RenderOutcome(out, plan, tier, warnings, left_behind=left)
    write.apply(plan)
    return RenderOutcome(out, plan, tier, warnings, written=True, left_behind=left)


def _fixed_changes(validated: Validated, previous: str | None, force: bool) -> list[Problem]:
    """Raise :class:`RenameError` if the render changes what cannot change once deployed; with ``force``, return
    those changes as warnings instead."""
    assert validated.positions is not None
    found = deployed.refusals(validated.design, validated.positions, previous)
    if found.problems and not force:
        raise RenameError(found.problems, found.renames)
    return [replace(p, severity="warning", hint="rendered anyway (--force)") for p in found.problems]


@dataclass
class InitOutcome:
    spec_path: Path
    schema_path: Path


def init_spec(spec_path: Path, *, tier: int, regions: list[str], workload: str, environment: str,
              force: bool = False) -> InitOutcome:
    """Write a commented starting spec, and the JSON Schema beside it for editor completion."""
    text = spec_text(tier=tier, regions=regions, workload=workload, environment=environment)
    try:
        validate_text(text, str(spec_path))
    except SpecError as error:
        options = {"workload": "--workload", "environment": "--environment", "tier": "--tier", "regions": "--region"}
        messages = []
        for problem in error.problems:
            option = options.get(problem.path.split(".")[0].split("[")[0], problem.path)
            messages.append(f"{option}: {problem.message}" + (f" ({problem.hint})" if problem.hint else ""))
        raise UsageError("; ".join(messages)) from None
    if spec_path.exists() and not force:
        raise AzoaiError(f"{spec_path} already exists", "use --force to replace it, or name another file")
    schema_path = spec_path.parent / resources.SCHEMA_FILE
    try:
        spec_path.parent.mkdir(parents=True, exist_ok=True)
        _write_atomic(spec_path, text)
        _write_atomic(schema_path, resources.schema_text())
    except OSError as exc:
        raise AzoaiError(f"cannot write {spec_path}: {exc.strerror or exc}") from None
    return InitOutcome(spec_path, schema_path)


def _write_atomic(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text(text, encoding="utf-8")
    temp.replace(path)


def schema_json() -> str:
    """The JSON Schema of the spec."""
    return resources.schema_text()


def tiers() -> list[Tier]:
    """The five tiers, in order."""
    return [TIERS[n] for n in sorted(TIERS)]
