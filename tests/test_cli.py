"""The command line: every command, its exit codes and its messages."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from enum import Enum
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from _support import EXAMPLES, MANIFEST, ROOT, SCHEMA, plain, snapshot, spec
from azoai_gen import __version__, cli
from azoai_gen.catalogue import TIERS
from azoai_gen.pipeline import validate_file

# typer's CliRunner keeps stdout and stderr apart (result.stdout, result.stderr) and also offers both interleaved as
# result.output. azoai-gen writes its messages to stderr and only data (schema, tiers, version) to stdout.
runner = CliRunner()


def run(*args: str):
    result = runner.invoke(cli.app, [str(a) for a in args])
    return result, plain(result.output)


# ---------------------------------------------------------------------------------------------------------------------
# Version, help, usage errors.


def test_version():
    result, output = run("--version")
    assert result.exit_code == 0
    assert output == f"azoai-gen {__version__}\n"


@pytest.mark.parametrize("command", [[], ["init"], ["validate"], ["render"], ["schema"], ["tiers"]])
def test_help_has_an_example(command):
    result, output = run(*command, "--help")
    assert result.exit_code == 0
    assert "Usage" in output
    assert "Example" in output


def _commands() -> list[str]:
    """Every command registered on the app, those added later included."""
    import typer

    return sorted(typer.main.get_command(cli.app).commands)


#: What typer prints for a parameter that sets no metavar: a type in angle brackets (<bool>, <str>, <list[str]>,
#: <int range>, <path>, <text|json>), or a required argument in braces ({spec}).
_TYPE_METAVAR = re.compile(r"<[^<>\s]+(?: range)?>|\{[A-Za-z_][\w-]*\}")


@pytest.mark.parametrize("command", [[]] + [[name] for name in _commands()])
def test_help_shows_no_type_placeholders(command):
    result = runner.invoke(cli.app, [*command, "--help"], env={"COLUMNS": "200"})
    output = plain(result.output)
    assert result.exit_code == 0, output
    assert not _TYPE_METAVAR.findall(output), output
    usage = next(line for line in output.splitlines() if "Usage:" in line)
    assert "{" not in usage and "<" not in usage, usage


def test_help_names_each_value_by_what_it_is():
    output = plain(runner.invoke(cli.app, ["init", "--help"], env={"COLUMNS": "200"}).output)
    assert "Usage: azoai-gen init [OPTIONS] [SPEC]" in output
    for option, metavar in (("--tier", "N"), ("--region", "REGION[,REGION...]"), ("--workload", "NAME"),
                            ("--environment", "ENV")):
        assert re.search(rf"{option}\s+-\w\s+{re.escape(metavar)}\s", output), (option, output)
    assert re.search(r"--force\s+Replace", output), output
    output = plain(runner.invoke(cli.app, ["render", "--help"], env={"COLUMNS": "200"}).output)
    assert "Usage: azoai-gen render [OPTIONS] SPEC" in output
    assert re.search(r"--out\s+-o\s+DIR\s", output), output


class _Output(str, Enum):
    """A choice, as a command added later may take one (module level: the annotations are read by name)."""

    text = "text"
    json = "json"


def test_a_command_added_later_gets_metavars_without_setting_any():
    """What the application class does for every command: a choice shows its choices, a list argument its name."""
    import typer

    from azoai_gen.cliapp import App

    later = App(name="azoai-gen", add_completion=True)

    @later.command()
    def check(specs: list[Path] = typer.Argument(...), output: _Output = typer.Option(_Output.text, "--output"),
              limit: int = typer.Option(3, "--limit"), strict: bool = typer.Option(False, "--strict")) -> None:
        """Check."""

    @later.command()
    def other() -> None:
        """Other."""

    output = plain(runner.invoke(later, ["check", "--help"], env={"COLUMNS": "200"}).output)
    assert "Usage: azoai-gen check [OPTIONS] SPECS..." in output
    assert not _TYPE_METAVAR.findall(output), output
    assert re.search(r"--output\s+\[text\|json\]", output), output
    assert re.search(r"--limit\s+LIMIT", output) and "--strict" in output, output


def test_pyproject_pins_the_typer_release_the_help_is_tested_with():
    import typer

    assert '"typer>=0.29,<0.30"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert typer.__version__.startswith("0.29.")


# ---------------------------------------------------------------------------------------------------------------------
# Shell completion, through typer's own scripts and its _AZOAI_GEN_COMPLETE protocol.

#: A line each shell's script must hold: it names the program and the variable that asks it for completions.
_COMPLETION_LINES = {
    "bash": "complete -o default -F _azoai_gen_completion azoai-gen",
    "zsh": "compdef _azoai_gen_completion azoai-gen",
    "fish": "complete --command azoai-gen --no-files",
    "powershell": "Register-ArgumentCompleter -Native -CommandName azoai-gen",
    "pwsh": "Register-ArgumentCompleter -Native -CommandName azoai-gen",
}


@pytest.mark.parametrize("shell", sorted(_COMPLETION_LINES))
def test_show_completion_prints_the_script_of_the_shell_named(shell):
    """typer's --show-completion takes no value and detects the shell; a shell named after it is the one used."""
    result = runner.invoke(cli.app, ["--show-completion", shell])
    assert result.exit_code == 0, result.output
    assert _COMPLETION_LINES[shell] in result.stdout
    assert "_AZOAI_GEN_COMPLETE" in result.stdout
    others = {line for name, line in _COMPLETION_LINES.items() if line != _COMPLETION_LINES[shell]}
    assert not any(line in result.stdout for line in others)


