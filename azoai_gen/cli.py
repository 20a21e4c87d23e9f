"""The command line. Thin on purpose: parse options, call one library function, report.

Exit codes, decided in :func:`_run` only: 0 success, 1 invalid spec, conflict or drift,
2 usage error, 3 an unexpected error (a bug in azoai-gen: one line, or the traceback with ``--debug``).

Importing this module imports only what parsing the command line needs: a command imports the rest when it runs, so
that ``--help``, ``--version``, ``tiers``, ``schema`` and shell completion stay quick (docs/architecture.md, "Import
cost"; tests/test_imports.py).
"""

from __future__ import annotations

import sys
import traceback
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Callable, List, Optional, Sequence, TypeVar

import typer

from . import __version__, api
from .cliapp import App
from .errors import (AzoaiError, ConfirmationError, ConflictError, DriftError, Problem, RenameError, SpecError,
                     UsageError, shown)
from .frozen import mutable
from .terminal import Stream

if TYPE_CHECKING:
    from . import initspec

err = Stream(stderr=True)
out = Stream(stderr=False)

app = App(
    name="azoai-gen",
    help="Turn a short YAML spec into secure, deployable Bicep for Azure OpenAI.",
    epilog="Example: azoai-gen init --tier 2 --region swedencentral --workload claims --environment prod, "
           "then azoai-gen render azoai-gen.yaml",
    add_completion=True,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

T = TypeVar("T")

#: Exit code of an unexpected exception: a bug in azoai-gen, not something the user did.
BUG_EXIT = 3
#: Exit code of a command the user stopped: Ctrl-C (as a shell reports SIGINT), or Ctrl-D at one of init's questions.
CANCELLED_EXIT = 130
#: How to report a bug, said on the one line that replaces the traceback.
REPORT = ("please report it to the azoai-gen maintainers with the command, the spec and the output of the same "
          "command run with --debug (which shows the traceback)")


@mutable
class _Options:
    """The global options, set by the callback before every command."""

    debug: bool = False


_options = _Options()


class Output(str, Enum):
    """``--output`` of the commands that check specs."""

    TEXT = "text"
    JSON = "json"
    GITHUB = "github"
    SARIF = "sarif"


class DataOutput(str, Enum):
    """``--output`` of the commands that print data."""

    TEXT = "text"
    JSON = "json"


@mutable
class _Reporting:
    """How a command that checks specs reports: its name, its --output and (for render) its mode. A failure that
    stops it before any spec (a usage error, a bug) is reported in the same format."""

    command: str
    output: Output = Output.TEXT
    mode: Optional[str] = None
    written: bool = False


_CHECK_OUTPUT_HELP = ("text (the default), json (one document), github (workflow annotations) or sarif (for code "
                      "scanning).")


def _say(text: str, style: str = "", end: str = "\n") -> None:
    """One message line. Messages quote the spec's file name, keys, values and paths: each is shown with its control
    and invisible characters escaped, so that none reaches the terminal raw."""
    err.print(shown(text), style=style or None, markup=False, end=end)


def _result(text: str, style: str = "") -> None:
    """One line of a command's result or plan, on stdout (messages about it go to stderr)."""
    out.print(shown(text), style=style or None, markup=False)


def _problem(problem: Problem) -> None:
    label = "warning: " if problem.severity == "warning" else ""
    style = "yellow" if problem.severity == "warning" else "red"
    err.print(shown(f"{problem.file}:{problem.line}:{problem.column}: {problem.path}: "), end="", markup=False)
    err.print(label + shown(problem.message), style=style, markup=False)
    if problem.hint:
        err.print(f"    hint: {shown(problem.hint)}", style="dim", markup=False)


def _run(action: Callable[[], T], command: str, reporting: Optional[_Reporting] = None) -> T:
    """Run ``command``: call the library, report, and map every exception to a message and an exit code.

    azoai-gen's own errors are exit 1 (2 for a usage error); any other exception is a bug: one line that says what
    failed, that it is a bug and how to report it, exit 3, or the traceback with ``--debug``. The command line's own
    exits pass through. With ``reporting`` in a machine format, a failure is also the one document on stdout."""
    try:
        return _reported(action, reporting)
    except typer.Abort:  # Ctrl-C or Ctrl-D at a question: nothing was written yet
        _say("")
        _say(f"azoai-gen {command}: cancelled; nothing was written", "yellow")
        raise typer.Exit(CANCELLED_EXIT) from None
    except (typer.Exit, typer.TyperException):
        raise
    except Exception as error:  # noqa: BLE001 - every unexpected exception is a bug, reported on one line
        if _options.debug:
            raise
        message = (f"azoai-gen {command} failed unexpectedly ({_one_line(error)}). This is a bug in azoai-gen "
                   f"{__version__}, not a problem with your input: {REPORT}.")
        _say(f"error: {message}", "bold red")
        _emit_failure(reporting, AzoaiError(message), "bug")
        raise typer.Exit(BUG_EXIT) from None


def _exit_code(error: AzoaiError) -> int:
    """The exit code of one of the library's errors: 2 for a usage error, 1 for every other."""
    return 2 if isinstance(error, UsageError) else 1


def _reported(action: Callable[[], T], reporting: Optional[_Reporting] = None) -> T:
    """Call ``action``; show the library's own errors and exit 1 (2 for a usage error)."""
    try:
        return action()
    except AzoaiError as error:
        _report(error)
        _emit_failure(reporting, error)
        raise typer.Exit(_exit_code(error)) from None


def _finish(runs: Sequence[api.SpecRun]) -> None:
    """Exit as the worst spec requires: 2 if one was a usage error, 1 if one failed, else 0."""
    codes = [_exit_code(run.error) if run.error is not None else 1 for run in runs if not run.ok]
    if codes:
        raise typer.Exit(max(codes))


def _emit(reporting: _Reporting, runs: Sequence[api.SpecRun], error: Optional[AzoaiError] = None,
          kind: str = "") -> None:
    """Write the machine-readable report of ``runs`` (or of the ``error`` that stopped the command) to stdout."""
    from . import report

    if reporting.output is Output.JSON:
        text = report.json_text(report.document(reporting.command, runs, mode=reporting.mode, error=error, kind=kind))
    elif reporting.output is Output.SARIF:
        text = report.json_text(report.sarif(runs, Path.cwd(), error))
    else:
        text = report.github(runs, Path.cwd(), error)
    reporting.written = True
    sys.stdout.write(text)


def _emit_failure(reporting: Optional[_Reporting], error: AzoaiError, kind: str = "") -> None:
    """A failure outside any spec, as the one document of a machine format (unless one was written already)."""
    if reporting is not None and reporting.output is not Output.TEXT and not reporting.written:
        _emit(reporting, [], error, kind)


def _one_line(error: BaseException) -> str:
    """The exception, its message on one line, and the innermost place in azoai-gen that it came through."""
    message = " ".join(str(error).split())
    message = message if len(message) <= 300 else message[:300] + "..."
    text = f"{type(error).__name__}: {message}" if message else type(error).__name__
    package = Path(__file__).resolve().parent
    inside = [frame for frame in traceback.extract_tb(error.__traceback__)
              if Path(frame.filename).resolve().is_relative_to(package)]
    if inside:
        frame = inside[-1]
        where = Path(frame.filename).resolve().relative_to(package.parent).as_posix()
        text += f", in {frame.name} at {where}:{frame.lineno}"
    return text


def _report(error: AzoaiError) -> None:
    """Show one of the library's errors: its located problems, the renames or paths it concerns, its message and
    its hint."""
    if isinstance(error, (SpecError, RenameError)):
        for problem in error.problems:
            _problem(problem)
    if isinstance(error, RenameError):
        for change in error.paths:
            _say(f"  {'rename':<9} {change}", "red")
    _say(f"error: {error.message}", "bold red")
    if isinstance(error, ConflictError) and not isinstance(error, RenameError):
        for path in error.paths:
            _say(f"  {'conflict':<9} {path}", "red")
    if isinstance(error, DriftError):
        for path, change in error.changes:
            _say(f"  {change:<9} {path}", "red")
    if isinstance(error, ConfirmationError):
        for change in error.lowering:
            _say(f"  lowers isolation: {change}", "red")
    if error.hint:
        _say(f"hint: {error.hint}", "dim")


def _version(value: bool) -> None:
    if value:
        out.print(f"azoai-gen {__version__}", markup=False)
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Show the version and exit."),
    debug: bool = typer.Option(False, "--debug",
                               help="On an unexpected error (a bug), show the traceback instead of one line."),
) -> None:
    """Turn a short YAML spec into secure, deployable Bicep for Azure OpenAI."""
    _options.debug = debug


