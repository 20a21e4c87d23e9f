"""The benchmark runs, and its --help floor has azoai-gen's commands and options. No timing is asserted here: the
targets live in the benchmark (bench/whole_process.py), which reports them."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from _support import MINIMAL, ROOT

sys.path.insert(0, str(ROOT / "bench"))
import bare_app  # noqa: E402
import whole_process  # noqa: E402

WIDE = dict(os.environ, COLUMNS="250", TERMINAL_WIDTH="250")


def test_the_harness_runs_every_case_and_writes_its_results(tmp_path, capsys):
    spec = tmp_path / "tiny.yaml"
    spec.write_text(MINIMAL, encoding="utf-8")
    results = tmp_path / "results.json"
    code = whole_process.main(["--quick", "--pairs", "1", "--warmup", "0", "--large", str(spec), "--small",
                               str(spec), "--regions", "1,2", "--deployments", "1,2", "--many", "2",
                               "--json", str(results)])
    assert code == 0
    data = json.loads(results.read_text(encoding="utf-8"))
    assert data["machine"]["cpus"] == os.cpu_count()
    assert [pair["name"] for pair in data["pairs"]] == ["render-tier5", "render-tier1", "render-tier5-alike", "validate-tier5",
                                                        "help"]
    assert all(len(pair["ratios"]) == 1 and pair["command_rss"] > 0 for pair in data["pairs"])
    assert [point["regions"] for point in data["scaling"]["regions"]] == [1, 2]
    assert [point["deployments"] for point in data["scaling"]["deployments"]] == [1, 2]
    assert (data["scaling"]["added"]["from"], data["scaling"]["added"]["to"]) == (1, 2)
    assert data["many"]["specs"] == 2
    assert len(data["targets"]) == 4
    printed = capsys.readouterr().out
    assert "targets" in printed and "render-tier5" in printed


def test_a_render_that_fails_stops_the_benchmark(tmp_path):
    spec = tmp_path / "broken.yaml"
    spec.write_text("version: 1\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="exited 1"):
        whole_process.main(["--pairs", "1", "--warmup", "0", "--large", str(spec), "--only", "render"])


def panels(text: str) -> dict[str, list[str]]:
    """The first words of each row of each panel of a rich help page: command names, or an option's names."""
    found: dict[str, list[str]] = {}
    panel = None
    for line in text.splitlines():
        title = re.match(r"\s*╭─ (.+?) ─", line)
        if title:
            panel = found.setdefault(title.group(1), [])
        elif panel is not None and re.match(r"│ {1,5}\S", line):
            words = [word for word in line[1:].split() if word != "*"]
            names = [word for word in words[:3] if word.startswith("-")] or words[:1]
            panel.append(" ".join(names))
    return found


def help_of(*argv: str) -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, *argv, "--help"], cwd=ROOT, capture_output=True, text=True, env=WIDE)
    assert done.returncode == 0, done.stderr
    return panels(done.stdout)


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    script = tmp_path_factory.mktemp("bare") / "bare_app.py"
    assert bare_app.main([str(script)]) == 0
    return script


def test_the_bare_app_imports_typer_alone(bare):
    imports = re.findall(r"(?m)^(?:import|from) (\S+)", bare.read_text(encoding="utf-8"))
    assert set(imports) <= {"typer", "enum", "typing"}


def test_the_bare_app_lists_the_commands_and_options_of_azoai_gen(bare):
    ours, floor = help_of("-m", "azoai_gen"), help_of(str(bare))
    assert ours["Commands"] == floor["Commands"]
    assert "render" in ours["Commands"] and "--version" in ours["Options"]
    assert ours["Options"] == floor["Options"]


def test_each_command_of_the_bare_app_has_the_same_arguments_and_options(bare):
    from azoai_gen.cli import app

    spec = importlib.util.spec_from_file_location("bare_app_script", bare)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    runner = CliRunner()
    for command in panels(runner.invoke(app, ["--help"], env=WIDE, prog_name="azoai-gen").output)["Commands"]:
        ours = panels(runner.invoke(app, [command, "--help"], env=WIDE, prog_name="azoai-gen").output)
        floor = panels(runner.invoke(module.app, [command, "--help"], env=WIDE, prog_name="azoai-gen").output)
        assert ours["Options"] == floor["Options"], command
        assert ours.get("Arguments") == floor.get("Arguments"), command


def test_the_alike_floor_collects_as_the_command_line_does():
    """``render-tier5-alike``'s floor sets the collector as ``azoai_gen/__main__.py`` does, so its ratio is the share
    of the render's own work."""
    from azoai_gen import __main__ as entry

    assert whole_process.FROZEN_FLOOR.startswith(f"import gc; gc.set_threshold({entry.FIRST_COLLECTION}); ")
    assert whole_process.FROZEN_FLOOR.endswith(whole_process.FLOOR + "; gc.freeze()")
