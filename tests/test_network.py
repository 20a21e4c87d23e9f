"""Tier 3: the address planner, network validation, bring-your-own network and DNS zones per account kind."""

from __future__ import annotations

import ipaddress
import json
import re

import pytest

from _support import (EXAMPLES, MINIMAL, SUB, Expression, Reference, bicep_declarations, bicep_resources, bicep_var,
                      design_of, render_path, unescape_bicep_literal,
                      parse_bicepparam, regions, render_files, spec, spec_problems, warnings_of)
from azoai_gen.addressing import ZONES, default_subnet

EXISTING_SUBNET = (f"/subscriptions/{SUB}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/"
                   "vnet-spoke/subnets/snet-pe")
EXISTING_VNET = EXISTING_SUBNET.rsplit("/subnets/", 1)[0]


def zone_id(name: str) -> str:
    return f"/subscriptions/{SUB}/resourceGroups/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/{name}"


ZONE = "Microsoft.Network/privateDnsZones"
LINK = "Microsoft.Network/privateDnsZones/virtualNetworkLinks"


def module_call(main: str, location: str):
    """The call of modules/private-endpoint.bicep for ``location`` in main.bicep."""
    calls = [d for d in bicep_declarations(main).values() if d.type == "modules/private-endpoint.bicep"
             and d.body["params"]["location"] == location]
    assert len(calls) == 1, calls
    return calls[0]


def resource_types(text: str) -> set[str]:
    return set(re.findall(r"^resource \w+ '([^@']+)@", text, re.M))


# ---------------------------------------------------------------------------------------------------------------------
# The planner


def planned(text: str):
    plan = design_of(text).plan
    assert plan.findings == []
    return plan.regions


def test_automatic_plan_gives_each_region_its_own_22_in_list_order():
    result = planned(spec(3, regions=regions("swedencentral", "francecentral", "westeurope")))
    assert [str(r.vnet) for r in result] == ["10.100.0.0/22", "10.100.4.0/22", "10.100.8.0/22"]
    assert [str(r.private_endpoint_subnet) for r in result] == ["10.100.0.0/24", "10.100.4.0/24", "10.100.8.0/24"]
    assert [str(r.workload_subnet) for r in result] == ["10.100.1.0/24", "10.100.5.0/24", "10.100.9.0/24"]


def test_adding_a_region_keeps_the_plan_of_existing_regions():
    two = planned(spec(3, regions=regions("swedencentral", "francecentral")))
    three = planned(spec(3, regions=regions("swedencentral", "francecentral", "westeurope")))
    assert [str(r.vnet) for r in three[:2]] == [str(r.vnet) for r in two]


def test_explicit_address_space_overrides_the_plan_for_that_region_only():
    text = spec(3, regions=regions("swedencentral", "francecentral", network={1: "addressSpace: 172.16.0.0/24"}))
    result = planned(text)
    assert str(result[0].vnet) == "10.100.0.0/22"
    assert str(result[1].vnet) == "172.16.0.0/24"
    # A VNet smaller than /22 is split in quarters: /26 subnets.
    assert (str(result[1].private_endpoint_subnet), str(result[1].workload_subnet)) == ("172.16.0.0/26",
                                                                                      "172.16.0.64/26")


def test_explicit_subnets_are_kept():
    net = "addressSpace: 10.9.0.0/16\nprivateEndpointSubnet: 10.9.8.0/27\nworkloadSubnet: 10.9.16.0/23"
    result = planned(spec(3, extra="", regions=regions("swedencentral", network={0: net})))
    assert (str(result[0].private_endpoint_subnet), str(result[0].workload_subnet)) == ("10.9.8.0/27", "10.9.16.0/23")


def test_custom_pool():
    result = planned(spec(3, regions=regions("swedencentral", "francecentral"),
                          extra="network:\n  addressSpace: 192.168.0.0/20\n"))
    assert [str(r.vnet) for r in result] == ["192.168.0.0/22", "192.168.4.0/22"]


