"""Import cost: each command imports only what it uses (docs/architecture.md, "Import cost").

Each command runs in a process of its own, through the installed entry point's ``main``, and reports the modules it
imported; the heavy ones (Jinja, the JSON Schema validator, the renderer, the design) must be absent where the command
has no use for them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from _support import EXAMPLES, ROOT, spec
from azoai_gen import api, cli, schema, write

#: Runs ``azoai_gen.cli.main`` with the arguments given, swallows its output and its exit, and prints the names of
#: the modules imported by then as one JSON list.
RUNNER = """
import contextlib, io, json, sys
sys.argv = ["azoai-gen", *json.loads(sys.argv[1])]
from azoai_gen import cli
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        cli.main()
    except SystemExit as done:
        code = done.code
    else:
        code = 0
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""

#: What a command that neither checks nor renders a spec must not import.
HEAVY = ("jinja2", "jsonschema", "azoai_gen.render", "azoai_gen.design")
#: What converting a text, a path, a choice or a flag given on the command line needs not import
#: (azoai_gen.cliapp._Plain); typer imports it to convert other values, and to word a refused value's message.
VALIDATORS = ("pydantic",)
#: What validate must not import: it checks the spec and designs it, and prints nothing of the design.
RENDERING = ("jinja2", "azoai_gen.render")


def _imported(*args: str, cwd: Path, env: dict[str, str] | None = None) -> tuple[object, set[str]]:
    """The exit code of ``azoai-gen args`` and the modules it imported."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_", "_AZOAI_GEN"))}
    environment["PYTHONPATH"] = str(ROOT)  # this checkout's package, whichever checkout an editable install points at
    environment.update(env or {})
    result = subprocess.run([sys.executable, "-c", RUNNER, json.dumps([str(a) for a in args])], capture_output=True,
                            text=True, cwd=cwd, env=environment)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.splitlines()[-1])
    return found["code"], set(found["modules"])


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return [name for name in names if name in modules]


@pytest.mark.parametrize("args", [
    ["--help"],
    ["--version"],
    ["tiers"],
    ["tiers", "--output", "json"],
    ["schema"],
    ["validate", "--help"],
    ["render", "--help"],
    ["--show-completion", "bash"],
], ids=" ".join)
def test_commands_that_read_no_spec_import_no_template_engine_schema_validator_or_design(tmp_path, args):
    code, modules = _imported(*args, cwd=tmp_path)
    assert code in (0, None)
    assert _loaded(modules, HEAVY + VALIDATORS) == []
    assert "azoai_gen.cli" in modules  # the runner did run the command line


@pytest.mark.parametrize("words, cword", [("azoai-gen ren", 1), ("azoai-gen init --reg", 2),
                                          ("azoai-gen explain network.", 2)])
def test_shell_completion_imports_no_template_engine_schema_validator_or_design(tmp_path, words, cword):
    code, modules = _imported(cwd=tmp_path, env={"_AZOAI_GEN_COMPLETE": "complete_bash", "COMP_WORDS": words,
                                                 "COMP_CWORD": str(cword)})
    assert code in (0, None)
    assert _loaded(modules, HEAVY) == []


@pytest.mark.parametrize("output", ["text", "json", "sarif"])
def test_validate_imports_no_template_engine_or_renderer(tmp_path, output):
    code, modules = _imported("validate", EXAMPLES / "tier5-large.yaml", "--output", output, cwd=tmp_path)
    assert code == 0
    assert _loaded(modules, RENDERING + VALIDATORS) == []
    assert "jsonschema" in modules and "azoai_gen.design" in modules  # it did check and design the spec


def test_render_still_imports_what_it_uses(tmp_path):
    code, modules = _imported("render", EXAMPLES / "tier1.yaml", "--out", tmp_path / "out", "--dry-run",
                              cwd=tmp_path)
    assert code == 0
    assert _loaded(modules, HEAVY) == list(HEAVY)
    assert _loaded(modules, VALIDATORS) == []


def test_the_command_line_colours_every_action_of_the_writer():
    """The colours are keyed by the writer's action names, written out so that the writer is not imported for them."""
    actions = {write.CREATE, write.IDENTICAL, write.UPDATE, write.CONFLICT, write.OVERWRITE, write.DELETE, write.REMOVE}
    assert set(cli._STYLES) == actions


