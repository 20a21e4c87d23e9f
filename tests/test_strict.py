"""Strict mode: every warning about the spec is an error, from --strict, AZOAI_GEN_STRICT or validation.strict."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from _support import MANIFEST, plain, render_text, snapshot, spec
from azoai_gen import api, cli
from azoai_gen.errors import SpecError
from azoai_gen.pipeline import validate_text

runner = CliRunner()

#: A spec whose only finding is a warning: a model the dated data does not list.
TYPO = spec(2, replace={"model: gpt-5.4-mini": "model: gpt4o"})
#: The same spec, with two warnings: the model, and a Key Vault setting that tier 2 ignores.
TWO_WARNINGS = TYPO + "keyVault:\n  sku: premium\n"
STRICT = "validation:\n  strict: true\n"


def run(*args, env=None):
    result = runner.invoke(cli.app, [str(a) for a in args], env=env)
    return result, plain(result.output)


def test_without_strict_mode_a_warning_passes():
    assert [w.message for w in validate_text(TYPO).warnings] == [
        "model 'gpt4o' is not in the availability data of 2026-01-27"]


def test_strict_mode_turns_every_warning_into_an_error():
    with pytest.raises(SpecError) as info:
        validate_text(TWO_WARNINGS, strict=True)
    error = info.value
    assert [(p.path, p.severity) for p in error.problems] == [("deployments[0].model", "error"), ("keyVault", "error")]
    assert error.message == "2 problems in the spec"
    assert error.hint == "2 of these are warnings that strict mode (--strict or AZOAI_GEN_STRICT=1) treats as errors"


def test_strict_mode_keeps_the_warnings_located_with_their_hints():
    with pytest.raises(SpecError) as info:
        validate_text(TYPO, strict=True)
    [problem] = info.value.problems
    assert problem.format() == (
        "spec.yaml:9:12: deployments[0].model: model 'gpt4o' is not in the availability data of 2026-01-27\n"
        "    hint: did you mean 'gpt-4o'? check the Azure OpenAI model availability tables before deploying")
    assert info.value.hint == ("1 of these is a warning that strict mode (--strict or AZOAI_GEN_STRICT=1) treats as an "
                               "error")


def test_strict_mode_reports_the_warnings_beside_the_errors():
    text = TYPO.replace("capacity: 50", "capacity: 50\n    versionUpgradeOption: NoAutoUpgrade") + STRICT
    text = text.replace("tier: 2", "tier: 4")
    with pytest.raises(SpecError) as info:
        validate_text(text)
    assert [p.path for p in info.value.problems] == ["regions", "deployments[0].model"]
    assert {p.severity for p in info.value.problems} == {"error"}


def test_a_spec_without_warnings_passes_in_strict_mode():
    assert validate_text(spec(2), strict=True).warnings == []
    assert validate_text(spec(2, extra=STRICT)).warnings == []


def test_the_spec_setting_turns_strict_mode_on():
    with pytest.raises(SpecError) as info:
        validate_text(TYPO + STRICT)
    assert info.value.hint == ("1 of these is a warning that strict mode (validation.strict: true in the spec) treats "
                               "as an error")


def test_the_spec_setting_defaults_to_off_and_is_typed():
    assert validate_text(TYPO).spec.strict is False
    assert validate_text(TYPO + "validation:\n  strict: false\n").warnings
    with pytest.raises(SpecError) as info:
        validate_text(spec(2, extra="validation:\n  strict: \"true\"\n"))
    assert info.value.problems[0].hint == 'remove the quotes: write true, not "true"'


def test_the_strict_setting_changes_no_rendered_file():
    # How a spec is checked is not what it renders: turning strict mode on leaves a rendered folder up to date.
    assert render_text(spec(2, extra=STRICT)).files == render_text(spec(2)).files


def test_render_refuses_in_strict_mode_and_writes_nothing(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(TYPO, encoding="utf-8")
    with pytest.raises(SpecError):
        api.render_spec(path, tmp_path / "out", strict=True)
    assert not (tmp_path / "out").exists()
    outcome = api.render_spec(path, tmp_path / "out")
    assert [w.path for w in outcome.warnings] == ["deployments[0].model"]


def test_validate_and_render_agree_in_strict_mode(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(TWO_WARNINGS, encoding="utf-8")
    refusals = []
    for call in (lambda: api.validate_spec(path, strict=True), lambda: api.render_spec(path, tmp_path / "out",
                                                                                        strict=True)):
        with pytest.raises(SpecError) as info:
            call()
        refusals.append((info.value.problems, info.value.message, info.value.hint))
    assert refusals[0] == refusals[1]


# ---------------------------------------------------------------------------------------------------------------------
# The command line: --strict and AZOAI_GEN_STRICT on validate and render.


@pytest.fixture
def typo(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(TYPO, encoding="utf-8")
    return path


@pytest.mark.parametrize("command", [("validate",), ("render", "--dry-run"), ("render",), ("render", "--check")])
def test_strict_flag_fails_a_spec_with_a_warning(typo, tmp_path, command):
    result, output = run(*command, typo, *(("--out", tmp_path / "out") if command[0] == "render" else ()),
                         "--strict")
    assert result.exit_code == 1
    lines = output.splitlines()
    assert f"{typo}:9:12: deployments[0].model: model 'gpt4o' is not in the availability data of 2026-01-27" in lines
    assert "error: 1 problem in the spec" in lines
    assert ("hint: 1 of these is a warning that strict mode (--strict or AZOAI_GEN_STRICT=1) treats as an error"
            in lines)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("value, code", [("1", 1), ("true", 1), ("0", 0), ("false", 0), ("", 0)])
def test_the_environment_variable_sets_strict_mode(typo, value, code):
    result, output = run("validate", typo, env={"AZOAI_GEN_STRICT": value})
    assert result.exit_code == code, output


def test_the_environment_variable_sets_strict_mode_for_render(typo, tmp_path):
    result, _ = run("render", typo, "--out", tmp_path / "out", env={"AZOAI_GEN_STRICT": "1"})
    assert result.exit_code == 1
    assert not (tmp_path / "out").exists()


def test_a_meaningless_environment_value_is_a_usage_error(typo):
    result, output = run("validate", typo, env={"AZOAI_GEN_STRICT": "maybe"})
    assert result.exit_code == 2
    assert "AZOAI_GEN_STRICT" in output


def test_without_strict_mode_the_cli_warns_and_succeeds(typo, tmp_path):
    result, output = run("validate", typo, env={"AZOAI_GEN_STRICT": ""})
    assert result.exit_code == 0
    assert "warning: model 'gpt4o' is not in the availability data" in output
    result, output = run("render", typo, "--out", tmp_path / "out")
    assert result.exit_code == 0, output
    assert MANIFEST in snapshot(tmp_path / "out")


def test_turning_strict_mode_on_in_the_spec_keeps_a_rendered_folder_up_to_date(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(spec(2), encoding="utf-8")
    assert run("render", path, "--out", tmp_path / "out")[0].exit_code == 0
    path.write_text(spec(2, extra=STRICT), encoding="utf-8")
    result, output = run("render", path, "--out", tmp_path / "out", "--check")
    assert result.exit_code == 0, output
    manifest = json.loads((tmp_path / "out" / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["spec"]["sha256"] == validate_text(spec(2, extra=STRICT)).spec.digest