@pytest.mark.parametrize("vnet, first, second", [
    ("10.0.0.0/16", "10.0.0.0/24", "10.0.1.0/24"),
    ("10.0.0.0/22", "10.0.0.0/24", "10.0.1.0/24"),
    ("10.0.0.0/24", "10.0.0.0/26", "10.0.0.64/26"),
    ("10.0.0.0/27", "10.0.0.0/29", "10.0.0.8/29"),
])
def test_default_subnets_are_quarters_capped_at_24(vnet, first, second):
    network = ipaddress.IPv4Network(vnet)
    assert (str(default_subnet(network, 0)), str(default_subnet(network, 1))) == (first, second)


def test_existing_subnet_region_has_no_vnet():
    text = spec(3, regions=regions("swedencentral", "francecentral",
                                   network={0: f"existingSubnetId: {EXISTING_SUBNET}"}))
    result = planned(text)
    assert result[0].vnet is None and result[0].existing_vnet_id == EXISTING_VNET
    # The second region still gets the second /22: positions never shift.
    assert str(result[1].vnet) == "10.100.4.0/22"


# ---------------------------------------------------------------------------------------------------------------------
# Validation errors, each with its line and column


def test_pool_too_small_for_the_regions():
    text = spec(3, regions=regions("swedencentral", "francecentral", "westeurope"),
                extra="network:\n  addressSpace: 10.100.0.0/21\n")
    assert spec_problems(text) == [
        "spec.yaml:16:17: network.addressSpace: network.addressSpace 10.100.0.0/21 has room for 2 regional /22 VNets;"
        " regions[2] (westeurope) needs one more\n"
        "    hint: use a larger range, or give the region its own network.addressSpace"]


def test_pool_smaller_than_one_region():
    text = spec(3, extra="network:\n  addressSpace: 10.100.0.0/24\n")
    assert spec_problems(text)[0].startswith("spec.yaml:14:17: network.addressSpace: network.addressSpace "
                                             "10.100.0.0/24 has room for 0 regional /22 VNets")


def test_overlapping_vnets_name_both_ranges_and_their_origin():
    text = spec(3, regions=regions("swedencentral", "francecentral", network={1: "addressSpace: 10.100.2.0/24"}))
    assert spec_problems(text) == [
        "spec.yaml:9:21: regions[1].network.addressSpace: VNet 10.100.2.0/24 (regions[1].network.addressSpace) "
        "overlaps VNet 10.100.0.0/22 (automatic /22 number 1 of network.addressSpace)\n"
        "    hint: give every VNet its own range: peered or connected networks cannot overlap"]


def test_overlapping_explicit_vnets():
    text = spec(3, regions=regions("swedencentral", "francecentral",
                                   network={0: "addressSpace: 10.1.0.0/16", 1: "addressSpace: 10.1.128.0/20"}))
    [problem] = spec_problems(text)
    assert problem.startswith("spec.yaml:11:21: regions[1].network.addressSpace: VNet 10.1.128.0/20 "
                              "(regions[1].network.addressSpace) overlaps VNet 10.1.0.0/16 "
                              "(regions[0].network.addressSpace)")


def test_host_bits_set():
    text = spec(3, regions=regions("swedencentral", network={0: "addressSpace: 10.1.0.1/24"}))
    assert spec_problems(text) == [
        "spec.yaml:8:21: regions[0].network.addressSpace: '10.1.0.1/24' has host bits set\n"
        "    hint: did you mean '10.1.0.0/24'?"]


def test_not_a_cidr():
    text = spec(3, regions=regions("swedencentral", network={0: "addressSpace: 10.1.0.300/24"}))
    [problem] = spec_problems(text)
    assert problem.startswith("spec.yaml:8:21: regions[0].network.addressSpace: '10.1.0.300/24' is not an IPv4 "
                              "CIDR range")


def test_cidr_syntax_is_checked_by_the_schema():
    text = spec(3, regions=regions("swedencentral", network={0: "addressSpace: 10.1.0.0"}))
    [problem] = spec_problems(text)
    assert problem.startswith("spec.yaml:8:21: regions[0].network.addressSpace: '10.1.0.0' is not valid here")


