"""scripts/refresh_models.py: rebuilding models.json from recorded 'az cognitiveservices model list' outputs."""

from __future__ import annotations

import json
import os
import stat
import sys
from datetime import date
from pathlib import Path

import pytest

from _support import ROOT, load_script

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SAVED = FIXTURES / "model-list"
EXPECTED = FIXTURES / "models-from-model-list.json"

refresh = load_script(ROOT / "scripts" / "refresh_models.py")


def built() -> dict:
    return refresh.build(refresh.read_saved(SAVED), when="2026-11-29")


def test_the_saved_outputs_rebuild_the_expected_file_byte_for_byte(tmp_path):
    out = tmp_path / "models.json"
    assert refresh.main(["--from-dir", str(SAVED), "--date", "2026-11-29", "--out", str(out)]) == 0
    assert out.read_bytes() == EXPECTED.read_bytes()


def test_the_output_does_not_depend_on_the_order_of_regions_or_items():
    outputs = refresh.read_saved(SAVED)
    shuffled = {region: list(reversed(items)) for region, items in reversed(list(outputs.items()))}
    assert refresh.dump(refresh.build(shuffled, when="2026-11-29")) == refresh.dump(built())


def test_the_data_is_dated_and_names_its_source_and_regions():
    data = built()
    assert data["date"] == data["lifecycle"]["date"] == "2026-11-29"
    assert data["source"] == data["lifecycle"]["source"] == "az cognitiveservices model list, kind OpenAI, 3 regions"
    assert data["regions"] == ["eastus2", "francecentral", "swedencentral"]


def test_availability_merges_regions_per_model_version_and_sku():
    models = built()["models"]
    assert models["gpt-5.4-mini"]["2026-03-17"] == {"DataZoneStandard": ["eastus2"],
                                                   "GlobalStandard": ["eastus2", "francecentral", "swedencentral"]}
    assert models["gpt-4o"]["2024-11-20"]["Standard"] == ["swedencentral"]


def test_other_account_kinds_are_ignored():
    data = built()
    # The AIServices items list text-embedding-3-large as Deprecating with a DataZoneStandard SKU, and gpt-5.4-mini
    # with ProvisionedManaged: neither reaches the data.
    assert data["models"]["text-embedding-3-large"]["1"] == {"GlobalStandard": ["francecentral", "swedencentral"],
                                                            "Standard": ["swedencentral"]}
    assert data["lifecycle"]["models"]["text-embedding-3-large"]["1"] == {"retirement": "2028-02-09",
                                                                         "status": "GenerallyAvailable"}
    assert "ProvisionedManaged" not in data["models"]["gpt-5.4-mini"]["2026-03-17"]
    aiservices = refresh.build(refresh.read_saved(SAVED), when="2026-11-29", kind="AIServices")
    assert aiservices["models"]["text-embedding-3-large"]["1"]["DataZoneStandard"] == ["swedencentral"]


def test_lifecycle_keeps_the_furthest_status_and_the_earliest_dates():
    entry = built()["lifecycle"]["models"]["gpt-4o"]["2024-11-20"]
    # Deprecating in swedencentral and eastus2, Legacy in francecentral; Standard retires before the version.
    assert entry == {"status": "Deprecating", "retirement": "2027-04-14", "skus": {"Standard": "2026-10-01"},
                     "replacement": {"model": "gpt-5.1", "version": "2025-11-13"}}


def test_a_version_without_skus_has_lifecycle_but_no_availability():
    data = built()
    assert "gpt-4o-mini" not in data["models"] and "o3-mini" not in data["models"]
    assert data["lifecycle"]["models"]["gpt-4o-mini"]["2024-07-18"] == {"retirement": "2027-04-14",
                                                                       "status": "Deprecating"}
    assert data["lifecycle"]["models"]["o3-mini"]["2025-01-31"] == {"retirement": "2026-10-01", "status": "Deprecated"}


@pytest.mark.parametrize("text, day", [
    ("2026-04-30T00:00:00Z", "2026-04-30"),
    ("2026-04-30T00:00:00+00:00", "2026-04-30"),
    ("2027-05-15T01:00:00+02:00", "2027-05-14"),
    ("2027-05-15", "2027-05-15"),
    (None, None),
    ("", None),
])
def test_timestamps_become_utc_days(text, day):
    assert refresh.day(text) == day


def test_a_saved_output_that_is_not_a_list_is_refused(tmp_path):
    (tmp_path / "swedencentral.json").write_text('{"value": []}', encoding="utf-8")
    with pytest.raises(SystemExit, match="expected the JSON list"):
        refresh.read_saved(tmp_path)


def _fake_az(folder: Path) -> Path:
    """An 'az' that prints the saved output of the region passed with --location."""
    bin_dir = folder / "bin"
    bin_dir.mkdir()
    az = bin_dir / "az"
    az.write_text(f"#!{sys.executable}\nimport sys\nregion = sys.argv[sys.argv.index('--location') + 1]\n"
                  f"sys.stdout.write(open({str(SAVED)!r} + '/' + region + '.json').read())\n", encoding="utf-8")
    az.chmod(az.stat().st_mode | stat.S_IEXEC)
    return bin_dir


def test_without_a_folder_it_runs_az_for_the_regions_the_current_file_covers(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{_fake_az(tmp_path)}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "models.json"
    out.write_bytes(EXPECTED.read_bytes())
    assert refresh.main(["--date", "2026-11-29", "--out", str(out)]) == 0
    assert out.read_bytes() == EXPECTED.read_bytes()
    assert refresh.main(["--region", "eastus2", "--date", "2026-11-29", "--out", str(out)]) == 0
    assert json.loads(out.read_text(encoding="utf-8"))["regions"] == ["eastus2"]


def test_a_failing_az_stops_the_refresh(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", f"{_fake_az(tmp_path)}{os.pathsep}{os.environ['PATH']}")
    out = tmp_path / "models.json"
    with pytest.raises(SystemExit, match="az failed for westus"):
        refresh.main(["--region", "westus", "--out", str(out)])
    assert not out.exists()


def test_the_rules_read_what_the_script_writes(monkeypatch):
    from _support import model_spec
    from azoai_gen.errors import SpecError
    from azoai_gen.pipeline import validate_text
    from azoai_gen.rules import models

    data = built()
    monkeypatch.setattr(models, "lifecycle_data", lambda: data["lifecycle"])
    [warning] = [w for w in validate_text(model_spec("gpt-4o", "2024-11-20"))
                 .warnings if w.path == "deployments[0].version"]
    assert "gpt-4o 2024-11-20 is deprecating" in warning.message
    assert "lifecycle data of 2026-11-29: az cognitiveservices model list, kind OpenAI, 3 regions" in warning.message
    with pytest.raises(SpecError) as info:
        validate_text(model_spec("o3-mini", "2025-01-31"))
    assert "o3-mini 2025-01-31 retired on 2026-10-01" in info.value.problems[0].message


def test_the_shipped_data_is_in_the_scripts_format_and_dated():
    path = ROOT / "azoai_gen" / "data" / "models.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert path.read_text(encoding="utf-8") == refresh.dump(data)
    for part in (data, data["lifecycle"]):
        assert date.fromisoformat(part["date"]) and part["source"]
    missing = [f"{name} {version}" for name, versions in data["models"].items() for version in versions
               if version not in data["lifecycle"]["models"].get(name, {})]
    assert missing == []
