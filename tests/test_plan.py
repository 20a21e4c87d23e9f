"""``azoai-gen plan``: what rendering a spec changes in Azure, compared with the render committed in its folder, and
render's confirmation before it writes a change that lowers isolation."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from azoai_gen import api, cli, resources
from azoai_gen.errors import ConfirmationError
from azoai_gen.manifest import MANIFEST

from _support import TWO_REGIONS, readme_mermaid, regions, spec

ACCOUNT = "Microsoft.CognitiveServices/accounts"
IDENTITY = "Microsoft.ManagedIdentity/userAssignedIdentities"
WORKSPACE = "Microsoft.OperationalInsights/workspaces"
NSG = "Microsoft.Network/networkSecurityGroups"
ZONE = "Microsoft.Network/privateDnsZones"
ENDPOINT = "Microsoft.Network/privateEndpoints"
VNET = "Microsoft.Network/virtualNetworks"
FRONT_DOOR = "Microsoft.Cdn/profiles"
WAF = "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies"
APIM = "Microsoft.ApiManagement/service"
INSIGHTS = "Microsoft.Insights/components"
PUBLIC_IP = "Microsoft.Network/publicIPAddresses"
VAULT = "Microsoft.KeyVault/vaults"
#: The workbook's name is a GUID of the resource group, workload and environment: one name at every tier.
WORKBOOK = ("Microsoft.Insights/workbooks", "<guid(resourceGroup().id, 'workbook-claims-prod')>")

ACCOUNTS = {(ACCOUNT, "oai-claims-prod-frc-xxxxx"), (ACCOUNT, "oai-claims-prod-sdc-xxxxx")}
NETWORK = {(NSG, f"nsg-claims-prod-{r}-{s}") for r in ("frc", "sdc") for s in ("pe", "workload")} | {
    (ZONE, "privatelink.openai.azure.com"), (ENDPOINT, "pep-oai-claims-prod-frc"),
    (ENDPOINT, "pep-oai-claims-prod-sdc"), (VNET, "vnet-claims-prod-frc"), (VNET, "vnet-claims-prod-sdc")}
EDGE = {(FRONT_DOOR, "afd-claims-prod"), (WAF, "wafclaimsprod")}
GATEWAY = {(APIM, "apim-claims-prod-xxxxx"), (INSIGHTS, "appi-claims-prod"), (NSG, "nsg-claims-prod-frc-apim"),
           (NSG, "nsg-claims-prod-sdc-apim"), (PUBLIC_IP, "pip-apim-claims-prod-frc"),
           (PUBLIC_IP, "pip-apim-claims-prod-sdc"),
           ("Microsoft.ApiManagement/service/products", "apim-claims-prod-xxxxx/azure-openai"),
           ("Microsoft.ApiManagement/service/subscriptions", "apim-claims-prod-xxxxx/default")}

METRIC_ALERT = "Microsoft.Insights/metricAlerts"
#: The alerts each step adds: the action group and each account's rules (one token rule for capacity 50), Front
#: Door's, API Management's, and the vault's Event Grid system topic.
ACCOUNT_ALERTS = {("Microsoft.Insights/actionGroups", "ag-claims-prod")} | {
    (METRIC_ALERT, f"alert-claims-prod-oai-{r}-{what}") for r in ("frc", "sdc")
    for what in ("throttled", "server-errors", "latency", "tokens-chat")}
EDGE_ALERTS = {(METRIC_ALERT, f"alert-claims-prod-afd-{what}") for what in ("origin-health", "origins-down")}
GATEWAY_ALERTS = {(METRIC_ALERT, f"alert-claims-prod-apim-{what}")
                  for what in ("backend-errors", "capacity", "token-limit")}
VAULT_EVENTS = {("Microsoft.EventGrid/systemTopics", "evgt-claims-prod-kv")}

PUBLIC = ("network", True, "Public network access is enabled: the Azure OpenAI accounts answer on their public "
                           "endpoint, to anyone who holds a credential")
PRIVATE = ("network", False, "Public network access is disabled: the accounts answer only through their private "
                             "endpoints, so callers must run in the network")
TOKEN = "a Microsoft Entra ID token sent to the accounts (role Cognitive Services OpenAI User)"
SUBSCRIPTION_KEY = "an API Management subscription key sent to the gateway through Front Door"
VAULT_KEY = "the API key they read from Key Vault, sent to the accounts"

#: The journey: each step's tier, then what its plan lists against the render of the step before.
JOURNEY = [
    (2, {"created": ACCOUNTS | ACCOUNT_ALERTS | {(IDENTITY, "id-claims-prod"), (WORKSPACE, "log-claims-prod"), WORKBOOK},
         "left": set(),
         "roles": [], "posture": []}),
    (3, {"created": NETWORK, "left": set(), "roles": [], "posture": [PRIVATE]}),
    (4, {"created": EDGE | EDGE_ALERTS, "left": NETWORK, "roles": [],
         "posture": [PUBLIC, ("edge", False, "Front Door with a web application firewall stands in front of the "
                                             "service")]}),
    (5, {"created": NETWORK | GATEWAY | GATEWAY_ALERTS, "left": {(IDENTITY, "id-claims-prod")},
         "roles": [("Cognitive Services OpenAI User", "the managed identity id-claims-prod",
                    "the Azure OpenAI account in francecentral"),
                   ("Cognitive Services OpenAI User", "the managed identity id-claims-prod",
                    "the Azure OpenAI account in swedencentral")],
         "posture": [
             ("bypass", False, "2 role assignments on the accounts stay in Azure and let their principals call the "
                               "accounts around the gateway until deleted (the commands are under Resources)"),
             PRIVATE,
             ("gateway", False, "API Management stands between callers and the accounts; only the gateway's "
                                "identity calls them"),
             ("callers", False, f"Callers must change how they authenticate: from {TOKEN}, to {SUBSCRIPTION_KEY}")]}),
    (1, {"created": {(VAULT, "kv-claims-prod-xxxxx"), (IDENTITY, "id-claims-prod")} | VAULT_EVENTS,
         "left": NETWORK | EDGE | GATEWAY | EDGE_ALERTS | GATEWAY_ALERTS,
         "roles": [("Cognitive Services OpenAI User",
                    "the API Management gateway apim-claims-prod-<uniqueString(resourceGroup().id)>",
                    "the Azure OpenAI account in francecentral"),
                   ("Cognitive Services OpenAI User",
                    "the API Management gateway apim-claims-prod-<uniqueString(resourceGroup().id)>",
                    "the Azure OpenAI account in swedencentral")],
         "posture": [
             PUBLIC,
             ("authentication", True, "API keys are enabled: anyone who holds an account key can call the accounts, "
                                      "without Microsoft Entra ID"),
             ("gateway", True, "API Management no longer stands between callers and the accounts: its token "
                               "limits, subscription keys and logging no longer apply"),
             ("edge", True, "Front Door and its web application firewall no longer stand in front of the service"),
             ("callers", False, f"Callers must change how they authenticate: from {SUBSCRIPTION_KEY}, to "
                                f"{VAULT_KEY}")]}),
]


def run(*args: object, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli.app, [str(a) for a in args], input=input)
    return result.exit_code, result.stdout, result.stderr


def run_with_fake_az(tmp_path: Path, command: str, *, listed: str) -> list[list[str]]:
    """Run ``command`` with bash and a stand-in ``az`` that logs its arguments and, asked to list, prints
    ``listed``; return the logged calls."""
    bin_dir, log = tmp_path / "bin", tmp_path / "az.log"
    bin_dir.mkdir()
    (bin_dir / "az").write_text(
        f"#!{sys.executable}\nimport json, os, sys\n"
        "open(os.environ['AZ_LOG'], 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
        f"print({listed!r}) if 'list' in sys.argv else None\n", encoding="utf-8")
    (bin_dir / "az").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "AZ_LOG": str(log)}
    subprocess.run(["bash", "-c", command], env=env, check=True)
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def kinds(changes) -> set[tuple[str, str]]:
    return {(c.resource.type, c.shown_name) for c in changes}


def schema_validator() -> Draft202012Validator:
    document = json.loads(resources.output_schema_path("plan").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document)


def test_the_journey_from_tier_2_to_3_4_5_and_1_lists_what_each_step_creates_leaves_and_changes(tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    previous_tier = None
    for tier, expected in JOURNEY:
        path.write_text(spec(tier, regions=TWO_REGIONS), encoding="utf-8")
        plan = api.plan_spec(path, out)
        assert (plan.tier, plan.previous_tier) == (tier, previous_tier)
        assert kinds(plan.resources.created) == expected["created"], tier
        assert kinds(plan.resources.left_behind) == expected["left"], tier
        assert [(a.role, a.principal, a.scope) for a in plan.resources.role_assignments_left_behind] == \
            expected["roles"], tier
        assert [(c.aspect, c.lowers, c.message) for c in plan.posture.changes] == expected["posture"], tier
        # Every resource the render keeps is one the previous render made, and the JSON document is valid.
        code, stdout, _ = run("plan", path, "--out", out, "--output", "json")
        assert code == 0
        document = json.loads(stdout)
        schema_validator().validate(document)
        assert document["posture"]["lowersIsolation"] == any(lowers for _, lowers, _ in expected["posture"])
        # The step is committed: render asks before lowering isolation, so each step confirms with --yes.
        code, _, _ = run("render", path, "--out", out, "--yes")
        assert code == 0
        previous_tier = tier


def test_a_first_render_creates_everything_and_a_second_plan_changes_nothing(tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(spec(5, regions=TWO_REGIONS), encoding="utf-8")
    plan = api.plan_spec(path, out)
    assert plan.resources.previous == "none" and plan.posture.basis == "none"
    assert kinds(plan.resources.created) == ACCOUNTS | NETWORK | EDGE | GATEWAY | {(WORKSPACE, "log-claims-prod"),
                                                                                    WORKBOOK} \
        | ACCOUNT_ALERTS | EDGE_ALERTS | GATEWAY_ALERTS
    assert not plan.resources.kept and not plan.resources.left_behind and not plan.posture.changes
    code, stdout, _ = run("plan", path, "--out", out)
    assert code == 0 and "first render" in stdout and "+ Microsoft.ApiManagement/service apim-claims-prod-xxxxx" \
        in stdout
    api.render_spec(path, out)
    plan = api.plan_spec(path, out)
    # ... and the gateway's product and default subscription
    assert not plan.changes and not plan.resources.created and len(plan.resources.kept) == 21 + 1 + 8 + 2 + 3 + 2
    code, stdout, _ = run("plan", path, "--out", out)
    assert code == 0 and stdout.splitlines()[0] == "tier 5: nothing changes; the folder holds this spec's render"
    assert stdout.splitlines()[1].startswith("Monthly cost estimate: ")
    code, stdout, _ = run("plan", path, "--out", out, "--output", "json")
    assert json.loads(stdout)["changes"] is False


def test_an_older_manifest_without_resources_says_they_are_unknown_and_compares_modules(tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(spec(3), encoding="utf-8")
    api.render_spec(path, out)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    del manifest["resources"], manifest["posture"]
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    path.write_text(spec(2), encoding="utf-8")
    plan = api.plan_spec(path, out)
    assert plan.resources.previous == "unknown"
    assert not plan.resources.created and not plan.resources.kept and not plan.resources.left_behind
    assert plan.resources.modules_removed == ("modules/dns.bicep", "modules/network.bicep",
                                              "modules/private-endpoint.bicep")
    # The posture is read from the tier the older manifest recorded.
    assert plan.posture.basis == "tier" and [c.aspect for c in plan.posture.lowers] == ["network"]
    code, stdout, _ = run("plan", path, "--out", out)
    assert code == 0 and "the previous resources are unknown" in stdout and "- module modules/network.bicep" in stdout


def test_what_is_left_behind_comes_with_delete_commands_in_order_and_soft_delete_notes(tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(spec(5, regions=TWO_REGIONS), encoding="utf-8")
    api.render_spec(path, out)
    path.write_text(spec(1, regions=TWO_REGIONS), encoding="utf-8")
    left = api.plan_spec(path, out).resources.left_behind
    order = [c.resource.type for c in left]
    # What uses a resource is deleted before it: the gateway before its IPs and subnets, endpoints before VNets.
    assert order.index(APIM) < order.index(PUBLIC_IP) < order.index(VNET) < order.index(NSG)
    assert order.index(FRONT_DOOR) < order.index(WAF) and order.index(ENDPOINT) < order.index(VNET)
    by_type = {c.resource.type: c for c in left}
    lookup = ("$(az apim list --resource-group rg-claims-prod --query '[?starts_with(name, `\"apim-claims-prod-\"`) "
              "&& length(name) == `22`].name' --output tsv)")
    assert by_type[APIM].commands == (f"az apim delete --name {lookup} --resource-group rg-claims-prod --yes",)
    assert "48 hours" in by_type[APIM].note and "az apim deletedservice purge --service-name <name> " \
        "--location swedencentral" in by_type[APIM].note
    assert by_type[FRONT_DOOR].commands == (
        "az afd profile delete --profile-name afd-claims-prod --resource-group rg-claims-prod",)
    assert by_type[WAF].commands == (
        "az network front-door waf-policy delete --name wafclaimsprod --resource-group rg-claims-prod",)
    assert by_type[PUBLIC_IP].commands[0].startswith("az network public-ip delete --name pip-apim-claims-prod-")
    zone = by_type[ZONE].commands
    assert zone[-1] == ("az network private-dns zone delete --name privatelink.openai.azure.com --resource-group "
                        "rg-claims-prod --yes")
    assert zone[0].startswith("for link in $(az network private-dns link vnet list --resource-group rg-claims-prod "
                              "--zone-name privatelink.openai.azure.com")
    assert by_type[INSIGHTS].commands == (
        "az monitor app-insights component delete --app appi-claims-prod --resource-group rg-claims-prod",)


def test_leaving_tier_1_leaves_the_vault_with_its_retention_and_the_account_note(tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(spec(1), encoding="utf-8")
    api.render_spec(path, out)
    path.write_text(spec(2), encoding="utf-8")
    plan = api.plan_spec(path, out)
    [vault] = [c for c in plan.resources.left_behind if c.resource.type == VAULT]
    assert vault.commands[0].startswith("az keyvault delete --name $(az keyvault list --resource-group "
                                        "rg-claims-prod --query ")
    assert vault.note == ("Key Vault soft-deletes the vault and keeps it, and its globally unique name, for 90 days; "
                          "purge protection is on, so az keyvault purge cannot free the name before then")
    assert [c.aspect for c in plan.posture.changes] == ["authentication", "callers"]
    assert not plan.posture.lowers


@pytest.mark.skipif(shutil.which("bash") is None or sys.platform == "win32", reason="needs bash")
def test_bash_runs_the_delete_commands_as_printed(tmp_path):
    """Each command, run by bash against a stand-in for az that records its arguments and lists one resource: the
    lookup finds the name with the computed suffix, and the delete gets it."""
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(spec(5, regions=TWO_REGIONS), encoding="utf-8")
    api.render_spec(path, out)
    path.write_text(spec(1, regions=TWO_REGIONS), encoding="utf-8")
    [apim] = [c for c in api.plan_spec(path, out).resources.left_behind if c.resource.type == APIM]
    calls = run_with_fake_az(tmp_path, apim.commands[0], listed="apim-claims-prod-k3j2h")
    assert calls[0][:4] == ["apim", "list", "--resource-group", "rg-claims-prod"]
    assert calls[0][5] == '[?starts_with(name, `"apim-claims-prod-"`) && length(name) == `22`].name'
    assert calls[1] == ["apim", "delete", "--name", "apim-claims-prod-k3j2h", "--resource-group", "rg-claims-prod",
                        "--yes"]
    assert shlex.split(apim.commands[0])[:3] == ["az", "apim", "delete"]


def test_markdown_parses_with_lowering_changes_first_a_table_and_the_commands(tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(spec(3), encoding="utf-8")
    api.render_spec(path, out)
    path.write_text(spec(2), encoding="utf-8")
    code, stdout, _ = run("plan", path, "--out", out, "--output", "markdown")
    assert code == 0
    tokens = MarkdownIt("commonmark").enable("table").parse(stdout)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["azoai-gen plan: tier 3 → 2", "Posture", "Resources", "Monthly cost estimate", "Deploy time",
                        "What the spec deploys"]
    items = [tokens[i + 2].content for i, t in enumerate(tokens) if t.type == "list_item_open"]
    assert items[0].startswith("**Lowers isolation:** Public network access is enabled")
    cells = [t.content for t in tokens if t.type == "inline"]
    assert "`pep-oai-claims-prod-sdc`" in cells and "leave behind" in cells
    [fence] = [t for t in tokens if t.type == "fence" and t.info != "mermaid"]
    assert fence.info == "bash" and "az network private-endpoint delete --name pep-oai-claims-prod-sdc " \
        "--resource-group rg-claims-prod\n" in fence.content


def test_render_without_a_terminal_refuses_to_lower_isolation_unless_yes(tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(spec(3), encoding="utf-8")
    assert run("render", path, "--out", out)[0] == 0
    before = (out / MANIFEST).read_bytes()
    path.write_text(spec(2), encoding="utf-8")
    code, _, stderr = run("render", path, "--out", out)
    assert code == 1
    assert "error: this render lowers isolation (1 change), and it was not confirmed; nothing was written" in stderr
    assert "lowers isolation: Public network access is enabled" in stderr
    assert f"hint: see what changes with azoai-gen plan {path}, then render again with --yes to confirm" in stderr
    assert (out / MANIFEST).read_bytes() == before
    # A dry run and a check never ask.
    assert run("render", path, "--out", out, "--dry-run")[0] == 0
    assert run("render", path, "--out", out, "--check")[0] == 1  # drift, not a question
    code, stdout, _ = run("render", path, "--out", out, "--output", "json")
    assert code == 1
    report = json.loads(stdout)
    Draft202012Validator(json.loads(resources.output_schema_path("report").read_text(encoding="utf-8"))).validate(
        report)
    assert report["specs"][0]["error"]["kind"] == "confirmation"
    assert run("render", path, "--out", out, "--yes")[0] == 0
    assert json.loads((out / MANIFEST).read_text(encoding="utf-8"))["spec"]["tier"] == 2


def test_raising_isolation_never_asks(tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    for tier in (1, 2, 3):
        path.write_text(spec(tier), encoding="utf-8")
        assert run("render", path, "--out", out)[0] == 0


def test_in_a_terminal_render_asks_and_writes_only_on_yes(tmp_path, monkeypatch):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(spec(3), encoding="utf-8")
    api.render_spec(path, out)
    path.write_text(spec(2), encoding="utf-8")
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    code, _, stderr = run("render", path, "--out", out, input="n\n")
    assert code == 1 and "Write it anyway?" in stderr and "Public network access is enabled" in stderr
    assert json.loads((out / MANIFEST).read_text(encoding="utf-8"))["spec"]["tier"] == 3
    code, _, _ = run("render", path, "--out", out, input="y\n")
    assert code == 0
    assert json.loads((out / MANIFEST).read_text(encoding="utf-8"))["spec"]["tier"] == 2


def test_the_library_asks_its_caller_and_refuses_without_an_answer(tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(spec(3), encoding="utf-8")
    api.render_spec(path, out)
    path.write_text(spec(2), encoding="utf-8")
    asked = []
    with pytest.raises(ConfirmationError) as refused:
        api.render_spec(path, out, confirm=lambda changes: asked.append(changes) or False)
    assert asked == [list(refused.value.lowering)] and len(asked[0]) == 1
    assert api.render_spec(path, out, confirm=lambda changes: True).written


def test_plan_of_an_invalid_spec_or_an_empty_out_is_an_error(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(spec(2).replace("tier: 2", "tier: 9"), encoding="utf-8")
    assert run("plan", path)[0] == 1
    path.write_text(spec(2), encoding="utf-8")
    assert run("plan", path, "--out", "")[0] == 2
    assert not Path(tmp_path / "infra").exists()


def test_a_change_that_keeps_every_resource_lists_the_files_it_changes(tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(spec(2), encoding="utf-8")
    api.render_spec(path, out)
    path.write_text(spec(2).replace("capacity: 50", "capacity: 60"), encoding="utf-8")
    plan = api.plan_spec(path, out)
    assert plan.changes and not plan.resources.created and not plan.resources.left_behind
    # The token rule's threshold follows the capacity: main.bicep changes, and the rule is updated in place.
    assert not plan.posture.changes and plan.resources.files_changed == ("README.md", "main.bicep", "main.bicepparam")
    code, stdout, _ = run("plan", path, "--out", out)
    assert code == 0 and "= 9 kept, updated in place" in stdout and stdout.startswith("tier 2\n") and \
        "3 generated files change: README.md, main.bicep, main.bicepparam" in stdout


def _section_validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(resources.output_schema_path(name).read_text(encoding="utf-8")))


@pytest.mark.parametrize("tier", [1, 2, 3, 4, 5])
def test_the_plan_carries_the_cost_and_deploy_time_of_the_spec_with_their_assumptions(tmp_path, tier):
    """Every figure of the cost carries its assumption and the table's date is printed; the deploy time names the
    chain of modules that decides it, which at tier 5 goes through API Management."""
    path = tmp_path / "spec.yaml"
    path.write_text(spec(tier, regions=TWO_REGIONS if tier >= 4 else regions("swedencentral")), encoding="utf-8")
    code, stdout, _ = run("plan", path, "--output", "json")
    assert code == 0
    document = json.loads(stdout)
    schema_validator().validate(document)
    _section_validator("cost").validate(document["cost"])
    _section_validator("deploy-time").validate(document["deployTime"])
    cost, time = document["cost"], document["deployTime"]
    assert cost["lines"] and all(line["assumption"] for line in cost["lines"])
    assert round(sum(line["monthly"] for line in cost["lines"]), 2) == cost["total"]
    assert any("token" in note.lower() for note in cost["notes"])
    assert ("apiManagement" in time["criticalPath"]) == (tier == 5)
    code, text, _ = run("plan", path)
    assert code == 0
    assert f"price table of {cost['tableDate']}" in text
    assert text.count("assumes: ") == len(cost["lines"])
    assert "critical path: " + " -> ".join(time["criticalPath"]) in text
    code, markdown, _ = run("plan", path, "--output", "markdown")
    assert "### Monthly cost estimate" in markdown and "### Deploy time" in markdown
    # The diagram is the README's, in JSON and in a fence that GitHub draws.
    readme = (tmp_path / "infra" / "README.md")
    run("render", path, "--yes")
    assert document["diagram"]["text"] == readme_mermaid(readme.read_text(encoding="utf-8"))
    fences = [t for t in MarkdownIt().parse(markdown) if t.type == "fence" and t.info == "mermaid"]
    assert [t.content for t in fences] == [document["diagram"]["text"].rstrip("\n") + "\n"]


# ---------------------------------------------------------------------------------------------------------------------
# Model deployments: child resources that hold quota, and on provisioned SKUs bill per PTU-hour, until deleted

SECOND = "  - name: {name}\n    model: gpt-5.4\n    version: \"2026-03-05\"\n    sku: {sku}\n    capacity: {capacity}\n"


def _with(name: str = "summary", sku: str = "GlobalStandard", capacity: int = 20, tier: int = 2) -> str:
    return spec(tier, regions=TWO_REGIONS, extra=SECOND.format(name=name, sku=sku, capacity=capacity))


def _lookup(code: str) -> str:
    return (f"$(az cognitiveservices account list --resource-group rg-claims-prod --query '[?starts_with(name, "
            f"`\"oai-claims-prod-{code}-\"`) && length(name) == `25`].name' --output tsv)")


def test_the_manifest_records_each_accounts_model_deployments(tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(_with(), encoding="utf-8")
    api.render_spec(path, out)
    recorded = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["resources"]
    accounts = [r for r in recorded if r["type"] == ACCOUNT]
    assert len(accounts) == 2
    for account in accounts:
        assert account["deployments"] == [
            {"name": "chat", "model": "gpt-5.4-mini", "version": "2026-03-17", "sku": "GlobalStandard",
             "capacity": 50},
            {"name": "summary", "model": "gpt-5.4", "version": "2026-03-05", "sku": "GlobalStandard",
             "capacity": 20}]
    assert all("deployments" not in r for r in recorded if r["type"] != ACCOUNT)


def test_removing_a_deployment_from_a_two_region_spec_leaves_it_in_both_accounts_with_its_delete_command(tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(_with(), encoding="utf-8")
    first = api.plan_spec(path, out).resources.deployments
    assert first.previous == "none" and len(first.created) == 4 and not first.left_behind
    api.render_spec(path, out)
    path.write_text(spec(2, regions=TWO_REGIONS), encoding="utf-8")
    plan = api.plan_spec(path, out)
    section = plan.resources.deployments
    assert section.previous == "recorded" and not section.created and not section.changed
    assert [(c.shown_account, c.deployment.name) for c in section.left_behind] == [
        ("oai-claims-prod-frc-xxxxx", "summary"), ("oai-claims-prod-sdc-xxxxx", "summary")]
    frc, sdc = section.left_behind
    assert frc.commands == (f"az cognitiveservices account deployment delete --resource-group rg-claims-prod "
                            f"--name {_lookup('frc')} --deployment-name summary",)
    assert sdc.commands[0].endswith(f"--name {_lookup('sdc')} --deployment-name summary")
    assert frc.notes == ("keeps holding capacity 20 of GlobalStandard quota for gpt-5.4 in francecentral (for most "
                         "models a unit is 1,000 tokens per minute) until deleted",)
    assert not frc.provisioned and "billing" not in frc.notes[0]
    # The accounts themselves are kept; the plan has changes because of the deployments. The token rule of summary's
    # capacity, which no deployment has any more, is left behind with its delete command.
    assert kinds(plan.resources.left_behind) == {(METRIC_ALERT, f"alert-claims-prod-oai-{r}-tokens-summary")
                                                 for r in ("frc", "sdc")} and plan.changes
    assert all(c.commands[0].startswith("az monitor metrics alert delete --name alert-claims-prod-oai-")
               for c in plan.resources.left_behind)
    code, stdout, _ = run("plan", path, "--out", out)
    assert code == 0
    assert "  - deployment summary in oai-claims-prod-sdc-xxxxx (gpt-5.4 2026-03-05, GlobalStandard, capacity 20)" \
        in stdout.splitlines()
    assert f"      {frc.commands[0]}" in stdout.splitlines()
    code, stdout, _ = run("plan", path, "--out", out, "--output", "json")
    document = json.loads(stdout)
    schema_validator().validate(document)
    left = document["resources"]["deployments"]["leftBehind"]
    assert [(d["account"], d["name"], d["deleteCommands"]) for d in left] == [
        ("oai-claims-prod-frc-<uniqueString(resourceGroup().id)>", "summary", list(frc.commands)),
        ("oai-claims-prod-sdc-<uniqueString(resourceGroup().id)>", "summary", list(sdc.commands))]
    code, stdout, _ = run("plan", path, "--out", out, "--output", "markdown")
    tokens = MarkdownIt("commonmark").enable("table").parse(stdout)
    [fence] = [t for t in tokens if t.type == "fence" and t.info == "bash"]
    # The deployments' delete commands come first, then the rules'.
    rules = [c.commands[0] for c in sorted(plan.resources.left_behind, key=lambda c: c.resource.name)]
    assert fence.content.splitlines() == [frc.commands[0], sdc.commands[0]] + rules
    cells = [t.content for t in tokens if t.type == "inline"]
    assert "`summary`" in cells and "`oai-claims-prod-frc-xxxxx`" in cells


@pytest.mark.skipif(shutil.which("bash") is None or sys.platform == "win32", reason="needs bash")
def test_bash_runs_the_deployment_delete_command_with_the_looked_up_account(tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(_with(), encoding="utf-8")
    api.render_spec(path, out)
    path.write_text(spec(2, regions=TWO_REGIONS), encoding="utf-8")
    frc = api.plan_spec(path, out).resources.deployments.left_behind[0]
    calls = run_with_fake_az(tmp_path, frc.commands[0], listed="oai-claims-prod-frc-k3j2h")
    assert calls[0][:4] == ["cognitiveservices", "account", "list", "--resource-group"]
    # The options of the Azure CLI reference: --resource-group (-g), --name (-n) for the account, --deployment-name.
    assert calls[1] == ["cognitiveservices", "account", "deployment", "delete", "--resource-group", "rg-claims-prod",
                        "--name", "oai-claims-prod-frc-k3j2h", "--deployment-name", "summary"]


def test_a_provisioned_deployment_left_behind_keeps_billing_per_ptu_hour(tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(_with("reserved", "GlobalProvisionedManaged", 15), encoding="utf-8")
    api.render_spec(path, out)
    path.write_text(spec(2, regions=TWO_REGIONS), encoding="utf-8")
    left = api.plan_spec(path, out).resources.deployments.left_behind
    assert [c.deployment.name for c in left] == ["reserved", "reserved"] and all(c.provisioned for c in left)
    assert left[1].notes == ("keeps holding 15 PTUs of GlobalProvisionedManaged quota in swedencentral, and keeps "
                             "billing per PTU-hour for them, until deleted",)
    code, stdout, _ = run("plan", path, "--out", out, "--output", "json")
    assert [d["provisioned"] for d in json.loads(stdout)["resources"]["deployments"]["leftBehind"]] == [True, True]
    code, stdout, _ = run("plan", path, "--out", out)
    assert stdout.count("keeps billing per PTU-hour") == 2


def test_changing_capacity_sku_or_version_shows_a_change_with_what_it_needs(tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(_with(), encoding="utf-8")
    api.render_spec(path, out)
    path.write_text(_with(capacity=35), encoding="utf-8")
    section = api.plan_spec(path, out).resources.deployments
    assert not section.created and not section.left_behind
    assert [(c.shown_account, c.deployment.name, c.previous.capacity, c.deployment.capacity)
            for c in section.changed] == [("oai-claims-prod-frc-xxxxx", "summary", 20, 35),
                                          ("oai-claims-prod-sdc-xxxxx", "summary", 20, 35)]
    assert section.changed[0].notes == (
        "capacity 20 -> 35: the 15 more units need free GlobalStandard quota for gpt-5.4 in francecentral; check it "
        "with azoai-gen preflight",)
    code, stdout, _ = run("plan", path, "--out", out, "--output", "json")
    document = json.loads(stdout)
    schema_validator().validate(document)
    [changed, _] = document["resources"]["deployments"]["changed"]
    assert (changed["previous"]["capacity"], changed["capacity"], changed["deleteCommands"]) == (20, 35, [])
    code, stdout, _ = run("plan", path, "--out", out, "--output", "markdown")
    assert "| change | `summary` | `oai-claims-prod-frc-xxxxx` | gpt\\-5\\.4 2026\\-03\\-05 | GlobalStandard | 20 → 35 |" \
        in stdout.splitlines()
    # Lower capacity frees quota; a SKU change may be refused by Azure and needs quota of the new SKU.
    path.write_text(_with(capacity=10), encoding="utf-8")
    assert api.plan_spec(path, out).resources.deployments.changed[0].notes == (
        "capacity 20 -> 10 frees 10 units of GlobalStandard quota for gpt-5.4 in francecentral",)
    path.write_text(_with(sku="DataZoneStandard"), encoding="utf-8")
    notes = api.plan_spec(path, out).resources.deployments.changed[0].notes
    assert notes[0].startswith("the SKU changes from GlobalStandard to DataZoneStandard: Azure may refuse to change "
                               "the SKU of an existing deployment")
    assert notes[1] == ("the DataZoneStandard deployment needs 20 units of free DataZoneStandard quota for gpt-5.4 in "
                        "francecentral; check it with azoai-gen preflight")


def test_an_older_manifest_without_model_deployments_says_they_are_not_compared(tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(_with(), encoding="utf-8")
    api.render_spec(path, out)
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    for entry in manifest["resources"]:
        entry.pop("deployments", None)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    path.write_text(spec(2, regions=TWO_REGIONS), encoding="utf-8")
    plan = api.plan_spec(path, out)
    assert plan.resources.previous == "recorded" and plan.resources.deployments.previous == "unknown"
    assert not plan.resources.deployments.changes
    code, stdout, _ = run("plan", path, "--out", out)
    assert code == 0 and "the previous render did not record its model deployments: they are not compared" in stdout
    code, stdout, _ = run("plan", path, "--out", out, "--output", "json")
    schema_validator().validate(json.loads(stdout))