def test_subnet_outside_its_vnet():
    net = "addressSpace: 10.1.0.0/24\nworkloadSubnet: 10.2.0.0/26"
    assert spec_problems(spec(3, regions=regions("swedencentral", network={0: net}))) == [
        "spec.yaml:9:23: regions[0].network.workloadSubnet: the workload subnet 10.2.0.0/26 "
        "(regions[0].network.workloadSubnet) is outside the VNet 10.1.0.0/24 (regions[0].network.addressSpace)"]


def test_subnets_overlap_each_other():
    net = "addressSpace: 10.1.0.0/24\nprivateEndpointSubnet: 10.1.0.0/25\nworkloadSubnet: 10.1.0.64/26"
    [problem] = spec_problems(spec(3, regions=regions("swedencentral", network={0: net})))
    assert problem.startswith("spec.yaml:10:23: regions[0].network.workloadSubnet: subnet 10.1.0.64/26 "
                              "(regions[0].network.workloadSubnet) overlaps subnet 10.1.0.0/25")


def test_subnet_smaller_than_azure_allows():
    net = "addressSpace: 10.1.0.0/24\nprivateEndpointSubnet: 10.1.0.0/30"
    assert spec_problems(spec(3, regions=regions("swedencentral", network={0: net}))) == [
        "spec.yaml:9:30: regions[0].network.privateEndpointSubnet: the private endpoint subnet 10.1.0.0/30 is too "
        "small: /29 is Azure's smallest subnet"]


@pytest.mark.parametrize("delegation, prefix, minimum", [("Microsoft.App/environments", 28, 27),
                                                         ("Microsoft.Web/serverFarms", 29, 28)])
def test_workload_subnet_too_small_for_its_delegation(delegation, prefix, minimum):
    net = f"addressSpace: 10.1.0.0/24\nworkloadSubnet: 10.1.0.128/{prefix}"
    text = spec(3, regions=regions("swedencentral", network={0: net}),
                extra=f"network:\n  workloadSubnetDelegation: {delegation}\n")
    assert spec_problems(text) == [
        f"spec.yaml:9:23: regions[0].network.workloadSubnet: the workload subnet 10.1.0.128/{prefix} is too small: "
        f"/{minimum} is the minimum for {delegation}"]


def test_vnet_too_small_for_default_subnets():
    [problem] = spec_problems(spec(3, regions=regions("swedencentral", network={0: "addressSpace: 10.1.0.0/28"})))
    assert problem.startswith("spec.yaml:8:21: regions[0].network.addressSpace: the VNet 10.1.0.0/28 of "
                              "swedencentral is too small for the default subnets")


def test_existing_subnet_cannot_be_combined_with_an_address_plan():
    net = f"existingSubnetId: {EXISTING_SUBNET}\naddressSpace: 10.1.0.0/24"
    assert spec_problems(spec(3, regions=regions("swedencentral", network={0: net}))) == [
        "spec.yaml:9:7: regions[0].network.addressSpace: addressSpace cannot be combined with existingSubnetId\n"
        "    hint: with an existing subnet no VNet is created in this region"]


def test_existing_subnet_must_be_a_subnet_id():
    net = f"existingSubnetId: {EXISTING_VNET}"
    [problem] = spec_problems(spec(3, regions=regions("swedencentral", network={0: net})))
    assert problem.startswith("spec.yaml:8:25: regions[0].network.existingSubnetId: not a subnet resource ID")


def test_central_zone_must_be_the_right_zone():
    extra = f"network:\n  privateDnsZoneIds:\n    openai: {zone_id('privatelink.vaultcore.azure.net')}\n"
    assert spec_problems(spec(3, extra=extra)) == [
        "spec.yaml:15:13: network.privateDnsZoneIds.openai: this is the zone 'privatelink.vaultcore.azure.net', "
        "but openai needs 'privatelink.openai.azure.com'"]


def test_central_zone_must_be_a_zone_id():
    extra = f"network:\n  privateDnsZoneIds:\n    openai: {EXISTING_SUBNET}\n"
    [problem] = spec_problems(spec(3, extra=extra))
    assert problem.startswith("spec.yaml:15:13: network.privateDnsZoneIds.openai: not a private DNS zone resource ID")


