"""No traceback, ever: an unexpected exception is a bug, shown as one line with exit code 3; --debug shows the
traceback instead. The library's own errors and the command line's usage errors keep their exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _support import EXAMPLES, ROOT, plain, spec
from azoai_gen import api, cli

runner = CliRunner()


class Planted(Exception):
    """The failure the tests plant in the library."""


def _fail(*args, **kwargs):
    raise Planted("planted failure\nover two lines")


def _lines(text: str) -> list[str]:
    return [line for line in plain(text).splitlines() if line.strip()]


def _assert_one_bug_line(output: str, command: str) -> None:
    lines = _lines(output)
    assert len(lines) == 1, output
    line = lines[0]
    assert line.startswith(f"error: azoai-gen {command} failed unexpectedly (")
    assert "Planted: planted failure over two lines" in line
    assert "This is a bug in azoai-gen" in line
    assert "report it to the azoai-gen maintainers" in line and "--debug" in line
    assert "Traceback" not in output


COMMANDS = {
    "render": ("render_spec", lambda tmp: ["render", EXAMPLES / "tier1.yaml", "--out", tmp / "out"]),
    "validate": ("validate_spec", lambda tmp: ["validate", EXAMPLES / "tier1.yaml"]),
    "init": ("init_spec", lambda tmp: ["init", tmp / "spec.yaml", "--no-input"]),
    "schema": ("schema_json", lambda tmp: ["schema"]),
    "tiers": ("tiers", lambda tmp: ["tiers"]),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_an_unexpected_exception_is_one_line_and_exit_3(monkeypatch, tmp_path, command):
    function, args = COMMANDS[command]
    monkeypatch.setattr(api, function, _fail)
    result = runner.invoke(cli.app, [str(a) for a in args(tmp_path)])
    assert result.exit_code == cli.BUG_EXIT == 3
    _assert_one_bug_line(result.stderr, command)
    assert result.stdout == ""


def test_an_exception_deep_in_the_library_names_where_it_came_through(monkeypatch, tmp_path):
    from azoai_gen import render

    monkeypatch.setattr(render.manifest, "text", _fail)
    result = runner.invoke(cli.app, ["render", str(EXAMPLES / "tier1.yaml"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3
    _assert_one_bug_line(result.stderr, "render")
    assert ", in render at azoai_gen/render.py:" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_exception_while_reporting_is_a_bug_too(monkeypatch, tmp_path):
    monkeypatch.setattr(cli, "_problem", _fail)
    path = tmp_path / "spec.yaml"
    path.write_text(spec(1, replace={"capacity: 50": "capacity: fifty"}), encoding="utf-8")
    result = runner.invoke(cli.app, ["validate", str(path)])
    assert result.exit_code == 3
    _assert_one_bug_line(result.stderr, "validate")


def test_debug_shows_the_exception_instead(monkeypatch, tmp_path):
    monkeypatch.setattr(api, "render_spec", _fail)
    result = runner.invoke(cli.app, ["--debug", "render", str(EXAMPLES / "tier1.yaml"), "--out", str(tmp_path)])
    assert isinstance(result.exception, Planted)
    assert result.exit_code != 3
    assert "failed unexpectedly" not in result.output


def test_debug_changes_nothing_for_expected_errors(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(spec(1, replace={"sku: GlobalStandard": "sku: Globalstandard"}), encoding="utf-8")
    for options in ([], ["--debug"]):
        result = runner.invoke(cli.app, [*options, "validate", str(path)])
        assert result.exit_code == 1
        assert "deployments[0].sku: 'Globalstandard' is not allowed" in result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("args", [["--debug", "render", "x.yaml", "--bogus"], ["--debug", "deploy"],
                                  ["--debug", "render"], ["render", "x.yaml", "--check", "--force"]])
def test_usage_errors_stay_exit_2(args):
    assert runner.invoke(cli.app, args).exit_code == 2


def test_a_usage_error_from_the_library_stays_exit_2(tmp_path):
    result = runner.invoke(cli.app, ["init", str(tmp_path / "s.yaml"), "--workload", "Bad_Name", "--no-input"])
    assert result.exit_code == 2
    assert "--workload" in result.stderr


def test_messages_cannot_act_on_the_terminal(tmp_path):
    """A spec value echoed in a message is shown with its control, bidi and invisible characters escaped."""
    path = tmp_path / "spec.yaml"
    hostile = "\\e[2J\\e]0;owned\\a\\u202eab\\u200b\\x85"
    path.write_text(spec(1) + f'"x{hostile}": 1\n', encoding="utf-8")
    result = runner.invoke(cli.app, ["validate", str(path)])
    assert result.exit_code == 1
    for char in "\x1b\x07\u202e\u200b\x85":
        assert char not in result.stderr
    assert "\\x1b[2J" in result.stderr


def test_terminal_escaping_keeps_ordinary_text():
    from azoai_gen.errors import shown

    assert shown("O'Brien ${team} \\ ops: é 漢字 🙂") == "O'Brien ${team} \\ ops: é 漢字 🙂"
    assert "\x1b" not in shown("a\x1b[2Jb") and "\u202e" not in shown("a\u202eb")


# ---------------------------------------------------------------------------------------------------------------------
# The real console entry point, in an environment where the library fails.

_SITECUSTOMIZE = '''\
import azoai_gen.render


def _fail(*args, **kwargs):
    raise RuntimeError("planted failure in the rendering")


azoai_gen.render.render = _fail
'''


def _python_m(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """``python -m azoai_gen`` from this checkout, with a sitecustomize module that makes rendering fail."""
    (tmp_path / "planted").mkdir(exist_ok=True)
    (tmp_path / "planted" / "sitecustomize.py").write_text(_SITECUSTOMIZE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path / "planted"), str(ROOT)])
    return subprocess.run([sys.executable, "-m", "azoai_gen", *map(str, args)], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=120)


def test_the_console_entry_point_prints_one_line_and_exits_3(tmp_path):
    result = _python_m("render", EXAMPLES / "tier2.yaml", "--out", tmp_path / "out", tmp_path=tmp_path)
    assert result.returncode == 3, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: azoai-gen render failed unexpectedly (RuntimeError: planted failure in the "
                               "rendering")
    assert "This is a bug" in lines[0] and "--debug" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout
    assert not (tmp_path / "out").exists()


def test_the_console_entry_point_shows_the_traceback_with_debug(tmp_path):
    result = _python_m("--debug", "render", EXAMPLES / "tier2.yaml", "--out", tmp_path / "out", tmp_path=tmp_path)
    assert result.returncode not in (0, 3)
    assert "Traceback (most recent call last)" in result.stderr
    assert "RuntimeError: planted failure in the rendering" in result.stderr
    assert "failed unexpectedly" not in result.stderr


def test_the_planted_environment_leaves_other_commands_alone(tmp_path):
    result = _python_m("validate", EXAMPLES / "tier2.yaml", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
