"""``azoai-gen init``: its questions in a real terminal, each answer checked as it is given, and a clean end to
every way it can stop (a file in the way, a failing write, Ctrl-C or Ctrl-D at a question)."""

from __future__ import annotations

import errno
import os
import re
import select
import signal
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _support import ROOT, SCHEMA, plain, spec
from azoai_gen import api, cli, initspec
from azoai_gen import write as writer
from azoai_gen.errors import SpecError
from azoai_gen.pipeline import validate_file, validate_text

runner = CliRunner()


def run(*args: object):
    result = runner.invoke(cli.app, [str(a) for a in args])
    return result, plain(result.output)


def files_in(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


# ---------------------------------------------------------------------------------------------------------------------
# A real terminal: the questions through a pseudo-terminal, as a user at a keyboard answers them.


class Terminal:
    """``python -m azoai_gen ARGS`` on a pseudo-terminal: its stdin, stdout and stderr are the terminal, so it asks
    its questions. ``expect`` waits for text on the screen; ``type`` types a line (Enter is a carriage return, as a
    terminal sends it)."""

    def __init__(self, *args: object, cwd: Path) -> None:
        import pty

        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
        # PYTHONFAULTHANDLER: a command that does not end is stopped with SIGABRT, and shows where it was.
        env.update(PYTHONPATH=str(ROOT), TERM="xterm", NO_COLOR="1", COLUMNS="200", PYTHONFAULTHANDLER="1")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the command, on the terminal
            os.chdir(cwd)
            os.execve(sys.executable, [sys.executable, "-m", "azoai_gen", *map(str, args)], env)
        self.screen = ""
        self.status: int | None = None

    def _read(self, until: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], max(0.0, until - time.monotonic()))
        if not ready:
            return True
        try:
            data = os.read(self.fd, 4096)
        except OSError:  # the command ended and the terminal closed
            return False
        self.screen += plain(data.decode("utf-8", "replace")).replace("\r\n", "\n")
        return bool(data)

    def expect(self, text: str, count: int = 1, timeout: float = 30.0) -> None:
        """Wait until ``text`` is on the screen ``count`` times."""
        until = time.monotonic() + timeout
        while self.screen.count(text) < count:
            assert time.monotonic() < until, f"waited for {text!r}; the screen shows:\n{self.screen}"
            if not self._read(until):
                break
        assert self.screen.count(text) >= count, f"no {text!r}; the screen shows:\n{self.screen}"

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode("utf-8") + b"\r")

    def press(self, key: bytes) -> None:
        os.write(self.fd, key)

    def finish(self, timeout: float = 30.0) -> int:
        """Read to the end and return the exit code."""
        until = time.monotonic() + timeout
        while self._read(until) and time.monotonic() < until:
            pass
        for _ in range(50):
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                break
            time.sleep(0.1)
        else:
            os.kill(self.pid, signal.SIGABRT)
            self._read(time.monotonic() + 5)
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            pytest.fail(f"init did not end; the screen shows:\n{self.screen}")
        os.close(self.fd)
        return self.status


pty_only = pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "win32", reason="needs a pseudo-terminal")

PROMPTS = {question.key: question.prompt for question in initspec.QUESTIONS}


@pty_only
def test_init_in_a_terminal_asks_again_after_a_bad_answer_and_writes_a_valid_spec(tmp_path):
    terminal = Terminal("init", "claims.yaml", cwd=tmp_path)
    terminal.expect(f"{PROMPTS['tier']} [2]: ")
    terminal.type("three")
    terminal.expect("expected a whole number, found text")
    terminal.expect(f"{PROMPTS['tier']} [2]: ", count=2)
    terminal.type("3")
    terminal.expect(f"{PROMPTS['workload']} [app]: ")
    terminal.type("Claims App")
    terminal.expect("'Claims App' is not valid here")
    terminal.expect("press Enter for 'claims-app'")
    terminal.expect(f"{PROMPTS['workload']} [claims-app]: ")  # the suggestion is the default now
    terminal.type("")
    terminal.expect(f"{PROMPTS['environment']} [dev]: ")
    terminal.type("Production")
    terminal.expect(f"{PROMPTS['environment']} [prod]: ")
    terminal.type("")
    terminal.expect(f"{PROMPTS['regions']} [swedencentral]: ")
    terminal.type("swedencentrl, France Central")
    terminal.expect("unknown Azure region 'swedencentrl'")
    terminal.expect(f"{PROMPTS['regions']} [swedencentral,francecentral]: ")
    terminal.type("")
    terminal.expect("wrote claims.yaml (tier 3)")
    assert terminal.finish() == 0, terminal.screen
    assert "Traceback" not in terminal.screen and "Error" not in terminal.screen, terminal.screen
    typed = validate_file(tmp_path / "claims.yaml").spec
    assert (typed.tier, typed.workload, typed.environment) == (3, "claims-app", "prod")
    assert [r.location for r in typed.regions] == ["swedencentral", "francecentral"]
    assert files_in(tmp_path) == ["azoai-gen.schema.json", "claims.yaml"]


