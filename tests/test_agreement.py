"""``validate`` and ``render`` agree: the same problems, the same messages and the same exit code, for every spec
the rule and name tests use, the examples, and specs the schema refuses."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from _support import EXAMPLE_SPECS, plain, spec
from azoai_gen import cli
from test_names import SPECS as NAME_SPECS
from test_rules import CASES

CORPUS = {
    **{f"rule-{name}-passing": case.passing for name, case in CASES.items()},
    **{f"rule-{name}-failing": case.failing for name, case in CASES.items() if name != "arm-resource-limit"},
    **{f"names-{key}": text for key, text in NAME_SPECS.items()},
    **{f"example-{p.stem}": p.read_text(encoding="utf-8") for p in EXAMPLE_SPECS},
    "schema-unknown-key": spec(2, extra="acess: {}\n"),
    "schema-wrong-type": spec(2, replace={"capacity: 50": "capacity: fifty"}),
    "schema-and-rules": spec(2, replace={"tier: 2": "tier: 9", "swedencentral": "nowhere"}),
    "yaml-broken": "version: 1\nworkload: [unclosed\n",
}


def run(*args: object) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli.app, [str(a) for a in args])
    return result.exit_code, plain(result.output).splitlines()


def problem_lines(lines: list[str]) -> list[str]:
    """The located problems and their hints: what both commands print about the spec."""
    return [line for line in lines if line.startswith(("spec.yaml:", "    hint:")) or line.startswith("error: ")]


@pytest.mark.parametrize("key", sorted(CORPUS))
def test_validate_and_render_report_the_same(key, tmp_path: Path):
    path = tmp_path / "spec.yaml"
    path.write_text(CORPUS[key], encoding="utf-8")
    validate_code, validate_lines = run("validate", path)
    render_code, render_lines = run("render", path, "--out", tmp_path / "out")
    assert validate_code == render_code
    assert problem_lines(validate_lines) == problem_lines(render_lines)
    if validate_code:
        assert validate_code == 1 and not (tmp_path / "out").exists()
        assert problem_lines(validate_lines), validate_lines


def test_the_arm_limit_is_refused_by_both(tmp_path: Path, monkeypatch):
    from azoai_gen import limits

    monkeypatch.setattr(limits, "MAX_RESOURCES", 10)
    path = tmp_path / "spec.yaml"
    path.write_text(CASES["arm-resource-limit"].failing, encoding="utf-8")
    validated = run("validate", path)
    rendered = run("render", path, "--out", tmp_path / "out")
    assert validated[0] == rendered[0] == 1
    assert problem_lines(validated[1]) == problem_lines(rendered[1])
    assert any("ARM allows 10 in one template" in line for line in validated[1])
