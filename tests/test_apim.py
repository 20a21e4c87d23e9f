"""Tier 5: peering, DNS links, API Management backends and pools, the policy XML, Front Door wiring, validation and
ARM template limits."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from _support import (EXAMPLES, LOCATIONS, SUB, TEMPLATES, Expression, Reference, bicep_declarations, bicep_resources,
                      bicep_var, compiled_usage, design_of, regional_spec, render_files, render_path, spec,
                      spec_problems, tier5, warnings_of)
from azoai_gen import limits
from azoai_gen.design.apim import CIPHER_PROPERTY, WEAK_CIPHERS, backend_pools

DISPLAY = {"swedencentral": "Sweden Central", "francecentral": "France Central",
           "germanywestcentral": "Germany West Central", "norwayeast": "Norway East",
           "switzerlandnorth": "Switzerland North", "uksouth": "UK South"}
PEERING = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings"
BACKEND = "Microsoft.ApiManagement/service/backends"


def policy(text: str) -> ET.Element:
    return ET.fromstring(render_files(text)["policies/openai-api.xml"])


# ---------------------------------------------------------------------------------------------------------------------
# Peering and DNS


@pytest.mark.parametrize("count", [2, 3, 6])
def test_peering_matrix_is_a_full_mesh_in_both_directions(count):
    text = tier5(count)
    vnet_names = {r.location: r.network.vnet_name for r in design_of(text).regions}
    declarations = bicep_declarations(render_files(text)["modules/peering.bicep"])
    peerings = [d.body for d in declarations.values() if d.type == PEERING]
    pairs = []
    for peering in peerings:
        source, target = re.fullmatch(r"peer-(\w+)-to-(\w+)", peering["name"]).groups()
        pairs.append((source, target))
        parent = declarations[peering["parent"].path]
        assert parent.existing and parent.body["name"] == vnet_names[source]
        properties = peering["properties"]
        assert properties["remoteVirtualNetwork"]["id"] == Reference(f"virtualNetworkIds.{target}")
        assert properties["allowVirtualNetworkAccess"] is True and properties["useRemoteGateways"] is False
    expected = {(a, b) for a in LOCATIONS[:count] for b in LOCATIONS[:count] if a != b}
    assert set(pairs) == expected and len(pairs) == count * (count - 1)


def test_every_vnet_including_the_gateways_resolves_the_private_endpoints():
    out = render_files(tier5(3))
    links = bicep_resources(out["modules/dns.bicep"], "Microsoft.Network/privateDnsZones/virtualNetworkLinks")
    assert sorted(link.body["properties"]["virtualNetwork"]["id"].path for link in links) == sorted(
        f"virtualNetworkIds.{location}" for location in LOCATIONS[:3])
    # The gateway lives in the same regional VNet as the private endpoint subnet.
    [vnet] = bicep_resources(out["modules/network.bicep"], "Microsoft.Network/virtualNetworks")
    assert {"snet-apim", "snet-private-endpoints"} <= {s["name"] for s in vnet.body["properties"]["subnets"]}


def test_api_management_subnet_and_its_nsg():
    out = render_files(tier5())
    declarations = bicep_declarations(out["modules/network.bicep"])
    [subnet] = [s for s in declarations["vnet"].body["properties"]["subnets"] if s["name"] == "snet-apim"]
    nsg = subnet["properties"]["networkSecurityGroup"]["id"].path.removesuffix(".id")
    rules = {r["name"]: r["properties"] for r in declarations[nsg].body["properties"]["securityRules"]
             if isinstance(r, dict)}
    for rule, source, port in [("AllowFrontDoorHttpsInbound", "AzureFrontDoor.Backend", "443"),
                               ("AllowApiManagementControlPlaneInbound", "ApiManagement", "3443"),
                               ("AllowAzureLoadBalancerInbound", "AzureLoadBalancer", "6390")]:
        assert (rules[rule]["sourceAddressPrefix"], rules[rule]["destinationPortRange"]) == (source, port), rule
        assert (rules[rule]["direction"], rules[rule]["access"]) == ("Inbound", "Allow"), rule
    main = bicep_declarations(out["main.bicep"])
    assert main["networkSwedencentral"].body["params"]["apiManagementSubnetPrefix"] == "10.100.2.0/24"


# ---------------------------------------------------------------------------------------------------------------------
# Backends and pools


@pytest.mark.parametrize("count", [2, 3, 6])
def test_backend_pool_order_puts_the_local_region_first(count):
    pools = design_of(tier5(count)).api_management.pools
    assert [pool.location for pool in pools] == LOCATIONS[:count]
    assert [home for home, _ in backend_pools(LOCATIONS[:count])] == LOCATIONS[:count]
    for home, pool in zip(LOCATIONS[:count], pools, strict=True):
        order = [s.backend for s in pool.services]
        assert order[0] == f"openai-{home}"
        assert order[1:] == [f"openai-{loc}" for loc in LOCATIONS[:count] if loc != home]
        assert [s.priority for s in pool.services] == list(range(1, count + 1))


def test_rendered_pools_and_circuit_breakers():
    api = render_files(tier5(3))["modules/apim-api.bicep"]
    backends = {b.body["name"]: b.body["properties"] for b in bicep_resources(api, BACKEND)}
    pools = {name: p for name, p in backends.items() if p["type"] == "Pool"}
    singles = {name: p for name, p in backends.items() if p["type"] == "Single"}
    assert list(pools) == [f"pool-{loc}" for loc in LOCATIONS[:3]]
    assert list(singles) == [f"openai-{loc}" for loc in LOCATIONS[:3]]
    assert [(s["id"], s["priority"]) for s in pools["pool-francecentral"]["pool"]["services"]] == [
        (Reference("backendFrancecentral.id"), 1), (Reference("backendSwedencentral.id"), 2),
        (Reference("backendGermanywestcentral.id"), 3)]
    assert singles["openai-swedencentral"]["url"] == Expression("'https://${openaiHostNames.swedencentral}/openai'")
    for backend in singles.values():
        [rule] = backend["circuitBreaker"]["rules"]
        assert rule["acceptRetryAfter"] is True
        assert {"min": 429, "max": 429} in rule["failureCondition"]["statusCodeRanges"]


def test_api_operations_cover_the_inference_endpoints():
    api = render_files(tier5())["modules/apim-api.bicep"]
    templates = re.findall(r"urlTemplate: '([^']+)'", api)
    for path in ("/deployments/{deployment-id}/chat/completions", "/deployments/{deployment-id}/completions",
                 "/deployments/{deployment-id}/embeddings", "/v1/responses"):
        assert path in templates
    assert "subscriptionRequired: true" in api
    assert "header: 'api-key'" in api
    assert "loadTextContent('../policies/openai-api.xml')" in api
    assert "scope: product.id" in api
    assert "listSecrets" not in api and "primaryKey" not in api


# ---------------------------------------------------------------------------------------------------------------------
# The policy


def test_policy_is_well_formed_and_complete():
    root = policy(tier5(3, extra="apiManagement:\n  tokensPerMinute: 25000\n"))
    inbound = root.find("inbound")
    header = inbound.find("check-header")
    assert header.get("name") == "X-Azure-FDID" and header.get("failed-check-httpcode") == "403"
    assert header.find("value").text == "{{front-door-id}}"
    limit = inbound.find("azure-openai-token-limit")
    assert limit.get("tokens-per-minute") == "25000" and limit.get("counter-key") == "@(context.Subscription.Id)"
    assert inbound.find("azure-openai-emit-token-metric") is not None
    auth = inbound.find("authentication-managed-identity")
    assert auth.get("resource") == "https://cognitiveservices.azure.com"
    whens = inbound.find("choose").findall("when")
    assert [w.get("condition") for w in whens] == [
        f'@(string.Equals(context.Deployment.Region, "{DISPLAY[loc]}", StringComparison.OrdinalIgnoreCase))'
        for loc in LOCATIONS[:3]]
    assert [w.find("set-backend-service").get("backend-id") for w in whens] == [f"pool-{loc}" for loc in LOCATIONS[:3]]
    retry = root.find("backend").find("retry")
    assert retry.get("condition") == ("@(context.Response != null && (context.Response.StatusCode == 429 || "
                                      "context.Response.StatusCode >= 500))")
    assert inbound.find("validate-azure-ad-token") is None
    # The pools the policy names exist in the Bicep.
    backends = {b.body["name"] for b in bicep_resources(render_files(tier5(3))["modules/apim-api.bicep"], BACKEND)}
    assert {when.find("set-backend-service").get("backend-id") for when in whens} <= backends


def test_oauth_validation_with_hostile_audience():
    audience = "api://x\"/><evil/>&'{front-door-id}} }}{ @x"
    extra = ("apiManagement:\n  oauth:\n    tenantId: 33333333-3333-3333-3333-333333333333\n"
             "    audiences:\n      - \"api://x\\\"/><evil/>&'{front-door-id}} }}{ @x\"\n")
    text = tier5(extra=extra)
    assert design_of(text).spec.api_management.oauth.audiences == (audience,)
    root = policy(text)
    token = root.find("inbound").find("validate-azure-ad-token")
    assert token.get("tenant-id") == "33333333-3333-3333-3333-333333333333"
    assert [a.text for a in token.find("audiences")] == [audience]
    assert root.find(".//evil") is None


def test_every_policy_template_expression_is_escaped():
    # apim: a literal the gateway neither substitutes nor evaluates; apim_named_value: a reference the design makes.
    # apim_expression: a policy expression the design wrote (a counter key, a metric dimension's value).
    allowed = {"apim", "apim_named_value", "apim_expression", "xml_comment"}
    for template in (TEMPLATES / "policies").rglob("*.j2"):
        for expression in re.findall(r"\{\{(.*?)\}\}", template.read_text(encoding="utf-8")):
            assert expression.strip().split("|")[-1].strip() in allowed, (template.name, expression)


# ---------------------------------------------------------------------------------------------------------------------
# API Management and Front Door


def test_api_management_is_classic_premium_multi_region_in_external_vnets():
    apim = render_files(tier5(3))["modules/apim.bicep"]
    [service] = bicep_resources(apim, "Microsoft.ApiManagement/service")
    properties = service.body["properties"]
    assert service.body["sku"]["name"] == "Premium"
    assert properties["virtualNetworkType"] == "External"
    additional = properties["additionalLocations"]
    assert [gateway["location"] for gateway in additional] == LOCATIONS[1:3]
    assert all(gateway["sku"]["name"] == "Premium" for gateway in additional)
    assert [g["virtualNetworkConfiguration"]["subnetResourceId"] for g in [properties, *additional]] == [
        Reference(f"subnetIds.{location}") for location in LOCATIONS[:3]]
    assert len(bicep_resources(apim, "Microsoft.Network/publicIPAddresses")) == 3
    assert properties["customProperties"] == {CIPHER_PROPERTY + cipher: "False" for cipher in WEAK_CIPHERS}
    assert "Protocols" not in apim  # SSL 3 / TLS 1.0 / TLS 1.1 keys are left out: off by default
    assert re.search(r"// checkov:skip=CKV_AZURE_174:Front Door reaches the gateway over its public address", apim)
    assert "type: 'SystemAssigned'" in apim
    assert "bytes: 0" in apim  # no bodies in the logs
    assert "replace(apim.properties.additionalLocations[1].gatewayRegionalUrl, 'https://', '')" in apim


def test_gateway_identity_is_the_only_caller_of_every_account():
    out = render_files(tier5())
    openai = out["modules/openai.bicep"]
    entries, concatenated = bicep_var(out["main.bicep"], "gatewayRoleAssignments")
    assert [e["principalId"] for e in entries] == [Reference("apiManagement.outputs.principalId")]
    assert concatenated == []
    assert "modules/identity.bicep" not in out
    assert "publicNetworkAccess: 'Disabled'" in openai and "disableLocalAuth: true" in openai
    assert "checkov:skip" not in openai
    # Nobody else gets a role on the accounts: the account module assigns none.
    assert bicep_resources(openai, "Microsoft.Authorization/roleAssignments") == []
    calls = [d for d in bicep_declarations(out["main.bicep"]).values() if d.type == "modules/gateway-roles.bicep"]
    assert [call.body["params"]["roleAssignments"] for call in calls] == [Reference("gatewayRoleAssignments")] * 2


# ---------------------------------------------------------------------------------------------------------------------
# The critical path: accounts, networks and API Management deploy side by side


def references(value) -> set[str]:
    """Every symbolic reference in a value read from Bicep, with Expression text scanned for dotted paths too."""
    if isinstance(value, Reference):
        return {value.path}
    if isinstance(value, Expression):
        return set(re.findall(r"\b[A-Za-z_]\w*(?:\.\w+)+", value.text))
    if isinstance(value, dict):
        return set().union(*(references(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(references(v) for v in value)) if value else set()
    return set()


def waits_for(main: str, params: dict) -> set[str]:
    """The symbols a module call's parameters refer to, through main.bicep's variables."""
    found = set()
    pending = list(references(params))
    seen = set()
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        head = path.split(".")[0]
        if re.search(rf"^var {head} = ", main, re.M):
            entries, concatenated = bicep_var(main, head)
            pending += list(references(entries)) + concatenated
        else:
            found.add(head)
    return found


@pytest.mark.parametrize("count", [2, 3])
def test_accounts_do_not_wait_for_api_management(count):
    out = render_files(tier5(count))
    main = out["main.bicep"]
    calls = bicep_declarations(main).values()
    accounts = [d for d in calls if d.type == "modules/openai.bicep"]
    assert len(accounts) == count
    modules = {d.symbol for d in calls if d.keyword == "module"}
    for account in accounts:
        # Only the workspace and the action group its alerts notify (both take a minute) come first: neither API
        # Management nor the VNets hold up an account.
        assert waits_for(main, account.body["params"]) & modules == {"monitoring", "actionGroup"}, account.symbol
        assert "dependsOn" not in account.body
    # The gateway's role on each account is assigned by a module that waits for both, with the same principal.
    roles = {d.body["params"]["accountName"].path.split(".")[0]: d for d in calls
             if d.type == "modules/gateway-roles.bicep"}
    assert sorted(roles) == sorted(account.symbol for account in accounts)
    for symbol, call in roles.items():
        assert call.body["params"]["accountName"] == Reference(f"{symbol}.outputs.name")
        assert waits_for(main, call.body["params"]) == {symbol, "apiManagement"}
        entries, _ = bicep_var(main, call.body["params"]["roleAssignments"].path)
        assert [e["principalId"] for e in entries] == [Reference("apiManagement.outputs.principalId")]
    # The design counts what the template holds, and names the new deployments through the namer.
    design = design_of(tier5(count))
    assert {call.body["name"] for call in roles.values()} == {m.module_name for m in design.api_management.role_modules}
    assert {m.module_name for m in design.api_management.role_modules} <= {n.stem for n in design.names}


def test_the_gateways_role_assignments_keep_their_names():
    """Azure finds an assignment by its name: guid(account ID, principal ID, role definition ID), with the same
    values as when the account module assigned it, so moving the loop keeps the existing assignments."""
    out = render_files(tier5())
    module = out["modules/gateway-roles.bicep"]
    declarations = bicep_declarations(module)
    account = declarations["account"]
    assert account.existing and account.type == "Microsoft.CognitiveServices/accounts"
    assert account.body == {"name": Reference("accountName")}
    loop = declarations["roleAssignment"].body
    assert (loop.variable, loop.items) == ("assignment", "roleAssignments")
    assert loop.body["name"] == Expression("guid(account.id, assignment.principalId, roleDefinitionId)")
    assert loop.body["scope"] == Reference("account")
    assert loop.body["properties"]["principalId"] == Reference("assignment.principalId")
    # The role definition is built exactly as the account module builds it for the callers of tiers 2 to 4.
    role = re.compile(r"^var roleDefinitionId = (.+)$", re.M)
    assert role.search(module).group(1) == role.search(render_files(spec(2))["modules/openai.bicep"]).group(1)
    assert "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd" in role.search(module).group(1)


def test_front_door_routes_to_the_regional_gateways():
    out = render_files(tier5(3))
    main = out["main.bicep"]
    for location in LOCATIONS[:3]:
        assert f"{location}: apiManagement.outputs.gatewayHostNames.{location}" in main
    assert "frontDoorId: frontDoor.outputs.frontDoorId" in main
    assert "probePath: '/status-0123456789abcdef'" in out["modules/frontdoor.bicep"]
    readme = out["README.md"]
    assert "documented health endpoint" in readme
    assert "listSecrets" in readme


# ---------------------------------------------------------------------------------------------------------------------
# Validation


@pytest.mark.parametrize("sku, rule", [
    ("Developer", "Developer cannot span regions"),
    ("Standard", "classic Standard can neither be injected into a VNet nor span regions"),
    ("StandardV2", "Standard v2 cannot span regions in one instance"),
    ("Basic", "classic Basic"),
    ("BasicV2", "Basic v2 has no VNet injection"),
])
def test_api_management_sku_rules(sku, rule):
    found = spec_problems(tier5(extra=f"apiManagement:\n  sku: {sku}\n"))
    assert found == [f"spec.yaml:15:8: apiManagement.sku: API Management {sku} cannot carry tier 5: "
                     + found[0].split("cannot carry tier 5: ", 1)[1]]
    assert rule in found[0] and "hint: set apiManagement.sku: Premium" in found[0]


def test_tier5_cannot_use_an_existing_subnet():
    text = spec(5, regions=f"  - location: swedencentral\n    network:\n      existingSubnetId: /subscriptions/{SUB}/"
                           "resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s\n"
                           "  - location: francecentral\n")
    found = spec_problems(text)
    assert found[0].startswith("spec.yaml:8:7: regions[0].network.existingSubnetId: tier 5 creates and peers the VNet")


def test_api_management_subnet_too_small():
    text = spec(5, regions="  - location: swedencentral\n    network:\n      addressSpace: 10.1.0.0/22\n"
                           "      apiManagementSubnet: 10.1.2.0/30\n  - location: francecentral\n")
    [problem] = spec_problems(text)
    assert problem.startswith("spec.yaml:9:28: regions[0].network.apiManagementSubnet: the API Management subnet "
                              "10.1.2.0/30 holds 0 scale units, but apiManagement.capacity is 1 in every region: it "
                              "needs a /29 or larger")


def test_peered_vnets_may_not_overlap():
    text = spec(5, regions="  - location: swedencentral\n  - location: francecentral\n    network:\n"
                           "      addressSpace: 10.100.0.0/23\n")
    assert spec_problems(text)[0].startswith("spec.yaml:9:21: regions[1].network.addressSpace: VNet 10.100.0.0/23")


def test_publisher_email_must_be_an_address():
    found = spec_problems(tier5(extra="apiManagement:\n  publisherEmail: not-an-address\n"))
    assert found[0].startswith("spec.yaml:15:19: apiManagement.publisherEmail: 'not-an-address' is not valid here")


def test_tier5_warnings():
    warnings = warnings_of(tier5(extra="access:\n  managedIdentity: true\n"))
    assert any(w.startswith("spec.yaml:14:1: access: ignored: in tier 5 callers authenticate at API Management")
               for w in warnings), warnings
    assert any("apiManagement.publisherEmail is not set" in w for w in warnings)
    quiet = warnings_of(tier5(extra="apiManagement:\n  publisherEmail: a@b.example\n"))
    assert not any("publisherEmail" in w for w in quiet)


def test_raising_tier_4_app_to_5_keeps_account_and_vnet_names():
    four = render_files(regional_spec(3))["main.bicep"]
    five = render_files(tier5())["main.bicep"]
    for name in ("oai-claims-prod-sdc-${nameSuffix}", "vnet-claims-prod-sdc", "addressSpace: '10.100.4.0/22'"):
        assert name in four and name in five


# ---------------------------------------------------------------------------------------------------------------------
# ARM template limits


def test_the_design_counts_module_calls_and_loops():
    text = spec(2, replace={"capacity: 50": "capacity: 50\n  - name: b\n    model: gpt-5.4-mini\n"
                                            "    version: \"2026-03-17\"\n    sku: GlobalStandard\n    capacity: 5"})
    used = compiled_usage(render_files(text), {"modelDeployments": 2, "principals": 0, "roleAssignments": 1})
    # monitoring (call + workspace), identity (call + identity), action group (call + group), openai (call + account
    # + 2 deployments + diagnostics + role assignment + 5 alert rules: throttling, server errors, latency, and one per
    # capacity for the tokens), workbook (call + workbook)
    assert used.resources == 2 + 2 + 2 + 6 + 5 + 2 == design_of(text).resource_count
    assert used.parameters == 4 and used.outputs == 6  # tags, modelDeployments, principals, alertEmails


def test_large_example_stays_within_arm_limits():
    design = design_of((EXAMPLES / "tier5-large.yaml").read_text(encoding="utf-8"))
    assert len(design.regions) == 6 and len(design.deployments) >= 3
    used = compiled_usage(render_path(EXAMPLES / "tier5-large.yaml"),
                          {"modelDeployments": len(design.deployments), "principals": 0, "roleAssignments": 1})
    assert 150 < used.resources == design.resource_count <= limits.MAX_RESOURCES
    assert used.parameters <= limits.MAX_PARAMETERS and used.outputs <= limits.MAX_OUTPUTS


def test_exceeding_a_limit_is_a_spec_problem_found_before_anything_is_rendered(monkeypatch, tmp_path):
    from azoai_gen import api
    from azoai_gen.errors import SpecError

    monkeypatch.setattr(limits, "MAX_RESOURCES", 50)
    spec_path = tmp_path / "s.yaml"
    spec_path.write_text(tier5(3), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        api.render_spec(spec_path, tmp_path / "out")
    [problem] = info.value.problems
    assert problem.path == "regions" and "would exceed Azure Resource Manager limits" in problem.message
    assert re.search(r"\d+ resources \(ARM allows 50 in one template\)", problem.message)
    assert not (tmp_path / "out").exists()