def test_show_completion_names_the_installed_program_when_run_as_a_module(tmp_path):
    result = _python_m("--show-completion", "zsh", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "#compdef azoai-gen" in result.stdout


def test_show_completion_of_an_unknown_shell_is_a_usage_error():
    result = runner.invoke(cli.app, ["--show-completion", "tcsh"])
    assert result.exit_code == 2
    assert "no completion for the shell 'tcsh'" in result.stderr


def test_install_completion_writes_the_named_shells_script_in_the_home_folder(tmp_path):
    result = runner.invoke(cli.app, ["--install-completion", "bash"], env={"HOME": str(tmp_path)})
    assert result.exit_code == 0, result.output
    script = tmp_path / ".bash_completions" / "azoai-gen.sh"
    assert _COMPLETION_LINES["bash"] in script.read_text(encoding="utf-8")
    assert f"source '{script}'" in (tmp_path / ".bashrc").read_text(encoding="utf-8")


def test_the_completion_script_asks_the_program_and_it_completes_commands_and_options(tmp_path):
    """What the bash script runs on Tab: the program with _AZOAI_GEN_COMPLETE set."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env["PYTHONPATH"] = str(ROOT)
    for words, cword, expected in (("azoai-gen ren", 1, "render"), ("azoai-gen init --reg", 2, "--region")):
        env.update(_AZOAI_GEN_COMPLETE="complete_bash", COMP_WORDS=words, COMP_CWORD=str(cword))
        result = subprocess.run([sys.executable, "-m", "azoai_gen"], capture_output=True, text=True, cwd=tmp_path,
                                env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == [expected]


def test_no_arguments_shows_help():
    result, output = run()
    assert "Usage" in output
    assert "render" in output and "validate" in output


def test_unknown_option_is_a_usage_error():
    result, output = run("--bogus")
    assert result.exit_code == 2
    assert "No such option" in output
    result, _ = run("render", "x.yaml", "--bogus")
    assert result.exit_code == 2


def test_unknown_command_is_a_usage_error():
    result, output = run("deploy")
    assert result.exit_code == 2
    assert "deploy" in output


def test_missing_argument_is_a_usage_error():
    result, _ = run("validate")
    assert result.exit_code == 2


# ---------------------------------------------------------------------------------------------------------------------
# init


def test_init_without_input_writes_a_valid_spec_and_the_schema(tmp_path):
    target = tmp_path / "new" / "claims.yaml"
    result, output = run("init", target, "--no-input")
    assert result.exit_code == 0, output
    assert f"wrote {target} (tier 2)" in output
    text = target.read_text(encoding="utf-8")
    assert text.split("\n")[0] == "# yaml-language-server: $schema=azoai-gen.schema.json"
    schema_file = target.parent / "azoai-gen.schema.json"
    assert schema_file.read_text(encoding="utf-8") == SCHEMA.read_text(encoding="utf-8")
    typed = validate_file(target).spec
    assert (typed.tier, typed.workload, typed.environment) == (2, "app", "dev")
    assert [r.location for r in typed.regions] == ["swedencentral"]


def test_init_with_options(tmp_path):
    target = tmp_path / "claims.yaml"
    result, output = run("init", target, "--tier", "1", "--region", "westeurope", "--region", "northeurope",
                         "--workload", "claims", "--environment", "prod")
    assert result.exit_code == 0, output
    typed = validate_file(target).spec
    assert (typed.tier, typed.workload, typed.environment) == (1, "claims", "prod")
    assert [r.location for r in typed.regions] == ["westeurope", "northeurope"]


def test_init_refuses_to_overwrite_without_force(tmp_path):
    target = tmp_path / "claims.yaml"
    target.write_text("mine\n", encoding="utf-8")
    result, output = run("init", target, "--no-input")
    assert result.exit_code == 1
    assert "already exists" in output
    assert "--force" in output
    assert target.read_text(encoding="utf-8") == "mine\n"
    result, output = run("init", target, "--no-input", "--force")
    assert result.exit_code == 0, output
    assert validate_file(target).spec.tier == 2


def test_init_with_an_invalid_workload_is_a_usage_error(tmp_path):
    target = tmp_path / "claims.yaml"
    result, output = run("init", target, "--no-input", "--workload", "Bad_Name")
    assert result.exit_code == 2
    assert "--workload" in output
    assert "Traceback" not in output
    assert not target.exists()


@pytest.mark.parametrize("args, option", [
    (["--region", "swedencentrl"], "--region"),
    (["--environment", "production"], "--environment"),
])
def test_init_names_the_bad_option(tmp_path, args, option):
    result, output = run("init", tmp_path / "s.yaml", "--no-input", *args)
    assert result.exit_code == 2
    assert f"{option}:" in output


def test_init_tier_out_of_range_is_a_usage_error(tmp_path):
    result, _ = run("init", tmp_path / "s.yaml", "--no-input", "--tier", "6")
    assert result.exit_code == 2
    assert not (tmp_path / "s.yaml").exists()


@pytest.mark.parametrize("tier", [4, 5])
def test_init_multi_region_tier_gets_two_regions(tmp_path, tier):
    target = tmp_path / "s.yaml"
    result, output = run("init", target, "--no-input", "--tier", str(tier))
    assert result.exit_code == 0, output
    typed = validate_file(target).spec
    assert typed.tier == tier
    assert [r.location for r in typed.regions] == ["swedencentral", "francecentral"]


# ---------------------------------------------------------------------------------------------------------------------
# validate


def test_validate_ok(spec_path):
    result, output = run("validate", spec_path)
    assert result.exit_code == 0
    assert f"{spec_path}: valid (tier 1, 1 region, 1 deployment)" in output


def test_validate_example():
    result, output = run("validate", EXAMPLES / "tier2.yaml")
    assert result.exit_code == 0
    assert "valid (tier 2, 1 region, 2 deployments)" in output


def test_validate_shows_warnings_and_still_succeeds(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(spec(1, replace={"model: gpt-5.4-mini": "model: gpt-99"}), encoding="utf-8")
    result, output = run("validate", path)
    assert result.exit_code == 0
    assert f"{path}:9:12: deployments[0].model: warning: model 'gpt-99' is not in the availability data" in output
    assert "valid" in output


def test_validate_invalid_lists_every_problem(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(spec(1, replace={"regions:": "regoins:", "capacity: 50": "capacity: 0"}), encoding="utf-8")
    result, output = run("validate", path)
    assert result.exit_code == 1
    lines = output.splitlines()
    assert f"{path}:5:1: regoins: unknown key 'regoins'" in lines
    assert "    hint: did you mean 'regions'?" in lines
    assert f"{path}:12:15: deployments[0].capacity: 0 is out of range: must be at least 1" in lines
    # The misspelt key is one problem: its hint names the required key it means.
    assert "error: 2 problems in the spec" in lines
    assert "Traceback" not in output
    # Messages go to stderr; stdout stays empty.
    assert result.stdout == ""


def test_validate_yaml_error(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("a: b\n  c: d\n", encoding="utf-8")
    result, output = run("validate", path)
    assert result.exit_code == 1
    assert f"{path}:2:4: (spec): invalid YAML: mapping values are not allowed here" in output.splitlines()


@pytest.mark.parametrize("command", [("validate",), ("render", "--dry-run"), ("render",), ("render", "--check")])
def test_a_missing_spec_or_a_folder_is_a_usage_error_without_a_position(tmp_path, command):
    result, output = run(*command, tmp_path / "nope.yaml")
    assert result.exit_code == 2
    assert output.splitlines()[0] == f"error: no such file: {tmp_path / 'nope.yaml'}"
    assert ":1:1:" not in output and "(spec)" not in output
    result, output = run(*command, tmp_path)
    assert result.exit_code == 2
    # validate and render --check search a folder for specs; a render writes one spec, which a folder is not.
    searched = command in (("validate",), ("render", "--check"))
    assert output.splitlines()[0] == (f"error: {tmp_path}: no azoai-gen spec in this folder" if searched
                                      else f"error: {tmp_path} is a folder, not a spec file")
    assert ":1:1:" not in output and "(spec)" not in output
    assert not (tmp_path / "infra").exists()


# ---------------------------------------------------------------------------------------------------------------------
# render


def test_render_writes_then_reports_up_to_date(spec_path, tmp_path):
    out = tmp_path / "out"
    result, output = run("render", spec_path, "--out", out)
    assert result.exit_code == 0, output
    assert "create    main.bicep" in output
    assert f"tier 1: 10 files changed in {out}" in output
    assert set(snapshot(out)) >= {"main.bicep", MANIFEST}
    result, output = run("render", spec_path, "--out", out)
    assert result.exit_code == 0
    assert "already up to date" in output


def test_render_check_clean_and_drift(spec_path, tmp_path):
    out = tmp_path / "out"
    run("render", spec_path, "--out", out)
    result, output = run("render", spec_path, "--out", out, "--check")
    assert result.exit_code == 0
    assert "is up to date with" in output
    spec_path.write_text(spec(1, replace={"capacity: 50": "capacity: 60"}), encoding="utf-8")
    before = snapshot(out)
    result, output = run("render", spec_path, "--out", out, "--check")
    assert result.exit_code == 1
    assert "out of date" in output
    assert re.search(r"^  update +main\.bicepparam$", output, re.M)
    assert snapshot(out) == before


def test_render_conflict_then_force(spec_path, tmp_path):
    out = tmp_path / "out"
    run("render", spec_path, "--out", out)
    (out / "main.bicep").write_text("edited\n", encoding="utf-8")
    result, output = run("render", spec_path, "--out", out)
    assert result.exit_code == 1
    assert re.search(r"^  conflict +main\.bicep$", output, re.M)
    assert "nothing was written" in output
    assert (out / "main.bicep").read_text(encoding="utf-8") == "edited\n"
    result, output = run("render", spec_path, "--out", out, "--force")
    assert result.exit_code == 0, output
    assert "overwrite main.bicep" in output
    assert (out / "main.bicep").read_text(encoding="utf-8") != "edited\n"


def test_render_dry_run_writes_nothing(spec_path, tmp_path):
    out = tmp_path / "out"
    result, output = run("render", spec_path, "--out", out, "--dry-run")
    assert result.exit_code == 0
    assert "create    main.bicep" in output
    assert "nothing was written" in output
    assert not out.exists()


def test_render_dry_run_with_conflicts_fails(spec_path, tmp_path):
    out = tmp_path / "out"
    run("render", spec_path, "--out", out)
    (out / "main.bicep").write_text("edited\n", encoding="utf-8")
    before = snapshot(out)
    result, output = run("render", spec_path, "--out", out, "--dry-run")
    assert result.exit_code == 1
    assert "conflict" in output
    assert snapshot(out) == before


@pytest.mark.parametrize("other", ["--force", "--dry-run"])
def test_render_check_cannot_be_combined(spec_path, tmp_path, other):
    result, output = run("render", spec_path, "--out", tmp_path / "out", "--check", other)
    assert result.exit_code == 2
    assert "--check cannot be combined" in output
    assert not (tmp_path / "out").exists()


def test_render_invalid_spec(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(spec(1, replace={"tier: 1": "tier: 9"}), encoding="utf-8")
    result, output = run("render", path, "--out", tmp_path / "out")
    assert result.exit_code == 1
    assert f"{path}:4:7: tier: 9 is out of range: must be at most 5" in output
    assert not (tmp_path / "out").exists()


def test_render_refuses_renames(spec_path, tmp_path):
    out = tmp_path / "out"
    run("render", spec_path, "--out", out)
    spec_path.write_text(spec(1, replace={"environment: prod": "environment: test"}), encoding="utf-8")
    result, output = run("render", spec_path, "--out", out)
    assert result.exit_code == 1
    assert re.search(r"^  rename +account/swedencentral: oai-claims-prod-sdc-", output, re.M)


def test_render_output_is_a_file(spec_path, tmp_path):
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    result, output = run("render", spec_path, "--out", target)
    assert result.exit_code == 1
    assert "is not a folder" in output


# ---------------------------------------------------------------------------------------------------------------------
# schema and tiers


def test_schema_prints_the_json_schema():
    result = runner.invoke(cli.app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert result.stdout == SCHEMA.read_text(encoding="utf-8")


def test_tiers_lists_all_five(monkeypatch):
    # A wide console, so that no title is folded over two lines.
    monkeypatch.setattr(cli, "out", Console(width=400, highlight=False, soft_wrap=True))
    result = runner.invoke(cli.app, ["tiers"])
    assert result.exit_code == 0
    output = plain(result.stdout)
    for number, tier in TIERS.items():
        assert f"{number}. {tier.title}" in output
    assert output.count("(not yet rendered)") == 0


# ---------------------------------------------------------------------------------------------------------------------
# Real processes.


def _python_m(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's package, whichever checkout an editable install points at
    return subprocess.run([sys.executable, "-m", "azoai_gen", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env)


def test_python_m_version_and_validate(tmp_path):
    result = _python_m("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout == f"azoai-gen {__version__}\n"
    result = _python_m("validate", EXAMPLES / "tier1.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "valid (tier 1" in result.stdout


def test_python_m_render_and_check(tmp_path):
    out = tmp_path / "out"
    result = _python_m("render", EXAMPLES / "tier2.yaml", "--out", out, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (out / "main.bicep").is_file()
    result = _python_m("render", EXAMPLES / "tier2.yaml", "--out", out, "--check", cwd=tmp_path)
    assert result.returncode == 0, result.stderr


def test_python_m_invalid_spec_exits_1_without_traceback(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(spec(1, replace={"sku: GlobalStandard": "sku: Globalstandard"}), encoding="utf-8")
    result = _python_m("render", path, "--out", tmp_path / "out", cwd=tmp_path)
    assert result.returncode == 1
    assert f"{path}:11:10: deployments[0].sku: 'Globalstandard' is not allowed" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_python_m_render_never_prints_a_traceback(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(spec(1, replace={"capacity: 50": "capacity: 50.0"}), encoding="utf-8")
    result = _python_m("render", path, "--out", tmp_path / "out", cwd=tmp_path)
    assert "Traceback" not in result.stderr + result.stdout
    assert result.returncode in (0, 1)


def test_checkout_root_is_not_needed_as_working_directory(tmp_path):
    # The CLI finds its templates and schema relative to the package, not the working directory.
    assert tmp_path.resolve() != ROOT
    result = _python_m("schema", cwd=tmp_path)
    assert result.returncode == 0
    assert json.loads(result.stdout)["title"] == "azoai-gen spec"


@pytest.mark.parametrize("tier", [1, 2, 3, 4, 5])
def test_init_then_render_works_for_every_tier(tmp_path, tier):
    path = tmp_path / "spec.yaml"
    result, output = run("init", path, "--tier", str(tier), "--workload", "claims", "--environment", "prod",
                         "--no-input")
    assert result.exit_code == 0, output
    result, output = run("render", path, "--out", tmp_path / "infra")
    assert result.exit_code == 0, output
    assert f"tier {tier}:" in output
    assert (tmp_path / "infra" / "main.bicep").is_file()
    result, output = run("render", path, "--out", tmp_path / "infra", "--check")
    assert result.exit_code == 0, output


def test_render_says_that_azure_keeps_what_a_deleted_module_deployed(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(spec(1), encoding="utf-8")
    assert run("render", path, "--out", tmp_path / "infra")[0].exit_code == 0
    path.write_text(spec(2), encoding="utf-8")
    result, output = run("render", path, "--out", tmp_path / "infra")
    assert result.exit_code == 0, output
    assert "delete    modules/keyvault.bicep" in output
    assert "stay in Azure until you delete them" in output
    assert not (tmp_path / "infra" / "modules" / "keyvault.bicep").exists()


def _init_optional_lines() -> list[str]:
    """The commented optional settings of the starting spec, uncommented (without the line on regions' settings)."""
    from azoai_gen.initspec import spec_text

    text = spec_text(tier=2, regions=["swedencentral"], workload="claims", environment="prod")
    block = text[text.index("\n# access:\n") + 1:]
    lines = [line[2:] if line.startswith("# ") else line[1:] for line in block.splitlines()]
    return [line for line in lines if not line.startswith("(")]


def _init_optional_block() -> dict:
    """The commented optional settings of the starting spec, read as YAML."""
    import yaml

    return yaml.safe_load("\n".join(_init_optional_lines()))


def _schema_defaults(node: dict, path: tuple = ()) -> dict[tuple, object]:
    """Every default the schema declares below the top-level optional sections, by path."""
    found = {}
    for key, sub in node.get("properties", {}).items():
        if "default" in sub and not isinstance(sub["default"], dict):
            found[path + (key,)] = sub["default"]
        found.update(_schema_defaults(sub, path + (key,)))
    return found


def test_init_shows_every_schema_default_and_only_the_schema_defaults():
    from azoai_gen import resources
    from azoai_gen.design.frontdoor import OPENAI_PROBE_PATH

    shown = _init_optional_block()
    defaults = {path: value for path, value in _schema_defaults(resources.schema()).items() if path[0] in shown}
    assert defaults, "the schema declares defaults"
    for path, value in defaults.items():
        node = shown
        for key in path:
            node = node[key]
        assert node == value, path
    # The one value that is not a schema default is derived from the tier, and named where the design decides it.
    assert shown["frontDoor"]["healthProbe"]["path"] == OPENAI_PROBE_PATH


def test_init_labels_each_optional_value_as_the_schemas_default_or_as_an_example():
    """A value labelled "default" is the schema's default (or, where the schema has none, the one the design
    derives, said as "default for ..."); a value that is not is labelled "example"."""
    import yaml

    from azoai_gen import resources

    labelled, path = 0, []
    for line in _init_optional_lines():
        depth = (len(line) - len(line.lstrip())) // 2
        entry, _, label = line.strip().partition("  # ")
        key, value = next(iter(yaml.safe_load(entry).items()))
        path = path[:depth] + [key]
        if value is None:  # a section
            continue
        node = resources.schema()
        for part in path:
            node = node["properties"][part]
        labelled += 1
        if "default" in node:
            assert label.startswith("default") and value == node["default"], (path, label)
        elif label.startswith("default"):
            assert label.startswith("default for "), (path, label)
        else:
            assert label.startswith("example; left out: "), (path, label)
    assert labelled >= 30


def test_the_starting_spec_names_its_own_file_in_the_render_command(tmp_path):
    for name, command in (("claims.yaml", "run 'azoai-gen render claims.yaml'"),
                          ("my claims.yaml", "run: azoai-gen render 'my claims.yaml'")):
        result, output = run("init", tmp_path / name, "--no-input")
        assert result.exit_code == 0, output
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert text.splitlines()[1] == f"# azoai-gen spec: edit it, then {command}."
        assert "{" not in text.split("tags:")[0], "no placeholder"