@app.command(epilog="Example: azoai-gen init claims.yaml --tier 2 --region swedencentral --workload claims "
                    "--environment prod --no-input")
def init(
    # path_type=str: the argument arrives as written, so that a trailing slash (infra-specs/) names a folder.
    spec: Path = typer.Argument(api.DEFAULT_SPEC, metavar="SPEC", path_type=str,
                                help="Spec file to write, or a folder to write azoai-gen.yaml in."),
    tier: Optional[int] = typer.Option(None, "--tier", "-t", min=1, max=5, metavar="N",
                                       help="Security tier, 1 to 5 (default 2)."),
    region: Optional[List[str]] = typer.Option(
        None, "--region", "-r", metavar="REGION[,REGION...]",
        help="Azure regions, comma-separated or repeated, the primary first; a name (swedencentral) or the "
             "portal's display name (Sweden Central)."),
    workload: Optional[str] = typer.Option(None, "--workload", "-w", metavar="NAME",
                                           help="Workload name used in resource names (default app)."),
    environment: Optional[str] = typer.Option(None, "--environment", "-e", metavar="ENV",
                                              help="Environment token (default dev)."),
    no_input: bool = typer.Option(False, "--no-input", help="Never prompt; use defaults for missing values."),
    force: bool = typer.Option(False, "--force", help="Replace an existing spec file."),
) -> None:
    """Write a commented starting spec (and its JSON Schema, for editor completion)."""
    given = {"tier": tier, "regions": region, "workload": workload, "environment": environment}
    _run(lambda: _init(str(spec), given, interactive=sys.stdin.isatty() and not no_input, force=force), "init")


