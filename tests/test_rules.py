"""Every rule, alone: a spec it passes and a spec it flags, and the loop that runs them.

The table below must name every registered rule; a rule added without a case here fails
``test_every_rule_has_a_case``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from _support import TWO_REGIONS, model_spec, spec
from azoai_gen import limits, model, rules, schema
from azoai_gen.design import design
from azoai_gen.load import load_text

SUB = "11111111-1111-1111-1111-111111111111"
WORKSPACE = (f"/subscriptions/{SUB}/resourceGroups/rg-logs/providers/Microsoft.OperationalInsights/"
             "workspaces/law-central")
ZONE = f"/subscriptions/{SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/"
SITE = f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Web/sites/app"


def app_regions(*hosts: str, link: tuple[bool, ...] = ()) -> str:
    text = ""
    for index, (location, host) in enumerate(zip(("swedencentral", "francecentral"), hosts)):
        text += f"  - location: {location}\n    app:\n      hostName: {host}\n"
        if index < len(link) and link[index]:
            text += f"      privateLink:\n        resourceId: {SITE}{index}\n        groupId: sites\n"
    return text


def principals(*ids: str) -> str:
    return "access:\n  principals:\n" + "".join(f"    - objectId: {i}\n" for i in ids)


@dataclass(frozen=True)
class Case:
    passing: str
    failing: str
    #: Text of the finding the failing spec must produce (its message), and its severity.
    message: str
    severity: str = "error"


ID_A = "0000000a-0000-0000-0000-000000000001"
ID_B = "0000000b-0000-0000-0000-000000000001"
APP4 = "frontDoor:\n  origin: app\n"
NO_ALERTS = "monitoring:\n  alerts:\n    enabled: false\n"
ALERT_EMAIL = "monitoring:\n  alerts:\n    emails: [ops@contoso.com]\n"
SAFETY = "apiManagement:\n  publisherEmail: ops@example.com\n  contentSafety:\n    enabled: true\n"


def ptu(target: str, sku: str = "GlobalProvisionedManaged", model: str = "gpt-5.4-mini") -> str:
    """A second deployment (for MINIMAL's list), provisioned and spilling over to ``target``."""
    return (f"  - name: chat-ptu\n    model: {model}\n    version: \"2026-03-17\"\n    sku: {sku}\n    capacity: 15\n"
            f"    spillover: {target}\n")

def filters(*names: str, blocklists: str = "", applies: str = "") -> str:
    """An ``openai`` section with content filters ``names`` (each applying ``applies``) and ``blocklists``."""
    text = "openai:\n  contentFilters:\n" + "".join(f"    - name: {name}\n" + applies for name in names)
    return text + ("  blocklists:\n" + blocklists if blocklists else "")


def uses(policy: str) -> dict[str, str]:
    return {"capacity: 50": f"capacity: 50\n    raiPolicy: {policy}"}


INTERNAL = "    - name: internal\n      items:\n        - term: Bluebird\n"
APPLIES_INTERNAL = "      blocklists:\n        - name: internal\n"

#: apiManagement.oauth for Entra consumers, and one Entra consumer.
CONSUMER_OAUTH = ("apiManagement:\n  oauth:\n    tenantId: 33333333-3333-3333-3333-333333333333\n"
                  "    audiences:\n      - api://openai\n")
ENTRA_CONSUMER = "  consumers:\n    - name: research\n      entraApplicationId: 44444444-4444-4444-4444-444444444444\n"


CASES: dict[str, Case] = {
    "regions-known": Case(spec(2), spec(2, regions="  - location: swedencentrl\n"),
                          "unknown Azure region 'swedencentrl'"),
    "regions-distinct": Case(spec(2, regions=TWO_REGIONS),
                             spec(2, regions="  - location: swedencentral\n  - location: swedencentral\n"),
                             "region 'swedencentral' is listed twice (first as regions[0])"),
    "regions-enough-for-tier": Case(spec(4, regions=TWO_REGIONS), spec(4),
                                    "tier 4 needs at least 2 distinct regions; the spec has 1"),
    "access-principals-unique": Case(spec(2, extra=principals(ID_A, ID_B)),
                                     spec(2, extra=principals(ID_A, ID_A.upper())),
                                     f"principal {ID_A} is already listed as access.principals[0]"),
    "tags-distinct-ignoring-case": Case(spec(2, extra="tags:\n  environment: staging\n  CostCenter: '42'\n"),
                                        spec(2, extra="tags:\n  Environment: staging\n"),
                                        "tag 'Environment' is the generated tag 'environment' in another case"),
    "access-ip-ranges": Case(spec(2, extra="openai:\n  allowedIpRanges: [203.0.113.0/24]\n"),
                             spec(2, extra="openai:\n  allowedIpRanges: [203.0.113.1/24]\n"),
                             "'203.0.113.1/24' has host bits set"),
    "monitoring-workspace-id": Case(spec(2, extra=f"monitoring:\n  logAnalyticsWorkspaceId: {WORKSPACE}\n"),
                                    spec(2, extra=f"monitoring:\n  logAnalyticsWorkspaceId: {ZONE}x\n"),
                                    "not a Log Analytics workspace resource ID"),
    "access-someone-granted": Case(spec(2), spec(2, extra="access:\n  managedIdentity: false\n"),
                                   "nobody is granted access to the deployment", "warning"),
    "access-ignored-behind-gateway": Case(spec(5, regions=TWO_REGIONS),
                                          spec(5, regions=TWO_REGIONS, extra="access:\n  managedIdentity: true\n"),
                                          "ignored: in tier 5 callers authenticate at API Management", "warning"),
    "key-vault-ignored": Case(spec(1, extra="keyVault:\n  sku: premium\n"),
                              spec(2, extra="keyVault:\n  sku: premium\n"),
                              "keyVault settings are ignored: tier 2 keeps no API key", "warning"),
    "openai-ip-ranges-ignored": Case(spec(2, extra="openai:\n  allowedIpRanges: [203.0.113.0/24]\n"),
                                     spec(3, extra="openai:\n  allowedIpRanges: [203.0.113.0/24]\n"),
                                     "ignored: tier 3 disables public network access", "warning"),
    "openai-fqdns-ignored": Case(
        spec(3, extra="openai:\n  restrictOutboundNetworkAccess: true\n  allowedFqdns: [a.example.com]\n"),
        spec(3, extra="openai:\n  allowedFqdns: [a.example.com]\n"),
        "ignored: restrictOutboundNetworkAccess is false", "warning"),
    "front-door-origin-settings": Case(spec(4, regions=TWO_REGIONS),
                                       spec(4, regions=TWO_REGIONS + "    weight: 10\n"),
                                       "weight is only used with frontDoor.routing: weighted"),
    "front-door-private-link": Case(
        spec(4, regions=app_regions("a.example.com", "b.example.com", link=(True, True)), extra=APP4),
        spec(4, regions=app_regions("a.example.com", "b.example.com", link=(True, False)), extra=APP4),
        "an origin group cannot mix public and Private Link origins"),
    "front-door-private-link-region": Case(
        spec(4, regions=app_regions("a.example.com", "b.example.com", link=(True, True)), extra=APP4),
        spec(4, regions=app_regions("a.example.com", "b.example.com", link=(True, True)).replace(
            "swedencentral", "italynorth"), extra=APP4),
        "Front Door Private Link is not offered in italynorth"),
    "front-door-hosts-distinct": Case(spec(4, regions=app_regions("a.example.com", "b.example.com"), extra=APP4),
                                      spec(4, regions=app_regions("a.example.com", "A.example.com"), extra=APP4),
                                      "the same host name as regions[0]"),
    "front-door-openai-ip-rules": Case(
        spec(4, regions=app_regions("a.example.com", "b.example.com"),
             extra=APP4 + "openai:\n  allowedIpRanges: [203.0.113.0/24]\n"),
        spec(4, regions=TWO_REGIONS, extra="openai:\n  allowedIpRanges: [203.0.113.0/24]\n"),
        "would block Front Door"),
    "front-door-ignored": Case(spec(4, regions=TWO_REGIONS, extra="frontDoor:\n  routing: weighted\n"),
                               spec(3, extra="frontDoor:\n  routing: weighted\n"),
                               "ignored: tier 3 has no Front Door", "warning"),
    "api-management-sku": Case(spec(5, regions=TWO_REGIONS, extra="apiManagement:\n  sku: Premium\n"),
                               spec(5, regions=TWO_REGIONS, extra="apiManagement:\n  sku: StandardV2\n"),
                               "API Management StandardV2 cannot carry tier 5"),
    "api-management-publisher-email": Case(
        spec(5, regions=TWO_REGIONS, extra="apiManagement:\n  publisherEmail: ops@example.com\n"),
        spec(5, regions=TWO_REGIONS), "apiManagement.publisherEmail is not set", "warning"),
    "api-management-ignored": Case(spec(5, regions=TWO_REGIONS, extra="apiManagement:\n  capacity: 2\n"),
                                   spec(4, regions=TWO_REGIONS, extra="apiManagement:\n  capacity: 2\n"),
                                   "ignored: tier 4 has no API Management", "warning"),
    "api-management-consumers-unique": Case(
        spec(5, regions=TWO_REGIONS, extra="apiManagement:\n  consumers:\n    - name: team-a\n    - name: team-b\n"),
        spec(5, regions=TWO_REGIONS, extra="apiManagement:\n  consumers:\n    - name: team-a\n    - name: team-a\n"),
        "consumer name 'team-a' is already used by apiManagement.consumers[0]"),
    "api-management-consumers-entra-needs-oauth": Case(
        spec(5, regions=TWO_REGIONS, extra=CONSUMER_OAUTH + ENTRA_CONSUMER),
        spec(5, regions=TWO_REGIONS, extra="apiManagement:\n" + ENTRA_CONSUMER),
        "an Entra consumer needs apiManagement.oauth"),
    "api-management-consumer-quotas-per-gateway": Case(
        spec(5, regions=TWO_REGIONS, extra="apiManagement:\n  tokenLimitAcrossRegions: split\n  consumers:\n"
                                           "    - name: team-a\n      tokenQuota: 9000\n"),
        spec(5, regions=TWO_REGIONS, extra="apiManagement:\n  consumers:\n    - name: team-a\n      tokenQuota: 9000\n"),
        "each of the 2 regional gateways counts tokens and quotas on its own", "warning"),
    "api-management-consumer-settings-ignored": Case(
        spec(5, regions=TWO_REGIONS, extra="apiManagement:\n  consumers:\n    - name: team-a\n"
                                           "  consumerKeyVault:\n    name: kv-platform\n"),
        spec(5, regions=TWO_REGIONS, extra="apiManagement:\n  consumerKeyVault:\n    name: kv-platform\n"
                                           "  chargeback:\n    ratePer1000Tokens: 0.01\n"),
        "ignored: the chargeback query needs apiManagement.consumers", "warning"),
    "deployments-unique": Case(spec(2), spec(2, replace={"capacity: 50": "capacity: 50\n  - name: CHAT\n    model: "
                                                                         "gpt-5.4-mini\n    version: \"2026-03-17\"\n"
                                                                         "    sku: GlobalStandard\n    capacity: 5"}),
                               "deployment name 'CHAT' is already used by deployments[0]"),
    "deployments-available": Case(spec(2), spec(2, replace={"gpt-5.4-mini": "gpt-unknown"}),
                                  "model 'gpt-unknown' is not in the availability data", "warning"),
    "deployments-retired": Case(spec(2), model_spec("o3-mini", "2025-01-31", tier=2),
                                "o3-mini 2025-01-31 retired on 2026-10-01"),
    "deployments-retiring": Case(spec(2), model_spec("gpt-4o", "2024-11-20", tier=2),
                                 "gpt-4o 2024-11-20 is deprecating", "warning"),
    "deployments-rai-policy-defined": Case(
        spec(2, extra=filters("strict"), replace=uses("strict")),
        spec(2, extra=filters("strict"), replace=uses("strct")),
        "content filter 'strct' is not defined: it is neither Azure's Microsoft.DefaultV2 nor Microsoft.Default nor "
        "one of openai.contentFilters"),
    "content-filters-reserved-names": Case(spec(2, extra=filters("strict")), spec(2, extra=filters("Microsoft.Strict")),
                                           "content filter name 'Microsoft.Strict' begins with 'Microsoft.'"),
    "content-filters-unique": Case(spec(2, extra=filters("strict", "lenient")),
                                   spec(2, extra=filters("strict", "STRICT")),
                                   "content filter 'STRICT' is already defined as openai.contentFilters[0]"),
    "content-filters-blocklists-defined": Case(
        spec(2, extra=filters("strict", blocklists=INTERNAL, applies=APPLIES_INTERNAL)),
        spec(2, extra=filters("strict", applies=APPLIES_INTERNAL)),
        "blocklist 'internal' is not defined in openai.blocklists"),
    "content-filters-need-approval": Case(
        spec(2, extra=filters("strict", applies="      prompt:\n        hate: {action: annotate}\n")),
        spec(2, extra=filters("strict", applies="      completion:\n        hate: {action: annotate}\n")),
        "'annotate' for hate on completions needs the subscription to be approved for modified content filters",
        "warning"),
    "names-fit-azure-rules": Case(spec(2, replace={"workload: claims": "workload: abcdefghijklmnopqrst"}),
                                  spec(1, replace={"workload: claims": "workload: abcdefghijklmnopqrst"}),
                                  "the Key Vault name 'kv-abcdefghijklmnopqrst-prod-xxxxx' would be 34 characters"),
    "network-address-plan": Case(spec(3, extra="network:\n  addressSpace: 10.1.0.0/16\n"),
                                 spec(3, extra="network:\n  addressSpace: 10.1.0.1/16\n"),
                                 "'10.1.0.1/16' has host bits set"),
    "network-private-dns-zone-ids": Case(
        spec(3, extra=f"network:\n  privateDnsZoneIds:\n    openai: {ZONE}privatelink.openai.azure.com\n"),
        spec(3, extra=f"network:\n  privateDnsZoneIds:\n    openai: {ZONE}privatelink.blob.core.windows.net\n"),
        "this is the zone 'privatelink.blob.core.windows.net', but openai needs 'privatelink.openai.azure.com'"),
    "network-zone-unused": Case(
        spec(3, extra=f"network:\n  privateDnsZoneIds:\n    openai: {ZONE}privatelink.openai.azure.com\n"),
        spec(3, extra=f"network:\n  privateDnsZoneIds:\n    aiServices: {ZONE}privatelink.services.ai.azure.com\n"),
        "ignored: an account of kind OpenAI does not use privatelink.services.ai.azure.com", "warning"),
    "network-private-ranges": Case(spec(3), spec(3, extra="network:\n  addressSpace: 20.0.0.0/16\n"),
                                   "the VNet range 20.0.0.0/22 of swedencentral is not a private (RFC 1918) range",
                                   "warning"),
    "network-ignored": Case(spec(3, extra="network:\n  addressSpace: 10.1.0.0/16\n"),
                            spec(2, extra="network:\n  addressSpace: 10.1.0.0/16\n"),
                            "ignored: tier 2 has no private network", "warning"),
    "alerts-no-receivers": Case(spec(2), spec(2, extra="monitoring:\n  alerts:\n    severity: 1\n"),
                                "the alert rules notify nobody", "warning"),
    "alerts-settings-ignored": Case(spec(2, extra=NO_ALERTS),
                                    spec(2, extra=NO_ALERTS + "    emails: [ops@contoso.com]\n"),
                                    "ignored: monitoring.alerts.enabled is false", "warning"),
    "alerts-origin-thresholds-ordered": Case(
        spec(4, regions=TWO_REGIONS, extra=ALERT_EMAIL + "    thresholds:\n      originGroupDownPercent: 40\n"),
        spec(4, regions=TWO_REGIONS, extra=ALERT_EMAIL + "    thresholds:\n      originHealthPercent: 50\n"
                                                         "      originGroupDownPercent: 50\n"),
        "originGroupDownPercent (50) must be below originHealthPercent (50)"),
    "alerts-secret-expiry-within-notice": Case(spec(1, extra="keyVault:\n  secretExpiryDays: 31\n"),
                                               spec(1, extra="keyVault:\n  secretExpiryDays: 30\n"),
                                               "within the 30 days' notice of Key Vault's SecretNearExpiry event",
                                               "warning"),
    "deployments-spillover-target": Case(spec(2, extra=ptu("chat")), spec(2, extra=ptu("chta")),
                                         "spillover names 'chta', which is not a deployment of this spec"),
    "deployments-spillover-types": Case(spec(2, extra=ptu("chat")),
                                        spec(2, extra=ptu("chat", sku="DataZoneProvisionedManaged")),
                                        "a DataZoneProvisionedManaged deployment spills over to a DataZoneStandard "
                                        "deployment (the same data processing level), but 'chat' is GlobalStandard"),
    "deployments-spillover-model": Case(spec(2, extra=ptu("chat")), spec(2, extra=ptu("chat", model="gpt-5.4")),
                                        "'chat' serves gpt-5.4-mini 2026-03-17, but 'chat-ptu' serves gpt-5.4 "
                                        "2026-03-17: spill-over needs the same model and version"),
    "content-safety-needs-gateway": Case(spec(5, regions=TWO_REGIONS, extra=SAFETY),
                                         spec(4, regions=TWO_REGIONS, extra=SAFETY),
                                         "content safety runs in the API Management gateway's policy "
                                         "(llm-content-safety), and tier 4 has no gateway"),
    "arm-resource-limit": Case(spec(2, extra=NO_ALERTS), spec(2, regions=TWO_REGIONS, extra=NO_ALERTS),
                               "the deployment would exceed Azure Resource Manager limits: 16 resources "
                               "(ARM allows 12 in one template)"),
}


def findings(text: str) -> dict[str, list]:
    """What each rule finds in ``text`` (which must pass the schema)."""
    loaded = load_text(text.encode("utf-8"), "spec.yaml")
    assert schema.problems(loaded.data, loaded.positions) == []
    typed = model.build(schema.with_defaults(loaded.data))
    return rules.check(typed, loaded.positions, lambda s: design(s)).problems


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(limits, "MAX_RESOURCES", 12)


def test_every_rule_has_a_case():
    rules._load_rule_modules()
    assert sorted(r.name for r in rules.RULES) == sorted(CASES)


def test_every_rule_says_what_it_checks():
    rules._load_rule_modules()
    assert all(r.summary.endswith(".") and len(r.summary) > 20 for r in rules.RULES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_passes_its_passing_spec(name, small_limit, monkeypatch):
    if name != "arm-resource-limit":
        monkeypatch.setattr(limits, "MAX_RESOURCES", 800)
    assert findings(CASES[name].passing).get(name) == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_rule_flags_its_failing_spec(name, small_limit, monkeypatch):
    if name != "arm-resource-limit":
        monkeypatch.setattr(limits, "MAX_RESOURCES", 800)
    case = CASES[name]
    found = findings(case.failing)[name]
    assert found, f"{name} found nothing"
    assert any(case.message in p.message for p in found), [p.message for p in found]
    assert {p.severity for p in found} == {case.severity}
    assert all(p.file == "spec.yaml" and p.line >= 1 and p.column >= 1 for p in found)
    assert all(p.rule == name for p in found)  # reports (--output) name the rule


def test_a_failing_gate_stops_before_the_design():
    built = []
    loaded = load_text(CASES["regions-known"].failing.encode("utf-8"), "spec.yaml")
    typed = model.build(schema.with_defaults(loaded.data))
    outcome = rules.check(typed, loaded.positions, lambda s: built.append(s) or design(s))
    assert built == [] and outcome.subject.design is None
    assert [p.message for p in outcome.errors] == ["unknown Azure region 'swedencentrl'"]
    assert "names-fit-azure-rules" not in outcome.problems


def test_rule_names_are_unique():
    with pytest.raises(ValueError):
        rules.rule("regions-known")(lambda subject: iter(()))


def test_the_architecture_document_lists_every_rule():
    from _support import ROOT

    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    rules._load_rule_modules()
    missing = [r.name for r in rules.RULES if f"`{r.name}`" not in text]
    assert missing == []
