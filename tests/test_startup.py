"""What the command line does before and around a command: it builds only the command it runs, which changes nothing
a user sees, imports the machine-readable report only for a machine format, and its process entry alone sets the
garbage collector (docs/architecture.md, "Import cost")."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import typer
import typer.main
import typer.testing
from typer.testing import CliRunner

from _support import EXAMPLES, ROOT, plain
from azoai_gen import cli

runner = CliRunner()


@pytest.fixture
def built(monkeypatch):
    """The names of the commands built from their registrations, in order, while the test runs."""
    names: list[str] = []
    real = typer.main.get_command_from_info

    def counting(command_info, **settings):
        command = real(command_info, **settings)
        names.append(command.name)
        return command

    monkeypatch.setattr(typer.main, "get_command_from_info", counting)
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # the application sets typer's hook, as typer does
    return names


def _run_app(*args: str) -> int:
    """Run the application as ``azoai-gen args`` runs it (cli.main); its exit code."""
    with pytest.raises(SystemExit) as done:
        cli.app([str(a) for a in args], prog_name="azoai-gen")
    return done.value.code


@pytest.mark.parametrize("args, name", [
    (["tiers", "--output", "json"], "tiers"),
    (["schema"], "schema"),
    (["validate", EXAMPLES / "tier1.yaml"], "validate"),
    (["explain", "tier"], "explain"),
    (["render", "--help"], "render"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_running_a_command_builds_that_command_alone(built, capsys, args, name):
    assert _run_app(*args) == 0, capsys.readouterr().err
    assert built == [name]


def test_a_render_builds_the_render_command_alone(built, capsys, tmp_path):
    assert _run_app("render", EXAMPLES / "tier1.yaml", "--out", tmp_path / "infra") == 0, capsys.readouterr().err
    assert built == ["render"]
    assert (tmp_path / "infra" / "main.bicep").is_file()


@pytest.mark.parametrize("args", [["--version"], ["rendr", "x.yaml"], ["--show-completion", "bash"]], ids=" ".join)
def test_the_version_an_unknown_command_and_the_completion_script_build_no_command(built, capsys, args):
    _run_app(*args)
    assert built == []


def test_the_help_builds_every_command_once(built, capsys):
    assert _run_app("--help") == 0
    assert built == list(cli.app.group().commands)  # the names alone: listing them builds nothing


def test_the_group_lists_the_commands_in_the_order_typer_lists_them():
    registered = list(cli.app.registered_commands)
    eager, lazy = typer.main.get_command(cli.app), cli.app.group()
    assert cli.app.registered_commands == registered  # making the group leaves the registrations as they were
    ctx = typer.Context(eager)
    assert lazy.list_commands(ctx) == eager.list_commands(ctx) == list(eager.commands)
    assert list(lazy.commands) == list(eager.commands)
    assert [param.name for param in lazy.params] == [param.name for param in eager.params]


def _commands() -> list[str]:
    return list(typer.main.get_command(cli.app).commands)


#: What a user may type before or instead of a command: help, version, typos, usage errors.
CASES = [[], ["--help"], ["--version"], ["--debug"], ["--bogus"], ["rendr"], ["valdate", "x.yaml"], ["deploy"],
         ["render"], ["validate"], ["render", "x.yaml", "--bogus"], ["tiers", "--output", "xml"],
         ["--show-completion", "bash"], ["--show-completion", "tcsh"], ["--show-completion"],
         *[[name, "--help"] for name in _commands()]]

#: Shell completion (typer's _AZOAI_GEN_COMPLETE protocol): command names, a command's options, a setting path.
COMPLETIONS = [("azoai-gen ", 1), ("azoai-gen ren", 1), ("azoai-gen init --reg", 2), ("azoai-gen explain network.", 2),
               ("azoai-gen render --", 2), ("azoai-gen --", 1)]


def _both(args: list[str], env: dict[str, str], monkeypatch) -> tuple[tuple, tuple]:
    """What the group typer builds (every command) and the application's own group print for ``args``: exit code,
    stdout and stderr of each."""
    eager = runner.invoke(cli.app, args, env=env)
    with monkeypatch.context() as patch:
        patch.setattr(typer.testing, "_get_command", lambda app: app.group())
        lazy = runner.invoke(cli.app, args, env=env)
    return ((eager.exit_code, eager.stdout, eager.stderr), (lazy.exit_code, lazy.stdout, lazy.stderr))


@pytest.mark.parametrize("args", CASES, ids=lambda args: " ".join(args) or "no arguments")
@pytest.mark.parametrize("columns", ["80", "200"])
def test_the_application_prints_what_typer_prints_with_every_command_built(monkeypatch, args, columns):
    eager, lazy = _both(args, {"COLUMNS": columns}, monkeypatch)
    assert lazy == eager
    assert plain(eager[1] + eager[2]).strip()  # the case printed something to compare


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
@pytest.mark.parametrize("words, cword", COMPLETIONS, ids=lambda value: value if isinstance(value, str) else None)
def test_shell_completion_completes_as_typer_does_with_every_command_built(monkeypatch, shell, words, cword):
    env = {"_AZOAI_GEN_COMPLETE": f"complete_{shell}", "COMP_WORDS": words, "COMP_CWORD": str(cword),
           "_TYPER_COMPLETE_ARGS": words, "_TYPER_COMPLETE_FISH_ACTION": "get-args"}
    eager, lazy = _both([], env, monkeypatch)
    assert lazy == eager
    assert eager[0] == 0 and eager[1].strip(), eager


# ---------------------------------------------------------------------------------------------------------------------
# The garbage collector: set by the process entry alone (azoai_gen/__main__.py).

#: Runs what ``python -m azoai_gen validate SPEC`` runs, and prints the collector's settings as the command saw them
#: (enabled, thresholds) and as the process left them for its shutdown (thresholds, whether objects were frozen).
_ENTRY = """
import atexit, gc, json, runpy, sys
from azoai_gen import api
seen = {}
validate_specs = api.validate_specs
def watching(*args, **kwargs):
    seen["command"] = [gc.isenabled(), gc.get_threshold()]
    return validate_specs(*args, **kwargs)