def _init(spec: str, given: dict, *, interactive: bool, force: bool) -> None:
    import shlex

    from . import initspec

    target = api.init_target(spec, force=force)  # a file in the way is reported before the first question
    answers = api.init_answers(**given)
    for note in answers.notes:
        _say(f"note: {note}", "dim")
    values = answers.values
    for question in initspec.QUESTIONS:
        if question.key not in values:
            values[question.key] = (_ask(question, values) if interactive
                                    else initspec.default(question.key, values))
    outcome = api.init_spec(target, force=force, **values)
    _say(f"wrote {outcome.spec_path} (tier {values['tier']}) and {outcome.schema_path}", "green")
    _say(f"next: edit it, then run: azoai-gen render {shlex.quote(str(outcome.spec_path))}")


def _ask(question: initspec.Question, answers: dict) -> object:
    """Ask until the answer passes; a refused answer is shown with its reasons, and a suggestion becomes the
    default."""
    from . import initspec

    default = initspec.shown_default(question.key, answers)
    while True:
        text = typer.prompt(question.prompt, default=default, err=True)
        answer = initspec.check_answer(question.key, text, answers)
        for note in answer.notes:
            _say(f"  {note}", "dim")
        if answer.ok:
            return answer.value
        for message, hint in answer.problems:
            _say(f"  {message}", "red")
            if hint:
                _say(f"    hint: {hint}", "dim")
        if answer.suggestion:
            _say(f"  press Enter for '{answer.suggestion}', or type another answer", "yellow")
            default = answer.suggestion


