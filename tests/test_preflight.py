"""``preflight`` against recorded Azure CLI output: a fake ``az`` first on PATH replays
``tests/recordings/az/<scenario>/`` (see its README for each command's real output shape and source)."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from _support import ROOT, spec, tier5
from azoai_gen import api, az, preflight
from azoai_gen.errors import UsageError

RECORDINGS = ROOT / "tests" / "recordings" / "az"
TODAY = date(2026, 11, 29)
SUB = "11111111-1111-1111-1111-111111111111"

#: Tier 1 (a Key Vault) with two deployments in Sweden Central.
TIER1 = spec(1, extra="""\
  - name: embeddings
    model: text-embedding-3-large
    version: "1"
    sku: GlobalStandard
    capacity: 100
""")
#: Tier 5 (API Management) in Sweden Central and France Central.
TIER5 = tier5()


class FakeAz:
    def __init__(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        wrapper = self.bin / "az"
        wrapper.write_text(f"#!/bin/sh\nexec {shlex.quote(sys.executable)} "
                           f"{shlex.quote(str(RECORDINGS / 'fake_az.py'))} \"$@\"\n")
        wrapper.chmod(0o755)
        self.log = tmp_path / "az.log"
        self.unknown = tmp_path / "az.unknown"
        self.tmp = tmp_path
        self.monkeypatch = monkeypatch
        monkeypatch.setenv("PATH", f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}")
        monkeypatch.setenv("AZ_FAKE_LOG", str(self.log))
        monkeypatch.setenv("AZ_FAKE_UNKNOWN", str(self.unknown))

    def scenario(self, name: str) -> None:
        self.monkeypatch.setenv("AZ_FAKE_SCENARIO", name)

    def spec(self, text: str) -> Path:
        path = self.tmp / "spec.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    def calls(self) -> list[list[str]]:
        return [json.loads(line) for line in self.log.read_text(encoding="utf-8").splitlines()] \
            if self.log.exists() else []

    def run(self, scenario: str, text: str, today: date = TODAY) -> preflight.Preflight:
        self.scenario(scenario)
        return api.preflight_spec(self.spec(text), today=today)


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    the_fake = FakeAz(tmp_path, monkeypatch)
    yield the_fake
    # The fake fails loudly on a command line it has no recording for; no test may leave one behind.
    assert not the_fake.unknown.exists(), the_fake.unknown.read_text(encoding="utf-8")


def _lines(result: preflight.Preflight) -> list[str]:
    return [f"{f.line}:{f.path}:{f.severity}:{f.check}" for f in result.findings]


@pytest.mark.parametrize("text", [TIER1, TIER5], ids=["tier1", "tier5"])
def test_everything_passes_when_the_subscription_has_what_the_spec_needs(fake, text):
    result = fake.run("pass", text)
    assert result.findings == () and result.ok
    assert result.subscription == SUB and result.caller == "alice@contoso.com"


def test_a_quota_shortfall_is_reported_in_capacity_units_at_the_capacity_with_its_fix(fake):
    result = fake.run("quota-shortfall", TIER1)
    (finding,) = result.findings
    assert (finding.check, finding.severity, finding.path, finding.line) == ("quota", "error",
                                                                            "deployments[0].capacity", 12)
    assert "OpenAI.GlobalStandard.gpt-5.4-mini in swedencentral" in finding.message
    assert "need 50 K TPM" in finding.message and "30 K TPM free" in finding.message
    assert "limit 150, in use 120" in finding.message and "short by 20 K TPM" in finding.message
    assert finding.fix[0] == "lower deployments[0].capacity (line 12) to 30 K TPM"
    assert "request 20 K TPM more of OpenAI.GlobalStandard.gpt-5.4-mini in swedencentral" in finding.fix[1]
    assert preflight.QUOTA_PAGE in finding.fix[1]
    assert not result.ok


def test_capacity_is_summed_across_deployments_that_share_a_usage_name(fake):
    text = TIER1.replace("model: text-embedding-3-large\n    version: \"1\"",
                         "model: gpt-5.4-mini\n    version: \"2026-03-17\"").replace("capacity: 100", "capacity: 90")
    assert fake.run("pass", text).findings == ()  # 900 free: 50 + 90 fit
    result = fake.run("quota-shortfall", text)
    (finding,) = result.findings
    assert "need 140 K TPM" in finding.message and "short by 110 K TPM" in finding.message
    assert "deployments[0] (chat: 50), deployments[1] (embeddings: 90)" in finding.message


def test_a_missing_model_version_names_the_versions_the_region_offers(fake):
    (finding,) = fake.run("missing-version", TIER1).findings
    assert (finding.check, finding.path, finding.line, finding.severity) == ("catalogue", "deployments[0].version",
                                                                            10, "error")
    assert finding.message == ("swedencentral does not offer version '2026-03-17' of 'gpt-5.4-mini' (it offers: "
                               "2025-08-07, 2026-05-01)")
    assert finding.fix == ("set deployments[0].version to one of: 2025-08-07, 2026-05-01",)


def test_a_version_retiring_within_90_days_is_a_warning_and_a_retired_one_an_error(fake):
    result = fake.run("retiring-version", TIER1)
    (finding,) = result.findings
    assert (finding.check, finding.severity, finding.path) == ("catalogue", "warning", "deployments[0].version")
    assert "retires on 2027-01-15, within 90 days" in finding.message
    assert "az cognitiveservices model list --location swedencentral -o table" in finding.fix[0]
    assert result.ok
    assert fake.run("retiring-version", TIER1, today=date(2026, 10, 1)).findings == ()
    (retired,) = fake.run("retiring-version", TIER1, today=date(2027, 1, 15)).findings
    assert retired.severity == "error" and "is retired since 2027-01-15" in retired.message


def test_a_sku_or_model_the_region_does_not_offer_is_an_error(fake):
    text = TIER1.replace("sku: GlobalStandard\n    capacity: 50", "sku: DataZoneStandard\n    capacity: 50")
    text = text.replace("text-embedding-3-large", "text-embedding-3-small")
    result = fake.run("pass", text)
    paths = {f.path: f for f in result.findings if f.check == "catalogue"}
    assert set(paths) == {"deployments[1].model"}  # DataZoneStandard is offered for the chat model
    assert "does not offer the model 'text-embedding-3-small'" in paths["deployments[1].model"].message


def test_soft_deleted_account_vault_and_gateway_that_hold_our_names_come_with_recover_and_purge(fake):
    result = fake.run("soft-deleted", TIER1)
    names = [f for f in result.findings if f.check == "names"]
    assert [f.path for f in names] == ["workload", "regions[0].location"]
    vault, account = names
    assert "oai-claims-prod-sdc-q7lbx" in account.message and "rg-claims-prod" in account.message
    assert "matched by its prefix, in the same resource group rg-claims-prod" in account.message
    where = "--location swedencentral --resource-group rg-claims-prod --name oai-claims-prod-sdc-q7lbx"
    assert account.fix == (f"recover it (within 48 hours of its deletion): az cognitiveservices account recover "
                           f"{where}", f"or purge it: az cognitiveservices account purge {where}")
    assert vault.fix == ("recover it: az keyvault recover --name kv-claims-prod-q7lbx",
                         "or purge it: az keyvault purge --name kv-claims-prod-q7lbx --location swedencentral")
    # The France Central account of rg-claims-test is another resource group's: the suffix differs there.
    gateway = [f for f in fake.run("soft-deleted", TIER5).findings if "API Management" in f.message]
    assert [g.fix[0] for g in gateway] == ["purge it: az apim deletedservice purge --service-name "
                                           "apim-claims-prod-q7lbx --location swedencentral"]
    assert not result.ok


def test_a_fixed_suffix_matches_the_whole_name_in_any_resource_group(fake):
    result = fake.run("soft-deleted", TIER1 + "naming:\n  suffix: abcde\n")
    assert result.findings == ()
    text = TIER5.replace("  - location: swedencentral\n", "  - location: swedencentral\n", 1) + \
        "naming:\n  suffix: abcde\n"
    (finding,) = [f for f in fake.run("soft-deleted", text).findings if f.check == "names"]
    assert "oai-claims-prod-frc-abcde" in finding.message and "rg-claims-test" in finding.message
    assert finding.path == "regions[1].location"


def test_a_missing_permission_to_assign_roles_is_an_error_with_the_role_to_ask_for(fake):
    (finding,) = fake.run("missing-permission", TIER1).findings
    assert (finding.check, finding.severity, finding.path) == ("permissions", "error", "tier")
    assert "holds none of Owner, User Access Administrator, Role Based Access Control Administrator" in \
        finding.message
    assert finding.fix[0] == ("have an Owner assign one: az role assignment create --assignee "
                              "33333333-3333-3333-3333-333333333333 --role \"Role Based Access Control "
                              f"Administrator\" --scope /subscriptions/{SUB}/resourceGroups/rg-claims-prod")


def test_a_redeployment_of_unchanged_capacity_passes(fake):
    # Sweden Central: 120 of 150 in use, 50 of them held by our account's own chat deployment.
    result = fake.run("redeploy", TIER1)
    assert result.findings == () and result.ok
    assert "az cognitiveservices account deployment list --resource-group rg-claims-prod --name " \
        "oai-claims-prod-sdc-q7lbx -o json" in result.commands
    # Another workload's account in the resource group is not read.
    assert not any("oai-billing-prod-sdc-x2k9d" in line for line in result.commands)


def test_raising_a_deployed_capacity_counts_only_the_increase(fake):
    (finding,) = fake.run("redeploy", TIER1.replace("capacity: 50", "capacity: 100")).findings
    assert (finding.check, finding.path) == ("quota", "deployments[0].capacity")
    assert "need 100 K TPM (deployments[0] (chat: 100)), of which their existing deployments hold 50 K TPM" in \
        finding.message
    assert "50 K TPM more, 30 K TPM free (limit 150, in use 120); short by 20 K TPM" in finding.message
    assert finding.fix[0] == "lower deployments[0].capacity (line 12) to 80 K TPM"
    # Raising it by the free quota exactly fits.
    assert fake.run("redeploy", TIER1.replace("capacity: 50", "capacity: 80")).findings == ()


def test_a_deployment_of_another_name_or_account_holds_nothing_of_ours(fake):
    # The existing chat-canary deployment is not ours to replace: its 20 stay in use.
    renamed = TIER1.replace("- name: chat", "- name: chat-canary", 1).replace("capacity: 50", "capacity: 60")
    (finding,) = fake.run("redeploy", renamed).findings
    assert "short by 10 K TPM" in finding.message  # 60 - 20 held, 30 free
    (finding,) = fake.run("redeploy", TIER1.replace("- name: chat", "- name: assistant", 1)).findings
    assert "short by 20 K TPM" in finding.message and "existing" not in finding.message
    # With a fixed suffix only the whole name is ours: oai-claims-prod-sdc-q7lbx is another deployment's account.
    (finding,) = fake.run("redeploy", TIER1 + "naming:\n  suffix: abcde\n").findings
    assert "short by 20 K TPM" in finding.message


def test_deployments_deploy_in_order_so_a_decrease_frees_quota_only_for_those_after_it():
    assert preflight._added([100, 0], [50, 50]) == 50  # the first takes 50 before the second frees 50
    assert preflight._added([0, 100], [50, 50]) == 0  # the first frees 50 before the second takes 50
    assert preflight._added([50, 100], [50, 100]) == 0


def test_a_resource_group_not_created_yet_is_no_finding_and_roles_are_read_at_the_subscription(fake):
    result = fake.run("new-resource-group", TIER1)
    assert result.findings == () and result.ok
    assert (f"az role assignment list --assignee 33333333-3333-3333-3333-333333333333 --scope /subscriptions/{SUB} "
            "--include-inherited --include-groups -o json") in result.commands
    assert not any("deployment list" in line for line in result.commands)
    (finding,) = fake.run("new-resource-group-no-role", TIER1).findings
    assert (finding.check, finding.severity) == ("permissions", "error")
    assert f"on subscription {SUB} (resource group rg-claims-prod does not exist yet" in finding.message
    assert finding.fix[0].endswith(f"--scope /subscriptions/{SUB}")
    assert finding.fix[1].startswith("or create the resource group (az group create --name rg-claims-prod --location "
                                     "swedencentral)")


def test_a_service_principal_is_looked_up_by_its_application_id(fake):
    result = fake.run("service-principal", TIER1)
    assert result.findings == () and result.caller == "55555555-5555-5555-5555-555555555555"
    assert not any("signed-in-user" in line for line in result.commands)
    assert any("--assignee 55555555-5555-5555-5555-555555555555 --scope" in line for line in result.commands)


@pytest.mark.parametrize("scenario, name", [("managed-identity", "systemAssignedIdentity"),
                                            ("managed-identity-user", "userAssignedIdentity")])
def test_a_managed_identity_login_is_a_warning_with_how_to_check_by_hand(fake, scenario, name):
    result = fake.run(scenario, TIER1)
    (finding,) = result.findings
    assert (finding.check, finding.severity, finding.path) == ("permissions", "warning", "tier")
    assert finding.message.startswith(f"could not check permissions: az is logged in with a managed identity ({name})")
    assert "az identity show" in finding.fix[0] and "az vm identity show" in finding.fix[0]
    assert finding.fix[1] == ("then list its roles: az role assignment list --assignee OBJECT_ID --scope "
                              f"/subscriptions/{SUB}/resourceGroups/rg-claims-prod --include-inherited "
                              "--include-groups --query \"[].roleDefinitionName\" -o tsv")
    assert result.ok
    assert not any("role assignment list" in line or "signed-in-user" in line for line in result.commands)


def test_an_unregistered_provider_is_an_error_with_the_register_command(fake):
    (finding,) = fake.run("unregistered-provider", TIER1).findings
    assert (finding.check, finding.path) == ("providers", "tier")
    assert finding.fix == ("az provider register --namespace Microsoft.KeyVault",)
    # Tier 5 has no Key Vault: it does not ask about that provider.
    assert fake.run("unregistered-provider", TIER5).findings == ()


def test_the_providers_asked_follow_the_design(fake):
    from _support import design_of

    # Tier 1's vault sends its secret expiry events through an Event Grid system topic.
    assert preflight.namespaces(design_of(TIER1)) == ["Microsoft.CognitiveServices", "Microsoft.EventGrid",
                                                      "Microsoft.Insights", "Microsoft.KeyVault",
                                                      "Microsoft.ManagedIdentity", "Microsoft.OperationalInsights"]
    assert preflight.namespaces(design_of(TIER5)) == ["Microsoft.ApiManagement", "Microsoft.Cdn",
                                                      "Microsoft.CognitiveServices", "Microsoft.Insights",
                                                      "Microsoft.Network", "Microsoft.OperationalInsights"]


def test_not_logged_in_and_az_missing_are_usage_errors(fake, monkeypatch):
    with pytest.raises(UsageError, match="nobody is logged in") as info:
        fake.run("not-logged-in", TIER1)
    assert "az login" in info.value.hint
    monkeypatch.setenv("PATH", str(fake.tmp / "empty"))
    with pytest.raises(UsageError, match="'az' is not on PATH"):
        fake.run("pass", TIER1)


def test_a_failing_or_garbled_az_command_is_a_finding_not_a_traceback(fake, tmp_path):
    script = tmp_path / "garbled"
    script.write_text("#!/bin/sh\necho 'not json'\n")
    script.chmod(0o755)
    with pytest.raises(az.AzFailure, match="not JSON"):
        az.Az(str(script)).run(["account", "show", "-o", "json"])
    slow = tmp_path / "slow"
    slow.write_text("#!/bin/sh\nsleep 5\n")
    slow.chmod(0o755)
    with pytest.raises(az.AzFailure, match="no answer within"):
        az.Az(str(slow), timeout=0.2).run(["account", "show", "-o", "json"])
    # A command that fails becomes a finding of its check: the usage list of an unknown region.
    text = TIER5.replace("francecentral", "germanywestcentral")
    result = fake.run("pass", text)
    fake.unknown.unlink()
    failed = [f for f in result.findings if "could not check" in f.message]
    assert {f.check for f in failed} == {"catalogue", "quota"} and not result.ok
    assert all(f.path == "regions[1].location" for f in failed)
    assert "fake az: no recording for" in failed[0].message


# ---------------------------------------------------------------------------------------------------------------------
# Every command line uses documented options


def _options(args: list[str]) -> tuple[str, list[str]]:
    for name, known in az.COMMANDS.items():
        if tuple(args[:len(known.words)]) == known.words:
            return name, [a for a in args[len(known.words):] if a.startswith("-")]
    raise AssertionError(f"az {' '.join(args)} is not in az.COMMANDS")


SCENARIOS = sorted(p.name for p in RECORDINGS.iterdir() if (p / "commands.json").exists() and p.name != "not-logged-in")


def test_every_command_line_uses_options_of_the_documented_syntax(fake):
    for scenario in SCENARIOS:
        fake.run(scenario, TIER1)
        fake.run(scenario, TIER5)
    calls = fake.calls()
    assert {_options(call)[0] for call in calls} == set(az.COMMANDS)  # and every command in the table is used
    for call in calls:
        name, options = _options(call)
        known = az.COMMANDS[name]
        assert set(options) <= known.options | az.GLOBAL_OPTIONS, (name, options)
        assert call[-2:] == ["-o", "json"]
        assert known.source.startswith("https://learn.microsoft.com/cli/azure/")


def test_the_command_builder_refuses_an_undocumented_option():
    with pytest.raises(ValueError, match="no option --wait"):
        az.command("provider show", namespace="Microsoft.Cdn", wait=True)
    assert az.command("keyvault list-deleted", resource_type="vault") == [
        "keyvault", "list-deleted", "--resource-type", "vault", "-o", "json"]


def test_only_read_commands_are_in_the_table():
    for name in az.COMMANDS:
        assert name.split()[-1] in ("show", "list", "list-deleted"), name


# ---------------------------------------------------------------------------------------------------------------------
# The command line: exit codes, text and JSON


def _cli(fake: FakeAz, scenario: str, text: str, *options: str) -> subprocess.CompletedProcess:
    fake.scenario(scenario)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "azoai_gen", "preflight", str(fake.spec(text)), *options],
                          capture_output=True, text=True, env=env, cwd=fake.tmp, check=False)


def _schema_check(document: dict) -> None:
    schema = json.loads((ROOT / "schemas" / "output" / "preflight.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(document)


@pytest.mark.parametrize("scenario, code", [("pass", 0), ("quota-shortfall", 1), ("missing-version", 1),
                                            ("soft-deleted", 1), ("missing-permission", 1),
                                            ("unregistered-provider", 1), ("not-logged-in", 2), ("redeploy", 0),
                                            ("new-resource-group", 0), ("managed-identity", 0)])
def test_exit_codes_and_json_documents(fake, scenario, code):
    done = _cli(fake, scenario, TIER1, "--output", "json")
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    document = json.loads(done.stdout)
    _schema_check(document)
    assert document["command"] == "preflight" and document["ok"] is (code == 0)
    if code == 2:
        assert document["error"]["kind"] == "usage" and "az login" in done.stderr
    else:
        assert all(finding["fix"] for finding in document["findings"])


def test_az_missing_is_exit_2_with_a_hint(fake):
    fake.monkeypatch.setenv("PATH", str(fake.tmp / "empty"))
    done = _cli(fake, "pass", TIER1)
    assert done.returncode == 2 and "'az' is not on PATH" in done.stderr and "hint: install it" in done.stderr
    assert "Traceback" not in done.stderr


def test_text_output_is_one_located_line_per_finding_with_its_fix(fake):
    done = _cli(fake, "quota-shortfall", TIER1)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"{fake.tmp / 'spec.yaml'}:12:15: deployments[0].capacity: error: [quota] quota ")
    assert lines[1] == "    fix: lower deployments[0].capacity (line 12) to 30 K TPM"
    assert lines[-1].endswith("preflight failed in subscription Contoso Production (1 error, 0 warnings)")
