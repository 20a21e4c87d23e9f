"""Tier 4: Front Door origins, priorities and weights, health probes, WAF, app mode and Private Link."""

from __future__ import annotations

from typing import Any

import pytest

from _support import (LOCATIONS, SUB, Reference, bicep_declarations, bicep_resources, model_spec, regional_spec,
                      regions, render_files, site_id, spec, spec_problems, tier4, warnings_of)
from azoai_gen.design.frontdoor import OPENAI_PROBE_PATH, origin_plan

ORIGIN = "Microsoft.Cdn/profiles/originGroups/origins"


def origins(frontdoor: str) -> list[dict[str, Any]]:
    """name, priority, weight and Private Link settings (or None) of every origin of the origin group, in file
    order."""
    found = bicep_resources(frontdoor, ORIGIN)
    assert all(origin.body["parent"] == Reference("originGroup") for origin in found)
    return [{"name": o.body["name"], "priority": o.body["properties"]["priority"],
             "weight": o.body["properties"]["weight"],
             "private_link": o.body["properties"].get("sharedPrivateLinkResource")} for o in found]


# ---------------------------------------------------------------------------------------------------------------------
# The origin plan for 2 to 6 regions


@pytest.mark.parametrize("count, priorities", [
    (2, [1, 2]), (3, [1, 2, 3]), (4, [1, 2, 3, 4]), (5, [1, 2, 3, 4, 5]), (6, [1, 2, 3, 4, 5, 5]),
])
def test_priority_plan_fails_over_in_list_order_capped_at_five(count, priorities):
    assert origin_plan("priority", [None] * count) == [(p, 1000) for p in priorities]
    rendered = origins(render_files(tier4(count))["modules/frontdoor.bicep"])
    assert [o["name"] for o in rendered] == [f"origin-{loc}" for loc in LOCATIONS[:count]]
    assert [o["priority"] for o in rendered] == priorities


@pytest.mark.parametrize("count", [2, 3, 4, 5, 6])
def test_weighted_plan_is_active_active(count):
    weights = [100 * (i + 1) for i in range(count)]
    assert origin_plan("weighted", weights) == [(1, w) for w in weights]
    rendered = origins(render_files(tier4(count, weights=weights, extra="frontDoor:\n  routing: weighted\n"))
                       ["modules/frontdoor.bicep"])
    assert [(o["priority"], o["weight"]) for o in rendered] == [(1, w) for w in weights]


def test_weighted_plan_defaults_to_equal_shares():
    assert origin_plan("weighted", [None, 250, None]) == [(1, 1000), (1, 250), (1, 1000)]


# ---------------------------------------------------------------------------------------------------------------------
# Probes


def probe(frontdoor: str) -> dict[str, Any]:
    [group] = bicep_resources(frontdoor, "Microsoft.Cdn/profiles/originGroups")
    return group.body["properties"]["healthProbeSettings"]


def test_openai_mode_probes_the_unauthenticated_gateway_status_path():
    settings = probe(render_files(tier4())["modules/frontdoor.bicep"])
    assert settings == {"probePath": OPENAI_PROBE_PATH, "probeRequestType": "GET", "probeProtocol": "Https",
                        "probeIntervalInSeconds": 30}
    assert OPENAI_PROBE_PATH == "/status-0123456789abcdef"


def test_app_mode_probes_health_by_default():
    assert probe(render_files(tier4(app=True, extra="frontDoor:\n  origin: app\n"))["modules/frontdoor.bicep"])[
        "probePath"] == "/health"


def test_probe_path_interval_and_method_come_from_the_spec():
    extra = "frontDoor:\n  healthProbe:\n    path: /ready\n    method: HEAD\n    intervalInSeconds: 100\n"
    assert probe(render_files(tier4(extra=extra))["modules/frontdoor.bicep"]) == {
        "probePath": "/ready", "probeRequestType": "HEAD", "probeProtocol": "Https", "probeIntervalInSeconds": 100}


def test_readme_explains_the_probe():
    readme = render_files(tier4())["README.md"]
    assert "`GET /status-0123456789abcdef`" in readme or "GET /status\\-0123456789abcdef" in readme
    assert "silently disable failover" in readme


# ---------------------------------------------------------------------------------------------------------------------
# What openai mode renders


def test_openai_mode_keeps_accounts_public_with_keys_disabled():
    out = render_files(tier4(3))
    openai = out["modules/openai.bicep"]
    [account] = bicep_resources(openai, "Microsoft.CognitiveServices/accounts")
    assert account.body["properties"]["publicNetworkAccess"] == "Enabled"
    assert account.body["properties"]["disableLocalAuth"] is True
    assert ("// checkov:skip=CKV_AZURE_134:Tier 4 with Front Door origin 'openai' keeps the public endpoint "
            "because Front Door cannot reach an Azure OpenAI private endpoint") in openai
    assert "modules/network.bicep" not in out
    main = out["main.bicep"]
    hosts = bicep_declarations(main)["frontDoor"].body["params"]["originHostNames"]
    assert hosts == {location: Reference(f"openai{location.capitalize()}.outputs.hostName")
                     for location in LOCATIONS[:3]}
    assert "output frontDoorEndpointHostName string = frontDoor.outputs.endpointHostName" in main
    assert "output openaiEndpoints object" in main