#: ``--strict`` of validate and render; AZOAI_GEN_STRICT=1 sets it too.
_STRICT_HELP = ("Treat every warning about the spec as an error (exit 1), so that CI catches them; "
                "validation.strict: true in the spec does the same.")


@app.command(epilog="Example: azoai-gen validate examples/tier2.yaml; azoai-gen validate specs/ --output sarif "
                    "> azoai-gen.sarif")
def validate(
    specs: List[Path] = typer.Argument(..., metavar="SPEC",
                                       help="Spec files, or folders to search for specs (*.yaml and *.yml files with "
                                            "version: and tier: at their top level)."),
    output: Output = typer.Option(Output.TEXT, "--output", metavar="FORMAT", help=_CHECK_OUTPUT_HELP),
    strict: bool = typer.Option(False, "--strict", envvar="AZOAI_GEN_STRICT", help=_STRICT_HELP),
) -> None:
    """Check specs and report every problem with its line and column."""
    reporting = _Reporting("validate", output)
    _run(lambda: _validate(specs, reporting, strict), "validate", reporting)


def _validate(specs: List[Path], reporting: _Reporting, strict: bool = False) -> None:
    runs = api.validate_specs(specs, strict=strict)
    if reporting.output is not Output.TEXT:
        _emit(reporting, runs)
    else:
        for run in runs:
            _show_validated(run)
        _summary(runs)
    _finish(runs)


def _show_validated(run: api.SpecRun) -> None:
    if run.error is not None or run.validated is None:
        _report(run.error)
        return
    for warning in run.validated.warnings:
        _problem(warning)
    regions, deployments = len(run.validated.spec.regions), len(run.validated.spec.deployments)
    _result(f"{run.spec}: valid (tier {run.validated.spec.tier}, {regions} region{'s' if regions != 1 else ''}, "
            f"{deployments} deployment{'s' if deployments != 1 else ''})", "green")


def _summary(runs: Sequence[api.SpecRun]) -> None:
    """With several specs, one line that counts them."""
    if len(runs) < 2:
        return
    failed = [run for run in runs if not run.ok]
    _result(f"{len(runs)} specs: {len(runs) - len(failed)} passed, {len(failed)} failed"
            + (f" ({', '.join(str(run.spec) for run in failed)})" if failed else ""), "red" if failed else "green")


#: The colour of each action on a file, by its name in azoai_gen.write.
_STYLES = {"create": "green", "update": "cyan", "overwrite": "yellow", "delete": "magenta", "conflict": "red",
           "identical": "dim", "remove": "dim"}


@app.command(epilog="Example: azoai-gen render examples/tier2.yaml --out infra && "
                    "azoai-gen render examples/tier2.yaml --out infra --check")
def render(
    specs: List[Path] = typer.Argument(..., metavar="SPEC",
                                       help="Spec file to render; with --check, several specs or folders to search."),
    # Text rather than a path, so that an empty --out is refused instead of meaning the current folder.
    out_dir: Optional[str] = typer.Option(None, "--out", "-o", metavar="DIR",
                                          help="Output folder (default: infra/ beside the spec)."),
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if the folder differs from the spec."),
    force: bool = typer.Option(False, "--force", help="Overwrite generated files that were edited by hand (never "
                               "files that azoai-gen did not write)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would change and write nothing."),
    output: Output = typer.Option(Output.TEXT, "--output", metavar="FORMAT",
                                  help=_CHECK_OUTPUT_HELP + " github and sarif need --check."),
    strict: bool = typer.Option(False, "--strict", envvar="AZOAI_GEN_STRICT", help=_STRICT_HELP),
    yes: bool = typer.Option(False, "--yes", "-y", help="Write changes that lower isolation without asking (see "
                             "azoai-gen plan); without a terminal, render refuses them unless --yes is given."),
) -> None:
    """Render the spec into Bicep modules, a parameter file, a README and a manifest."""
    reporting = _Reporting("render", output, "check" if check else "dry-run" if dry_run else "write")
    _run(lambda: _render(specs, out_dir, reporting, check=check, force=force, dry_run=dry_run, strict=strict,
                         yes=yes), "render", reporting)