def test_all_network_problems_are_reported_together_in_line_order():
    text = spec(3, regions=regions("swedencentral", "francecentral",
                                   network={0: "addressSpace: 10.1.0.1/24", 1: "addressSpace: 10.2.0.0/30"}))
    found = spec_problems(text)
    assert [p.split(":")[1] for p in found] == ["8", "11"]
    assert "too small for the default subnets" in found[1]


def test_network_settings_are_ignored_with_a_warning_below_tier_3():
    spec_text = spec(2, regions=regions("swedencentral", network={0: "addressSpace: 10.1.0.0/24"}))
    warnings = warnings_of(spec_text)
    assert any(w.startswith("spec.yaml:7:5: regions[0].network: ignored: tier 2 has no private network")
               for w in warnings)


def test_public_vnet_range_is_a_warning():
    spec_text = spec(3, regions=regions("swedencentral", network={0: "addressSpace: 20.1.0.0/24"}))
    [warning] = warnings_of(spec_text)
    assert warning.startswith("spec.yaml:8:21: regions[0].network.addressSpace: the VNet range 20.1.0.0/24 of "
                              "swedencentral is not a private (RFC 1918) range")


# ---------------------------------------------------------------------------------------------------------------------
# Rendering


def test_minimal_tier3_renders_a_complete_private_network():
    out = render_files(spec(3))
    assert set(out) >= {"modules/network.bicep", "modules/dns.bicep", "modules/openai.bicep"}
    network = out["modules/network.bicep"]
    assert resource_types(network) == {"Microsoft.Network/networkSecurityGroups", "Microsoft.Network/virtualNetworks",
                                       "Microsoft.Network/virtualNetworks/subnets"}
    [vnet] = bicep_resources(network, "Microsoft.Network/virtualNetworks")
    subnets = vnet.body["properties"]["subnets"]
    assert len(subnets) == 2 and all(s["properties"]["defaultOutboundAccess"] is False for s in subnets)
    # The deny rule is on both NSGs.
    nsgs = bicep_resources(network, "Microsoft.Network/networkSecurityGroups")
    assert len(nsgs) == 2
    assert all(Reference("denyInternetInbound") in nsg.body["properties"]["securityRules"] for nsg in nsgs)
    deny, _ = bicep_var(network, "denyInternetInbound")
    assert (deny["properties"]["sourceAddressPrefix"], deny["properties"]["access"]) == ("Internet", "Deny")
    openai = out["modules/openai.bicep"]
    [account] = bicep_resources(openai, "Microsoft.CognitiveServices/accounts")
    assert account.body["properties"]["publicNetworkAccess"] == "Disabled"
    assert account.body["properties"]["networkAcls"]["defaultAction"] == "Deny"
    assert account.body["properties"]["disableLocalAuth"] is True
    assert "checkov:skip" not in openai  # CKV_AZURE_134 and CKV_AZURE_236 pass on their own
    [endpoint] = bicep_resources(out["modules/private-endpoint.bicep"], "Microsoft.Network/privateEndpoints")
    [connection] = endpoint.body["properties"]["privateLinkServiceConnections"]
    assert connection["properties"]["privateLinkServiceId"] == Reference("accountId")
    assert connection["properties"]["groupIds"] == ["account"]
    assert endpoint.body["properties"]["subnet"]["id"] == Reference("subnetId")
    main = out["main.bicep"]
    params = bicep_declarations(main)["networkSwedencentral"].body["params"]
    assert (params["addressSpace"], params["privateEndpointSubnetPrefix"], params["workloadSubnetPrefix"]) == (
        "10.100.0.0/22", "10.100.0.0/24", "10.100.1.0/24")
    assert "output workloadSubnetIds object" in main


def test_every_vnet_is_linked_to_every_zone():
    out = render_files(spec(3, regions=regions("swedencentral", "francecentral"),
                            extra="openai:\n  kind: AIServices\n"))
    dns = out["modules/dns.bicep"]
    zones = bicep_resources(dns, ZONE)
    links = bicep_resources(dns, LINK)
    assert len(zones) == 3 and len(links) == 6
    assert all(link.body["properties"]["registrationEnabled"] is False for link in links)
    linked = {(link.body["parent"].path, link.body["properties"]["virtualNetwork"]["id"].path) for link in links}
    assert linked == {(zone.symbol, f"virtualNetworkIds.{location}") for zone in zones
                      for location in ("swedencentral", "francecentral")}


