"""Alerts: every rule names a metric, aggregation and dimensions that Learn documents for its resource type, its
threshold comes from the spec (defaults in the schema alone), every tier has its rules and the action group, the Key
Vault expiry subscription exists before the secrets are written, names survive a higher tier and another region, and
the webhook's URL never reaches a file."""

from __future__ import annotations

import json

import pytest

from _support import (EXAMPLE_SPECS, LOCATIONS, ROOT, EnvironmentVariable, Loop, Reference, bicep_declarations,
                      bicep_resources, bicep_var, design_of, parse_bicepparam, regional_spec, render_files, render_path,
                      render_text, spec, tier4, tier5, warnings_of)
from azoai_gen import metrics

#: The module each resource type's rules are handed to, and the resource type they watch.
MODULES = {"modules/openai.bicep": "Microsoft.CognitiveServices/accounts",
           "modules/frontdoor.bicep": "Microsoft.Cdn/profiles",
           "modules/apim.bicep": "Microsoft.ApiManagement/service"}
NO_ALERTS = "monitoring:\n  alerts:\n    enabled: false\n"
SCHEMA = json.loads((ROOT / "schemas" / "azoai-gen.schema.json").read_text(encoding="utf-8"))
ALERTS_SCHEMA = SCHEMA["properties"]["monitoring"]["properties"]["alerts"]
THRESHOLDS = ALERTS_SCHEMA["properties"]["thresholds"]["properties"]


def alert_sets(files: dict[str, str]) -> dict[str, list[dict]]:
    """Each module call's alert rules, read from main.bicep: the variable its ``alerts`` argument names, by the
    resource type the module deploys. Also checks that the same call hands over the action group's ID."""
    main = files["main.bicep"]
    found: dict[str, list[dict]] = {}
    for call in bicep_declarations(main).values():
        argument = call.body.get("params", {}).get("alerts") if call.keyword == "module" else None
        if argument is None:
            continue
        assert isinstance(argument, Reference), call.symbol
        assert call.body["params"]["actionGroupId"] == Reference("actionGroup.outputs.resourceId")
        rules, concatenated = bicep_var(main, argument.path)
        assert concatenated == []
        found.setdefault(MODULES[call.type], []).extend(rules)
    return found


def criteria(files: dict[str, str]):
    for namespace, rules in alert_sets(files).items():
        for rule in rules:
            for criterion in rule["criteria"]:
                yield namespace, rule, criterion


@pytest.mark.parametrize("path", EXAMPLE_SPECS, ids=[p.stem for p in EXAMPLE_SPECS])
def test_every_metric_and_dimension_of_every_example_is_in_the_table_for_its_resource_type(path):
    files = render_path(path)
    table = metrics.data()["platform"]
    seen = 0
    for namespace, rule, criterion in criteria(files):
        seen += 1
        assert criterion["metricNamespace"] == namespace, rule["name"]
        entry = table[namespace]["metrics"][criterion["metricName"]]
        assert criterion["timeAggregation"] in entry["aggregations"], rule["name"]
        for dimension in criterion["dimensions"]:
            assert dimension["name"] in entry["dimensions"], (rule["name"], dimension["name"])
            assert dimension["operator"] in ("Include", "Exclude") and dimension["values"]
        assert criterion["skipMetricValidation"] is True and criterion["criterionType"] == "StaticThresholdCriterion"
        assert isinstance(criterion["threshold"], int) and not isinstance(criterion["threshold"], bool)
        assert (rule["evaluationFrequency"], rule["windowSize"]) == ("PT1M", "PT5M")
    assert seen >= 4
    # The modules deploy the rules they are handed, globally, on their own resource, notifying the action group.
    for module, namespace in MODULES.items():
        if module not in files or namespace not in alert_sets(files):
            continue
        (rules,) = bicep_resources(files[module], "Microsoft.Insights/metricAlerts")
        assert isinstance(rules.body, Loop) and rules.body.items == "alerts"
        body = rules.body.body
        assert body["location"] == "global" and body["properties"]["autoMitigate"] is True
        criteria_type = body["properties"]["criteria"]["odata.type"]
        assert criteria_type == "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria"
        assert body["properties"]["actions"] == [{"actionGroupId": Reference("actionGroupId")}]