def _interactive() -> bool:
    """Whether render can ask a question: both stdin and stderr are a terminal."""
    return sys.stdin.isatty() and sys.stderr.isatty()


def _confirm_lowering(changes: List[str]) -> bool:
    """Ask, in a terminal, whether to write changes that lower isolation."""
    _say("This render lowers isolation:", "bold red")
    for change in changes:
        _say(f"  - {change}", "red")
    return typer.confirm("Write it anyway?", default=False, err=True)


def _render(specs: List[Path], out_dir: Optional[str], reporting: _Reporting, *, check: bool, force: bool,
            dry_run: bool, strict: bool = False, yes: bool = False) -> None:
    if reporting.output in (Output.GITHUB, Output.SARIF) and not check:
        raise UsageError(f"--output {reporting.output.value} reports a check: use it with --check (or with validate)")
    confirm = _confirm_lowering if _interactive() else None
    runs = api.render_specs(specs, out_dir, check=check, dry_run=dry_run, force=force, strict=strict, yes=yes,
                            confirm=confirm)
    if reporting.output is not Output.TEXT:
        _emit(reporting, runs)
    else:
        for run in runs:
            _show_rendered(run, check=check, dry_run=dry_run)
        _summary(runs)
    _finish(runs)


def _show_rendered(run: api.SpecRun, *, check: bool, dry_run: bool) -> None:
    from .write import DELETE, IDENTICAL, REMOVE

    outcome = run.rendered
    if run.error is not None or outcome is None:
        _report(run.error)
        return
    for warning in outcome.warnings:
        _problem(warning)
    if check:
        _result(f"{outcome.out_dir} is up to date with {run.spec}", "green")
        return
    for change in outcome.plan.changes:
        if change.action != IDENTICAL or dry_run:
            counts = f"  +{change.added} -{change.removed}" if change.action not in (IDENTICAL, REMOVE) else ""
            detail = counts + (f"  ({change.reason})" if change.reason else "")
            _result(f"  {change.action:<9} {change.path}{detail}", _STYLES[change.action])
    _left_behind(outcome, dry_run)
    if dry_run:
        _dry_run_result(outcome)
        return
    if any(change.action == DELETE for change in outcome.plan.changes):
        _say("note: Azure deployments are incremental: resources that a deleted module used to deploy stay in "
             "Azure until you delete them (for example the Key Vault when leaving tier 1)", "yellow")
    changed = len(outcome.plan.pending)
    _result(f"tier {outcome.tier}: {changed} file{'s' if changed != 1 else ''} changed in {outcome.out_dir}"
            if changed else f"tier {outcome.tier}: {outcome.out_dir} is already up to date", "green")
    if changed:
        _say(f"next: read {outcome.out_dir / 'README.md'}, then az deployment group what-if")


def _dry_run_result(outcome: api.RenderOutcome) -> None:
    conflicts = outcome.plan.conflicts
    _result(f"dry run: {len(outcome.plan.pending)} file(s) would change in {outcome.out_dir}; nothing was written",
            "yellow" if conflicts else "green")
    if outcome.refusal is not None:
        _say("error: a real run would stop on the conflicts above", "bold red")
        _say(f"hint: {outcome.refusal.hint}", "dim")