@pytest.mark.parametrize("kind, zones", [
    ("OpenAI", ["privatelink.openai.azure.com"]),
    ("AIServices", ["privatelink.cognitiveservices.azure.com", "privatelink.openai.azure.com",
                    "privatelink.services.ai.azure.com"]),
])
def test_dns_zones_for_each_account_kind(kind, zones):
    out = render_files(spec(3, extra=f"openai:\n  kind: {kind}\n"))
    created = [zone.body["name"] for zone in bicep_resources(out["modules/dns.bicep"], ZONE)]
    assert sorted(created) == zones
    configs = re.findall(r"privateDnsZoneId: privateDnsZoneIds\.(\w+)", out["modules/private-endpoint.bicep"])
    assert sorted(ZONES[key] for key in configs) == zones


def test_existing_subnet_creates_no_vnet():
    text = spec(3, regions=regions("swedencentral", network={0: f"existingSubnetId: {EXISTING_SUBNET}"}))
    out = render_files(text)
    assert "modules/network.bicep" not in out
    assert "module networkSwedencentral" not in out["main.bicep"]
    assert module_call(out["main.bicep"], "swedencentral").body["params"]["subnetId"] == EXISTING_SUBNET
    # The new zone is linked to the existing VNet.
    assert f"swedencentral: '{EXISTING_VNET}'" in out["main.bicep"]
    assert "subnets/join/action" in out["README.md"]


def test_central_zones_create_no_zone_and_no_link():
    extra = f"network:\n  privateDnsZoneIds:\n    openai: {zone_id('privatelink.openai.azure.com')}\n"
    out = render_files(spec(3, extra=extra))
    assert "modules/dns.bicep" not in out
    assert "privateDnsZones" not in out["main.bicep"].replace(zone_id("privatelink.openai.azure.com"), "")
    assert f"openai: '{zone_id('privatelink.openai.azure.com')}'" in out["main.bicep"]
    assert "modules/network.bicep" in out  # mixed: new VNet, central zone
    assert "privateDnsZones/join/action" in out["README.md"]


def test_mixed_central_and_new_zones():
    extra = ("openai:\n  kind: AIServices\nnetwork:\n  privateDnsZoneIds:\n"
             f"    openai: {zone_id('privatelink.openai.azure.com')}\n")
    out = render_files(spec(3, extra=extra))
    created = [zone.body["name"] for zone in bicep_resources(out["modules/dns.bicep"], ZONE)]
    assert created == ["privatelink.cognitiveservices.azure.com", "privatelink.services.ai.azure.com"]
    main = out["main.bicep"]
    assert "cognitiveServices: dns.outputs.cognitiveServicesZoneId" in main
    assert f"openai: '{zone_id('privatelink.openai.azure.com')}'" in main


def test_fully_bring_your_own_network_creates_neither_vnet_nor_zone():
    extra = f"network:\n  privateDnsZoneIds:\n    openai: {zone_id('privatelink.openai.azure.com')}\n"
    text = spec(3, regions=regions("swedencentral", network={0: f"existingSubnetId: {EXISTING_SUBNET}"}), extra=extra)
    out = render_files(text)
    everything = "".join(out.values())
    assert "'Microsoft.Network/virtualNetworks@" not in everything
    assert "'Microsoft.Network/privateDnsZones@" not in everything
    assert "'Microsoft.Network/privateEndpoints@" in out["modules/private-endpoint.bicep"]


# ---------------------------------------------------------------------------------------------------------------------
# Private endpoints in the subscription and region of their VNet

#: A subnet in a subscription other than the tests' SUB.
OTHER_SUB = "33333333-3333-3333-3333-333333333333"
REMOTE_SUBNET = (f"/subscriptions/{OTHER_SUB}/resourceGroups/rg-spoke-remote/providers/Microsoft.Network/"
                 "virtualNetworks/vnet-spoke-remote/subnets/snet-pe")