@pty_only
def test_init_in_a_terminal_takes_a_display_name_as_the_region_it_names(tmp_path):
    terminal = Terminal("init", "--tier", "4", "--workload", "claims", "--environment", "prod", cwd=tmp_path)
    terminal.expect(f"{PROMPTS['regions']} [swedencentral,francecentral]: ")
    terminal.type("Sweden Central,germany-west-central")
    terminal.expect("wrote azoai-gen.yaml (tier 4)")
    assert terminal.finish() == 0, terminal.screen
    assert "Sweden Central: the region's name is swedencentral" in terminal.screen
    assert "Traceback" not in terminal.screen
    typed = validate_file(tmp_path / "azoai-gen.yaml").spec
    assert [r.location for r in typed.regions] == ["swedencentral", "germanywestcentral"]


@pty_only
def test_init_in_a_terminal_reports_an_existing_spec_before_the_first_question(tmp_path):
    (tmp_path / "claims.yaml").write_text("mine\n", encoding="utf-8")
    terminal = Terminal("init", "claims.yaml", cwd=tmp_path)
    assert terminal.finish() == 1, terminal.screen
    assert "error: claims.yaml already exists" in terminal.screen
    assert PROMPTS["tier"] not in terminal.screen
    assert (tmp_path / "claims.yaml").read_text(encoding="utf-8") == "mine\n"
    assert files_in(tmp_path) == ["claims.yaml"]


@pty_only
@pytest.mark.parametrize("key, name", [(b"\x03", "Ctrl-C"), (b"\x04", "Ctrl-D")])
def test_init_stopped_at_a_question_exits_130_without_a_traceback_or_a_file(tmp_path, key, name):
    terminal = Terminal("init", "new/claims.yaml", cwd=tmp_path)
    terminal.expect(f"{PROMPTS['tier']} [2]: ")
    terminal.type("2")
    terminal.expect(f"{PROMPTS['workload']} [app]: ")
    # As a person would, after the question shows: a SIGINT that arrives in the instant between readline's prompt and
    # its wait for a key is only noticed at the next key (CPython's readline), so a test that pressed Ctrl-C at once
    # could wait forever.
    time.sleep(0.5)
    terminal.press(key)
    assert terminal.finish() == cli.CANCELLED_EXIT, (name, terminal.screen)
    assert "azoai-gen init: cancelled; nothing was written" in terminal.screen
    assert "Traceback" not in terminal.screen and "Aborted" not in terminal.screen
    assert files_in(tmp_path) == []


# ---------------------------------------------------------------------------------------------------------------------
# Each answer checked as it is given, by the rules of validate.


def test_an_answer_is_refused_with_the_reasons_validate_gives():
    answer = initspec.check_answer("workload", "Claims App", {})
    with pytest.raises(SpecError) as info:
        validate_text(spec(2, replace={"workload: claims": 'workload: "Claims App"'}))
    expected = [(p.message, p.hint) for p in info.value.problems if p.path == "workload"]
    assert not answer.ok and answer.value is None
    assert list(answer.problems) == expected[:1]


@pytest.mark.parametrize("key, given, suggestion", [
    ("workload", "Claims App", "claims-app"),
    ("workload", "claims_app", "claims-app"),
    ("workload", "2 Claims--App!", "claims-app"),
    ("environment", "Production", "prod"),
    ("environment", "PROD", "prod"),
    ("environment", "Development", "dev"),
    ("environment", "pre-production", "preprod"),
    ("environment", "Staging", "staging"),  # fits the schema (at most 8 characters) once in lower case
    ("environment", "User Acceptance Testing", "uat"),
    ("tier", "tier 3", "3"),
    ("regions", "swedencentrl", "swedencentral"),
    ("regions", "Sweden Centrl, francecentral", "swedencentral,francecentral"),
])
def test_a_refused_answer_comes_with_a_suggestion_that_passes(key, given, suggestion):
    answer = initspec.check_answer(key, given, {})
    assert not answer.ok
    assert answer.suggestion == suggestion
    assert initspec.check_answer(key, suggestion, {}).ok