def test_the_documentation_cites_the_supported_metrics_page_of_every_resource_type():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for namespace in MODULES.values():
        assert metrics.source(namespace) in text, namespace


def _threshold(files: dict[str, str], name_end: str) -> int:
    (rule,) = [r for rules in alert_sets(files).values() for r in rules if r["name"].endswith(name_end)]
    return rule["criteria"][0]["threshold"]


def test_a_threshold_changed_in_the_spec_is_the_threshold_in_the_bicep():
    changed = tier5(extra="monitoring:\n  alerts:\n    emails: [ops@contoso.com]\n    thresholds:\n"
                          "      throttledRequests: 77\n      timeToResponseMs: 4321\n"
                          "      tokensNearCapacityPercent: 50\n"
                          "      originGroupDownPercent: 3\n      tokenLimitRejections: 9\n"
                          "      gatewayCapacityPercent: 60\n")
    files = render_files(changed)
    assert _threshold(files, "oai-sdc-throttled") == 77 and _threshold(files, "oai-frc-throttled") == 77
    assert _threshold(files, "oai-sdc-latency") == 4321
    # Capacity 50 is 50,000 tokens a minute: half of it over the 5-minute window.
    assert _threshold(files, "oai-sdc-tokens-chat") == 50_000 * 5 * 50 // 100
    assert _threshold(files, "afd-origins-down") == 3
    assert _threshold(files, "apim-token-limit") == 9 and _threshold(files, "apim-capacity") == 60


def test_the_defaults_are_the_schemas_and_only_the_schemas():
    design = design_of(tier5())
    defaults = {name: entry["default"] for name, entry in THRESHOLDS.items()}
    assert set(defaults) == {rule.setting.rsplit(".", 1)[1] for rule in design.alerts.rules}
    for rule in design.alerts.rules:
        default = defaults[rule.setting.rsplit(".", 1)[1]]
        if rule.criterion.metric == "TokenTransaction":  # capacity 50: percent of 50,000 tokens a minute, 5 minutes
            assert rule.criterion.threshold == 50_000 * 5 * default // 100
        else:
            assert rule.criterion.threshold == default, rule.name
    assert ALERTS_SCHEMA["properties"]["enabled"]["default"] is True
    assert design.alerts.rules[0].severity == ALERTS_SCHEMA["properties"]["severity"]["default"]
    # The model reads every threshold from the data the schema filled in: none has a default of its own.
    model = (ROOT / "azoai_gen" / "model.py").read_text(encoding="utf-8")
    assert all(f'limits["{name}"]' in model for name in THRESHOLDS)
    assert "limits.get(" not in model


@pytest.mark.parametrize("tier", [1, 2, 3, 4, 5])
def test_every_tier_has_its_alerts_and_the_action_group(tier):
    files = render_files(regional_spec(tier) if tier >= 4 else spec(tier))
    (group,) = bicep_resources(files["modules/action-group.bicep"], "Microsoft.Insights/actionGroups")
    assert group.body["location"] == "global"
    receivers = group.body["properties"]["emailReceivers"]
    assert isinstance(receivers, Loop) and receivers.body["useCommonAlertSchema"] is True
    main = bicep_declarations(files["main.bicep"])
    assert main["actionGroup"].body["params"]["emails"] == Reference("alertEmails")
    assert len(main["actionGroup"].body["params"]["shortName"]) <= 12
    expected = {"Microsoft.CognitiveServices/accounts"}
    expected |= {"Microsoft.Cdn/profiles"} if tier >= 4 else set()
    expected |= {"Microsoft.ApiManagement/service"} if tier == 5 else set()
    assert set(alert_sets(files)) == expected
    vault = files.get("modules/keyvault.bicep", "")
    assert bool(bicep_resources(vault, "Microsoft.EventGrid/systemTopics")) == (tier == 1)


