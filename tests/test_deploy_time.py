"""Deploy-time rules: Azure behaviour that static checks cannot see, each pinned by a test here.

docs/architecture.md's "Deploy-time rules" table names each rule, its source and the test below that pins it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from _support import (Reference, bicep_declarations, bicep_resources, bicep_var, parse_bicepparam, render_files, spec,
                      spec_problems, tier4, tier5)


def _policy(text: str) -> ET.Element:
    return ET.fromstring(render_files(text)["policies/openai-api.xml"])


def _nsg_rules(network: str, nsg_symbol: str) -> dict[str, dict]:
    nsg = bicep_declarations(network)[nsg_symbol]
    rules = nsg.body["properties"]["securityRules"]
    return {rule["name"]: rule["properties"] for rule in rules if isinstance(rule, dict)}


def test_streamed_completions_are_not_buffered_by_the_gateway():
    forward = _policy(tier5()).find("backend").find("retry").find("forward-request")
    assert forward.get("buffer-response") == "false"
    assert forward.get("buffer-request-body") == "true"  # a retry resends the body


def test_the_gateway_matches_its_region_case_insensitively():
    whens = _policy(tier5()).find("inbound").find("choose").findall("when")
    assert whens and all(w.get("condition").startswith("@(string.Equals(context.Deployment.Region, ")
                         and w.get("condition").endswith(", StringComparison.OrdinalIgnoreCase))") for w in whens)


def test_api_management_nsg_admits_traffic_manager_on_443():
    rules = _nsg_rules(render_files(tier5())["modules/network.bicep"], "apiManagementNsg")
    rule = rules["AllowTrafficManagerInbound"]
    assert (rule["direction"], rule["access"], rule["protocol"]) == ("Inbound", "Allow", "Tcp")
    assert (rule["sourceAddressPrefix"], rule["destinationPortRange"]) == ("AzureTrafficManager", "443")
    assert rule["priority"] < 4096  # before the DenyInternetInbound rule every NSG ends with


def test_front_door_serves_https_only():
    for text in (tier4(), tier5()):
        frontdoor = render_files(text)["modules/frontdoor.bicep"]
        [route] = bicep_resources(frontdoor, "Microsoft.Cdn/profiles/afdEndpoints/routes")
        properties = route.body["properties"]
        assert properties["supportedProtocols"] == ["Https"]
        assert properties["httpsRedirect"] == "Disabled"
        assert properties["forwardingProtocol"] == "HttpsOnly"


def test_the_readme_explains_the_origin_timeout_and_recommends_streaming():
    readme = render_files(tier4())["README.md"]
    assert "240 seconds" in readme and "stream: true" in readme and "504" in readme


# ---------------------------------------------------------------------------------------------------------------------
# IP rules Azure refuses (Learn: "Configure Azure AI services virtual networks"; Key Vault network rules)


def test_a_single_address_is_written_without_its_prefix():
    text = spec(1, extra="openai:\n  allowedIpRanges: [203.0.113.9/32, 198.51.100.0/24]\n"
                         "keyVault:\n  allowedIpRanges: [203.0.113.10/32]\n")
    params = parse_bicepparam(render_files(text)["main.bicepparam"])
    assert params["openaiAllowedIpRanges"] == ["203.0.113.9", "198.51.100.0/24"]
    assert params["keyVaultAllowedIpRanges"] == ["203.0.113.10"]


@pytest.mark.parametrize("value, line, column, message", [
    ("203.0.113.8/31", 14, 21, "'203.0.113.8/31': Azure network rules do not take /31 ranges"),
    ("10.1.0.0/16", 14, 21, "'10.1.0.0/16' includes private (RFC 1918) addresses (10.0.0.0/8)"),
    ("192.168.1.1", 14, 21, "'192.168.1.1' includes private (RFC 1918) addresses (192.168.0.0/16)"),
    ("127.0.0.1", 14, 21, "'127.0.0.1' includes loopback addresses (127.0.0.0/8)"),
    ("169.254.10.0/24", 14, 21, "'169.254.10.0/24' includes link-local addresses (169.254.0.0/16)"),
    ("0.0.0.0/0", 14, 21, "'0.0.0.0/0' includes 'this network' (RFC 1122) addresses (0.0.0.0/8)"),
])
def test_ip_rules_azure_refuses_are_located_errors(value, line, column, message):
    [problem] = spec_problems(spec(2, extra=f"openai:\n  allowedIpRanges: [{value}]\n"))
    assert problem.startswith(f"spec.yaml:{line}:{column}: openai.allowedIpRanges[0]: {message}")
    assert "\n    hint: " in problem


def test_key_vault_ip_rules_follow_the_same_rules():
    [problem] = spec_problems(spec(1, extra="keyVault:\n  allowedIpRanges: [172.16.0.0/12]\n"))
    assert problem.startswith("spec.yaml:14:21: keyVault.allowedIpRanges[0]: '172.16.0.0/12' includes private")


def test_an_address_and_its_slash_32_are_one_rule():
    [problem] = spec_problems(spec(2, extra="openai:\n  allowedIpRanges: [203.0.113.9, 203.0.113.9/32]\n"))
    assert problem.startswith("spec.yaml:14:34: openai.allowedIpRanges[1]: '203.0.113.9' is the same rule as "
                              "openai.allowedIpRanges[0]")


# ---------------------------------------------------------------------------------------------------------------------
# API Management's subnet must hold its capacity (Learn: API Management virtual network injection resources)


@pytest.mark.parametrize("prefix, units", [(29, 1), (28, 5), (27, 13), (26, 29)])
def test_api_management_units_per_subnet_size(prefix, units):
    from azoai_gen.addressing import api_management_min_prefix, api_management_units

    assert api_management_units(prefix) == units
    assert api_management_min_prefix(units) == prefix
    assert api_management_min_prefix(units + 1) == prefix - 1


def test_a_subnet_too_small_for_the_capacity_is_a_located_error():
    text = tier5(extra="apiManagement:\n  capacity: 6\n", network={0: "apiManagementSubnet: 10.100.2.0/29"})
    [problem] = spec_problems(text)
    assert problem.startswith("spec.yaml:8:28: regions[0].network.apiManagementSubnet: the API Management subnet "
                              "10.100.2.0/29 holds 1 scale unit, but apiManagement.capacity is 6 in every region: "
                              "it needs a /27 or larger")
    assert "hint: use a /27" in problem


def test_a_subnet_that_holds_the_capacity_passes():
    text = tier5(extra="apiManagement:\n  capacity: 5\n", network={0: "apiManagementSubnet: 10.100.2.0/28"})
    assert render_files(text)["modules/apim.bicep"]


# ---------------------------------------------------------------------------------------------------------------------
# Parallel updates of one VNet (AVM issues on AnotherOperationInProgress; virtual network peering)


def test_peerings_of_one_vnet_run_one_after_the_other():
    peerings = bicep_resources(render_files(tier5(3))["modules/peering.bicep"],
                               "Microsoft.Network/virtualNetworks/virtualNetworkPeerings")
    by_vnet: dict = {}
    for peering in peerings:
        by_vnet.setdefault(peering.body["parent"], []).append(peering)
    assert len(by_vnet) == 3
    for chain in by_vnet.values():
        assert "dependsOn" not in chain[0].body
        for before, after in zip(chain, chain[1:]):
            assert after.body["dependsOn"] == [Reference(before.symbol)]


def test_api_management_waits_for_the_peerings_and_the_dns_links():
    declarations = bicep_declarations(render_files(tier5())["main.bicep"])
    assert declarations["apiManagement"].body["dependsOn"] == [Reference("peering"), Reference("dns")]
    assert declarations["peering"].body["dependsOn"] == [Reference("dns")]


# ---------------------------------------------------------------------------------------------------------------------
# The gateway's telemetry (Learn: API Management and Application Insights; emit token metric policy)


def _apim_declarations():
    return bicep_declarations(render_files(tier5())["modules/apim.bicep"])


def test_token_metrics_keep_their_dimensions():
    apim = render_files(tier5())["modules/apim.bicep"]
    properties = _apim_declarations()["appInsights"].body["properties"]
    assert properties["CustomMetricsOptedInType"] == "WithDimensions"
    # The property is not in the published types: the suppression sits on the line before it, with the reason above.
    lines = apim.splitlines()
    index = lines.index("    CustomMetricsOptedInType: 'WithDimensions'")
    assert lines[index - 1].strip() == "#disable-next-line BCP037" and lines[index - 2].strip().startswith("//")


def test_the_logger_uses_a_connection_string_and_the_gateway_identity():
    declarations = _apim_declarations()
    logger = declarations["logger"].body
    assert logger["properties"]["credentials"] == {
        "connectionString": Reference("appInsights.properties.ConnectionString"), "identityClientId": "SystemAssigned"}
    assert "instrumentationKey" not in str(logger)
    assert logger["dependsOn"] == [Reference("gatewayMetricsPublisher")]
    assert declarations["appInsights"].body["properties"]["DisableLocalAuth"] is True
    grant = declarations["gatewayMetricsPublisher"].body
    assert grant["scope"] == Reference("appInsights")
    assert grant["properties"]["principalId"] == Reference("apim.identity.principalId")
    assert "3913510d-42f4-4e42-8a64-420c390055eb" in str(grant["properties"]["roleDefinitionId"])  # Metrics Publisher


# ---------------------------------------------------------------------------------------------------------------------
# Wording and leftovers


def test_tier_5_says_callers_send_a_subscription_key():
    readme = render_files(tier5())["README.md"]
    posture = readme.split("## Security posture", 1)[1].split("##", 1)[0]
    assert "subscription key" in posture and "callers authenticate with Microsoft Entra ID" not in posture


def test_tier_5_declares_no_principals_parameter_it_would_not_use():
    text = tier5(extra="access:\n  principals:\n    - objectId: 00000000-0000-0000-0000-000000000001\n")
    files = render_files(text)
    assert "principals" not in bicep_declarations(files["main.bicep"]) and "param principals" not in files["main.bicep"]
    assert "principals" not in parse_bicepparam(files["main.bicepparam"])


def test_a_spec_value_naming_an_azure_host_suppresses_the_env_url_lint_on_its_line():
    text = spec(3, extra="openai:\n  restrictOutboundNetworkAccess: true\n"
                         "  allowedFqdns: [mystorage.blob.core.windows.net, api.example.com]\n")
    lines = render_files(text)["main.bicepparam"].splitlines()
    index = lines.index("  'mystorage.blob.core.windows.net'")
    assert lines[index - 1] == "  #disable-next-line no-hardcoded-env-urls"
    assert lines[index - 2].startswith("  // A value from the spec")
    assert lines[lines.index("  'api.example.com'") - 1] == "  'mystorage.blob.core.windows.net'"
    assert parse_bicepparam("\n".join(lines))["openaiAllowedFqdns"] == ["mystorage.blob.core.windows.net",
                                                                        "api.example.com"]


def test_the_readme_explains_what_if_noise_on_peerings():
    assert "what-if` lists the VNet peerings as modified" in render_files(tier5())["README.md"]
    assert "peerings as modified" not in render_files(spec(3))["README.md"]


# ---------------------------------------------------------------------------------------------------------------------
# The WAF and prompts (Learn: Front Door WAF exclusion lists; DRS rule groups; WAF rule set support policy)


def test_the_waf_uses_the_newest_default_rule_set_and_skips_prompt_fields_where_rules_misfire():
    frontdoor = render_files(tier4())["modules/frontdoor.bicep"]
    declarations = bicep_declarations(frontdoor)
    default, bots = declarations["wafPolicy"].body["properties"]["managedRules"]["managedRuleSets"]
    assert (default["ruleSetType"], default["ruleSetVersion"], default["ruleSetAction"]) == (
        "Microsoft_DefaultRuleSet", "2.2", "Block")
    groups = {group["ruleGroupName"]: group["exclusions"] for group in default["ruleGroupOverrides"]}
    assert {"SQLI", "XSS", "RCE", "LFI", "PHP"} <= set(groups)
    assert set(map(str, groups.values())) == {str(Reference("promptExclusions"))}
    exclusions, _ = bicep_var(frontdoor, "promptExclusions")
    assert {(e["selectorMatchOperator"], e["selector"]) for e in exclusions} >= {
        ("StartsWith", "messages"), ("StartsWith", "prompt"), ("StartsWith", "input")}
    assert {e["matchVariable"] for e in exclusions} == {"RequestBodyJsonArgNames"}
    assert "ruleGroupOverrides" not in bots


def test_standard_front_door_has_no_managed_rules_to_exclude_from():
    frontdoor = render_files(tier4(extra="frontDoor:\n  sku: Standard_AzureFrontDoor\n"))["modules/frontdoor.bicep"]
    assert "promptExclusions" not in frontdoor


def test_the_readme_explains_how_to_tune_the_waf():
    readme = render_files(tier4())["README.md"]
    assert "**The WAF and prompts.**" in readme and "frontDoor.waf.mode: Detection" in readme
    assert "FrontDoorWebApplicationFirewallLog" in readme and "`messages`" in readme


# ---------------------------------------------------------------------------------------------------------------------
# Token limits are counted by each regional gateway (Learn: azure-openai-token-limit, "tracks token usage
# independently at each gateway ... doesn't aggregate token counts across the entire instance")


def _token_limit(text: str) -> str:
    return _policy(text).find("inbound").find("azure-openai-token-limit").get("tokens-per-minute")


def test_each_gateway_allows_the_limit_by_default_and_the_readme_says_what_that_means():
    text = tier5(3, extra="apiManagement:\n  tokensPerMinute: 30000\n")
    assert _token_limit(text) == "30000"
    readme = render_files(text)["README.md"]
    assert "**Token limits are per regional gateway.**" in readme
    assert "can use up to 3 times that" in readme


def test_split_shares_the_limit_between_the_regions():
    text = tier5(3, extra="apiManagement:\n  tokensPerMinute: 30000\n  tokenLimitAcrossRegions: split\n")
    assert _token_limit(text) == "10000"
    assert "never uses more than 30000 in total" in render_files(text)["README.md"]


# ---------------------------------------------------------------------------------------------------------------------
# Tier 1's Key Vault admits the callers its README describes (Learn: Key Vault trusted services, "App Service is
# trusted only for deploying Azure Web App certificates"; App Service Key Vault references and network-restricted vaults)


def _vault(text: str) -> dict:
    return bicep_declarations(render_files(text)["modules/keyvault.bicep"])["vault"].body["properties"]


def test_tier_1_vault_admits_app_service_key_vault_references_by_default():
    files = render_files(spec(1))
    assert _vault(spec(1))["networkAcls"]["defaultAction"] == "Allow"
    readme = files["README.md"]
    assert "Key Vault reference" in readme and "Azure RBAC decides who reads the key" in readme
    assert "CKV_AZURE_109:" in files["modules/keyvault.bicep"]


def test_listing_addresses_narrows_the_vault_and_says_what_callers_then_need():
    text = spec(1, extra="keyVault:\n  allowedIpRanges: [203.0.113.0/24]\n")
    acls = _vault(text)["networkAcls"]
    assert acls["defaultAction"] == "Deny" and acls["bypass"] == "AzureServices"
    files = render_files(text)
    assert "CKV_AZURE_109" not in files["modules/keyvault.bicep"]
    assert "their Key Vault references fail unless those addresses" in files["README.md"]


# ---------------------------------------------------------------------------------------------------------------------
# Front Door Private Link regions (Learn: "Secure your origin with Private Link in Azure Front Door Premium")


def _linked(location: str, link_location: str = "", other: str = "swedencentral") -> str:
    extra = f"        location: {link_location}\n" if link_location else ""
    regions = "".join(f"  - location: {loc}\n    app:\n      hostName: {loc}.example.com\n      privateLink:\n"
                      f"        resourceId: /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/"
                      f"providers/Microsoft.Web/sites/{loc}\n        groupId: sites\n" + (extra if i == 0 else "")
                      for i, loc in enumerate((location, other)))
    return spec(4, regions=regions, extra="frontDoor:\n  origin: app\n")


def test_a_private_link_origin_in_a_region_without_front_door_private_link_is_a_located_error():
    [problem] = spec_problems(_linked("italynorth"))
    assert problem.startswith("spec.yaml:6:15: regions[0].location: Front Door Private Link is not offered in "
                              "italynorth")
    assert "hint: set app.privateLink.location to a region that offers it in Europe: francecentral" in problem


def test_the_private_link_location_can_name_a_region_that_offers_it():
    assert render_files(_linked("italynorth", "westeurope"))["modules/frontdoor.bicep"]
    [problem] = spec_problems(_linked("westeurope", "italynorth"))
    assert ": regions[0].app.privateLink.location: Front Door Private Link is not offered in italynorth" in problem


# ---------------------------------------------------------------------------------------------------------------------
# After an upgrade to tier 5, nothing in the network goes around the gateway


def test_in_tier_5_only_the_gateways_reach_the_private_endpoints():
    files = render_files(tier5(3))
    rules = _nsg_rules(files["modules/network.bicep"], "privateEndpointNsg")
    allow = rules["AllowGatewaysHttpsInbound"]
    assert (allow["access"], allow["destinationPortRange"], allow["sourceAddressPrefixes"]) == (
        "Allow", "443", Reference("gatewaySubnetPrefixes"))
    deny = rules["DenyVnetInbound"]
    assert (deny["access"], deny["sourceAddressPrefix"]) == ("Deny", "VirtualNetwork")
    assert allow["priority"] < deny["priority"] < 65000  # before Azure's default AllowVnetInBound
    assert "AllowVnetHttpsInbound" not in rules
    networks = [d for d in bicep_declarations(files["main.bicep"]).values() if d.type == "modules/network.bicep"]
    assert len(networks) == 3
    for module in networks:
        assert module.body["params"]["gatewaySubnetPrefixes"] == ["10.100.2.0/24", "10.100.6.0/24", "10.100.10.0/24"]


def test_in_tier_3_callers_in_the_network_reach_the_private_endpoints():
    rules = _nsg_rules(render_files(spec(3))["modules/network.bicep"], "privateEndpointNsg")
    assert rules["AllowVnetHttpsInbound"]["sourceAddressPrefix"] == "VirtualNetwork"
    assert "DenyVnetInbound" not in rules
