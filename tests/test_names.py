"""Names: the design's namer hands out every Azure name the output deploys, and exactly those are checked.

For specs of every tier and shape, each name in ``design.names`` must appear in the rendered files (so nothing that
is not deployed is checked), and each name literal in the rendered Bicep must be one of them, a model deployment
name (checked by the schema), or a fixed name that no spec value reaches (so nothing deployed escapes the checks).
"""

from __future__ import annotations

import re

import pytest

from _support import EXAMPLE_SPECS, TWO_REGIONS, render_text, spec, spec_problems
from azoai_gen import metrics
from azoai_gen.azure import NAME_RULES
from azoai_gen.design import filters
from azoai_gen.naming import Name

SUB = "11111111-1111-1111-1111-111111111111"
SUBNET = (f"/subscriptions/{SUB}/resourceGroups/rg-spoke/providers/Microsoft.Network/virtualNetworks/vnet-spoke/"
          "subnets/snet-pe")
THREE = TWO_REGIONS + "  - location: germanywestcentral\n"

SPECS = {
    "tier1": spec(1),
    "tier1-two-regions": spec(1, regions=TWO_REGIONS),
    "tier2": spec(2, extra="access:\n  principals:\n    - objectId: 00000000-0000-0000-0000-000000000001\n"),
    "tier2-no-identity": spec(2, extra="access:\n  managedIdentity: false\n"),
    "tier3": spec(3, regions=TWO_REGIONS, extra="openai:\n  kind: AIServices\n"),
    "tier3-existing-subnet": spec(3, regions=f"  - location: swedencentral\n    network:\n"
                                            f"      existingSubnetId: {SUBNET}\n"),
    "tier4": spec(4, regions=THREE),
    "tier4-app": spec(4, regions="".join(f"  - location: {loc}\n    app:\n      hostName: app-{loc}.example.com\n"
                                         for loc in ("swedencentral", "francecentral")),
                      extra="frontDoor:\n  origin: app\n"),
    "tier5": spec(5, regions=THREE, extra="naming:\n  suffix: abc12\n"),
    **{f"example-{p.stem}": p.read_text(encoding="utf-8") for p in EXAMPLE_SPECS},
}

#: Names that come from no spec value: fixed by Azure (a single 'default' subscription, 'policy'), or constants
#: of a module (rule names, the diagnostic setting, SKU names), which the templates print as they are.
FIXED = {"to-log-analytics", "default", "policy", "app-insights", "applicationinsights", "delegation",
         "throttled-or-failing", "deployment-id", "DenyInternetInbound", "AllowVnetHttpsInbound",
         "AllowFrontDoorHttpsInbound", "AllowApiManagementControlPlaneInbound", "AllowAzureLoadBalancerInbound",
         "AllowTrafficManagerInbound", "AllowGatewaysHttpsInbound", "DenyVnetInbound",
         "S0", "Standard", "Premium", "PerGB2018", "Premium_AzureFrontDoor", "Standard_AzureFrontDoor", "openai",
         "cognitiveServices", "aiServices", "privatelink.openai.azure.com", "privatelink.cognitiveservices.azure.com",
         "privatelink.services.ai.azure.com", "webhook", "email-${index + 1}",
         # Azure's own content filter policies, and the filters of a policy (the RAI policy API's names).
         *filters.BUILT_IN_POLICIES, *filters.HARM_NAMES.values(), *filters.SINGLE_LEVEL}

#: Metric and dimension names of the alert rules: Azure's, checked against the metric table by tests/test_alerts.py.
DOCUMENTED = {name for entry in metrics.data()["platform"].values() for metric, info in entry["metrics"].items()
              for name in (metric, *info["dimensions"])}

#: A name property or parameter (display names, publisher names, delegation services and the WAF rule groups we
#: refer to are not names we give).
_NAME_LITERAL = re.compile(r"^\s+(?:name|(?!service|publisher|display|ruleGroup|metric)\w+Name): '([^']*)'$",
                           re.M)


