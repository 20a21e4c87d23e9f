"""``azoai-gen explain``: a spec setting described from the schema, and the schema's ``x-tiers``, held against what
renders differently at each tier."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from functools import lru_cache

import pytest
import yaml
from typer.testing import CliRunner

from _support import ROOT, SCHEMA, plain
from azoai_gen import cli, explain
from azoai_gen.errors import SpecError, UsageError
from azoai_gen.pipeline import validate_text
from azoai_gen.render import render

runner = CliRunner()
TIERS = (1, 2, 3, 4, 5)


def run(*args: str):
    result = runner.invoke(cli.app, ["explain", *args])
    return result, plain(result.output)


# ---------------------------------------------------------------------------------------------------------------------
# The command.


def test_a_setting_shows_its_description_type_default_pattern_and_tiers():
    result, output = run("network.addressSpace")
    assert result.exit_code == 0
    assert output.splitlines()[0] == "network.addressSpace"
    assert "  type:      string" in output
    assert '  default:   "10.100.0.0/16"' in output
    assert "  pattern:   ^[0-9]{1,3}(\\.[0-9]{1,3}){3}/[0-9]{1,2}$" in output
    assert "  tiers:     3-5" in output
    assert "IPv4 range from which every region" in output
    assert result.stderr == ""


def test_allowed_values_are_listed():
    result, output = run("apiManagement.sku")
    assert result.exit_code == 0
    assert '  allowed:   "Premium", "Developer", "Standard", "Basic", "StandardV2", "BasicV2"' in output
    assert "  tiers:     5" in output


@pytest.mark.parametrize("path", ["regions[].location", "regions.location", "regions[0].location", " regions.location "])
def test_list_items_are_reached_with_or_without_brackets(path):
    result, output = run(path)
    assert result.exit_code == 0
    assert output.splitlines()[0] == "regions[].location"
    assert "  required:  yes" in output and "  limits:    at most 40 characters" in output


def test_an_object_lists_its_fields_with_their_tiers():
    result, output = run("frontDoor")
    assert result.exit_code == 0
    fields = output.split("  fields:\n")[1].splitlines()
    assert [line.split()[0] for line in fields] == ["sku", "origin", "routing", "healthProbe", "waf"]
    origin = next(line for line in fields if line.split()[0] == "origin")
    assert "optional  tiers 4 " in origin


def test_a_list_of_objects_lists_the_fields_of_its_items():
    result, output = run("deployments")
    assert "  type:      list of object" in output
    assert "  limits:    at least 1 item; at most 32 items" in output
    assert "    model " in output and "required" in output


def test_a_data_key_of_a_mapping_explains_its_values():
    result, output = run("tags.costCenter")
    assert result.exit_code == 0
    assert output.splitlines()[0] == "tags.<name>"
    assert "at most 256 characters" in output


def test_no_path_lists_the_top_level_settings():
    result, output = run()
    assert result.exit_code == 0
    assert output.splitlines()[0] == "azoai-gen spec"
    names = [line.split()[0] for line in output.split("  settings:\n")[1].splitlines()]
    assert names == list(json.loads(SCHEMA.read_text(encoding="utf-8"))["properties"])


@pytest.mark.parametrize("path, hint", [
    ("network.adressSpace", "did you mean 'network.addressSpace'?"),
    ("apiManagment.sku", "did you mean 'apiManagement.sku'?"),
    ("addressSpace", "did you mean 'regions[].network.addressSpace' or 'network.addressSpace'?"),
    ("weigth", "did you mean 'regions[].weight'?"),
    ("nothing.like.it", "run 'azoai-gen explain' to list the settings"),
])
def test_an_unknown_path_is_a_usage_error_with_did_you_mean(path, hint):
    result, output = run(path)
    assert result.exit_code == 2
    assert f"error: unknown setting '{path}'" in output
    assert hint in output
    assert result.stdout == ""


@pytest.mark.parametrize("path", ["network..addressSpace", "regions[x].location", ".", "network[].addressSpace"])
def test_a_malformed_path_is_a_usage_error(path):
    result, output = run(path)
    assert result.exit_code == 2
    assert "error:" in output and "Traceback" not in output


def test_explain_help_names_its_argument():
    result = runner.invoke(cli.app, ["explain", "--help"])
    assert result.exit_code == 0
    assert "[PATH]" in plain(result.output) and "Example" in plain(result.output)


def test_every_setting_can_be_explained():
    for path in explain.paths():
        setting = explain.explain(path)
        assert setting.path == path
        assert setting.description and setting.tiers


def test_the_tier_list_reads_as_ranges():
    assert explain.tier_list((1, 2, 3, 4, 5)) == "1-5"
    assert explain.tier_list((3, 4, 5)) == "3-5"
    assert explain.tier_list((1, 2)) == "1, 2"
    assert explain.tier_list((1, 3, 4, 5)) == "1, 3-5"
    assert explain.tier_list(()) == "none"


# ---------------------------------------------------------------------------------------------------------------------
# x-tiers: every property has them, and they are true.


def _properties(node: dict, prefix: str, schema: dict):
    for name, child in node.get("properties", {}).items():
        yield f"{prefix}{name}", child
        target = child
        while "$ref" in target:
            target = schema["$defs"][target["$ref"].rsplit("/", 1)[1]]
        items = target.get("items", {})
        if "$ref" in items:
            items = schema["$defs"][items["$ref"].rsplit("/", 1)[1]]
        yield from _properties(items or target, f"{prefix}{name}{'[]' if items else ''}.", schema)


SCHEMA_DATA = json.loads(SCHEMA.read_text(encoding="utf-8"))
PROPERTIES = dict(_properties(SCHEMA_DATA, "", SCHEMA_DATA))


def test_every_property_has_its_tiers():
    assert set(PROPERTIES) == set(explain.paths())
    for path, node in PROPERTIES.items():
        tiers = node.get("x-tiers")
        assert tiers and tiers == sorted(set(tiers)) and set(tiers) <= set(TIERS), path


def test_an_object_is_read_at_the_tiers_that_read_a_field_of_it():
    for path, node in PROPERTIES.items():
        children = [p for p in PROPERTIES if p.rsplit(".", 1)[0] in (path, path + "[]") and p != path]
        if children:
            union = sorted({tier for child in children for tier in PROPERTIES[child]["x-tiers"]})
            assert node["x-tiers"] == union, path


RG = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-hub/providers"
ZONES = RG + "/Microsoft.Network/privateDnsZones/"


def _app(index: int, link: bool = False) -> dict:
    app = {"hostName": f"app-{index}.azurewebsites.net"}
    if link:
        app["privateLink"] = {"resourceId": f"{RG}/Microsoft.Web/sites/app-{index}", "groupId": "sites"}
    return app


#: Specs around which a setting is changed: tier 4 reaches a network only with Front Door in front of applications.
APPS = {"frontDoor.origin": "app", "regions[0].app": _app(0), "regions[1].app": _app(1)}
LINKS = {"frontDoor.origin": "app", "regions[0].app": _app(0, True), "regions[1].app": _app(1, True)}
NET = {"regions[0].network": {"addressSpace": "10.50.0.0/22"}}
PRINCIPAL = {"access.principals": [{"objectId": "00000000-0000-0000-0000-000000000001"}]}
OAUTH = {"apiManagement.oauth": {"tenantId": "33333333-3333-3333-3333-333333333333", "audiences": ["api://x"]}}
AI = {"openai.kind": "AIServices"}
CONSUMERS = {"apiManagement.consumers": [{"name": "team-a", "tokenQuota": 100000}]}
KEYS = {**CONSUMERS, "apiManagement.consumerKeyVault": {"name": "kv-platform"}}
RESTRICT = {"openai.restrictOutboundNetworkAccess": True}
LISTS = {"openai.blocklists": [{"name": "internal", "items": [{"term": "Bluebird"}]},
                                {"name": "other", "items": [{"term": "Redwing"}]}]}
FILTER = {"openai.contentFilters": [{"name": "strict", "blocklists": [{"name": "internal"}]}], **LISTS}
HARMS = ("hate", "sexual", "violence", "selfHarm")
SAFETY = {"apiManagement.contentSafety.enabled": True}
PTU = {"deployments[1]": {"name": "chat-ptu", "model": "gpt-5.4-mini", "version": "2026-03-17",
                          "sku": "GlobalProvisionedManaged", "capacity": 15}}

#: Each setting of the schema: a change of it (path -> value; [0] is the first item, [] every item) and the specs
#: around it. A tier reads the setting when, in one of those specs, the change renders different files.
CHANGES: dict[str, tuple[dict, list[dict]]] = {
    "workload": ({"workload": "other"}, [{}]),
    "environment": ({"environment": "test"}, [{}]),
    "regions[].location": ({"regions[0].location": "germanywestcentral"}, [{}]),
    "regions[].network.addressSpace": ({"regions[0].network.addressSpace": "10.50.0.0/22"}, [{}, APPS]),
    "regions[].network.privateEndpointSubnet": ({"regions[0].network.privateEndpointSubnet": "10.50.3.0/26"},
                                                [NET, {**APPS, **NET}]),
    "regions[].network.workloadSubnet": ({"regions[0].network.workloadSubnet": "10.50.3.64/26"},
                                         [NET, {**APPS, **NET}]),
    "regions[].network.apiManagementSubnet": ({"regions[0].network.apiManagementSubnet": "10.50.3.0/24"},
                                              [NET, {**APPS, **NET}]),
    "regions[].network.existingSubnetId": (
        {"regions[0].network.existingSubnetId": f"{RG}/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe"},
        [{}, APPS]),
    "regions[].weight": ({"regions[0].weight": 200},
                         [{"frontDoor.routing": "weighted"}, {**APPS, "frontDoor.routing": "weighted"}]),
    "regions[].app.hostName": ({"regions[0].app.hostName": "app-9.azurewebsites.net"}, [APPS, LINKS]),
    "regions[].app.privateLink.resourceId": ({"regions[0].app.privateLink.resourceId": f"{RG}/Microsoft.Web/sites/x"},
                                             [LINKS]),
    "regions[].app.privateLink.groupId": ({"regions[0].app.privateLink.groupId": "managedEnvironments"}, [LINKS]),
    "regions[].app.privateLink.location": ({"regions[0].app.privateLink.location": "westeurope"}, [LINKS]),
    "deployments[].name": ({"deployments[0].name": "other"}, [{}]),
    "deployments[].model": ({"deployments[0].model": "gpt-5.4"}, [{}]),
    "deployments[].version": ({"deployments[0].version": "2026-03-05"}, [{}]),
    "deployments[].format": ({"deployments[0].format": "Other"}, [{}]),
    "deployments[].sku": ({"deployments[0].sku": "DataZoneStandard"}, [{}]),
    "deployments[].capacity": ({"deployments[0].capacity": 10}, [{}]),
    "deployments[].raiPolicy": ({"deployments[0].raiPolicy": "Microsoft.Default"}, [{}]),
    "deployments[].versionUpgradeOption": ({"deployments[0].versionUpgradeOption": "NoAutoUpgrade"}, [{}]),
    "tags": ({"tags": {"costCenter": "1"}}, [{}]),
    "access.managedIdentity": ({"access.managedIdentity": False}, [{}]),
    "access.principals[].objectId": ({"access.principals[0].objectId": "00000000-0000-0000-0000-000000000002"},
                                     [PRINCIPAL]),
    "access.principals[].type": ({"access.principals[0].type": "Group"}, [PRINCIPAL]),
    "access.principals[].description": ({"access.principals[0].description": "x"}, [PRINCIPAL]),
    "openai.kind": ({"openai.kind": "AIServices"}, [{}]),
    "openai.allowedIpRanges": ({"openai.allowedIpRanges": ["203.0.113.0/24"]}, [{}, APPS]),
    "openai.restrictOutboundNetworkAccess": ({"openai.restrictOutboundNetworkAccess": True}, [{}, APPS]),
    "openai.allowedFqdns": ({"openai.allowedFqdns": ["x.blob.core.windows.net"]}, [RESTRICT, {**APPS, **RESTRICT}]),
    "openai.contentFilters[].name": ({"openai.contentFilters[0].name": "other"}, [FILTER]),
    "openai.contentFilters[].basePolicy": ({"openai.contentFilters[0].basePolicy": "Microsoft.Default"}, [FILTER]),
    "openai.contentFilters[].mode": ({"openai.contentFilters[0].mode": "Asynchronous_filter"}, [FILTER]),
    **{f"openai.contentFilters[].{side}.{harm}.{key}": ({f"openai.contentFilters[0].{side}.{harm}.{key}": value},
                                                        [FILTER])
       for side in ("prompt", "completion") for harm in HARMS for key, value in (("threshold", "Low"),
                                                                                 ("action", "annotate"))},
    "openai.contentFilters[].prompt.jailbreak": ({"openai.contentFilters[0].prompt.jailbreak": "off"}, [FILTER]),
    "openai.contentFilters[].prompt.indirectAttack": ({"openai.contentFilters[0].prompt.indirectAttack": "block"},
                                                      [FILTER]),
    "openai.contentFilters[].completion.protectedMaterialText": (
        {"openai.contentFilters[0].completion.protectedMaterialText": "off"}, [FILTER]),
    "openai.contentFilters[].completion.protectedMaterialCode": (
        {"openai.contentFilters[0].completion.protectedMaterialCode": "block"}, [FILTER]),
    "openai.contentFilters[].blocklists[].name": ({"openai.contentFilters[0].blocklists[0].name": "other"}, [FILTER]),
    "openai.contentFilters[].blocklists[].prompt": ({"openai.contentFilters[0].blocklists[0].prompt": "annotate"},
                                                    [FILTER]),
    "openai.contentFilters[].blocklists[].completion": (
        {"openai.contentFilters[0].blocklists[0].completion": "off"}, [FILTER]),
    "openai.blocklists[].name": ({"openai.blocklists[1].name": "third"}, [LISTS]),
    "openai.blocklists[].description": ({"openai.blocklists[0].description": "Project names"}, [LISTS]),
    "openai.blocklists[].items[].term": ({"openai.blocklists[0].items[0].term": "Kestrel"}, [LISTS]),
    "openai.blocklists[].items[].regex": ({"openai.blocklists[0].items[0].regex": True}, [LISTS]),
    "keyVault.sku": ({"keyVault.sku": "premium"}, [{}]),
    "keyVault.softDeleteRetentionInDays": ({"keyVault.softDeleteRetentionInDays": 30}, [{}]),
    "keyVault.allowedIpRanges": ({"keyVault.allowedIpRanges": ["203.0.113.0/24"]}, [{}]),
    "keyVault.secretExpiryDays": ({"keyVault.secretExpiryDays": 30}, [{}]),
    "network.addressSpace": ({"network.addressSpace": "10.60.0.0/16"}, [{}, APPS]),
    "network.workloadSubnetDelegation": ({"network.workloadSubnetDelegation": "Microsoft.App/environments"},
                                         [{}, APPS]),
    "network.privateDnsZoneIds.openai": ({"network.privateDnsZoneIds.openai": ZONES + "privatelink.openai.azure.com"},
                                         [{}, APPS]),
    "network.privateDnsZoneIds.cognitiveServices": (
        {"network.privateDnsZoneIds.cognitiveServices": ZONES + "privatelink.cognitiveservices.azure.com"},
        [AI, {**APPS, **AI}]),
    "network.privateDnsZoneIds.aiServices": (
        {"network.privateDnsZoneIds.aiServices": ZONES + "privatelink.services.ai.azure.com"}, [AI, {**APPS, **AI}]),
    "frontDoor.sku": ({"frontDoor.sku": "Standard_AzureFrontDoor"}, [{}, APPS]),
    "frontDoor.origin": (APPS, [{}]),
    "frontDoor.routing": ({"frontDoor.routing": "weighted"}, [{}]),
    "frontDoor.healthProbe.path": ({"frontDoor.healthProbe.path": "/healthz"}, [{}]),
    "frontDoor.healthProbe.method": ({"frontDoor.healthProbe.method": "HEAD"}, [{}]),
    "frontDoor.healthProbe.intervalInSeconds": ({"frontDoor.healthProbe.intervalInSeconds": 60}, [{}]),
    "frontDoor.waf.mode": ({"frontDoor.waf.mode": "Detection"}, [{}]),
    "frontDoor.waf.requestBodyCheck": ({"frontDoor.waf.requestBodyCheck": False}, [{}]),
    "apiManagement.sku": ({"apiManagement.sku": "Developer"}, [{}]),
    "apiManagement.capacity": ({"apiManagement.capacity": 2}, [{}]),
    "apiManagement.publisherName": ({"apiManagement.publisherName": "Contoso"}, [{}]),
    "apiManagement.publisherEmail": ({"apiManagement.publisherEmail": "ops@contoso.com"}, [{}]),
    "apiManagement.tokensPerMinute": ({"apiManagement.tokensPerMinute": 5000}, [{}]),
    "apiManagement.tokenLimitAcrossRegions": ({"apiManagement.tokenLimitAcrossRegions": "split"}, [{}]),
    "apiManagement.oauth.tenantId": ({"apiManagement.oauth.tenantId": "44444444-4444-4444-4444-444444444444"},
                                     [OAUTH]),
    "apiManagement.oauth.audiences": ({"apiManagement.oauth.audiences": ["api://y"]}, [OAUTH]),
    "apiManagement.consumers[].name": ({"apiManagement.consumers[0].name": "team-b"}, [CONSUMERS]),
    "apiManagement.consumers[].entraApplicationId": (
        {"apiManagement.consumers[0].entraApplicationId": "55555555-5555-5555-5555-555555555555"}, [{**CONSUMERS, **OAUTH}]),
    "apiManagement.consumers[].tokensPerMinute": ({"apiManagement.consumers[0].tokensPerMinute": 2000}, [CONSUMERS]),
    "apiManagement.consumers[].tokenQuota": ({"apiManagement.consumers[0].tokenQuota": 5000}, [CONSUMERS]),
    "apiManagement.consumers[].tokenQuotaPeriod": ({"apiManagement.consumers[0].tokenQuotaPeriod": "Daily"}, [CONSUMERS]),
    "apiManagement.consumerKeyVault.name": ({"apiManagement.consumerKeyVault.name": "kv-other"}, [KEYS]),
    "apiManagement.consumerKeyVault.resourceGroup": ({"apiManagement.consumerKeyVault.resourceGroup": "rg-platform"},
                                                     [KEYS]),
    "apiManagement.chargeback.ratePer1000Tokens": ({"apiManagement.chargeback.ratePer1000Tokens": 0.01}, [CONSUMERS]),
    "apiManagement.contentSafety.enabled": ({"apiManagement.contentSafety.enabled": True}, [{}]),
    "apiManagement.contentSafety.outputType": ({"apiManagement.contentSafety.outputType": "EightSeverityLevels"},
                                               [SAFETY]),
    **{f"apiManagement.contentSafety.categories.{name}": ({f"apiManagement.contentSafety.categories.{name}": 1},
                                                          [SAFETY])
       for name in ("hate", "selfHarm", "sexual", "violence")},
    "apiManagement.contentSafety.shieldPrompt": ({"apiManagement.contentSafety.shieldPrompt": False}, [SAFETY]),
    "apiManagement.contentSafety.blocklists": ({"apiManagement.contentSafety.blocklists": ["terms"]}, [SAFETY]),
    "deployments[].spillover": ({"deployments[1].spillover": "chat"}, [PTU]),
    "monitoring.logAnalyticsWorkspaceId": (
        {"monitoring.logAnalyticsWorkspaceId": f"{RG}/Microsoft.OperationalInsights/workspaces/log-hub"}, [{}]),
    "monitoring.retentionInDays": ({"monitoring.retentionInDays": 30}, [{}]),
    "monitoring.workbook": ({"monitoring.workbook": False}, [{}]),
    "naming.suffix": ({"naming.suffix": "abcde"}, [{}]),
    "monitoring.alerts.enabled": ({"monitoring.alerts.enabled": False}, [{}]),
    "monitoring.alerts.emails": ({"monitoring.alerts.emails": ["oncall@contoso.com"]}, [{}]),
    "monitoring.alerts.webhook.urlEnvironmentVariable": (
        {"monitoring.alerts.webhook.urlEnvironmentVariable": "ALERT_WEBHOOK_URL"}, [{}]),
    "monitoring.alerts.severity": ({"monitoring.alerts.severity": 1}, [{}]),
    **{f"monitoring.alerts.thresholds.{name}": ({f"monitoring.alerts.thresholds.{name}": value}, [{}])
       for name, value in (("throttledRequests", 20), ("serverErrors", 20), ("timeToResponseMs", 2000),
                           ("tokensNearCapacityPercent", 50), ("originHealthPercent", 80),
                           ("originGroupDownPercent", 5), ("backendErrors", 20), ("gatewayCapacityPercent", 60),
                           ("tokenLimitRejections", 20))},
}

#: Settings every spec must give: read at every tier, whatever they hold.
REQUIRED = {"version", "tier"}
#: Settings a tier reads although no value changes what it renders: it accepts only one value (its default) and
#: refuses every other, at the setting itself.
REFUSED_BUT_READ = {"apiManagement.sku": {5}}
#: Settings that decide how a spec is checked, never what it renders: read at every tier.
CHECKING = {"validation.strict"}


def _base(tier: int) -> dict:
    regions = [{"location": "swedencentral"}] + ([{"location": "francecentral"}] if tier >= 4 else [])
    return {"version": 1, "workload": "claims", "environment": "prod", "tier": tier, "regions": regions,
            "deployments": [{"name": "chat", "model": "gpt-5.4-mini", "version": "2026-03-17",
                             "sku": "GlobalStandard", "capacity": 50}],
            "monitoring": {"alerts": {"emails": ["ops@contoso.com"]}}}


def _put(node: dict, path: str, value) -> None:
    head, _, rest = path.partition(".")
    if "[" in head:
        key, index = head[:-1].split("[")
        items = node.setdefault(key, [])
        for i in (range(len(items)) if index == "" else [int(index)]):
            while len(items) <= i:
                items.append({})
            if rest:
                _put(items[i], rest, value)
            else:
                items[i] = copy.deepcopy(value)
    elif rest:
        _put(node.setdefault(head, {}), rest, value)
    else:
        node[head] = copy.deepcopy(value)


def _spec(tier: int, *changes: dict) -> str:
    data = _base(tier)
    for change in changes:
        for path, value in change.items():
            _put(data, path, value)
    return yaml.safe_dump(data, sort_keys=False)


@lru_cache(maxsize=None)
def _files(text: str):
    """The rendered files (the manifest without the spec's digest, which every change changes), or the problems."""
    try:
        files = render(validate_text(text).design)
    except SpecError as error:
        return tuple(problem.path for problem in error.problems)
    manifest = json.loads(files.pop("azoai-gen.manifest.json"))
    manifest.pop("spec")
    files["manifest"] = json.dumps(manifest, sort_keys=True)
    return files


def _reading_tiers(setting: str) -> set[int]:
    change, around = CHANGES[setting]
    found = set()
    for tier in TIERS:
        for context in around:
            before, after = _files(_spec(tier, context)), _files(_spec(tier, context, change))
            if isinstance(before, dict) and isinstance(after, dict) and before != after:
                found.add(tier)
    return found


def test_every_setting_without_fields_has_a_change():
    leaves = {path for path in PROPERTIES if not any(p.startswith((path + ".", path + "[].")) for p in PROPERTIES)}
    assert leaves - REQUIRED - CHECKING == set(CHANGES)


@pytest.mark.parametrize("setting", sorted(CHANGES))
def test_the_tiers_of_a_setting_are_those_where_it_changes_the_render(setting):
    expected = _reading_tiers(setting) | REFUSED_BUT_READ.get(setting, set())
    assert set(PROPERTIES[setting]["x-tiers"]) == expected


@pytest.mark.parametrize("tier", TIERS)
def test_a_checking_setting_changes_the_verdict_and_not_the_render_at_every_tier(tier):
    """validation.strict turns a warning (a model version the dated data does not list) into an error at every
    tier; a spec without warnings renders the same with it."""
    quiet = {"apiManagement.publisherEmail": "ops@contoso.com"} if tier == 5 else {}  # tier 5 warns without it
    warned = {"deployments[0].version": "2026-03-05"}
    assert validate_text(_spec(tier, quiet, warned)).warnings
    assert _files(_spec(tier, quiet, warned, {"validation.strict": True})) == ("deployments[0].version",)
    assert _files(_spec(tier, quiet, {"validation.strict": True})) == _files(_spec(tier, quiet))
    for setting in CHECKING:
        assert PROPERTIES[setting]["x-tiers"] == list(TIERS)


def test_required_settings_are_read_at_every_tier():
    for setting in REQUIRED:
        assert PROPERTIES[setting]["x-tiers"] == list(TIERS)


@pytest.mark.parametrize("setting, tiers", sorted(REFUSED_BUT_READ.items()))
def test_a_setting_read_only_to_refuse_it_is_refused_at_itself(setting, tiers):
    change, around = CHANGES[setting]
    for tier in tiers:
        assert _reading_tiers(setting) & {tier} == set()
        assert setting in _files(_spec(tier, around[0], change))


def test_the_tier_check_can_fail():
    """The comparison sees a setting that a tier ignores: Key Vault settings do not change tier 2."""
    assert _reading_tiers("keyVault.sku") == {1}


def test_usage_errors_come_from_the_library():
    with pytest.raises(UsageError):
        explain.explain("no.such.setting")


def test_the_shell_completes_setting_paths(tmp_path):
    """What the completion script runs on Tab after ``azoai-gen explain``: the settings that begin with the word."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COV_"))}
    env.update(PYTHONPATH=str(ROOT), _AZOAI_GEN_COMPLETE="complete_bash", COMP_CWORD="2")
    for word, expected in (("network.a", ["network.addressSpace"]),
                           ("apiManagement.o", ["apiManagement.oauth", "apiManagement.oauth.tenantId",
                                                "apiManagement.oauth.audiences"])):
        env["COMP_WORDS"] = f"azoai-gen explain {word}"
        result = subprocess.run([sys.executable, "-m", "azoai_gen"], capture_output=True, text=True, cwd=tmp_path,
                                env=env)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == expected
