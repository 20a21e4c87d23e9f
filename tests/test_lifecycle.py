"""Model lifecycle: retired versions are errors, deprecating, legacy and soon-retiring ones are warnings, each located
at the deployment's version and naming the dates and the data they come from. The suite runs on TODAY
(``tests/conftest.py``); tests that need another day set it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from _support import EXAMPLE_SPECS, TODAY, TWO_REGIONS, model_spec, plain, render_files
from azoai_gen import cli, resources
from azoai_gen.errors import SpecError
from azoai_gen.initspec import default_regions, spec_text
from azoai_gen.pipeline import validate_file, validate_text
from azoai_gen.rules import models

LEARN = "lifecycle data of 2026-09-02: Microsoft Learn, Model retirement schedule"
LIFECYCLE_RULES = {"deployments-retired", "deployments-retiring"}


def on(monkeypatch, day: date) -> None:
    monkeypatch.setattr(models, "today", lambda: day)


def errors_of(text: str) -> list:
    with pytest.raises(SpecError) as info:
        validate_text(text)
    return info.value.problems


def lifecycle_warnings(text: str) -> list:
    return [w for w in validate_text(text).warnings if w.path.endswith(".version")]


def test_a_deprecating_version_is_a_warning_at_its_version_with_dates_source_and_replacement():
    [warning] = lifecycle_warnings(model_spec("gpt-4o", "2024-11-20"))
    assert warning.format() == (
        "spec.yaml:10:14: deployments[0].version: gpt-4o 2024-11-20 is deprecating: Azure refuses new deployments "
        "of it (ServiceModelDeprecating) except in subscriptions that already deploy it; it retires on 2027-04-14 "
        f"({LEARN})\n"
        '    hint: its replacement is gpt-5.1 2025-11-13, generally available until 2027-05-15: set model: gpt-5.1 '
        'and version: "2025-11-13"')
    assert warning.severity == "warning"


def test_a_retired_version_is_an_error_at_its_version():
    [problem] = errors_of(model_spec("o3-mini", "2025-01-31"))
    assert (problem.file, problem.line, problem.column, problem.path) == ("spec.yaml", 10, 14,
                                                                          "deployments[0].version")
    assert problem.message == ("o3-mini 2025-01-31 retired on 2026-10-01: Azure refuses new deployments of it "
                               f"(ServiceModelDeprecated) and existing ones fail ({LEARN})")
    # Its recorded replacement, o4-mini, retired too: the hint says how to find a current version instead.
    assert problem.hint.startswith("pick a generally available model version that retires later; "
                                   "'az cognitiveservices model list --location swedencentral'")


def test_the_command_line_shows_them_located_in_the_file(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(model_spec("gpt-4o", "2024-11-20"), encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["validate", str(path)])
    assert result.exit_code == 0
    assert f"{path}:10:14: deployments[0].version: warning: gpt-4o 2024-11-20 is deprecating" in plain(result.output)
    path.write_text(model_spec("o3-mini", "2025-01-31"), encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["render", str(path), "--out", str(tmp_path / "infra")])
    assert result.exit_code == 1 and not (tmp_path / "infra").exists()
    assert f"{path}:10:14: deployments[0].version: o3-mini 2025-01-31 retired on 2026-10-01" in plain(result.output)


def test_a_sku_that_retires_before_its_version_is_judged_by_its_own_date():
    [problem] = errors_of(model_spec("gpt-4o", "2024-08-06", "Standard"))
    assert problem.message.startswith("gpt-4o 2024-08-06 retired for SKU Standard on 2026-03-31: ")
    [warning] = lifecycle_warnings(model_spec("gpt-4o", "2024-08-06", "GlobalStandard"))
    assert "gpt-4o 2024-08-06 is deprecating" in warning.message and "it retires on 2027-04-14" in warning.message


def test_a_legacy_version_is_a_warning():
    [warning] = lifecycle_warnings(model_spec("gpt-4.1-nano", "2025-04-14"))
    assert warning.message.startswith("gpt-4.1-nano 2025-04-14 is legacy: ")
    assert "it retires on 2027-04-14" in warning.message


@pytest.mark.parametrize("days_before, found", [(91, None), (90, "warning"), (1, "warning"), (0, "error"),
                                                (-1, "error")])
def test_a_generally_available_version_warns_from_90_days_before_retirement(monkeypatch, days_before, found):
    # gpt-5 2025-08-07 is generally available and retires on 2027-02-09.
    on(monkeypatch, date(2027, 2, 9) - timedelta(days=days_before))
    text = model_spec("gpt-5", "2025-08-07")
    if found == "error":
        assert errors_of(text)[0].message.startswith("gpt-5 2025-08-07 retired on 2027-02-09: ")
        return
    warnings = lifecycle_warnings(text)
    if found is None:
        assert warnings == []
        return
    assert [w.message.split(" (")[0] for w in warnings] == [
        f"gpt-5 2025-08-07 retires on 2027-02-09, in {days_before} days, after which new deployments of it fail"]


def test_a_retired_status_without_a_date_is_an_error(monkeypatch):
    data = {"date": "2026-11-01", "source": "a test",
            "models": {"gpt-5.4-mini": {"2026-03-17": {"status": "Deprecated"}}}}
    monkeypatch.setattr(models, "lifecycle_data", lambda: data)
    [problem] = errors_of(model_spec("gpt-5.4-mini", "2026-03-17"))
    assert problem.message.startswith("gpt-5.4-mini 2026-03-17 is retired (lifecycle status Deprecated): ")
    assert problem.message.endswith("(lifecycle data of 2026-11-01: a test)")


def test_a_replacement_is_named_only_while_it_is_generally_available_and_not_retiring(monkeypatch):
    # gpt-5.1, gpt-4o's replacement, retires on 2027-05-15: 90 days before that it is no longer recommended.
    on(monkeypatch, date(2027, 2, 14))
    [warning] = lifecycle_warnings(model_spec("gpt-4o", "2024-11-20"))
    assert warning.hint.startswith("pick a generally available model version")


def test_versions_the_lifecycle_data_does_not_list_get_no_lifecycle_finding():
    assert lifecycle_warnings(model_spec("gpt-99", "2099-01-01")) == []


def test_every_version_with_availability_data_has_lifecycle_data():
    data = resources.data("models.json")
    assert [f"{m} {v}" for m, versions in data["models"].items() for v in versions
            if v not in data["lifecycle"]["models"].get(m, {})] == []


def _lifecycle_of(text: str) -> list[models.Lifecycle]:
    typed = validate_text(text).spec
    return [models.lifecycle_of(d, models.lifecycle_data()) for d in typed.deployments]


@pytest.mark.parametrize("tier", [1, 2, 3, 4, 5])
def test_init_starts_from_a_generally_available_model_far_from_retirement(tier):
    text = spec_text(tier=tier, regions=default_regions(tier), workload="claims", environment="prod")
    for found in _lifecycle_of(text):
        assert found.status == "GenerallyAvailable" and found.days_left(TODAY) > models.RETIREMENT_NOTICE_DAYS
    assert not {w.path for w in validate_text(text).warnings if w.path.startswith("deployments")}


@pytest.mark.parametrize("path", EXAMPLE_SPECS, ids=lambda p: p.stem)
def test_every_example_uses_generally_available_models_far_from_retirement(path):
    validated = validate_file(path)
    for found in _lifecycle_of(path.read_text(encoding="utf-8")):
        assert found.status == "GenerallyAvailable" and found.days_left(TODAY) > models.RETIREMENT_NOTICE_DAYS
    assert [w.format() for w in validated.warnings if w.path.startswith("deployments")] == []


def test_the_rendered_files_do_not_depend_on_the_date(monkeypatch):
    text = model_spec("gpt-5", "2025-08-07", tier=4, regions=TWO_REGIONS)
    on(monkeypatch, date(2026, 6, 1))
    assert lifecycle_warnings(text) == []
    before = render_files(text)
    on(monkeypatch, date(2027, 1, 1))
    assert len(lifecycle_warnings(text)) == 1
    assert render_files(text) == before