_SCOPE = re.compile(r"^resourceGroup\(('(?:[^'\\]|\\.)*'), ('(?:[^'\\]|\\.)*')\)$")


def scope_of(call) -> tuple[str, str] | None:
    """The (subscription ID, resource group) a module call is scoped to, or ``None`` for the deployment's group."""
    if "scope" not in call.body:
        return None
    assert isinstance(call.body["scope"], Expression), call.body["scope"]
    match = _SCOPE.match(call.body["scope"].text)
    assert match, call.body["scope"]
    return unescape_bicep_literal(match.group(1)), unescape_bicep_literal(match.group(2))


def test_the_subscription_and_group_are_read_from_the_subnet_id():
    from azoai_gen.ids import resource_group_of

    assert resource_group_of(REMOTE_SUBNET) == (OTHER_SUB, "rg-spoke-remote")
    # Segment names are case-insensitive in Azure; the values are kept as written.
    assert resource_group_of(REMOTE_SUBNET.replace("/resourceGroups/", "/RESOURCEGROUPS/")
                             .replace("rg-spoke-remote", "RG-Spoke")) == (OTHER_SUB, "RG-Spoke")
    assert resource_group_of(f"/subscriptions/{OTHER_SUB}/resourceGroups/rg") is None
    assert resource_group_of("rg-spoke-remote") is None


def test_an_existing_subnets_private_endpoint_is_deployed_in_the_subnets_subscription_and_group():
    path = EXAMPLES / "tier3-byo-network.yaml"
    out = render_path(path)
    design = design_of(path.read_text(encoding="utf-8"))
    call = module_call(out["main.bicep"], "swedencentral")
    assert scope_of(call) == ("11111111-1111-1111-1111-111111111111", "rg-spoke-claims")
    params = call.body["params"]
    assert params["subnetId"] == design.spec.regions[0].network.existing_subnet_id
    assert params["location"] == "swedencentral"  # the region of the spec's entry, which is the VNet's
    assert params["accountId"] == Reference("openaiSwedencentral.outputs.resourceId")
    assert params["name"] == "pep-oai-claims-prod-sdc"
    # The nested deployment's name comes from the namer, so the name rules check it.
    assert call.body["name"] == "claims-prod-pep-swedencentral"
    assert ("deployment", call.body["name"]) in {(n.rule, n.stem) for n in design.names}
    # The account module no longer creates the endpoint; the endpoint module creates it and its zone group.
    assert bicep_resources(out["modules/openai.bicep"], "Microsoft.Network/privateEndpoints") == []
    [endpoint] = bicep_resources(out["modules/private-endpoint.bicep"], "Microsoft.Network/privateEndpoints")
    [group] = bicep_resources(out["modules/private-endpoint.bicep"],
                              "Microsoft.Network/privateEndpoints/privateDnsZoneGroups")
    assert (endpoint.body["location"], group.body["parent"]) == (Reference("location"), Reference("privateEndpoint"))


def test_created_and_existing_subnets_mixed():
    out = render_files(spec(3, regions=regions("swedencentral", "francecentral",
                                               network={1: f"existingSubnetId: {REMOTE_SUBNET}"})))
    main = out["main.bicep"]
    created, existing = module_call(main, "swedencentral"), module_call(main, "francecentral")
    # A VNet created here is in the deployment's resource group, and so is its endpoint.
    assert scope_of(created) is None
    assert created.body["params"]["subnetId"] == Reference("networkSwedencentral.outputs.privateEndpointSubnetId")
    assert scope_of(existing) == (OTHER_SUB, "rg-spoke-remote")
    assert existing.body["params"]["subnetId"] == REMOTE_SUBNET
    readme = " ".join(out["README.md"].split())
    assert f"subscription `{OTHER_SUB}` and resource group `rg-spoke-remote`" in readme
    assert "`claims-prod-pep-francecentral`" in readme and "`claims-prod-pep-swedencentral`" not in readme