def literal(name: Name) -> str:
    return f"'{name.stem}${{nameSuffix}}'" if name.suffixed else f"'{name.stem}'"


@pytest.mark.parametrize("key", sorted(SPECS))
def test_every_checked_name_is_deployed(key):
    rendered = render_text(SPECS[key])
    bicep = "\n".join(text for path, text in rendered.files.items() if ".bicep" in path)
    assert rendered.design.names
    for name in rendered.design.names:
        if name.rule == "resourceGroup":  # created by the README's az group create
            assert name.stem in rendered.files["README.md"]
        else:
            assert literal(name) in bicep, name


@pytest.mark.parametrize("key", sorted(SPECS))
def test_every_deployed_name_is_checked(key):
    rendered = render_text(SPECS[key])
    checked = {literal(name)[1:-1] for name in rendered.design.names}
    deployments = {d["name"] for d in rendered.design.deployments}
    # Existing resources the spec names: the schema's patterns check them, and Azure made them.
    vault = rendered.design.spec.api_management.consumer_key_vault
    existing = {vault.name} if vault else set()
    for path, text in rendered.files.items():
        if ".bicep" not in path:
            continue
        for value in _NAME_LITERAL.findall(text):
            assert value in checked | deployments | FIXED | DOCUMENTED | existing, (path, value)


def test_names_are_checked_only_where_deployed():
    kinds = {key: {name.rule for name in render_text(text).design.names} for key, text in SPECS.items()}
    assert "keyVault" in kinds["tier1"] and "keyVault" not in kinds["tier2"]
    assert "secret" not in kinds["tier2"] and "identity" not in kinds["tier2-no-identity"]
    assert {"vnet", "nsg", "subnet", "privateEndpoint", "networkInterface", "dnsLink"} <= kinds["tier3"]
    assert {"vnet", "nsg", "subnet"}.isdisjoint(kinds["tier3-existing-subnet"])
    assert {"frontDoor", "frontDoorEndpoint", "wafPolicy", "frontDoorChild"} <= kinds["tier4"]
    assert {"apiManagement", "dnsLabel", "publicIp", "appInsights", "apiManagementChild", "peering"} <= kinds["tier5"]
    assert "identity" not in kinds["tier5"]
    # Every rule is used by some spec, so no rule is dead.
    assert set().union(*kinds.values()) == set(NAME_RULES)


def test_a_twenty_character_workload_fits_tier_2():
    workload = "abcdefghijklmnopqrst"
    rendered = render_text(spec(2, replace={"workload: claims": f"workload: {workload}"}))
    assert "modules/keyvault.bicep" not in rendered.files
    for name in rendered.design.names:
        assert name.problem(None) is None, name


def test_a_twenty_character_workload_is_refused_where_a_deployed_name_breaks_its_rule():
    found = spec_problems(spec(1, replace={"workload: claims": "workload: abcdefghijklmnopqrst"}))
    assert found == ["spec.yaml:2:11: workload: the Key Vault name 'kv-abcdefghijklmnopqrst-prod-xxxxx' would be "
                     "34 characters; Azure allows 3 to 24\n    hint: shorten workload or environment, or naming.suffix"]


@pytest.mark.parametrize("rule, good, bad", [
    ("keyVault", "kv-a-b-xxxxx", "kv-a--b"),
    ("wafPolicy", "wafclaimsprod", "waf-claims"),
    ("frontDoorEndpoint", "fde-" + "a" * 42, "fde-" + "a" * 43),
    ("apiManagementChild", "pool-swedencentral", "-pool"),
    ("peering", "peer-a-to-b", "peer-a-to-b."),
    ("resourceGroup", "rg-claims-prod", "rg-claims-prod."),
    ("dnsLabel", "apim-claims-prod-sdc-abc12", "Apim-claims"),
])
def test_name_rules_accept_and_refuse(rule, good, bad):
    assert Name(rule, good).problem(None) is None
    assert Name(rule, bad).problem(None) is not None