api.validate_specs = watching
atexit.register(lambda: print(json.dumps({**seen, "exit": [gc.get_threshold(), gc.get_freeze_count() > 0]})))
sys.argv = ["azoai-gen", "validate", sys.argv[1]]
runpy.run_module("azoai_gen", run_name="__main__")
"""

#: Imports every module of azoai_gen (the process entry's included, under its module name), runs a command through
#: azoai_gen.cli as tests and other programs do, and prints the collector's settings before and after.
_LIBRARY = """
import contextlib, gc, importlib, io, json, pkgutil, sys
import azoai_gen
before = [gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()]
names = [module.name for module in pkgutil.walk_packages(azoai_gen.__path__, "azoai_gen.")]
for name in names:
    importlib.import_module(name)
from pathlib import Path
from azoai_gen import api, cli
assert all(run.ok for run in api.validate_specs([Path(sys.argv[1])]))
sys.argv = ["azoai-gen", "validate", sys.argv[1]]
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        cli.main()
    except SystemExit as done:
        assert done.code == 0, done.code
print(json.dumps({"modules": names, "before": before,
                  "after": [gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()]}))
"""


def _python(program: str, *args: str, cwd) -> dict:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_", "_AZOAI_GEN"))}
    environment["PYTHONPATH"] = str(ROOT)
    done = subprocess.run([sys.executable, "-c", program, *args], capture_output=True, text=True, cwd=cwd,
                          env=environment)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def gc_defaults() -> tuple[int, int, int]:
    """The thresholds a fresh interpreter starts with."""
    done = subprocess.run([sys.executable, "-c", "import gc; print(*gc.get_threshold())"], capture_output=True,
                          text=True, check=True)
    return tuple(int(value) for value in done.stdout.split())


def test_the_process_entry_collects_late_and_leaves_its_objects_to_the_shutdown(tmp_path):
    from azoai_gen.__main__ import FIRST_COLLECTION

    seen = _python(_ENTRY, str(EXAMPLES / "tier1.yaml"), cwd=tmp_path)
    enabled, thresholds = seen["command"]
    assert enabled and thresholds[0] == FIRST_COLLECTION  # a long run of many specs still collects
    assert thresholds[1:] == list(gc_defaults()[1:])
    assert seen["exit"] == [thresholds, True]  # frozen once the command is done


def test_the_library_and_the_command_line_module_leave_the_collector_as_the_caller_set_it(tmp_path):
    seen = _python(_LIBRARY, str(EXAMPLES / "tier1.yaml"), cwd=tmp_path)
    assert "azoai_gen.__main__" in seen["modules"] and "azoai_gen.cli" in seen["modules"]
    assert seen["before"] == [True, list(gc_defaults()), 0]
    assert seen["after"] == seen["before"]


def test_the_installed_script_and_python_m_run_the_same_entry():
    import tomllib

    from azoai_gen import __main__ as entry

    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert scripts == {"azoai-gen": "azoai_gen.__main__:main"}
    assert callable(entry.main)
