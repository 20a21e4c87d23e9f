"""A render compared with the previous render of the same folder: what cannot change once deployed is refused with
located problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _support import MANIFEST, TWO_REGIONS, bicep_declarations, plain, regions, render_bytes, snapshot, spec
from azoai_gen import api, cli
from azoai_gen.errors import RenameError

RETENTION = "keyVault:\n  softDeleteRetentionInDays: {days}\n"


def run(*args: object):
    result = CliRunner().invoke(cli.app, [str(a) for a in args])
    return result.exit_code, plain(result.output)


def rendered(tmp_path: Path, *texts: str, **options) -> api.RenderOutcome:
    """Render each spec text in turn into tmp_path/infra; the outcome of the last."""
    path = tmp_path / "spec.yaml"
    outcome = None
    for text in texts:
        path.write_text(text, encoding="utf-8")
        outcome = api.render_spec(path, tmp_path / "infra", **options)
    assert outcome is not None
    return outcome


# ---------------------------------------------------------------------------------------------------------------------
# What cannot change once deployed.


def test_changing_the_vault_retention_is_refused_with_its_location(tmp_path):
    path = tmp_path / "spec.yaml"
    out = tmp_path / "infra"
    path.write_text(spec(1, extra=RETENTION.format(days=30)), encoding="utf-8")
    assert run("render", path, "--out", out)[0] == 0
    assert json.loads((out / MANIFEST).read_text())["names"]["keyVault/softDeleteRetentionInDays"] == "30"
    before = snapshot(out)
    path.write_text(spec(1, extra=RETENTION.format(days=60)), encoding="utf-8")
    for options in ([], ["--dry-run"], ["--check"]):
        code, output = run("render", path, "--out", out, *options)
        assert code == 1
        assert output.splitlines()[:3] == [
            f"{path}:14:30: keyVault.softDeleteRetentionInDays: the Key Vault's soft-delete retention in days was "
            "rendered as 30; this spec changes it to 60",
            "    hint: Key Vault fixes the retention when the vault is created, and no deployment can change it: set "
            "keyVault.softDeleteRetentionInDays back to 30, or use --force if the vault was never deployed",
            "error: 1 change to what cannot change once deployed; nothing was written",
        ]
        assert snapshot(out) == before
    code, output = run("render", path, "--out", out, "--force")
    assert code == 0, output
    assert f"{path}:14:30: keyVault.softDeleteRetentionInDays: warning: " in output
    assert snapshot(out) == render_bytes(path)
    vault = bicep_declarations((out / "main.bicep").read_text(encoding="utf-8"))["keyVault"]
    assert vault.body["params"]["softDeleteRetentionInDays"] == 60


def test_a_retention_left_to_its_default_is_located_at_the_vault_settings(tmp_path):
    with pytest.raises(RenameError) as info:
        rendered(tmp_path, spec(1, extra="keyVault:\n  sku: premium\n  softDeleteRetentionInDays: 30\n"),
                 spec(1, extra="keyVault:\n  sku: premium\n"))
    [problem] = info.value.problems
    assert (problem.path, problem.line, problem.column) == ("keyVault", 14, 3)
    assert problem.message.endswith("was rendered as 30; this spec changes it to 90")


def test_the_environment_is_one_problem_for_every_resource_it_renames(tmp_path):
    with pytest.raises(RenameError) as info:
        rendered(tmp_path, spec(5, regions=TWO_REGIONS), spec(5, regions=TWO_REGIONS,
                                                              replace={"environment: prod": "environment: test"}))
    [problem] = info.value.problems
    assert (problem.path, problem.line, problem.column) == ("environment", 3, 14)
    assert problem.message == "the environment was rendered as prod; this spec changes it to test, which renames " \
                              "8 deployed resources"
    assert [change.split(":")[0] for change in info.value.paths] == [
        "account/francecentral", "account/swedencentral", "apiManagement", "frontDoor", "logAnalytics",
        "resourceGroup", "vnet/francecentral", "vnet/swedencentral"]
    assert "frontDoor: afd-claims-prod/fde-claims-prod -> afd-claims-test/fde-claims-test" in info.value.paths


def test_setting_a_suffix_is_located_at_naming(tmp_path):
    with pytest.raises(RenameError) as info:
        rendered(tmp_path, spec(2), spec(2, extra="naming:\n  suffix: abc12\n"))
    [problem] = info.value.problems
    assert (problem.path, problem.line, problem.column) == ("naming.suffix", 14, 11)
    assert "was rendered as <uniqueString(resourceGroup().id)>; this spec changes it to abc12" in problem.message
    assert "the new suffix is the one the deployed names already end with" in problem.hint


def test_a_new_vnet_range_is_located_where_the_range_comes_from(tmp_path):
    own = {1: "addressSpace: 10.100.8.0/22\n"}
    with pytest.raises(RenameError) as info:
        rendered(tmp_path, spec(3, regions=TWO_REGIONS), spec(3, regions=regions("swedencentral", "francecentral",
                                                                                   network=own)))
    [problem] = info.value.problems
    assert (problem.path, problem.line) == ("regions[1].network.addressSpace", 9)
    assert problem.message == ("the VNet in francecentral (name and range) was rendered as vnet-claims-prod-frc "
                               "10.100.4.0/22; this spec changes it to vnet-claims-prod-frc 10.100.8.0/22")
    (tmp_path / "second").mkdir()
    with pytest.raises(RenameError) as info:
        rendered(tmp_path / "second", spec(3, regions=TWO_REGIONS),
                 spec(3, regions=TWO_REGIONS, extra="network:\n  addressSpace: 10.200.0.0/16\n"))
    assert {(p.path, p.line) for p in info.value.problems} == {("network.addressSpace", 15)}
    assert len(info.value.problems) == 2


def test_a_manifest_of_the_previous_version_still_refuses_renames(tmp_path):
    rendered(tmp_path, spec(2))
    recorded = json.loads((tmp_path / "infra" / MANIFEST).read_text())
    recorded["names"] = {k: v for k, v in recorded["names"].items()
                         if not k.startswith("naming/") and k != "resourceGroup"}
    recorded.pop("grants", None)
    (tmp_path / "infra" / MANIFEST).write_text(json.dumps(recorded), encoding="utf-8")
    with pytest.raises(RenameError) as info:
        rendered(tmp_path, spec(2, replace={"workload: claims": "workload: claimz"}))
    # Without the recorded name parts, each renamed resource is its own problem, at the workload.
    assert [(p.path, p.line, p.column) for p in info.value.problems] == [("workload", 2, 11)] * 3
    assert sorted(p.message.split(" was ")[0] for p in info.value.problems) == [
        "the Azure OpenAI account in swedencentral", "the Log Analytics workspace", "the managed identity"]
    assert all(p.hint.startswith("Azure cannot rename a resource") for p in info.value.problems)
