"""Provisioned deployments that spill over to standard ones, and content safety at the tier 5 gateway: what the
Bicep, the parameter file, the policy and the README say, read as Bicep, XML and Markdown."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from _support import (LOCATIONS, Expression, Reference, bicep_resources, design_of, parse_bicepparam, render_files,
                      render_text, spec, spec_problems, tier4, tier5)
from azoai_gen.azure import ROLES
from azoai_gen.cost import estimate

BACKEND = "Microsoft.ApiManagement/service/backends"
ACCOUNT = "Microsoft.CognitiveServices/accounts"


def deployments(*items: tuple[str, str, str | None], model: str = "gpt-5.4-mini") -> str:
    """A ``deployments:`` list of (name, sku, spillover) items of one model and version."""
    text = "deployments:\n"
    for name, sku, target in items:
        text += (f"  - name: {name}\n    model: {model}\n    version: \"2026-03-17\"\n    sku: {sku}\n"
                 f"    capacity: 15\n")
        text += f"    spillover: {target}\n" if target else ""
    return text


MINIMAL_DEPLOYMENTS = ("deployments:\n  - name: chat\n    model: gpt-5.4-mini\n    version: \"2026-03-17\"\n"
                       "    sku: GlobalStandard\n    capacity: 50\n")
#: A provisioned deployment listed before the standard deployment it spills over to.
PTU_FIRST = deployments(("chat-ptu", "GlobalProvisionedManaged", "chat"), ("chat", "GlobalStandard", None))
SAFETY = ("apiManagement:\n  publisherEmail: ops@example.com\n  contentSafety:\n    enabled: true\n"
          "    outputType: EightSeverityLevels\n    categories:\n      hate: 0\n      violence: 6\n"
          "    shieldPrompt: false\n    blocklists:\n      - claims-terms\n      - pii\n")


def with_deployments(text: str, items: str) -> str:
    return text.replace(MINIMAL_DEPLOYMENTS, items)


# ---------------------------------------------------------------------------------------------------------------------
# Spill-over in the account (every tier)


@pytest.mark.parametrize("tier", [1, 2, 3])
def test_the_standard_target_is_created_before_the_provisioned_deployment_that_names_it(tier):
    files = render_files(with_deployments(spec(tier), PTU_FIRST))
    params = parse_bicepparam(files["main.bicepparam"])["modelDeployments"]
    assert [(d["name"], d["spillover"]) for d in params] == [("chat", ""), ("chat-ptu", "chat")]
    [loop] = bicep_resources(files["modules/openai.bicep"], ACCOUNT + "/deployments")
    assert "@batchSize(1)" in files["modules/openai.bicep"].split("resource deployments")[0].splitlines()[-1]
    assert loop.body.body["properties"]["spilloverDeploymentName"] == Expression(
        "empty(deployment.spillover) ? null : deployment.spillover")


def test_without_spill_over_the_deployments_and_the_module_are_as_before():
    files = render_files(spec(2))
    assert "spillover" not in files["main.bicepparam"]
    assert "spilloverDeploymentName" not in files["modules/openai.bicep"]
    assert "Provisioned first" not in files["README.md"]


def test_every_processing_level_pairs_with_its_standard_type():
    pairs = (("ProvisionedManaged", "Standard"), ("GlobalProvisionedManaged", "GlobalStandard"),
             ("DataZoneProvisionedManaged", "DataZoneStandard"))
    for provisioned, standard in pairs:
        text = with_deployments(spec(2), deployments(("ptu", provisioned, "std"), ("std", standard, None)))
        spills = design_of(text).spill_overs
        assert [(s.deployment, s.target, s.target_sku) for s in spills] == [("ptu", "std", standard)]


@pytest.mark.parametrize("items, where, words", [
    (deployments(("ptu", "GlobalProvisionedManaged", "missing"), ("std", "GlobalStandard", None)),
     "deployments[0].spillover", "not a deployment of this spec"),
    (deployments(("ptu", "GlobalProvisionedManaged", "ptu")), "deployments[0].spillover", "cannot spill over to itself"),
    (deployments(("std", "GlobalStandard", "other"), ("other", "GlobalStandard", None)),
     "deployments[0].spillover", "only a provisioned deployment can spill over"),
    (deployments(("ptu", "GlobalProvisionedManaged", "std"), ("std", "DataZoneStandard", None)),
     "deployments[0].spillover", "spills over to a GlobalStandard deployment"),
    (deployments(("ptu", "ProvisionedManaged", "std"), ("std", "GlobalStandard", None)),
     "deployments[0].spillover", "spills over to a Standard deployment"),
    (deployments(("ptu", "GlobalProvisionedManaged", "std"), ("std", "GlobalProvisionedManaged", None)),
     "deployments[0].spillover", "spills over to a GlobalStandard deployment"),
])
def test_bad_spill_overs_are_refused_where_they_are_written(items, where, words):
    problems = spec_problems(with_deployments(spec(2), items))
    assert any(where in p and words in p for p in problems), problems


def test_a_spill_over_to_another_model_is_refused():
    items = deployments(("ptu", "GlobalProvisionedManaged", "std")) + (
        "  - name: std\n    model: gpt-5.4\n    version: \"2026-03-05\"\n    sku: GlobalStandard\n    capacity: 5\n")
    problems = spec_problems(with_deployments(spec(2), items))
    assert any("deployments[0].spillover" in p and "same model and version" in p for p in problems), problems


def test_without_a_gateway_the_readme_says_what_the_account_does_and_what_the_client_must_still_do():
    readme = render_files(with_deployments(tier4(), PTU_FIRST))["README.md"]
    section = readme.split("### Provisioned first, standard as overflow")[1].split("\n## ")[0]
    assert "`chat-ptu` (GlobalProvisionedManaged) | `chat` (GlobalStandard)" in section
    assert "x-ms-spillover-from-<deployment>" in section and "x-ms-spillover-error" in section
    assert "billed per token at the standard deployment's rates" in " ".join(section.split())
    assert "The limit without a gateway." in section and "the client must retry" in " ".join(section.split())
    assert "gateway adds" not in section


def test_spilled_tokens_are_a_cost_note():
    notes = " ".join(estimate(design_of(with_deployments(spec(2), PTU_FIRST))).notes)
    assert "Spill-over is extra" in notes and "standard deployment bill per 1,000 tokens" in notes


# ---------------------------------------------------------------------------------------------------------------------
# Tier 5: the pool in front of the accounts' own spill-over


def test_the_gateway_tries_each_account_in_pool_order_and_leaves_spill_over_to_the_account():
    text = with_deployments(tier5(3), PTU_FIRST)
    files = render_files(text)
    backends = {b.body["name"]: b.body["properties"] for b in bicep_resources(files["modules/apim-api.bicep"], BACKEND)}
    # Each gateway's pool: its own account at priority 1, then the others; a lower number is tried first.
    assert [(s["id"], s["priority"]) for s in backends["pool-germanywestcentral"]["pool"]["services"]] == [
        (Reference("backendGermanywestcentral.id"), 1), (Reference("backendSwedencentral.id"), 2),
        (Reference("backendFrancecentral.id"), 3)]
    # An account answers 429 only when both its deployments are full: the breaker then takes it out of the pool
    # for the answer's Retry-After, so the retry reaches the next account, whose provisioned deployment goes first.
    for location in LOCATIONS[:3]:
        [rule] = backends[f"openai-{location}"]["circuitBreaker"]["rules"]
        assert rule["acceptRetryAfter"] is True and rule["failureCondition"]["count"] == 1
        assert {"min": 429, "max": 429} in rule["failureCondition"]["statusCodeRanges"]
    root = ET.fromstring(files["policies/openai-api.xml"])
    retry = root.find("backend/retry")
    assert "429" in retry.get("condition") and int(retry.get("count")) >= 1
    # The gateway forwards the deployment name as the caller wrote it: no rewrite to the standard deployment.
    assert root.find(".//rewrite-uri") is None and root.find(".//set-header[@name='x-ms-spillover-deployment']") is None
    readme = " ".join(files["README.md"].split())
    assert "The gateway adds what one account cannot" in readme
    assert "does not rename the deployment in the URL" in readme
    assert "The limit without a gateway." not in readme


# ---------------------------------------------------------------------------------------------------------------------
# Content safety at the gateway


def test_the_policy_checks_prompts_after_the_limits_and_before_the_token_metric():
    files = render_files(tier5(extra=SAFETY))
    inbound = ET.fromstring(files["policies/openai-api.xml"]).find("inbound")
    order = [child.tag for child in inbound]
    assert order.index("azure-openai-token-limit") < order.index("llm-content-safety") \
        < order.index("azure-openai-emit-token-metric") < order.index("choose")
    check = inbound.find("llm-content-safety")
    assert check.get("backend-id") == "content-safety" and check.get("shield-prompt") == "false"
    categories = check.find("categories")
    assert categories.get("output-type") == "EightSeverityLevels"
    assert [(c.get("name"), c.get("threshold")) for c in categories] == [
        ("Hate", "0"), ("SelfHarm", "4"), ("Sexual", "4"), ("Violence", "6")]
    assert [i.text for i in check.find("blocklists")] == ["claims-terms", "pii"]


def test_the_defaults_block_medium_severity_and_shield_prompts_without_blocklists():
    check = ET.fromstring(render_files(tier5(extra="apiManagement:\n  contentSafety:\n    enabled: true\n"))[
        "policies/openai-api.xml"]).find("inbound/llm-content-safety")
    assert check.get("shield-prompt") == "true" and check.find("blocklists") is None
    assert check.find("categories").get("output-type") == "FourSeverityLevels"
    assert {c.get("threshold") for c in check.find("categories")} == {"4"}


def test_the_backend_uses_the_gateway_identity_and_exists_before_the_policy():
    api = render_files(tier5(extra=SAFETY))["modules/apim-api.bicep"]
    [backend] = [b for b in bicep_resources(api, BACKEND) if b.body["name"] == "content-safety"]
    properties = backend.body["properties"]
    assert properties["url"] == Expression("'https://${contentSafetyHostName}'")
    assert properties["credentials"]["managedIdentity"]["resource"] == "https://cognitiveservices.azure.com"
    assert "#disable-next-line BCP037\n      managedIdentity:" in api
    [policy] = bicep_resources(api, "Microsoft.ApiManagement/service/apis/policies")
    assert Reference(backend.symbol) in policy.body["dependsOn"]


def test_the_content_safety_account_is_private_keyless_and_granted_to_the_gateway_only():
    files = render_files(tier5(extra=SAFETY))
    module = files["modules/content-safety.bicep"]
    [account] = bicep_resources(module, ACCOUNT)
    assert account.body["kind"] == "ContentSafety" and account.body["sku"] == {"name": "S0"}
    properties = account.body["properties"]
    assert properties["disableLocalAuth"] is True and properties["publicNetworkAccess"] == "Disabled"
    assert properties["networkAcls"]["defaultAction"] == "Deny" and properties["networkAcls"]["bypass"] == "None"
    assert properties["customSubDomainName"] == Reference("name")
    [endpoint] = bicep_resources(module, "Microsoft.Network/privateEndpoints")
    connection = endpoint.body["properties"]["privateLinkServiceConnections"][0]["properties"]
    assert connection["groupIds"] == ["account"] and connection["privateLinkServiceId"] == Reference("account.id")
    assert f"'{ROLES['cognitiveServicesUser']}'" in module
    assert "principalId: apiManagement.outputs.principalId" in files["main.bicep"]
    # The zone is created once and linked to every VNet, so every regional gateway resolves the private address.
    dns = files["modules/dns.bicep"]
    assert "name: 'privatelink.cognitiveservices.azure.com'" in dns
    assert dns.count("parent: zoneCognitiveServices") == 2
    assert "privateDnsZoneId: dns.outputs.cognitiveServicesZoneId" in files["main.bicep"]
    # Kind OpenAI's own endpoints still register in their zone only.
    assert "cognitiveServices" not in files["modules/private-endpoint.bicep"]


def test_the_content_safety_account_is_recorded_counted_and_explained():
    rendered = render_text(tier5(extra=SAFETY))
    design = rendered.design
    assert design.deployed_names["contentSafety"] == "cs-claims-prod-sdc-<uniqueString(resourceGroup().id)>"
    assert ("contentSafety", "apiManagement", ROLES["cognitiveServicesUser"]) in {
        (g.scope, g.principal, g.role) for g in design.recorded_grants}
    readme = " ".join(rendered.files["README.md"].split())
    assert "| Hate | 0 or higher |" in readme and "Create them after the deployment" in readme
    assert "Prompt Shields is on" not in readme
    cost = estimate(design)
    assert any(line.item == "Private endpoint of the Content Safety account" for line in cost.lines)
    assert any("per 1,000 text records" in note for note in cost.notes)
    assert "Azure AI Content Safety" in rendered.files["README.md"].split("```mermaid")[1].split("```")[0]


def test_a_central_cognitive_services_zone_is_used_for_content_safety_without_a_warning():
    zone = ("/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg-dns/providers/"
            "Microsoft.Network/privateDnsZones/privatelink.cognitiveservices.azure.com")
    text = tier5(extra=SAFETY + f"network:\n  privateDnsZoneIds:\n    cognitiveServices: {zone}\n")
    rendered = render_text(text)
    assert not [w for w in rendered.warnings if "cognitiveservices" in w.message]
    assert f"privateDnsZoneId: '{zone}'" in rendered.files["main.bicep"]


@pytest.mark.parametrize("tier", [1, 2, 3, 4])
def test_content_safety_below_tier_5_is_refused_at_the_setting(tier):
    text = (tier4() if tier == 4 else spec(tier)) + "apiManagement:\n  contentSafety:\n    enabled: true\n"
    problems = spec_problems(text)
    assert any("apiManagement.contentSafety.enabled" in p and f"tier {tier} has no gateway" in p for p in problems), \
        problems