@pytest.mark.parametrize("key, given", [("environment", "performance-test"), ("tier", "nine"),
                                        ("regions", "qqqqqq"), ("workload", "42")])
def test_no_suggestion_when_none_is_clear(key, given):
    answer = initspec.check_answer(key, given, {})
    assert not answer.ok and answer.suggestion == ""


@pytest.mark.parametrize("given", ["Sweden Central", "sweden-central", "SwedenCentral", "sweden central"])
def test_a_region_written_as_the_portal_shows_it_is_taken_as_its_name(given):
    answer = initspec.check_answer("regions", given, {})
    assert answer.ok and answer.value == ["swedencentral"]
    assert answer.notes == (f"{given}: the region's name is swedencentral",)


def test_an_answer_is_checked_with_the_answers_before_it():
    # Tier 4 needs two regions; tier 2 is content with one.
    assert initspec.check_answer("regions", "swedencentral", {"tier": 2}).ok
    answer = initspec.check_answer("regions", "swedencentral", {"tier": 4})
    assert answer.problems == (("tier 4 needs at least 2 distinct regions; the spec has 1",
                                "add a second region, ideally in the same geography for data residency"),)
    # The Key Vault name of tier 1 holds workload and environment: a long environment is refused after a long
    # workload, though the problem is reported at the workload.
    answers = {"tier": 1, "workload": "claims-proc"}
    assert initspec.check_answer("workload", "claims-proc", {"tier": 1}).ok
    assert initspec.check_answer("environment", "dev", answers).ok
    answer = initspec.check_answer("environment", "staging", answers)
    assert not answer.ok and "Key Vault name" in answer.problems[0][0]


def test_a_problem_at_a_question_still_to_come_is_not_this_answers():
    # Tier 4 with the one default region of tier 2 would be refused; the regions are asked after the tier.
    assert initspec.check_answer("tier", "4", {}).ok


@pytest.mark.parametrize("typed", ["123", "a\tb", "\udcff", "\u202eppa"])
def test_an_answer_is_checked_as_the_text_typed(typed):
    """Written into the spec as YAML reads it back: never as a number, and never as YAML."""
    answer = initspec.check_answer("workload", typed, {})
    assert not answer.ok
    assert all("expected text" not in message for message, _ in answer.problems), answer.problems


@pytest.mark.parametrize("typed", ["true", "null", "no"])
def test_an_answer_that_yaml_could_read_as_another_type_is_written_as_text(tmp_path, typed):
    assert initspec.check_answer("workload", typed, {}).value == typed
    result, output = run("init", tmp_path / "s.yaml", "--no-input", "--workload", typed)
    assert result.exit_code == 0, output
    assert validate_file(tmp_path / "s.yaml").spec.workload == typed


# ---------------------------------------------------------------------------------------------------------------------
# Options: checked like answers, before any question; --region takes a list.


def test_region_takes_a_comma_separated_list_and_can_be_repeated(tmp_path):
    target = tmp_path / "claims.yaml"
    result, output = run("init", target, "--no-input", "--tier", "5", "--region", "westeurope,northeurope",
                         "--region", " uksouth ,")
    assert result.exit_code == 0, output
    assert [r.location for r in validate_file(target).spec.regions] == ["westeurope", "northeurope", "uksouth"]


def test_region_takes_display_names(tmp_path):
    target = tmp_path / "claims.yaml"
    result, output = run("init", target, "--no-input", "--tier", "4", "--region", "West Europe, North Europe")
    assert result.exit_code == 0, output
    assert "note: West Europe: the region's name is westeurope" in output
    assert [r.location for r in validate_file(target).spec.regions] == ["westeurope", "northeurope"]


def test_bad_options_are_refused_together_with_what_they_may_mean(tmp_path):
    target = tmp_path / "claims.yaml"
    result, output = run("init", target, "--no-input", "--workload", "Claims App", "--environment", "Production",
                         "--region", "swedencentrl")
    assert result.exit_code == 2
    assert "--workload: 'Claims App' is not valid here" in output
    assert "--environment: 'Production' is 10 characters long" in output
    assert "--region: unknown Azure region 'swedencentrl' (did you mean 'swedencentral'?)" in output
    assert "hint: did you mean --workload claims-app and --environment prod and --region swedencentral?" in output
    assert "Traceback" not in output
    assert files_in(tmp_path) == []


def test_a_tier_that_needs_more_regions_than_given_is_refused_at_the_region_option(tmp_path):
    result, output = run("init", tmp_path / "s.yaml", "--no-input", "--tier", "4", "--region", "swedencentral")
    assert result.exit_code == 2
    assert "--region: tier 4 needs at least 2 distinct regions" in output