def _left_behind(outcome: api.RenderOutcome, dry_run: bool) -> None:
    """The role assignments that stay in Azure, each with the command that deletes it (the commands on stdout)."""
    if not outcome.left_behind:
        return
    count = len(outcome.left_behind)
    verb = "would no longer make" if dry_run else "no longer makes"
    around = ", a way around the gateway," if outcome.tier == 5 else ""
    _say(f"warning: this render {verb} {count} role assignment{'s' if count != 1 else ''} that the previous one "
         "made. Azure deployments are incremental: a role assignment stays, and its principal keeps its access"
         f"{around} until you delete it. Once the new deployment has succeeded, run (in the README's resource "
         "group):", "yellow")
    for assignment in outcome.left_behind:
        _result(f"  # {assignment.role} of {assignment.principal} on {assignment.scope}", "yellow")
        _result(f"  {assignment.command}")


class PlanOutput(str, Enum):
    """``--output`` of plan."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


@app.command(epilog="Example: azoai-gen plan examples/tier3.yaml --out infra; "
                    "azoai-gen plan claims.yaml --output markdown > plan.md")
def plan(
    spec: Path = typer.Argument(..., metavar="SPEC", help="Spec file to compare with its committed render."),
    out_dir: Optional[str] = typer.Option(None, "--out", "-o", metavar="DIR",
                                          help="Output folder of the committed render (default: infra/ beside the "
                                               "spec)."),
    output: PlanOutput = typer.Option(PlanOutput.TEXT, "--output", metavar="FORMAT",
                                      help="text (the default), json (one document) or markdown (for a pull-request "
                                           "comment)."),
) -> None:
    """Show what rendering the spec changes in Azure: resources created, kept and left behind, and the posture."""
    _run(lambda: _plan(spec, out_dir, output), "plan")


def _plan(spec: Path, out_dir: Optional[str], output: PlanOutput) -> None:
    from . import planreport, report

    result = api.plan_spec(spec, out_dir)
    out_path = Path(out_dir) if out_dir is not None else api.default_out_dir(spec)
    if output is PlanOutput.JSON:
        sys.stdout.write(report.json_text(planreport.document(result, spec, out_path)))
    elif output is PlanOutput.MARKDOWN:
        sys.stdout.write(planreport.markdown(result))
    else:
        for line, style in planreport.text_lines(result):
            _result(line, style)


@app.command(epilog="Example: azoai-gen schema > azoai-gen.schema.json")
def schema(
    output: DataOutput = typer.Option(DataOutput.TEXT, "--output", metavar="FORMAT",
                                      help="text or json: both print the schema itself, a JSON document."),
) -> None:
    """Print the JSON Schema of the spec."""
    # Both formats print the schema itself: it is a JSON document already, and `schema > azoai-gen.schema.json`
    # keeps writing the file that editors read (docs/architecture.md, "Machine-readable output").
    _run(lambda: sys.stdout.write(api.schema_json()), "schema")


@app.command(epilog="Example: azoai-gen tiers; azoai-gen tiers --output json")
def tiers(
    output: DataOutput = typer.Option(DataOutput.TEXT, "--output", metavar="FORMAT",
                                      help="text (a table, the default) or json (one document)."),
) -> None:
    """Compare the five security tiers: what each adds, pros, cons and cost drivers."""
    _run(lambda: _tiers(output), "tiers")


def _tiers(output: DataOutput) -> None:
    if output is DataOutput.JSON:
        from . import report

        sys.stdout.write(report.json_text(report.tiers_document(api.tiers())))
        return
    from rich.table import Table

    table = Table(title="azoai-gen security tiers", show_lines=True, expand=False)
    for column in ("Tier", "Adds", "Pros", "Cons", "Cost drivers"):
        table.add_column(column, overflow="fold")
    for tier in api.tiers():
        table.add_row(f"{tier.number}. {tier.title}", tier.adds, tier.pros, tier.cons, tier.cost_drivers)
    out.print(table)


@app.command("ci", epilog="Example: azoai-gen ci github dev/claims.yaml prod/claims.yaml")
def ci_command(
    platform: str = typer.Argument(..., metavar="PLATFORM", help="github or azure-devops."),
    specs: Optional[List[Path]] = typer.Argument(None, metavar="SPEC", show_default=False,
                                                 help="Specs to check and deploy, in deployment order, or "
                                                      "folders of specs (default: azoai-gen.yaml)."),
    out_dir: Optional[str] = typer.Option(None, "--out", "-o", metavar="DIR",
                                          help="Top of the repository (default: the current folder)."),
    force: bool = typer.Option(False, "--force", help="Replace the pipeline file even if it was edited by hand or "
                               "not written by azoai-gen."),
) -> None:
    """Write a CI pipeline: checks on pull requests, approved deployments from the main branch."""
    _run(lambda: _ci(platform, specs or [], out_dir, force), "ci")


def _ci(platform: str, specs: List[Path], out_dir: Optional[str], force: bool) -> None:
    from .write import CREATE, OVERWRITE, UPDATE

    outcome = api.ci_pipeline(platform, specs, out_dir, force=force)
    for warning in outcome.warnings:
        _problem(warning)
    done = {CREATE: "wrote", UPDATE: "updated", OVERWRITE: "replaced"}.get(outcome.action)
    count = len(outcome.pipeline.targets)
    _result(f"{done} {outcome.path} ({count} spec{'s' if count != 1 else ''})" if done
            else f"{outcome.path} is already up to date", "green")
    if outcome.warnings:
        _say("note: the pipeline validates with --strict: the warnings above fail it until you fix them", "yellow")
    if done:
        _say("next: commit it, then do the one-time set-up its first lines describe (identities, environments, "
             "resource groups)")


@app.command(epilog="Example: azoai-gen explain network.addressSpace")
def explain(path: Optional[str] = typer.Argument(None, metavar="PATH", show_default=False,
                                                 autocompletion=api.setting_paths,
                                                 help="A setting, such as apiManagement.sku or regions[].location; "
                                                      "leave out to list the top-level settings.")) -> None:
    """Explain a spec setting: description, type, default, allowed values and the tiers that read it."""
    _run(lambda: out.print(api.explain_text(path), markup=False, end=""), "explain")


@app.command(epilog="Example: az login, then azoai-gen preflight azoai-gen.yaml; azoai-gen preflight azoai-gen.yaml "
                    "--output json")
def preflight(
    spec: Path = typer.Argument(..., metavar="SPEC", help="Spec file to check against your subscription."),
    output: DataOutput = typer.Option(DataOutput.TEXT, "--output", metavar="FORMAT",
                                      help="text (one line per finding with its fix, the default) or json (one "
                                           "document)."),
) -> None:
    """Check quota, models, soft-deleted names, providers and permissions in your subscription, through your az CLI
    (it only reads). Exit 1 when the deployment would fail, 2 when az is missing or not logged in."""
    _run(lambda: _preflight(spec, output), "preflight")


def _preflight(spec: Path, output: DataOutput) -> None:
    from . import report

    try:
        result = api.preflight_spec(spec)
    except AzoaiError as error:
        if output is DataOutput.JSON:
            sys.stdout.write(report.json_text(report.preflight_document(None, error)))
        raise
    if output is DataOutput.JSON:
        sys.stdout.write(report.json_text(report.preflight_document(result)))
    else:
        for finding in result.findings:
            _result(f"{finding.file}:{finding.line}:{finding.column}: {finding.path}: {finding.severity}: "
                    f"[{finding.check}] {finding.message}", "yellow" if finding.severity == "warning" else "red")
            for fix in finding.fix:
                _result(f"    fix: {fix}", "dim")
        errors = sum(1 for f in result.findings if f.severity == "error")
        warnings = len(result.findings) - errors
        _result(f"{result.spec}: preflight {'passed' if result.ok else 'failed'} in subscription "
                f"{result.subscription_name or result.subscription} ({errors} error{'s' if errors != 1 else ''}, "
                f"{warnings} warning{'s' if warnings != 1 else ''})", "green" if result.ok else "red")
    if not result.ok:
        raise typer.Exit(1)


def main() -> None:
    app(prog_name="azoai-gen")


if __name__ == "__main__":
    main()