def test_route_is_https_only_and_waf_is_attached():
    declarations = bicep_declarations(render_files(tier4())["modules/frontdoor.bicep"])
    route = declarations["route"].body
    assert (route["properties"]["httpsRedirect"], route["properties"]["forwardingProtocol"]) == ("Disabled", "HttpsOnly")
    assert route["properties"]["supportedProtocols"] == ["Https"]
    assert route["dependsOn"] == [Reference("originSwedencentral"), Reference("originFrancecentral")]
    waf = declarations["securityPolicy"].body["properties"]["parameters"]
    assert waf["type"] == "WebApplicationFirewall" and waf["wafPolicy"]["id"] == Reference("wafPolicy.id")
    assert all(d.body["properties"]["enforceCertificateNameCheck"] is True
               for d in declarations.values() if d.type == ORIGIN)
    assert declarations["diagnostics"].body["scope"] == Reference("profile")


def test_waf_defaults_prevention_with_default_rule_set_then_bot_manager():
    [waf] = bicep_resources(render_files(tier4())["modules/frontdoor.bicep"],
                            "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies")
    assert waf.body["properties"]["policySettings"]["mode"] == "Prevention"
    assert waf.body["sku"]["name"] == "Premium_AzureFrontDoor"
    sets = [(s["ruleSetType"], s["ruleSetVersion"]) for s in waf.body["properties"]["managedRules"]["managedRuleSets"]]
    assert sets == [("Microsoft_DefaultRuleSet", "2.2"), ("Microsoft_BotManagerRuleSet", "1.1")]


def test_standard_sku_has_no_managed_rules_and_says_so():
    out = render_files(tier4(extra="frontDoor:\n  sku: Standard_AzureFrontDoor\n"))
    assert "ruleSetType" not in out["modules/frontdoor.bicep"]
    assert "Front Door Standard has no managed WAF rule sets" in out["README.md"]


def test_detection_mode_is_explained():
    out = render_files(tier4(extra="frontDoor:\n  waf:\n    mode: Detection\n"))
    assert "mode: 'Detection'" in out["modules/frontdoor.bicep"]
    assert "Detection mode" in out["README.md"]


# ---------------------------------------------------------------------------------------------------------------------
# app mode, with and without Private Link


def test_app_mode_without_private_link():
    out = render_files(tier4(app=True, extra="frontDoor:\n  origin: app\n"))
    frontdoor = out["modules/frontdoor.bicep"]
    assert not any(o["private_link"] for o in origins(frontdoor))
    hosts = bicep_declarations(out["main.bicep"])["frontDoor"].body["params"]["originHostNames"]
    assert hosts == {"swedencentral": "app-0.azurewebsites.net", "francecentral": "app-1.azurewebsites.net"}
    # Azure OpenAI stays private exactly as in tier 3.
    assert "publicNetworkAccess: 'Disabled'" in out["modules/openai.bicep"]
    assert "modules/network.bicep" in out and "modules/dns.bicep" in out
    assert "checkov:skip" not in out["modules/openai.bicep"]
    assert "Approve the Private Link connections" not in out["README.md"]


def test_app_mode_with_private_link_and_approval_commands():
    out = render_files(tier4(app=True, link=True, extra="frontDoor:\n  origin: app\n"))
    links = [o["private_link"] for o in origins(out["modules/frontdoor.bicep"])]
    assert [link["privateLink"]["id"] for link in links] == [site_id("app-0"), site_id("app-1")]
    assert [(link["groupId"], link["privateLinkLocation"]) for link in links] == [("sites", "swedencentral"),
                                                                                 ("sites", "francecentral")]
    readme = out["README.md"]
    assert "### Approve the Private Link connections" in readme
    for index in range(2):
        assert (f"az network private-endpoint-connection list --id {site_id(f'app-{index}')} --query "
                "\"[?properties.privateLinkServiceConnectionState.status=='Pending'].id\" -o tsv") in readme
    assert readme.count("az network private-endpoint-connection approve --id \"$id\"") == 2


def test_private_link_location_can_differ():
    text = tier4(app=True, link=True, extra="frontDoor:\n  origin: app\n").replace(
        "        groupId: sites\n", "        groupId: sites\n        location: westeurope\n", 1)
    links = [o["private_link"] for o in origins(render_files(text)["modules/frontdoor.bicep"])]
    assert [link["privateLinkLocation"] for link in links] == ["westeurope", "francecentral"]