def test_the_schema_validator_is_built_once_for_many_specs(tmp_path, monkeypatch):
    built = []
    real = schema._Validator

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    schema._validator.cache_clear()
    monkeypatch.setattr(schema, "_Validator", counting)
    paths = []
    for n in range(6):
        path = tmp_path / f"spec{n}.yaml"
        path.write_text(spec(1 + n % 3), encoding="utf-8")
        paths.append(path)
    runs = api.validate_specs(paths)
    assert [run.ok for run in runs] == [True] * 6
    assert len(built) == 1
    schema._validator.cache_clear()


def _converted(runtime, value, param, ctx):
    """What a runtime parameter makes of ``value``: ``("ok", result, its type)`` or ``("error", type, message)``."""
    try:
        result = runtime.coerce(value, param=param, ctx=ctx)
    except Exception as error:  # noqa: BLE001 - the error is what is compared
        return ("error", type(error).__name__, str(error))
    return ("ok", result, type(result), [type(item) for item in result] if isinstance(result, list) else None)


def test_text_paths_choices_and_flags_convert_as_typer_converts_them_without_pydantic(tmp_path):
    """Every parameter converted without pydantic gives what typer's own conversion gives, value or error."""
    import typer
    from typer._click import Context
    from typer._coercion import build_runtime_param

    from azoai_gen import cliapp

    (tmp_path / "file.yaml").write_text("x", encoding="utf-8")
    texts = ["x", "", "é", "a b", "--", str(tmp_path), str(tmp_path / "file.yaml"), str(tmp_path / "none.yaml"),
             str(tmp_path) + "/", "a//b/./c", "TEXT", "text", "json", "xml", "Json", "1", "0", "yes"]
    values = texts + [None, True, False, 3, [], (), ["a", "b"], (str(tmp_path), "c"), cli.Output.TEXT,
                      cli.DataOutput.JSON, Path("x"), api.DEFAULT_SPEC]
    group = typer.main.get_command(cli.app)
    checked = 0
    for command in [group, *group.commands.values()]:
        ctx = Context(command)
        for param in command.get_params(ctx):
            runtime = param._runtime_param
            if not isinstance(runtime, cliapp._Plain):
                continue
            typer_own = build_runtime_param(param.type_descriptor)
            for value in values:
                assert _converted(runtime, value, param, ctx) == _converted(typer_own, value, param, ctx), \
                    (command.name, param.name, value)
                checked += 1
    assert checked > 300


@pytest.mark.parametrize("args", [["validate", "{spec}"], ["render", "{spec}", "--out", "{out}"]], ids=" ".join)
def test_a_command_whose_output_is_not_a_terminal_does_not_import_rich(tmp_path, args):
    """rich draws colour for a terminal; a pipeline gets the same text without paying for its import."""
    path = tmp_path / "spec.yaml"
    path.write_text(spec(2), encoding="utf-8")
    words = [a.format(spec=path, out=tmp_path / "infra") for a in args]
    environment = {"FORCE_COLOR": "", "TTY_COMPATIBLE": ""}
    code, modules = _imported(*words, cwd=tmp_path, env=environment)
    assert code == 0
    assert [name for name in modules if name == "rich" or name.startswith("rich.")] == []


@pytest.mark.parametrize("command", ["validate", "render"])
def test_a_command_that_prints_text_imports_no_machine_readable_report(tmp_path, command):
    """The JSON, SARIF and GitHub formats are imported when asked for (azoai_gen.report), as is init's quoting."""
    args = [command, str(EXAMPLES / "tier1.yaml")] + (["--out", str(tmp_path / "infra")] if command == "render" else [])
    code, modules = _imported(*args, cwd=tmp_path)
    assert code == 0
    assert "azoai_gen.cli" in modules and "azoai_gen.report" not in modules
    if command == "validate":
        assert "shlex" not in modules
