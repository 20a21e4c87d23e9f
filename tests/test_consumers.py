"""Gateway consumers (tier 5): products, subscriptions and policies per consumer, the Entra branch, the policy's
fragments in their documented order, the token metric's dimensions, keys that never leave Azure, and the chargeback."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from _support import (EXAMPLES, TEMPLATES, Reference, bicep_declarations, bicep_resources, design_of, parse_bicepparam,
                      render_files, spec_problems, tier5, warnings_of)
from azoai_gen import api, metrics, resources
from azoai_gen.design import policy
from azoai_gen.render import _environment

EXAMPLE = EXAMPLES / "tier5-gateway.yaml"
PRODUCT = "Microsoft.ApiManagement/service/products"
PRODUCT_API = "Microsoft.ApiManagement/service/products/apis"
PRODUCT_POLICY = "Microsoft.ApiManagement/service/products/policies"
SUBSCRIPTION = "Microsoft.ApiManagement/service/subscriptions"
SECRET = "Microsoft.KeyVault/vaults/secrets"
OAUTH = ("  oauth:\n    tenantId: 33333333-3333-3333-3333-333333333333\n    audiences:\n      - api://openai\n")
APP_A = "aaaaaaaa-0000-0000-0000-00000000000a"


def consumers(*lines: str, oauth: bool = False, extra: str = "") -> str:
    """Tier 5 in two regions with ``apiManagement.consumers`` holding ``lines`` (each a consumer's YAML, first key
    without the dash)."""
    items = "".join(f"    - {line}\n" for line in lines)
    return tier5(2, "apiManagement:\n" + (OAUTH if oauth else "") + "  consumers:\n" + items + extra)


def parsed(text: str) -> ET.Element:
    return ET.fromstring(text)


def with_comments(text: str) -> ET.Element:
    return ET.fromstring(text, parser=ET.XMLParser(target=ET.TreeBuilder(insert_comments=True)))


def fragment_names(policy_text: str) -> list[str]:
    """The fragments of the inbound section, in order, from the comment that opens each."""
    inbound = with_comments(policy_text).find("inbound")
    names = []
    for node in inbound:
        if node.tag is ET.Comment:
            match = re.match(r"\s*\[([a-z-]+)\]", node.text or "")
            if match:
                names.append(match.group(1))
    return names


@pytest.fixture(scope="module")
def example() -> dict[str, str]:
    return render_files(EXAMPLE.read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------------------------------
# Products, subscriptions and their policies


def test_each_key_consumer_has_its_product_policy_with_its_limits_and_quota_period(example):
    # The example splits every limit and quota between its two gateways (tokenLimitAcrossRegions: split).
    expected = {"claims": ("15000", "25000000", "Monthly"), "marketing": ("2500", "1000000", "Weekly")}
    for name, (tpm, quota, period) in expected.items():
        root = parsed(example[f"policies/consumer-{name}.xml"])
        inbound = root.find("inbound")
        assert inbound[0].tag == "base"
        variable = inbound.find("set-variable")
        assert (variable.get("name"), variable.get("value")) == ("consumer", name)
        [limit] = inbound.findall("azure-openai-token-limit")
        assert (limit.get("tokens-per-minute"), limit.get("token-quota"), limit.get("token-quota-period")) == \
            (tpm, quota, period)
        # One counter per subscription, apart from any other scope's counters with the plain subscription ID.
        assert limit.get("counter-key") == '@("consumer-" + context.Subscription.Id)'
        assert limit.get("estimate-prompt-tokens") == "false"
    # The Entra consumer has no product: its limits are in the API policy.
    assert "policies/consumer-research.xml" not in example


def test_a_consumer_without_limits_takes_the_gateways_and_a_quota_defaults_to_monthly():
    files = render_files(consumers("name: team-a", "name: team-b\n      tokenQuota: 90000",
                                   extra="  tokensPerMinute: 7000\n"))
    [plain] = parsed(files["policies/consumer-team-a.xml"]).find("inbound").findall("azure-openai-token-limit")
    assert plain.get("tokens-per-minute") == "7000" and plain.get("token-quota") is None
    [quota] = parsed(files["policies/consumer-team-b.xml"]).find("inbound").findall("azure-openai-token-limit")
    assert (quota.get("token-quota"), quota.get("token-quota-period")) == ("90000", "Monthly")


def test_products_links_policies_and_subscriptions_are_created_one_at_a_time(example):
    text = example["modules/apim-api.bicep"]
    declarations = list(bicep_declarations(text).values())
    chain = [d for d in declarations if d.type in (PRODUCT, PRODUCT_API, PRODUCT_POLICY, SUBSCRIPTION)]
    assert [d.type for d in chain] == [PRODUCT, PRODUCT_API, PRODUCT_POLICY, SUBSCRIPTION] * 2
    products = bicep_resources(text, PRODUCT)
    assert [p.body["name"] for p in products] == ["consumer-claims", "consumer-marketing"]
    for product in products:
        properties = product.body["properties"]
        assert properties["subscriptionRequired"] is True and properties["state"] == "published"
        # Approval stays required: the deployment creates the subscriptions active, nobody else gets one unasked.
        assert properties["approvalRequired"] is True
    # Each resource waits for the one before it: product -> link (parent) -> policy -> subscription -> next product.
    for before, after in zip(chain, chain[1:]):
        waits = [r.path for r in after.body.get("dependsOn", [])]
        parent = after.body.get("parent")
        assert before.symbol in waits or (parent is not None and parent.path == before.symbol), after.symbol
    # The first product waits for the API's policy and operations: links lock the API.
    first = [r.path for r in chain[0].body["dependsOn"]]
    assert "apiPolicy" in first and "operation1" in first
    for subscription in bicep_resources(text, SUBSCRIPTION):
        scope = subscription.body["properties"]["scope"]
        assert scope.path.endswith("Product.id") and subscription.body["properties"]["state"] == "active"
    # The policies are loaded from their files, as XML like the API policy.
    for item in bicep_resources(text, PRODUCT_POLICY):
        assert item.body["properties"]["format"] == "xml"
        assert "loadTextContent('../policies/consumer-" in item.body["properties"]["value"].text


def test_without_consumers_the_gateway_keeps_its_product_and_default_subscription():
    text = render_files(tier5(2))["modules/apim-api.bicep"]
    assert [p.body["name"] for p in bicep_resources(text, PRODUCT)] == ["azure-openai"]
    assert [s.body["name"] for s in bicep_resources(text, SUBSCRIPTION)] == ["default"]
    [the_api] = bicep_resources(text, "Microsoft.ApiManagement/service/apis")
    assert the_api.body["properties"]["subscriptionRequired"] is True


# ---------------------------------------------------------------------------------------------------------------------
# Who may call


def _keyless_branch(root: ET.Element) -> ET.Element:
    inbound = root.find("inbound")
    for choose in inbound.findall("choose"):
        when = choose.find("when")
        if when.get("condition") == "@(context.Subscription == null)":
            return when
    raise AssertionError("no branch for calls without a key")


def test_the_entra_branch_admits_only_listed_applications_and_no_caller_gets_through_with_neither(example):
    root = parsed(example["policies/openai-api.xml"])
    when = _keyless_branch(root)
    token = when.find("validate-azure-ad-token")
    assert [a.text for a in token.find("client-application-ids")] == ["44444444-4444-4444-4444-444444444444"]
    assert [a.text for a in token.find("audiences")] == ["api://aihub-openai"]
    assert token.get("tenant-id") == "33333333-3333-3333-3333-333333333333"
    app_id = when.find("set-variable")
    assert app_id.get("name") == "entra-app-id"
    assert '"azp"' in app_id.get("value") and '"appid"' in app_id.get("value")
    inbound = root.find("inbound")
    chooses = inbound.findall("choose")
    # The Entra consumer's own limits, keyed on its application.
    limits = [w for c in chooses for w in c.findall("when") if "44444444" in (w.get("condition") or "")]
    [branch] = limits
    assert branch.find("set-variable").get("value") == "research"
    limit = branch.find("azure-openai-token-limit")
    assert (limit.get("tokens-per-minute"), limit.get("token-quota"), limit.get("token-quota-period")) == \
        ("5000", "10000000", "Monthly")  # split between the example's two gateways
    assert limit.get("counter-key") == '@("entra-44444444-4444-4444-4444-444444444444")'
    # Then every call no consumer claims is refused.
    refusals = [w for c in chooses for w in c.findall("when")
                if w.get("condition") == '@(!context.Variables.ContainsKey("consumer"))']
    [refusal] = refusals
    assert refusal.find("return-response/set-status").get("code") == "403"
    # Keyless calls reach the policy only because the API does not require a subscription.
    [the_api] = bicep_resources(example["modules/apim-api.bicep"], "Microsoft.ApiManagement/service/apis")
    assert the_api.body["properties"]["subscriptionRequired"] is False


def test_with_key_consumers_only_the_api_requires_a_key_and_unknown_subscriptions_are_refused():
    files = render_files(consumers("name: team-a"))
    [the_api] = bicep_resources(files["modules/apim-api.bicep"], "Microsoft.ApiManagement/service/apis")
    assert the_api.body["properties"]["subscriptionRequired"] is True
    root = parsed(files["policies/openai-api.xml"])
    assert root.find(".//validate-azure-ad-token") is None
    conditions = [w.get("condition") for w in root.iter("when")]
    assert '@(!context.Variables.ContainsKey("consumer"))' in conditions
    # The gateway-wide limit per subscription gives way to the consumers' own.
    assert root.find("inbound/azure-openai-token-limit") is None


def test_an_entra_consumer_needs_oauth_and_names_are_unique_at_their_location():
    problems = spec_problems(consumers(f"name: research\n      entraApplicationId: {APP_A}"))
    assert any("consumers[0].entraApplicationId" in p and "needs apiManagement.oauth" in p for p in problems)
    problems = spec_problems(consumers("name: team-a", "name: team-a"))
    assert any("apiManagement.consumers[1].name" in p and "already used by apiManagement.consumers[0]" in p
               for p in problems)
    problems = spec_problems(consumers(f"name: a1\n      entraApplicationId: {APP_A}",
                                       f"name: a2\n      entraApplicationId: {APP_A.upper()}", oauth=True))
    assert any("consumers[1].entraApplicationId" in p for p in problems)
    problems = spec_problems(consumers("name: Team_A"))
    assert any("consumers[0].name" in p for p in problems)


def test_quotas_in_several_regions_are_a_warning_and_split_divides_them():
    text = consumers("name: team-a\n      tokensPerMinute: 9000\n      tokenQuota: 90000")
    assert any("each of the 2 regional gateways counts tokens and quotas on its own" in w for w in warnings_of(text))
    split = consumers("name: team-a\n      tokensPerMinute: 9000\n      tokenQuota: 90000",
                      extra="  tokenLimitAcrossRegions: split\n")
    [limit] = parsed(render_files(split)["policies/consumer-team-a.xml"]).find("inbound").findall(
        "azure-openai-token-limit")
    assert (limit.get("tokens-per-minute"), limit.get("token-quota")) == ("4500", "45000")
    assert not any("regional gateways" in w for w in warnings_of(consumers("name: team-a")))


# ---------------------------------------------------------------------------------------------------------------------
# The policy's fragments


def test_the_policy_fragments_are_in_the_documented_order(example):
    names = fragment_names(example["policies/openai-api.xml"])
    assert names == list(policy.ORDER)  # the example checks content safety too
    assert fragment_names(render_files(tier5(2))["policies/openai-api.xml"]) == \
        ["base", "front-door", "caller-limits", "token-metric", "backend", "authenticate"]
    # What each fragment does, in that order.
    inbound = parsed(example["policies/openai-api.xml"]).find("inbound")
    tags = [node.tag for node in inbound]
    assert tags[0] == "base" and tags[1] == "check-header" and tags[-1] == "authentication-managed-identity"
    assert tags.index("azure-openai-emit-token-metric") < tags.index("set-header")


def test_every_fragment_is_well_formed_xml_for_every_example():
    env = _environment()
    for path in sorted(EXAMPLES.glob("tier5*.yaml")):
        design = design_of(path.read_text(encoding="utf-8"))
        context = design.template_context()
        for fragment in design.api_management.policy_fragments:
            text = env.get_template(fragment.template).render(context)
            ET.fromstring(f"<inbound>{text}</inbound>")  # raises if the fragment is not XML
    assert sorted(p.name for p in (TEMPLATES / "policies" / "fragments").glob("*.xml.j2")) == sorted(
        f"{name}.xml.j2" for name in policy.ORDER)


# ---------------------------------------------------------------------------------------------------------------------
# The token metric


def test_the_token_metric_names_the_consumer_and_deployment_within_five_dimensions(example):
    metric = parsed(example["policies/openai-api.xml"]).find("inbound/azure-openai-emit-token-metric")
    dimensions = {d.get("name"): d.get("value") for d in metric.findall("dimension")}
    assert list(dimensions) == ["Subscription ID", "Region", "Consumer", "Deployment"]
    assert len(dimensions) <= policy.MAX_DIMENSIONS == 5
    assert dimensions["Consumer"] == '@((string)context.Variables.GetValueOrDefault("consumer", ""))'
    assert 'MatchedParameters' in dimensions["Deployment"] and '"model"' in dimensions["Deployment"]
    # An Entra call has no subscription: the dimension must not throw.
    assert dimensions["Subscription ID"] == '@(context.Subscription?.Id ?? "")'
    # Without consumers, the metric is as before.
    plain = parsed(render_files(tier5(2))["policies/openai-api.xml"]).find("inbound/azure-openai-emit-token-metric")
    assert [d.get("name") for d in plain.findall("dimension")] == ["Subscription ID", "Region"]


# ---------------------------------------------------------------------------------------------------------------------
# Keys


def _all_text(files: dict[str, str]) -> str:
    return "\n".join(files.values())


def test_keys_go_into_the_named_vault_and_never_into_an_output_parameter_or_readme(example):
    keys = example["modules/consumer-keys.bicep"]
    secrets = bicep_resources(keys, SECRET)
    assert [s.body["name"] for s in secrets] == ["apim-claims-key", "apim-marketing-key"]
    for secret in secrets:
        assert secret.body["properties"]["value"].text.endswith(".listSecrets().primaryKey")
        assert isinstance(secret.body["properties"]["attributes"]["exp"], Reference)
    vault = bicep_declarations(keys)["vault"]
    assert vault.existing and vault.body["name"] == Reference("keyVaultName")
    main = bicep_declarations(example["main.bicep"])
    call = main["consumerKeys"]
    assert call.body["params"]["keyVaultName"] == "kv-claims-platform"
    assert call.body["scope"].text == "resourceGroup('rg-claims-platform')"
    assert [r.path for r in call.body["dependsOn"]] == ["apiManagementApi"]
    # No output, parameter or README holds a key, nor the call that reads one.
    for path, text in example.items():
        outputs = [line for line in text.splitlines() if line.startswith("output ")]
        assert not any("listSecrets" in line or "primaryKey" in line or "Key" in line.split("=")[0].split()[-1:]
                       for line in outputs), path
    assert "listSecrets()" not in example["main.bicep"]
    assert "primaryKey" not in example["README.md"] and "primaryKey" not in example["main.bicepparam"]
    assert not any("key" in name.lower() for name in parse_bicepparam(example["main.bicepparam"]))


def test_without_a_vault_the_readme_shows_how_to_read_each_consumers_keys():
    files = render_files(consumers("name: team-a", "name: team-b"))
    assert "modules/consumer-keys.bicep" not in files
    readme = files["README.md"]
    for name in ("team-a", "team-b"):
        assert f"/subscriptions/consumer-{name}/listSecrets?api-version=2024-05-01" in readme
    assert "listSecrets" not in files["main.bicep"] and "primaryKey" not in _all_text(files)


# ---------------------------------------------------------------------------------------------------------------------
# Chargeback


def _kql_properties(query: str) -> set[str]:
    return set(re.findall(r'Properties\["([^"]+)"\]', query))


def test_the_chargeback_reads_only_documented_tables_columns_and_the_policys_dimensions(example):
    design = design_of(EXAMPLE.read_text(encoding="utf-8"))
    query = design.api_management.chargeback.query
    documented = metrics.data()["tables"]["AppMetrics"]["columns"]
    assert re.search(r"^AppMetrics$", query, re.M)
    tables = set(re.findall(r"^(\w+)$", query, re.M))
    assert tables == {"AppMetrics"}
    for column in ("TimeGenerated", "Name", "Sum", "Properties"):
        assert column in documented and column in query
    names = {d.name for d in design.api_management.metric_dimensions}
    assert _kql_properties(query) == {"Consumer", "Deployment", "Region"} <= names
    emitted = metrics.data()["custom"]["azure-openai-emit-token-metric"]["metrics"]
    assert set(re.findall(r'"((?:Prompt|Completion) Tokens)"', query)) <= set(emitted)
    assert '"chat", "gpt-5.4", real(0.004), real(0.004)' in query
    # The workbook's Chargeback tab runs the same query, and the README prints it.
    workbook = json.loads(design.workbook.serialized)
    [group] = [item for item in workbook["items"] if item.get("name") == "chargeback"]
    assert [i["content"]["query"] for i in group["content"]["items"] if i["type"] == 3] == [query]
    assert query in example["README.md"]


def test_without_a_rate_the_chargeback_prices_from_the_dated_table():
    prices = resources.data("prices.json")
    text = consumers("name: team-a").replace("model: gpt-5.4-mini", "model: gpt-4.1-mini") \
        .replace('version: "2026-03-17"', 'version: "2025-04-14"')
    design = design_of(text)
    query = design.api_management.chargeback.query
    rate = prices["tokens"]["models"]["gpt-4.1-mini"]["GlobalStandard"]
    assert f'"chat", "gpt-4.1-mini", real({rate["input"]}), real({rate["output"]})' in query
    assert prices["date"] in query
    unpriced = design_of(consumers("name: team-a")).api_management.chargeback
    assert "real(null), real(null)" in unpriced.query and unpriced.unpriced == ("chat",)


# ---------------------------------------------------------------------------------------------------------------------
# The plan


def test_a_render_with_consumers_leaves_the_default_product_and_subscription_behind_with_their_delete_commands(
        tmp_path):
    path, out = tmp_path / "spec.yaml", tmp_path / "infra"
    path.write_text(tier5(2), encoding="utf-8")
    api.render_spec(path, out)
    path.write_text(consumers("name: team-a"), encoding="utf-8")
    plan = api.plan_spec(path, out)
    left = {c.resource.type: c for c in plan.resources.left_behind}
    assert left[PRODUCT].shown_name.endswith("/azure-openai")
    assert left[SUBSCRIPTION].shown_name.endswith("/default")
    assert left[PRODUCT].commands[0].startswith("az apim product delete --resource-group rg-")
    assert "--product-id azure-openai --delete-subscriptions true --yes" in left[PRODUCT].commands[0]
    assert left[SUBSCRIPTION].commands[0].startswith("az rest --method delete --url ")
    assert "/subscriptions/default?api-version=" in left[SUBSCRIPTION].commands[0]
    created = {(c.resource.type, c.shown_name.split("/")[-1]) for c in plan.resources.created}
    assert {(PRODUCT, "consumer-team-a"), (SUBSCRIPTION, "consumer-team-a")} <= created
