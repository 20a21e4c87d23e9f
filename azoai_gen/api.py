"""The library's entry points. Each CLI command calls exactly one of these.

Nothing here prints or exits: results are returned, failures raised as
:class:`~azoai_gen.errors.AzoaiError` subclasses.

Each function imports the modules it uses when it is called: importing this module (as the command line does before
it parses a command) costs little, and ``tiers`` or ``schema`` never load the design, the renderer, Jinja or the
JSON Schema validator (docs/architecture.md, "Import cost").
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

from . import resources
from .errors import AzoaiError, ConfirmationError, ConflictError, Problem, RenameError, SpecError, UsageError
from .frozen import field, mutable

if TYPE_CHECKING:
    from datetime import date

    from . import ci, explain, plan as planning, preflight, write
    from .catalogue import Tier
    from .deployed import LeftBehind
    from .pipeline import Validated

DEFAULT_SPEC = Path("azoai-gen.yaml")
DEFAULT_OUT = "infra"


@mutable
class RenderOutcome:
    out_dir: Path
    plan: write.Plan
    tier: int
    warnings: list[Problem] = field(default_factory=list)
    written: bool = False
    #: Role assignments the previous render made and this one does not: deployments leave them in Azure.
    left_behind: list[LeftBehind] = field(default_factory=list)
    #: With ``dry_run``: the error a real run would stop on (its conflicts, and what to do about them), or ``None``.
    refusal: ConflictError | None = None


def validate_spec(path: Path, *, strict: bool = False) -> Validated:
    """Load and check a spec. Raises :class:`SpecError` listing every problem; with ``strict`` (or
    ``validation.strict: true`` in the spec), the warnings too."""
    from .pipeline import validate_file

    return validate_file(path, strict)


def default_out_dir(spec_path: Path) -> Path:
    """``infra/`` beside the spec."""
    return spec_path.parent / DEFAULT_OUT


#: Asked before a render writes changes that lower isolation: given their descriptions, returns whether to go on.
Confirm = Callable[[list[str]], bool]


def render_spec(spec_path: Path, out_dir: Path | str | None = None, *, check: bool = False, dry_run: bool = False,
                force: bool = False, strict: bool = False, yes: bool = False,
                confirm: Confirm | None = None) -> RenderOutcome:
    """Validate, render and (unless ``check`` or ``dry_run``) write the output folder.

    * ``check``: write nothing; raise :class:`DriftError` if the folder differs from the render.
    * ``dry_run``: write nothing; return the plan, conflicts included (``plan.conflicts``), and the error a real run
      would raise on them (``refusal``), for the caller to show.
    * ``strict``: every warning about the spec is an error, as in :func:`validate_spec` (the changes that ``force``
      renders anyway stay warnings: forcing them is the user's decision).
    * ``force``: overwrite generated files that were edited by hand (never a file the manifest does not list), and
      render even if the render changes what the previous one recorded as unable to change once deployed (otherwise
      :class:`RenameError`).

    * ``yes``: write changes that lower isolation (:func:`azoai_gen.plan.lowering`) without asking; otherwise
      ``confirm`` is asked, and without ``confirm`` (or when it says no) :class:`ConfirmationError` is raised before
      anything is written. ``check`` and ``dry_run`` never ask.

    The outcome lists the role assignments that the previous render of the folder made and this one does not.
    """
    from . import deployed, write
    from .pipeline import validate_file
    from .render import render

    if out_dir == "":
        raise UsageError("--out is empty", "name the output folder, for example --out infra")
    validated = validate_file(spec_path, strict)
    files = render(validated.design)
    tier = validated.spec.tier
    out = Path(out_dir) if out_dir is not None else default_out_dir(spec_path)
    with write.open_output(out, spec=spec_path, writing=not (check or dry_run)) as output:
        previous = output.previous_manifest()
        warnings = validated.warnings + _fixed_changes(validated, previous, force)
        left = deployed.left_behind(validated.design, previous)
        if check:
            return RenderOutcome(out, output.check(files), tier, warnings, left_behind=left)
        plan = output.plan(files, force=force)
        if dry_run:
            return RenderOutcome(out, plan, tier, warnings, left_behind=left, refusal=write.conflict_error(plan))
        if not yes:
            _confirm_lowering(spec_path, validated, previous, confirm)
        output.apply(plan)
    return RenderOutcome(out, plan, tier, warnings, written=True, left_behind=left)


def _confirm_lowering(spec_path: Path, validated: Validated, previous: str | None, confirm: Confirm | None) -> None:
    """Raise :class:`ConfirmationError` if the render lowers isolation and ``confirm`` does not agree."""
    if previous is None:
        return  # a first render lowers nothing (and need not load the planner to say so)
    from . import plan as planning

    lowering = [change.message for change in planning.lowering(validated.design, previous)]
    if not lowering or (confirm is not None and confirm(lowering)):
        return
    raise ConfirmationError(
        f"this render lowers isolation ({len(lowering)} change{'s' if len(lowering) != 1 else ''}), and it was "
        "not confirmed; nothing was written", lowering,
        f"see what changes with azoai-gen plan {spec_path}, then render again with --yes to confirm")


def plan_spec(spec_path: Path, out_dir: Path | str | None = None) -> planning.Plan:
    """Compare the spec with the render committed in the output folder (default: infra/ beside the spec), from its
    manifest: the Azure resources created, kept and left behind, and the posture changes. Writes nothing."""
    from . import plan as planning, write
    from .pipeline import validate_file
    from .render import render

    if out_dir == "":
        raise UsageError("--out is empty", "name the output folder, for example --out infra")
    validated = validate_file(spec_path, False)
    out = Path(out_dir) if out_dir is not None else default_out_dir(spec_path)
    previous = write.previous_manifest(out)
    return planning.plan(validated.design, render(validated.design), previous)


def _fixed_changes(validated: Validated, previous: str | None, force: bool) -> list[Problem]:
    """Raise :class:`RenameError` if the render changes what cannot change once deployed; with ``force``, return
    those changes as warnings instead."""
    from . import deployed

    assert validated.positions is not None
    found = deployed.refusals(validated.design, validated.positions, previous)
    if found.problems and not force:
        raise RenameError(found.problems, found.renames)
    return [replace(p, severity="warning", hint="rendered anyway (--force)") for p in found.problems]


@mutable
class SpecRun:
    """One spec's part in a command: what it found, or the error that stopped it (never both)."""

    spec: Path
    validated: Validated | None = None
    rendered: RenderOutcome | None = None
    error: AzoaiError | None = None

    @property
    def ok(self) -> bool:
        """No error, and (for a dry run) nothing a real run would stop on."""
        return self.error is None and not (self.rendered is not None and self.rendered.plan.conflicts)

    @property
    def problems(self) -> list[Problem]:
        """The located problems: an invalid spec's errors, or the warnings of one that passed."""
        if self.error is not None:
            return list(getattr(self.error, "problems", []))
        if self.rendered is not None:
            return list(self.rendered.warnings)
        return list(self.validated.warnings) if self.validated is not None else []


def _attempt(spec: Path, step: Callable[[Path], SpecRun]) -> SpecRun:
    """Run one spec's step; the library's own errors become the spec's result, so that the next spec still runs."""
    try:
        return step(spec)
    except AzoaiError as error:
        return SpecRun(spec, error=error)


def find_specs(paths: Sequence[Path]) -> list[Path]:
    """The specs named, and the specs in the folders named (:func:`azoai_gen.discover.find_specs`)."""
    from . import discover

    return discover.find_specs(paths)


def validate_specs(paths: Sequence[Path], *, strict: bool = False) -> list[SpecRun]:
    """Validate every spec named, and every spec in the folders named (:mod:`azoai_gen.discover`), each on its own
    (every warning an error with ``strict``).

    Raises :class:`UsageError` for a folder that holds no spec."""
    return [_attempt(spec, lambda s: SpecRun(s, validated=validate_spec(s, strict=strict)))
            for spec in find_specs(paths)]


def render_specs(paths: Sequence[Path], out_dir: str | None = None, *, check: bool = False, dry_run: bool = False,
                 force: bool = False, strict: bool = False, yes: bool = False,
                 confirm: Confirm | None = None) -> list[SpecRun]:
    """:func:`render_spec` for each spec. Only ``check`` takes several specs and folders (each spec checked against
    its own default output folder, so ``out_dir`` only with one spec); a render or a dry run takes one spec.

    Raises :class:`UsageError` for options that do not go together, before any spec runs."""
    if check and (force or dry_run):
        raise UsageError("--check cannot be combined with --force or --dry-run")
    if not check:
        if len(paths) != 1:
            raise UsageError(f"render writes one spec at a time, and {len(paths)} were given",
                             "give one spec, or check several with --check")
        specs = list(paths)
    else:
        specs = find_specs(paths)
        if out_dir is not None and len(specs) > 1:
            raise UsageError(f"--out names one output folder, and {len(specs)} specs were given",
                             "leave out --out: each spec is checked against infra/ beside it")
    return [_attempt(spec, lambda s: SpecRun(s, rendered=render_spec(s, out_dir, check=check, dry_run=dry_run,
                                                                      force=force, strict=strict, yes=yes,
                                                                      confirm=confirm))) for spec in specs]


@mutable
class InitOutcome:
    spec_path: Path
    schema_path: Path


def init_target(spec: str | os.PathLike[str] = DEFAULT_SPEC, *, force: bool = False) -> Path:
    """Where ``init`` writes the spec: ``spec``, or ``azoai-gen.yaml`` inside it when it names a folder (one that
    exists, or any path written with a trailing slash, such as ``infra-specs/``). Raises now, before any question is
    asked, what writing would raise later: a spec or schema file in the way (unless ``force``), a folder where the
    spec goes, a file name that the generated files could not print."""
    written = os.fspath(spec)
    from . import text, write

    if not written:
        raise UsageError("the spec path is empty", "name a spec file or a folder, for example azoai-gen.yaml")
    path = Path(written)
    if written.endswith(("/", os.sep)) or path.is_dir():
        path = path / DEFAULT_SPEC.name
    for problem in text.file_name_problems(str(path)):
        raise UsageError(f"{path}: {problem.message}", problem.hint)
    schema_path = path.parent / resources.SCHEMA_FILE
    write.check_init([(path, None), (schema_path, resources.schema_text())], force=force,
                     keep_identical=frozenset([schema_path]))
    return path


@mutable
class InitAnswers:
    """The answers given as options, checked: values by spec key, and how they were read (a display name taken as
    its region's name)."""

    values: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def init_answers(*, tier: int | None = None, regions: list[str] | None = None, workload: str | None = None,
                 environment: str | None = None) -> InitAnswers:
    """Check the answers given as options, in the order ``init`` asks its questions, as it checks a typed answer.
    Raises :class:`UsageError` naming every option refused, with what it may have meant."""
    from . import initspec

    given = {"tier": tier, "regions": regions or None, "workload": workload, "environment": environment}
    answers = InitAnswers({})
    refused, meant = [], []
    for question in initspec.QUESTIONS:
        if given[question.key] is None:
            continue
        answer = initspec.check_answer(question.key, given[question.key], answers.values)
        answers.notes.extend(answer.notes)
        if answer.ok:
            answers.values[question.key] = answer.value
            continue
        refused.extend(f"{question.option}: {message}" + (f" ({hint})" if hint else "")
                       for message, hint in answer.problems)
        if answer.suggestion:
            meant.append(f"{question.option} {answer.suggestion}")
    if refused:
        raise UsageError("; ".join(refused), f"did you mean {' and '.join(meant)}?" if meant else "")
    return answers


def init_spec(spec_path: Path, *, tier: int, regions: list[str], workload: str, environment: str,
              force: bool = False) -> InitOutcome:
    """Write a commented starting spec, and the JSON Schema beside it for editor completion. A region may be given
    as the portal shows it (``Sweden Central``): it is written as the region's name."""
    from . import initspec, write
    from .pipeline import validate_text

    content = initspec.spec_text(tier=tier, regions=initspec.region_names(regions), workload=workload,
                                 environment=environment, spec_name=spec_path.name)
    try:
        validate_text(content, str(spec_path))
    except SpecError as error:
        messages = []
        for problem in error.problems:
            option = initspec.OPTIONS.get(initspec.top_key(problem.path), problem.path)
            messages.append(f"{option}: {problem.message}" + (f" ({problem.hint})" if problem.hint else ""))
        raise UsageError("; ".join(messages)) from None
    schema_path = spec_path.parent / resources.SCHEMA_FILE
    # Both files go through the writer of render; an existing schema is replaced only with --force (one that is
    # already this version's is left as it is).
    write.write_init([(spec_path, content), (schema_path, resources.schema_text())], force=force,
                     keep_identical=frozenset([schema_path]))
    return InitOutcome(spec_path, schema_path)


def preflight_spec(path: Path, *, today: date | None = None) -> preflight.Preflight:
    """Check the spec's design against the subscription the user's az CLI is logged in to (reading only). Raises
    :class:`SpecError` for a spec that is not valid and :class:`UsageError` when az is missing or nobody is logged
    in."""
    from . import preflight
    from .az import Az
    from .pipeline import validate_file

    validated = validate_file(path)
    return preflight.run(validated, Az(), today)


def schema_json() -> str:
    """The JSON Schema of the spec."""
    return resources.schema_text()


def tiers() -> list[Tier]:
    """The five tiers, in order."""
    from .catalogue import TIERS

    return [TIERS[n] for n in sorted(TIERS)]


@mutable
class CiOutcome:
    path: Path
    #: What was done to the file: write.CREATE, IDENTICAL, UPDATE or OVERWRITE.
    action: str
    pipeline: ci.Pipeline
    warnings: list[Problem] = field(default_factory=list)


def ci_pipeline(platform: str, specs: list[Path], out_dir: Path | str | None = None, *,
                force: bool = False) -> CiOutcome:
    """Write the CI pipeline of ``platform`` (github or azure-devops) for ``specs`` (default azoai-gen.yaml; a folder
    stands for the specs in it, :mod:`azoai_gen.discover`) into the repository at ``out_dir`` (default: the current
    folder). Every spec must be valid and inside that folder; each one's Bicep is expected in its default output
    folder, infra/ beside it. A pipeline file azoai-gen wrote and
    nobody edited is replaced; any other file there only with ``force``."""
    from . import ci, write
    from .pipeline import validate_file

    if out_dir == "":
        raise UsageError("--out is empty", "name the top of the repository, for example --out .")
    if platform not in ci.PATHS:
        raise UsageError(f"unknown CI platform {platform!r}", "choose github or azure-devops")
    root = Path(out_dir) if out_dir is not None else Path(".")
    problems: list[Problem] = []
    found = []
    for spec in find_specs(specs or [DEFAULT_SPEC]):
        try:
            found.append((spec, validate_file(spec)))
        except SpecError as error:
            problems += error.problems
    if problems:
        raise SpecError(problems)
    targets = [(_inside(spec, root), _inside(default_out_dir(spec), root), validated.design)
               for spec, validated in found]
    plan = ci.pipeline(platform, targets)
    path = root / plan.path
    action = write.write_generated(path, ci.render(plan), force=force, ours=ci.is_ours)
    return CiOutcome(path, action, plan, [w for _, validated in found for w in validated.warnings])


def _inside(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, in POSIX form; a path outside ``root`` is a usage error."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
    if relative == ".." or relative.startswith(".." + os.sep) or os.path.isabs(relative):
        raise UsageError(f"{path} is outside {root}", "a pipeline runs from the top of the repository: run "
                         "azoai-gen ci there, or name it with --out")
    return Path(relative).as_posix()


def explain_setting(path: str | None = None) -> explain.Setting:
    """A spec setting, from the schema: its description, type, default, allowed values and the tiers that read it;
    without a path, the spec's top-level settings. Raises :class:`UsageError` for a path the schema lacks."""
    from . import explain

    return explain.explain(path) if path else explain.top_level()


def explain_text(path: str | None = None) -> str:
    """:func:`explain_setting` as ``azoai-gen explain`` prints it."""
    from . import explain

    return explain.text(explain_setting(path))


def setting_paths(incomplete: str = "") -> list[str]:
    """The setting paths that begin with ``incomplete``: what the shell completes after ``azoai-gen explain``."""
    from . import explain

    return [path for path in explain.paths() if path.startswith(incomplete)]