# ---------------------------------------------------------------------------------------------------------------------
# Validation


def test_tier4_needs_two_distinct_regions():
    assert spec_problems(spec(4)) == [
        "spec.yaml:6:3: regions: tier 4 needs at least 2 distinct regions; the spec has 1\n"
        "    hint: add a second region, ideally in the same geography for data residency"]


def test_app_settings_in_openai_mode():
    found = spec_problems(tier4(app=True))
    assert found[0] == ("spec.yaml:7:5: regions[0].app: app is only used with frontDoor.origin: app; "
                        "frontDoor.origin is openai\n    hint: remove it, or set frontDoor.origin: app")
    assert len(found) == 2


def test_app_mode_needs_every_region_app():
    found = spec_problems(tier4(extra="frontDoor:\n  origin: app\n"))
    assert found == [
        "spec.yaml:6:5: regions[0]: frontDoor.origin is app, so swedencentral needs app.hostName\n"
        "    hint: the host name of the regional application Front Door routes to",
        "spec.yaml:7:5: regions[1]: frontDoor.origin is app, so francecentral needs app.hostName\n"
        "    hint: the host name of the regional application Front Door routes to"]


def test_weight_only_with_weighted_routing():
    found = spec_problems(tier4(weights=[10, 20]))
    assert found[0].startswith("spec.yaml:7:5: regions[0].weight: weight is only used with frontDoor.routing: "
                               "weighted")


def test_origin_group_cannot_mix_public_and_private_link():
    found = spec_problems(tier4(app=True, link=[True, False], extra="frontDoor:\n  origin: app\n"))
    assert found == [
        "spec.yaml:13:5: regions[1].app: an origin group cannot mix public and Private Link origins: regions[0] "
        "uses Private Link, this region does not\n    hint: give every region app.privateLink, or none"]


def test_private_link_needs_premium():
    extra = "frontDoor:\n  origin: app\n  sku: Standard_AzureFrontDoor\n"
    found = spec_problems(tier4(app=True, link=True, extra=extra))
    assert found[0].startswith("spec.yaml:9:7: regions[0].app.privateLink: Private Link origins need the Premium "
                               "Front Door SKU")
    assert len(found) == 2


def test_private_link_target_must_be_a_resource_id():
    text = tier4(app=True, link=True, extra="frontDoor:\n  origin: app\n").replace(
        site_id("app-0"), f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Web", 1)
    found = spec_problems(text)
    assert found[0].startswith("spec.yaml:10:21: regions[0].app.privateLink.resourceId: not a resource ID")


def test_duplicate_app_host_names():
    text = tier4(app=True, extra="frontDoor:\n  origin: app\n").replace("app-1.azurewebsites.net",
                                                                       "app-0.azurewebsites.net")
    assert spec_problems(text) == ["spec.yaml:11:17: regions[1].app.hostName: the same host name as regions[0]\n"
                                   "    hint: each region needs its own origin"]


def test_ip_rules_would_block_front_door():
    found = spec_problems(tier4(extra="openai:\n  allowedIpRanges: [203.0.113.0/24]\n"))
    assert found[0].startswith("spec.yaml:15:3: openai.allowedIpRanges: would block Front Door")


def test_front_door_settings_are_ignored_below_tier_4():
    warnings = warnings_of(spec(2, extra="frontDoor:\n  sku: Standard_AzureFrontDoor\n"))
    assert any(w.startswith("spec.yaml:13:1: frontDoor: ignored: tier 2 has no Front Door") for w in warnings)


def test_model_missing_in_one_region_warns_naming_region_and_model():
    # gpt-5.1 has regional Standard deployments in swedencentral, not in francecentral.
    text = model_spec("gpt-5.1", "2025-11-13", "Standard", 4, regions=regions(*LOCATIONS[:2]))
    warnings = warnings_of(text)
    assert any("gpt-5.1 2025-11-13 (Standard) is not offered in francecentral (regions[1])" in w for w in warnings)


# ---------------------------------------------------------------------------------------------------------------------
# The journey


def test_tier3_to_tier4_keeps_account_names():
    three = render_files(regional_spec(3))["main.bicep"]
    four = render_files(tier4(app=True, extra="frontDoor:\n  origin: app\n"))["main.bicep"]
    for name in ("oai-claims-prod-sdc-${nameSuffix}", "oai-claims-prod-frc-${nameSuffix}",
                 "vnet-claims-prod-sdc", "vnet-claims-prod-frc"):
        assert name in three and name in four


def test_adding_a_region_appends_an_origin_without_renumbering():
    two = origins(render_files(tier4(2))["modules/frontdoor.bicep"])
    three = origins(render_files(tier4(3))["modules/frontdoor.bicep"])
    assert three[:2] == two
