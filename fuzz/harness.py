"""Fuzz azoai-gen with hostile values in every field of the spec and with mutated examples.

    python fuzz/harness.py --specs 1000 --seed 1 --bicep-check PATH --report fuzz-report.json

Each spec runs through ``validate`` and ``render`` in this process (the real command line, with ``--debug`` so that
a bug shows its exception), under a time limit; a sample also runs through ``python -m azoai_gen`` as a separate
process; the rendered folders are checked in batches by an offline Bicep checker when one is given (``--bicep-check``
or ``AZOAI_GEN_BICEP_CHECK``). What it reports, by kind:

* ``traceback``: an exception that is not one of azoai-gen's own errors (or exit code 3 from the process);
* ``hang``: no answer within the time limit;
* ``code``: a value changed the structure of a rendered file (it no longer parses, or its statements, elements,
  table cells or shell words differ from the render of a benign value in the same place);
* ``value``: a value did not reappear intact where the benign value did, the loader read something other than
  what the spec says, or two object keys differ only in case (Azure reads them as one);
* ``accepted``: a value holding a control character, a lone surrogate, a bidi control or a noncharacter was
  rendered (the text rules refuse them in every field);
* ``raw``: a control, zero-width, bidi or unassigned character, or a lone surrogate, written into a file as is;
* ``terminal``: such a character printed to the terminal;
* ``exit``: an unexpected exit code, or ``validate`` and ``render`` disagreeing on a spec;
* ``bicep``: an error or warning of the Bicep checker on a rendered folder.

docs/fuzzing.md explains each check.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parent.parent
for _path in (ROOT / "tests", ROOT):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

import yaml  # noqa: E402
from typer.testing import CliRunner  # noqa: E402

from azoai_gen import cli, load  # noqa: E402
from azoai_gen.errors import AzoaiError  # noqa: E402
from azoai_gen.pipeline import validate_file  # noqa: E402
from azoai_gen.render import render  # noqa: E402
from fuzz import outputs  # noqa: E402
from fuzz.cases import Builder, Case  # noqa: E402
from fuzz.fields import KEY, Field, Placer, Samples, walk  # noqa: E402
from fuzz.hostile import Plain, dump, printable  # noqa: E402

KINDS = ("traceback", "hang", "code", "value", "accepted", "raw", "terminal", "exit", "bicep")
SCHEMA = ROOT / "schemas" / "azoai-gen.schema.json"
EXAMPLES = ROOT / "examples"
BICEP_CHECK_ENV = "AZOAI_GEN_BICEP_CHECK"


class Hang(BaseException):
    """The time limit ran out. A BaseException, so that no ``except Exception`` in the code under test hides it."""


@dataclass
class Settings:
    specs: int = 100
    seed: int = 0
    time_limit: float = 10.0
    bicep_check: str | None = None
    #: Run every n-th spec through ``python -m azoai_gen`` as well (0: none).
    cli_every: int = 50
    #: Rendered folders per call of the Bicep checker.
    batch: int = 200
    work: Path | None = None
    keep: bool = False
    #: Only these fields (by name, such as ``tags.{value}``) get hostile values; all when empty.
    fields: tuple[str, ...] = ()
    #: Only these hostile texts (and no plain scalars), when given.
    values: tuple[str, ...] = ()
    #: Only these case numbers, when given.
    cases: tuple[int, ...] = ()
    jobs: int = 1


@dataclass
class Finding:
    kind: str
    case: int
    what: str
    detail: str
    base: str
    group: str
    spec: str = ""

    def as_dict(self) -> dict:
        return {"kind": self.kind, "case": self.case, "what": self.what, "detail": self.detail, "base": self.base,
                "spec": self.spec}


@dataclass
class Invocation:
    exit: int | None
    #: What the command printed, on stdout and stderr: results and messages alike quote the spec.
    printed: str
    error: str | None = None
    location: str = ""
    hang: bool = False


@dataclass
class Twin:
    """The render of a benign value in the same place: its files (read when first needed), and the files where the
    value reappears (``exact``, or ``casefold`` where the generator lower-cases it)."""

    accepted: bool
    files: dict[str, str] = field(default_factory=dict)
    reach: dict[str, str] = field(default_factory=dict)
    readings: dict[str, outputs.Reading] = field(default_factory=dict)

    def reading(self, path: str) -> outputs.Reading:
        if path not in self.readings:
            self.readings[path] = outputs.read(path, self.files[path])
        return self.readings[path]


@dataclass
class Tally:
    cases: Counter = field(default_factory=Counter)
    outcomes: Counter = field(default_factory=Counter)
    findings: list[Finding] = field(default_factory=list)
    injected: Counter = field(default_factory=Counter)
    placed: Counter = field(default_factory=Counter)
    reached: dict[str, set] = field(default_factory=dict)
    cli_runs: int = 0
    #: Exceptions in the harness itself (not in azoai-gen): the case is lost, the run goes on.
    errors: list[str] = field(default_factory=list)
    #: The working folder, when it is kept.
    kept: str = ""
    bicep_folders: int = 0
    bicep_seconds: float = 0.0

    def merge(self, other: "Tally") -> None:
        self.cases.update(other.cases)
        self.outcomes.update(other.outcomes)
        self.findings += other.findings
        self.injected.update(other.injected)
        self.placed.update(other.placed)
        for name, files in other.reached.items():
            self.reached.setdefault(name, set()).update(files)
        self.cli_runs += other.cli_runs
        self.errors += other.errors
        self.bicep_folders += other.bicep_folders
        self.bicep_seconds += other.bicep_seconds


# ---------------------------------------------------------------------------------------------------------------------
# Running one spec


def _alarm(signum: int, frame: Any) -> None:
    raise Hang()


def limited(seconds: float, action: Any) -> Any:
    """``action()``, or :class:`Hang` after ``seconds`` (where the platform has interval timers)."""
    if not hasattr(signal, "setitimer"):
        return action()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return action()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def innermost(error: BaseException) -> str:
    """Where an exception came from: the innermost frame in azoai_gen, else the innermost frame."""
    frames = traceback.extract_tb(error.__traceback__)
    mine = [f for f in frames if "azoai_gen" in Path(f.filename).parts] or frames
    if not mine:
        return ""
    frame = mine[-1]
    parts = Path(frame.filename).parts
    name = "/".join(parts[parts.index("azoai_gen"):]) if "azoai_gen" in parts else Path(frame.filename).name
    return f"{name}:{frame.lineno} in {frame.name}"


class Runner:
    """Runs the command line in this process, as a user would, with ``--debug`` so that a bug keeps its
    exception."""

    def __init__(self, time_limit: float) -> None:
        self.time_limit = time_limit
        self.cli = CliRunner()

    def invoke(self, *args: str) -> Invocation:
        try:
            result = limited(self.time_limit, lambda: self.cli.invoke(cli.app, ["--debug", *args]))
        except Hang:
            return Invocation(None, "", hang=True)
        error = result.exception
        if error is not None and not isinstance(error, SystemExit):
            message = " ".join(str(error).split())[:300]
            return Invocation(result.exit_code, result.output, f"{type(error).__name__}: {message}",
                              innermost(error))
        return Invocation(result.exit_code, result.output)


def _hidden(text: str) -> str:
    """The first hidden character of ``text`` and where it is, or ''."""
    found = outputs.hidden_characters(text)
    if not found:
        return ""
    offset, char = found[0]
    return f"{_character(char)} at line {text.count(chr(10), 0, offset) + 1}"


def _character(char: str) -> str:
    import unicodedata

    return f"U+{ord(char):04X} ({unicodedata.category(char)}) {unicodedata.name(char, '')}".rstrip()


def _refused_class(char: str) -> str:
    import unicodedata

    category = unicodedata.category(char)
    if category == "Cc":
        return "a line break" if char in "\n\r" else "a control character"
    return {"Cs": "a lone surrogate", "Cf": "a bidi control"}.get(category, "a noncharacter")


def _first_difference(benign: list, hostile: list) -> str:
    for index, (a, b) in enumerate(zip(benign, hostile)):
        if a != b:
            return f"item {index + 1}: {_short(b)} where a benign value gives {_short(a)}"
    longer, which = (hostile, "extra") if len(hostile) > len(benign) else (benign, "missing")
    return f"{which} item {min(len(benign), len(hostile)) + 1}: {_short(longer[min(len(benign), len(hostile))])}"


def _short(value: Any) -> str:
    text = printable(value) if isinstance(value, str) else repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _same(expected: Any, found: Any) -> bool:
    if isinstance(expected, float) and isinstance(found, float) and math.isnan(expected) and math.isnan(found):
        return True
    return type(expected) is type(found) and expected == found


def _at(data: Any, path: tuple) -> tuple[bool, Any]:
    for part in path:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False, None
    return True, data


class Harness:
    """One run: builds the cases, runs each, compares, and tallies the findings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        self.examples = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.yaml"))}
        self.fields = walk(schema)
        samples = Samples(self.fields, list(self.examples.values()))
        chosen = [f for f in self.fields if not settings.fields or f.name in settings.fields]
        if not chosen:
            raise SystemExit(f"no field is named {', '.join(settings.fields)}")
        self.builder = Builder(self.examples, self.fields, Placer(schema, self.fields, samples), samples,
                               settings.seed)
        self.builder.schedule = [f for f in self.builder.schedule if f in chosen]
        self.builder.only_inject = bool(settings.fields or settings.values)
        if settings.values:
            self.builder.strings, self.builder.plain = list(settings.values), []
        self.builder.accepts = self.verdict
        self.runner = Runner(settings.time_limit)
        if settings.work is not None:
            settings.work.mkdir(parents=True, exist_ok=True)
        self.work = Path(tempfile.mkdtemp(prefix="azoai-gen-fuzz-", dir=settings.work))
        self.twins: dict[tuple[bytes, str], Twin] = {}
        self.reaches: dict[tuple[tuple[bytes, str], str], dict[str, str]] = {}
        self.tally = Tally()
        self.pending: dict[int, Case] = {}
        self._bookkeeping: set[str] | None = None

    def bookkeeping(self) -> set[str]:
        """The files a render leaves in its folder beside the rendered ones (the writer's own records): found once, by
        rendering an example both ways."""
        if self._bookkeeping is None:
            example = sorted(EXAMPLES.glob("*.yaml"))[0]
            out = self.work / "bookkeeping"
            self.runner.invoke("render", str(example), "--out", str(out))
            on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
            self._bookkeeping = on_disk - set(render(validate_file(example).design))
            shutil.rmtree(out, ignore_errors=True)
        return self._bookkeeping

    def numbers(self) -> list[int]:
        return list(self.settings.cases) if self.settings.cases else list(range(self.settings.specs))

    def run(self, numbers: Iterable[int] | None = None) -> Tally:
        try:
            for number in (self.numbers() if numbers is None else numbers):
                self.watch(number)
                try:
                    self.one(self.builder.build(number))
                except Exception as error:  # noqa: BLE001 - a fault of the harness must not end a long run
                    self.tally.errors.append(f"case {number}: {type(error).__name__}: {error} ({innermost(error)})")
                if len(self.pending) >= self.settings.batch:
                    self.check_bicep()
            self.check_bicep()
        finally:
            faulthandler.cancel_dump_traceback_later()
        if not self.settings.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        return self.tally

    def watch(self, number: int) -> None:
        """A last resort for a hang the time limit cannot interrupt (inside C code, which never returns to the
        interpreter): the process then prints every thread's traceback and exits, leaving the working folder, whose
        file ``current`` names the case."""
        (self.work / "current").write_text(f"case {number} (seed {self.settings.seed})\n", encoding="utf-8")
        faulthandler.dump_traceback_later(self.settings.time_limit * 4 + 60, exit=True)

    def find(self, kind: str, case: Case, detail: str, group: str) -> None:
        spec = case.text.decode("utf-8", "backslashreplace")
        spec = spec if len(spec) <= 4000 else spec[:4000] + f"\n# ... ({len(spec)} characters in all)"
        where = case.field.name if case.field is not None else case.kind
        label = f"{kind} | {group}" if kind in ("traceback", "hang") else f"{kind} | {where} | {group}"
        self.tally.findings.append(Finding(kind, case.number, case.describe(), detail, case.base, label, spec))

    # -- one case -------------------------------------------------------------------------------------------------

    def one(self, case: Case) -> None:
        self.tally.cases[case.kind] += 1
        folder = self.work / "specs" / str(case.number)
        folder.mkdir(parents=True, exist_ok=True)
        spec = folder / case.file_name
        try:
            spec.write_bytes(case.text)
        except (OSError, UnicodeError):
            self.tally.outcomes["skipped"] += 1
            return
        twin = self.twin(case) if case.twin is not None else None
        if case.field is not None:
            self.tally.injected[case.field.name] += 1
        out = self.work / "batch" / str(case.number)
        validated = self.runner.invoke("validate", str(spec))
        rendered = self.runner.invoke("render", str(spec), "--out", str(out))
        self.check_invocations(case, validated, rendered)
        outcome = {0: "accepted", 1: "rejected"}.get(rendered.exit, "failed")
        self.tally.outcomes[outcome] += 1
        if outcome == "accepted":
            self.check_output(case, out, twin)
        if self.settings.cli_every and case.number % self.settings.cli_every == 0:
            self.check_process(case, spec, rendered)
        if outcome == "accepted" and self.settings.bicep_check:
            self.pending[case.number] = case
        elif not self.settings.keep:
            shutil.rmtree(out, ignore_errors=True)
        if not self.settings.keep:
            shutil.rmtree(folder, ignore_errors=True)

    def check_invocations(self, case: Case, validated: Invocation, rendered: Invocation) -> None:
        for command, run in (("validate", validated), ("render", rendered)):
            if run.hang:
                self.find("hang", case, f"{command} did not finish within {self.settings.time_limit} s", command)
            elif run.error is not None:
                self.find("traceback", case, f"{command}: {run.error} ({run.location})",
                          f"{run.error.split(':')[0]} at {run.location}")
            elif run.exit not in (0, 1):
                self.find("exit", case, f"{command} exited {run.exit}", f"{command} exit {run.exit}")
            hidden = _hidden(run.printed)
            if hidden:
                self.find("terminal", case, f"{command} printed {hidden}", hidden.split(" at ")[0])
        if not (validated.hang or rendered.hang or validated.error or rendered.error) and validated.exit != rendered.exit:
            self.find("exit", case, f"validate exited {validated.exit} but render exited {rendered.exit}",
                      "validate and render disagree")

    def twin(self, case: Case) -> Twin:
        """The render of the benign twin of ``case``, and where its benign value reappears (both cached: many
        cases share a twin)."""
        rendered = self.rendered(*case.twin)
        key = (dump(case.twin[0]).encode("utf-8"), case.twin[1])
        reach = self.reach(key, rendered, case.benign)
        twin = Twin(rendered.accepted, rendered.files, reach, rendered.readings)
        if twin.accepted and case.field is not None:
            self.tally.placed[case.field.name] += 1
            self.tally.reached.setdefault(case.field.name, set()).update(twin.reach)
        return twin

    def verdict(self, data: dict, benign: Any) -> str:
        """Whether spec data with a benign value renders (``rendered``), with the value in its files
        (``reached``), or not at all (``refused``)."""
        key = (dump(data).encode("utf-8"), "spec.yaml")
        twin = self.rendered(data, "spec.yaml")
        reached = self.reach(key, twin, benign)
        if not twin.accepted:
            return "refused"
        return "reached" if reached or not isinstance(benign, str) else "rendered"

    def rendered(self, data: dict, name: str) -> Twin:
        key = (dump(data).encode("utf-8"), name)
        if key not in self.twins:
            self.twins[key] = self.render_twin(*key)
        return self.twins[key]

    def render_twin(self, text: bytes, name: str) -> Twin:
        folder = self.work / "twins" / str(len(self.twins))
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        path.write_bytes(text)
        try:
            files = limited(self.settings.time_limit, lambda: render(validate_file(path).design))
            return Twin(True, files)
        except (Exception, Hang):  # noqa: BLE001 - the hostile run reports what is wrong; a twin only helps
            return Twin(False)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def reach(self, key: tuple[bytes, str], twin: Twin, benign: Any) -> dict[str, str]:
        """The files where ``benign`` reappears: ``exact``, or ``casefold`` where only a lower-cased copy does (the
        model lower-cases IDs)."""
        if not twin.accepted or not isinstance(benign, str) or not benign:
            return {}
        cached = self.reaches.get((key, benign))
        if cached is None:
            cached = {}
            loose = benign.lower().replace("\\", "")
            for path, text in twin.files.items():
                if loose not in text.lower().replace("\\", ""):  # not even escaped: not in this file
                    continue
                try:
                    texts = twin.reading(path).texts()
                except outputs.Broken:  # even the benign value breaks this file: nothing to compare with
                    twin.accepted = False
                    return {}
                if any(benign in t for t in texts):
                    cached[path] = "exact"
                elif benign != benign.lower() and any(benign.lower() in t for t in texts):
                    cached[path] = "casefold"
            self.reaches[(key, benign)] = cached
        return cached

    # -- the rendered folder --------------------------------------------------------------------------------------

    def check_output(self, case: Case, out: Path, twin: Twin | None) -> None:
        readings: dict[str, outputs.Reading] = {}
        hidden: dict[str, str] = {}
        written = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()} - self.bookkeeping()
        for name in sorted(written):
            file = out / name
            try:
                text = file.read_bytes().decode("utf-8")
            except UnicodeDecodeError as error:
                self.find("raw", case, f"{name} is not UTF-8: {error}", "not UTF-8")
                continue
            found = outputs.hidden_characters(text)
            if found:
                hidden[name] = _character(found[0][1])
            try:
                readings[name] = outputs.read(name, text)
            except outputs.Broken as error:
                self.find("code", case, f"{name}: {error}", f"{name} does not parse")
                continue
            for clash in readings[name].clashes:
                self.find("value", case, f"{name}: keys {clash} differ only in case; Azure reads them as one key",
                          f"{name}: keys differ only in case")
        if hidden:
            self.find("raw", case, "written as is: " + "; ".join(f"{n}: {c}" for n, c in hidden.items()),
                      "characters of category " + ", ".join(sorted({c.split("(")[1][:2] for c in hidden.values()})))
        meant = case.kind != "inject" or self.check_loaded(case, self.work / "specs" / str(case.number) /
                                                           case.file_name)
        if twin is not None and twin.accepted and meant:
            self.compare(case, readings, written, twin)
        if case.kind == "inject":
            refused = outputs.refused_characters(case.expected) if isinstance(case.expected, str) else []
            if refused:
                self.find("accepted", case, f"rendered a value holding {_character(refused[0])}",
                          _refused_class(refused[0]))

    def compare(self, case: Case, readings: dict[str, outputs.Reading], written: set[str], twin: Twin) -> None:
        """Against the benign twin: the same files with the same structure, and the value where the benign one is.
        Only for text: another number or switch may rightly change the design."""
        if not isinstance(case.expected, str):
            return
        shown = case.kind != "filename" or not (outputs.refused_characters(case.expected) or
                                                outputs.hidden_characters(case.expected))
        added, missing = sorted(written - set(twin.files)), sorted(set(twin.files) - written)
        if added or missing:
            self.find("code", case, f"the files differ from a benign value's: added {added}, missing {missing}",
                      "other files")
        for name in sorted(set(readings) & set(twin.files)):
            try:
                benign = twin.reading(name).skeleton
            except outputs.Broken:
                continue
            if readings[name].skeleton != benign:
                detail = _first_difference(benign, readings[name].skeleton)
                self.find("code", case, f"{name}: {detail}", f"{name} structure")
        for name, mode in sorted(twin.reach.items()):
            if name not in readings or not shown:  # a file name that cannot be shown as it is, is shown escaped
                continue
            texts = readings[name].texts()
            expected = case.expected if mode == "exact" else case.expected.lower()
            if not any(expected in t for t in texts):
                self.find("value", case, f"{name}: {_short(case.expected)} does not reappear intact where a benign "
                                         f"value does", f"{name} value")

    def check_loaded(self, case: Case, spec: Path) -> bool:
        """Whether the loader read what the spec says: YAML 1.2's reading of a plain scalar, or its text as
        written."""
        try:
            data = load.load_text(case.text, str(spec)).data
        except AzoaiError:
            return False
        written = case.value.text if isinstance(case.value, Plain) else None
        if case.field is not None and case.field.path[-1] == KEY:
            found, parent = _at(data, case.path[:-1])
            keys = list(parent) if found and isinstance(parent, dict) else []
            if any(_same(case.expected, key) or key == written for key in keys):
                return True
            self.find("value", case, f"the loader did not read the key {_short(case.expected)}", "loader")
            return False
        found, value = _at(data, case.path)
        if found and (_same(case.expected, value) or value == written):
            return True
        self.find("value", case, f"the spec says {_short(case.expected)} and the loader read {_short(value)}",
                  "loader")
        return False

    # -- the real process -----------------------------------------------------------------------------------------

    def check_process(self, case: Case, spec: Path, rendered: Invocation) -> None:
        """``python -m azoai_gen render`` in a process of its own: the exit code agrees with the run in this process,
        no traceback, nothing hidden printed to the terminal."""
        self.tally.cli_runs += 1
        out = self.work / "process" / str(case.number)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
        try:
            result = subprocess.run([sys.executable, "-m", "azoai_gen", "render", str(spec), "--out", str(out)],
                                    capture_output=True, env=env, timeout=self.settings.time_limit + 30)
        except subprocess.TimeoutExpired:
            self.find("hang", case, "python -m azoai_gen render did not finish", "process")
            return
        finally:
            shutil.rmtree(out, ignore_errors=True)
        stderr = result.stderr.decode("utf-8", "backslashreplace")
        if result.returncode == cli.BUG_EXIT or "Traceback" in stderr:
            line = stderr.strip().splitlines()[-1] if stderr.strip() else ""
            where = re.search(r"\((\w+): .*, in (\S+) at (\S+)\)\. This is a bug", line)
            self.find("traceback", case, f"python -m azoai_gen render exited {result.returncode}: {_short(line)}",
                      f"{where[1]} at {where[3]} in {where[2]}" if where else "python -m azoai_gen")
        elif rendered.exit is not None and result.returncode != rendered.exit and rendered.error is None:
            self.find("exit", case, f"python -m azoai_gen render exited {result.returncode}, in this process "
                                    f"{rendered.exit}", "process disagrees")
        hidden = _hidden(stderr)
        if hidden:
            self.find("terminal", case, f"python -m azoai_gen render printed {hidden}", hidden.split(" at ")[0])

    # -- the Bicep checker ----------------------------------------------------------------------------------------

    def check_bicep(self) -> None:
        """Check every rendered folder waiting in ``batch/`` with one call of the Bicep checker."""
        if not self.pending:
            return
        batch = self.work / "batch"
        started = time.monotonic()
        try:
            result = subprocess.run([self.settings.bicep_check, "--json", str(batch)], capture_output=True,
                                    text=True, timeout=600 + 5 * len(self.pending))
            report = json.loads(result.stdout)
        except (OSError, ValueError, subprocess.TimeoutExpired) as error:
            raise SystemExit(f"the Bicep checker failed: {error}") from None
        self.tally.bicep_seconds += time.monotonic() - started
        self.tally.bicep_folders += len(self.pending)
        for item in report.get("diagnostics", []):
            if item.get("severity") not in ("error", "warning"):
                continue
            relative = Path(item["path"]).resolve().relative_to(batch.resolve())
            case = self.pending.get(int(relative.parts[0]))
            if case is None:
                continue
            name = Path(*relative.parts[1:]).as_posix()
            self.find("bicep", case, f"{name}:{item['line']}:{item['col']}: {item['severity']} {item['code']} "
                                     f"{item['message']}", f"{item['code']} in {name}")
        self.pending.clear()
        if self.settings.keep:
            batch.rename(self.work / f"checked-{self.tally.bicep_folders}")
        else:
            shutil.rmtree(batch, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------------------
# Several processes, the report, the command line


def _shard(arguments: tuple[Settings, list[int]]) -> Tally:
    settings, numbers = arguments
    return Harness(settings).run(numbers)


def run(settings: Settings) -> tuple[Tally, list[Field], float]:
    """Run the cases of ``settings`` (in ``settings.jobs`` processes) and return the tally, the schema's fields and
    the seconds taken."""
    started = time.monotonic()
    harness = Harness(settings)
    numbers = harness.numbers()
    if settings.jobs <= 1:
        tally = harness.run(numbers)
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        base = harness.work
        shards = [(Settings(**{**settings.__dict__, "work": base / f"shard-{k}", "jobs": 1}), numbers[k::settings.jobs])
                  for k in range(settings.jobs)]
        with ProcessPoolExecutor(settings.jobs, mp_context=multiprocessing.get_context("fork")) as pool:
            tallies = list(pool.map(_shard, shards))
        tally = Tally()
        for part in tallies:
            tally.merge(part)
        tally.findings.sort(key=lambda f: (f.case, f.kind))
        if not settings.keep:
            shutil.rmtree(base, ignore_errors=True)
    if settings.keep:
        tally.kept = str(harness.work)
    return tally, harness.fields, time.monotonic() - started


def report(settings: Settings, tally: Tally, fields: list[Field], seconds: float) -> dict:
    """The run as a JSON-ready dictionary: settings, outcomes, findings by kind and by group, and field coverage."""
    groups: dict[str, list[Finding]] = {}
    for finding in tally.findings:
        groups.setdefault(finding.group, []).append(finding)
    injected = {f.name for f in fields if tally.injected[f.name]}
    return {
        "specs": len(settings.cases) or settings.specs,
        "seed": settings.seed,
        "timeLimitSeconds": settings.time_limit,
        "seconds": round(seconds, 1),
        "bicepCheck": {"folders": tally.bicep_folders, "seconds": round(tally.bicep_seconds, 1)}
        if settings.bicep_check else None,
        "processRuns": tally.cli_runs,
        "harnessErrors": tally.errors,
        "workFolder": tally.kept or None,
        "cases": dict(sorted(tally.cases.items())),
        "outcomes": dict(sorted(tally.outcomes.items())),
        "findings": {kind: sum(1 for f in tally.findings if f.kind == kind) for kind in KINDS},
        "groups": [{"group": name, "count": len(items), "examples": [f.as_dict() for f in items[:3]]}
                   for name, items in sorted(groups.items(), key=lambda kv: (KINDS.index(kv[1][0].kind), -len(kv[1]),
                                                                             kv[0]))],
        "coverage": {
            "fields": len(fields),
            "injected": len(injected),
            "notInjected": sorted(f.name for f in fields if f.name not in injected),
            "renderedWithABenignValue": sorted(name for name, count in tally.placed.items() if count),
            "neverRenderedWithABenignValue": sorted(f.name for f in fields if not tally.placed[f.name]),
            "reached": {name: sorted(files) for name, files in sorted(tally.reached.items()) if files},
        },
    }


def summary(result: dict) -> str:
    """A few lines for the terminal."""
    lines = [f"{result['specs']} specs (seed {result['seed']}) in {result['seconds']} s: "
             + ", ".join(f"{count} {name}" for name, count in result["outcomes"].items())]
    if result["bicepCheck"]:
        lines.append(f"Bicep checker: {result['bicepCheck']['folders']} folders in "
                     f"{result['bicepCheck']['seconds']} s")
    coverage = result["coverage"]
    lines.append(f"fields: {coverage['injected']} of {coverage['fields']} given hostile values, "
                 f"{coverage['fields'] - len(coverage['neverRenderedWithABenignValue'])} rendered with a benign value")
    lines.append("findings: " + ", ".join(f"{count} {kind}" for kind, count in result["findings"].items()))
    if result["workFolder"]:
        lines.append(f"specs and rendered folders kept in {result['workFolder']}")
    if result["harnessErrors"]:
        lines.append(f"the harness failed on {len(result['harnessErrors'])} case(s), e.g. {result['harnessErrors'][0]}")
    for group in result["groups"][:40]:
        example = group["examples"][0]
        lines.append(f"  {group['count']:5}  {group['group']}")
        lines.append(f"         e.g. case {example['case']} ({example['base']}): {_short(example['what'])}: "
                     f"{_short(example['detail'])}")
    return "\n".join(lines)


def parse(argv: list[str] | None = None) -> tuple[Settings, Path | None]:
    parser = argparse.ArgumentParser(prog="python fuzz/harness.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--specs", type=int, default=1000, help="number of specs to try (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed; the same seed tries the same specs")
    parser.add_argument("--bicep-check", default=os.environ.get(BICEP_CHECK_ENV),
                        help=f"the offline Bicep checker to run on rendered folders (default ${BICEP_CHECK_ENV}; "
                             "none: skipped)")
    parser.add_argument("--report", type=Path, help="write the full report to this JSON file")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per command before a hang (10)")
    parser.add_argument("--process-every", type=int, default=50,
                        help="also run every n-th spec through python -m azoai_gen (default 50; 0: never)")
    parser.add_argument("--batch", type=int, default=200, help="rendered folders per Bicep checker call (200)")
    parser.add_argument("--field", action="append", default=[], help="only inject into this field (repeatable)")
    parser.add_argument("--value", action="append", default=[],
                        help="only inject this hostile text (repeatable; Python escapes such as \\n are read)")
    parser.add_argument("--case", type=int, action="append", default=[], help="only run this case (repeatable)")
    parser.add_argument("--jobs", type=int, default=1, help="processes to run in parallel (default 1)")
    parser.add_argument("--work", type=Path, help="where to make the run's working folder (default: the system's "
                                                  "temporary folder; a memory-backed one is faster)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder: specs and rendered folders")
    args = parser.parse_args(argv)
    return Settings(specs=args.specs, seed=args.seed, time_limit=args.time_limit, bicep_check=args.bicep_check,
                    cli_every=args.process_every, batch=args.batch, work=args.work, keep=args.keep,
                    fields=tuple(args.field), cases=tuple(args.case), jobs=args.jobs,
                    values=tuple(v.encode("latin-1", "backslashreplace").decode("unicode_escape") for v in args.value)
                    ), args.report


def main(argv: list[str] | None = None) -> int:
    settings, report_path = parse(argv)
    tally, fields, seconds = run(settings)
    result = report(settings, tally, fields, seconds)
    if report_path:
        report_path.write_text(json.dumps(result, indent=2, ensure_ascii=True) + "\n", encoding="utf-8")
    print(summary(result))
    return 1 if tally.findings or tally.errors else 0


if __name__ == "__main__":
    sys.exit(main())