def test_the_alerts_watch_what_each_resource_documents_for_its_failures():
    found = {rule["name"].split("prod-", 1)[1]: rule["criteria"][0]
             for rules in alert_sets(render_files(tier5())).values() for rule in rules}
    assert {"oai-sdc-throttled", "oai-sdc-server-errors", "oai-sdc-latency", "oai-sdc-tokens-chat",
            "afd-origin-health", "afd-origins-down", "apim-backend-errors", "apim-capacity",
            "apim-token-limit"} <= set(found)
    dims = {key: {d["name"]: (d["operator"], d["values"]) for d in c["dimensions"]} for key, c in found.items()}
    assert dims["oai-sdc-throttled"]["StatusCode"] == ("Include", ["429"])
    assert dims["oai-sdc-tokens-chat"]["ModelDeploymentName"] == ("Include", ["chat"])
    assert found["afd-origins-down"]["operator"] == "LessThan" and dims["afd-origins-down"]["OriginGroup"][1] == ["*"]
    # Rejected by the gateway's token limit: a 429 from the gateway that the backend did not answer with.
    assert dims["apim-token-limit"]["GatewayResponseCode"] == ("Include", ["429"])
    assert dims["apim-token-limit"]["BackendResponseCode"] == ("Exclude", ["429"])
    assert dims["apim-capacity"]["Location"] == ("Include", ["*"])


def test_provisioned_deployments_alert_on_their_utilization_and_others_share_a_rule_per_capacity():
    text = spec(2).replace("    capacity: 50\n", "    capacity: 50\n  - name: second\n    model: gpt-5.4-mini\n"
                           "    version: \"2026-03-17\"\n    sku: GlobalStandard\n    capacity: 50\n"
                           "  - name: reserved\n    model: gpt-4o\n    version: \"2024-11-20\"\n"
                           "    sku: GlobalProvisionedManaged\n    capacity: 15\n")
    rules = {r["name"]: r["criteria"][0]
             for r in alert_sets(render_files(text))["Microsoft.CognitiveServices/accounts"]}
    tokens = rules["alert-claims-prod-oai-sdc-tokens-chat"]
    assert tokens["dimensions"] == [
        {"name": "ModelDeploymentName", "operator": "Include", "values": ["chat", "second"]}]
    utilization = rules["alert-claims-prod-oai-sdc-provisioned-utilization"]
    assert utilization["metricName"] == "AzureOpenAIProvisionedManagedUtilizationV2"
    assert utilization["dimensions"][0]["values"] == ["reserved"] and utilization["threshold"] == 80


def _every_file(files: dict[str, str]) -> str:
    return "\n".join(files.values())


@pytest.mark.parametrize("tier", [1, 2, 3, 4, 5])
def test_alerts_off_renders_no_rule_action_group_event_grid_or_runbook(tier):
    text = (regional_spec(tier, extra=NO_ALERTS) if tier >= 4 else spec(tier, extra=NO_ALERTS))
    files = render_files(text)
    everything = _every_file(files)
    for word in ("Microsoft.Insights/metricAlerts", "Microsoft.Insights/actionGroups", "Microsoft.EventGrid",
                 "actionGroup", "alertEmails", "## Alerts"):
        assert word not in everything, word
    assert "modules/action-group.bicep" not in files
    assert design_of(text).alerts is None
    assert not any(r.type.startswith(("Microsoft.Insights/metricAlerts", "Microsoft.EventGrid"))
                   for r in design_of(text).azure_resources)


def _names(text: str) -> set[str]:
    return {name.stem for name in design_of(text).names if name.rule in ("metricAlert", "actionGroup",
                                                                          "actionGroupShortName", "eventGridTopic")}