# ---------------------------------------------------------------------------------------------------------------------
# A folder as the spec: azoai-gen.yaml inside it.


def test_a_folder_with_a_trailing_slash_gets_the_spec_inside_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result, output = run("init", "infra-specs/", "--no-input")
    assert result.exit_code == 0, output
    assert "wrote infra-specs/azoai-gen.yaml (tier 2) and infra-specs/azoai-gen.schema.json" in output
    assert files_in(tmp_path) == ["infra-specs", "infra-specs/azoai-gen.schema.json", "infra-specs/azoai-gen.yaml"]
    text = (tmp_path / "infra-specs" / "azoai-gen.yaml").read_text(encoding="utf-8")
    assert "run 'azoai-gen render azoai-gen.yaml'" in text
    assert validate_file(tmp_path / "infra-specs" / "azoai-gen.yaml").spec.tier == 2


@pytest.mark.parametrize("name", [".", "specs", "specs/"])
def test_an_existing_folder_gets_the_spec_inside_it(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / name
    folder.mkdir(exist_ok=True)
    result, output = run("init", name, "--no-input")
    assert result.exit_code == 0, output
    assert (folder / "azoai-gen.yaml").is_file() and (folder / "azoai-gen.schema.json").is_file()
    assert api.init_target(name, force=True) == Path(name) / "azoai-gen.yaml"


# ---------------------------------------------------------------------------------------------------------------------
# No file left behind: a failing write, a conflict, Ctrl-C while writing.


def _fail_at(monkeypatch, step: str, error: BaseException) -> None:
    def checkpoint(at: str) -> None:
        if at.startswith(step):
            raise error

    monkeypatch.setattr(writer, "_checkpoint", checkpoint)


@pytest.mark.parametrize("step", ["wrote .azoai-gen.schema.json", "installed claims.yaml",
                                  "installed azoai-gen.schema.json"])
def test_a_failing_write_leaves_no_file_and_no_folder_behind(tmp_path, monkeypatch, step):
    """A full disk while the schema is written, or after the spec was renamed into place: every file and folder this
    init made is removed again."""
    _fail_at(monkeypatch, step, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
    result, output = run("init", tmp_path / "new" / "deeper" / "claims.yaml", "--no-input")
    assert result.exit_code == 1, output
    assert "cannot write" in output and "No space left on device" in output
    assert "Traceback" not in output
    assert files_in(tmp_path) == []


def test_ctrl_c_while_writing_leaves_no_file_behind(tmp_path, monkeypatch):
    _fail_at(monkeypatch, "installed claims.yaml", KeyboardInterrupt())
    result, output = run("init", tmp_path / "new" / "claims.yaml", "--no-input")
    assert result.exit_code == 130, output
    assert "Traceback" not in output
    assert files_in(tmp_path) == []


def test_a_conflict_leaves_no_temporary_file(tmp_path):
    (tmp_path / "azoai-gen.schema.json").write_text("{}\n", encoding="utf-8")
    result, output = run("init", tmp_path / "claims.yaml", "--no-input")
    assert result.exit_code == 1
    assert "azoai-gen.schema.json already exists and differs from this version's" in output
    assert files_in(tmp_path) == ["azoai-gen.schema.json"]


def test_a_spec_that_appears_during_the_write_is_kept_and_the_schema_is_not_written(tmp_path, monkeypatch):
    target = tmp_path / "claims.yaml"

    def appear(at: str) -> None:
        if at.startswith("staged .azoai-gen.schema.json") and not target.exists():
            target.write_text("mine\n", encoding="utf-8")

    monkeypatch.setattr(writer, "_checkpoint", appear)
    result, output = run("init", target, "--no-input")
    assert result.exit_code == 1
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert files_in(tmp_path) == ["claims.yaml"]


def test_the_schema_written_is_the_packaged_one(tmp_path):
    result, output = run("init", tmp_path / "claims.yaml", "--no-input")
    assert result.exit_code == 0, output
    assert (tmp_path / "azoai-gen.schema.json").read_text(encoding="utf-8") == SCHEMA.read_text(encoding="utf-8")
    assert not [p for p in tmp_path.iterdir() if re.search(r"\.tmp$", p.name)]


def test_every_display_name_names_its_region():
    """regions.lookup relies on it: a display name squeezed to lower-case letters and digits is the region's name."""
    from azoai_gen import regions

    for name, info in regions.known().items():
        assert regions.lookup(info["displayName"]) == name
        assert regions.lookup(info["displayName"].lower().replace(" ", "-")) == name