@pytest.mark.parametrize("text", [spec(3, regions=regions("swedencentral", "francecentral")),
                                  spec(3, regions=regions("swedencentral", network={0: f"existingSubnetId: "
                                                                                       f"{REMOTE_SUBNET}"})),
                                  spec(5, regions=regions("swedencentral", "francecentral"))],
                         ids=["created", "existing", "tier5"])
def test_every_private_endpoint_waits_for_its_accounts_model_deployments(text):
    """A private endpoint created while the account is still Accepted (a model deployment running) fails with
    AccountProvisioningStateInvalid. The endpoint takes the account's ID from the account module's output, which
    exists only once that module, its deployments loop included, has finished."""
    out = render_files(text)
    main = out["main.bicep"]
    declarations = bicep_declarations(main)
    accounts = {d.symbol for d in declarations.values() if d.type == "modules/openai.bicep"}
    endpoints = [d for d in declarations.values() if d.type == "modules/private-endpoint.bicep"]
    assert len(endpoints) == len(accounts)
    assert {d.body["params"]["accountId"] for d in endpoints} == {Reference(f"{a}.outputs.resourceId")
                                                                   for a in accounts}
    openai = bicep_declarations(out["modules/openai.bicep"])
    assert openai["deployments"].body.body["parent"] == Reference("account")
    assert re.search(r"^output resourceId string = account\.id$", out["modules/openai.bicep"], re.M)
    assert "privateEndpoint" not in openai


def test_readme_names_what_the_platform_team_grants_in_the_subnets_subscription():
    readme = render_path(EXAMPLES / "tier3-byo-network.yaml")["README.md"]
    section = readme.split("### What the platform team provides", 1)[1].split("\n## ", 1)[0]
    words = " ".join(section.split())
    for text in ("subscription `11111111-1111-1111-1111-111111111111` and resource group `rg-spoke-claims`",
                 "`Microsoft.Network/virtualNetworks/subnets/join/action` on the subnet",
                 "`Microsoft.Network/privateEndpoints/write` and `Microsoft.Resources/deployments/*` on the resource "
                 "group `rg-spoke-claims`",
                 "Network Contributor on that resource group", "`Microsoft.Network/privateDnsZones/join/action`"):
        assert text in words, text


def test_workload_subnet_delegation_is_rendered():
    out = render_files(spec(3, extra="network:\n  workloadSubnetDelegation: Microsoft.App/environments\n"))
    assert "serviceName: 'Microsoft.App/environments'" in out["modules/network.bicep"]
    assert "delegations" not in render_files(spec(3))["modules/network.bicep"]


def test_egress_lock():
    extra = "openai:\n  restrictOutboundNetworkAccess: true\n  allowedFqdns:\n    - srch-claims.search.windows.net\n"
    out = render_files(spec(3, extra=extra))
    [account] = bicep_resources(out["modules/openai.bicep"], "Microsoft.CognitiveServices/accounts")
    assert account.body["properties"]["restrictOutboundNetworkAccess"] is True
    assert account.body["properties"]["allowedFqdnList"] == Reference("allowedFqdns")
    assert parse_bicepparam(out["main.bicepparam"])["openaiAllowedFqdns"] == ["srch-claims.search.windows.net"]
    assert "restrictOutboundNetworkAccess" not in render_files(spec(3))["modules/openai.bicep"]


def test_raising_tier_2_to_3_keeps_the_account_name():
    two = render_files(spec(2))["main.bicep"]
    three = render_files(spec(3))["main.bicep"]
    name = "name: 'oai-claims-prod-sdc-${nameSuffix}'"
    assert name in two and name in three


def test_readme_explains_private_access():
    readme = render_files(spec(3))["README.md"]
    assert "VNet integration" in readme
    assert "playground" in readme
    assert "nslookup" in readme


def test_manifest_records_vnet_ranges_so_a_replan_is_refused():
    manifest = json.loads(render_files(spec(3))["azoai-gen.manifest.json"])
    assert manifest["names"]["vnet/swedencentral"] == "vnet-claims-prod-sdc 10.100.0.0/22"


def test_minimal_spec_renders_for_tier_3():
    assert "modules/network.bicep" in render_files(MINIMAL.replace("tier: 1", "tier: 3"))