def test_raising_the_tier_or_adding_a_region_renames_no_alert():
    two = LOCATIONS[:2]
    by_tier = [_names(regional_spec(tier, 2) if tier >= 4 else spec(tier, regions="".join(
        f"  - location: {loc}\n" for loc in two))) for tier in (1, 2, 3, 4, 5)]
    account_rules = {n for n in by_tier[0] if "-oai-" in n}
    assert account_rules and all(account_rules <= names for names in by_tier)
    assert {n for n in by_tier[3] if "-afd-" in n} <= by_tier[4]
    assert all("ag-claims-prod" in names for names in by_tier)
    assert _names(tier5(2)) <= _names(tier5(3)) and _names(tier4(2)) <= _names(tier4(3))


def test_the_expiry_subscription_exists_before_the_secrets_are_written():
    files = render_files(spec(1))
    vault = bicep_declarations(files["modules/keyvault.bicep"])
    assert vault["events"].body["properties"] == {"source": Reference("vault.id"),
                                                 "topicType": "Microsoft.KeyVault.vaults"}
    subscription = vault["secretExpiry"].body
    assert subscription["parent"] == Reference("events")
    assert subscription["properties"]["eventDeliverySchema"] == "CloudEventSchemaV1_0"
    assert subscription["properties"]["filter"]["includedEventTypes"] == ["Microsoft.KeyVault.SecretNearExpiry",
                                                                         "Microsoft.KeyVault.SecretExpired"]
    destination = subscription["properties"]["destination"]
    assert destination["endpointType"] == "MonitorAlert"
    assert destination["properties"]["actionGroups"] == [Reference("actionGroupId")]
    assert destination["properties"]["severity"] == "Sev2"
    # Every account module writes its secret into the vault named by the vault module's output: Azure Resource
    # Manager starts it only when that module, the subscription included, has finished.
    main = bicep_declarations(files["main.bicep"])
    assert main["keyVault"].body["params"]["actionGroupId"] == Reference("actionGroup.outputs.resourceId")
    accounts = [d for d in main.values() if d.type == "modules/openai.bicep"]
    assert accounts and all(d.body["params"]["keyVaultName"] == Reference("keyVault.outputs.name") for d in accounts)
    openai = bicep_declarations(files["modules/openai.bicep"])
    assert openai["keySecret"].body["parent"] == Reference("vault") and openai["vault"].existing


def test_the_webhook_url_reaches_no_file(monkeypatch):
    secret = "https://hooks.example.com/services/T0/B0/s3cr3t-token"
    monkeypatch.setenv("ALERT_WEBHOOK_URL", secret)
    text = spec(1, extra="monitoring:\n  alerts:\n    webhook:\n      urlEnvironmentVariable: ALERT_WEBHOOK_URL\n")
    files = render_files(text)
    assert secret not in _every_file(files) and "s3cr3t" not in _every_file(files)
    assert parse_bicepparam(files["main.bicepparam"])["alertWebhookUrl"] == EnvironmentVariable("ALERT_WEBHOOK_URL")
    assert "@secure()\nparam alertWebhookUrl string" in files["main.bicep"]
    assert "@secure()\nparam webhookUrl string" in files["modules/action-group.bicep"]
    (group,) = bicep_resources(files["modules/action-group.bicep"], "Microsoft.Insights/actionGroups")
    assert group.body["properties"]["webhookReceivers"] == [
        {"name": "webhook", "serviceUri": Reference("webhookUrl"), "useCommonAlertSchema": True}]
    assert "`ALERT_WEBHOOK_URL`" in files["README.md"]
    # The webhook alone is a receiver: no warning that nobody is notified.
    assert not any("notify nobody" in w for w in warnings_of(text))


def test_the_readme_lists_every_alert_with_what_it_means_and_what_to_do_first():
    text = tier5()
    design = design_of(text)
    readme = render_files(text)["README.md"]
    section = readme.split("## Alerts\n", 1)[1].split("\n## ", 1)[0]
    for rule in design.alerts.rules:
        assert f"`{rule.name}`" in section and "First: " in section
    tier1 = render_files(spec(1))["README.md"].split("## Alerts\n", 1)[1].split("\n## ", 1)[0]
    assert "`secret-expiry`" in tier1 and "at most one Event Grid system topic" in tier1


def test_without_receivers_the_rules_exist_and_a_warning_says_nobody_is_notified():
    text = spec(2, extra="monitoring:\n  alerts:\n    severity: 3\n")
    assert design_of(text).alerts.rules
    found = [w for w in warnings_of(text) if "notify nobody" in w]
    assert len(found) == 1 and "hint: add monitoring.alerts.emails" in found[0]
    assert "**nobody yet**" in render_files(text)["README.md"]


def test_the_readme_lists_each_rule_once_with_the_rules_that_mean_the_same_thing_together():
    rendered = render_text(tier5(6))
    alerts = rendered.design.alerts
    section = rendered.files["README.md"].split("## Alerts", 1)[1].split("\n## ", 1)[0]
    for rule in alerts.rules:
        assert section.count(f"`{rule.name}`") == 1, rule.name
    throttling = [entry for entry in alerts.runbook if entry.setting.endswith("throttledRequests")]
    assert len(throttling) == 1 and len(throttling[0].names) == 6
    assert section.count("Azure OpenAI throttling") == 1
    assert sum(len(entry.names) for entry in alerts.runbook) == len(alerts.rules)


def test_a_readme_with_private_endpoints_says_where_telemetry_goes_and_why_no_private_link_scope_is_rendered():
    for text, private, gateway in ((spec(1), False, False), (spec(2), False, False), (spec(3), True, False),
                                   (tier4(), False, False), (tier5(), True, True)):
        files = render_files(text)
        readme = " ".join(files["README.md"].split())
        assert ("No AMPLS is rendered" in readme) is private
        assert ("public ingestion endpoint, which accepts only its Entra ID identity" in readme) is gateway
        assert "privateLinkScopes" not in "".join(files.values())


def test_the_provisioned_utilization_alert_says_where_a_spill_over_sends_the_overflow():
    ptu = ("  - name: chat-ptu\n    model: gpt-5.4-mini\n    version: \"2026-03-17\"\n    sku: GlobalProvisionedManaged\n"
           "    capacity: 15\n")
    base = spec(2)
    plain = design_of(_with_deployment(base, ptu))
    spilled = design_of(_with_deployment(base, ptu + "    spillover: chat\n"))
    meaning = {rule.title: rule.meaning for rule in plain.alerts.rules}["Provisioned utilization"]
    assert meaning.endswith("at 100% it answers 429.")
    meaning = {rule.title: rule.meaning for rule in spilled.alerts.rules}["Provisioned utilization"]
    assert meaning.endswith("sends the overflow to its spill-over deployment (chat-ptu to chat).")


def _with_deployment(text: str, item: str) -> str:
    """``text`` with ``item`` appended to its deployments list."""
    head, tail = text.split("deployments:\n", 1)
    lines = tail.splitlines(keepends=True)
    end = next(i for i, line in enumerate(lines) if line.strip() and not line.startswith(" "))
    return head + "deployments:\n" + "".join(lines[:end]) + item + "".join(lines[end:])


def test_the_token_limit_runbook_names_the_setting_that_limits_the_callers():
    plain = {r.title: r for r in design_of(tier5()).alerts.rules}["API Management token limit"]
    assert "Raise apiManagement.tokensPerMinute" in plain.first_steps
    consumers = design_of(tier5(extra="apiManagement:\n  consumers:\n    - name: team-a\n      tokenQuota: 9000\n"))
    rule = {r.title: r for r in consumers.alerts.rules}["API Management token limit"]
    assert "Raise the consumer's apiManagement.consumers[].tokensPerMinute" in rule.first_steps
    assert "answered with 403 and is not counted here" in rule.meaning
