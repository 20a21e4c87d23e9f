"""The workbook: its JSON parses, names only what the metric table holds, shows what each tier has, and keeps its name
when the tier or the regions change."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from azoai_gen import cost, resources
from azoai_gen.design import workbook as design_workbook
from _support import (TWO_REGIONS, bicep_declarations, bicep_resources, bicep_var, design_of, render_files, spec,
                      tier4, tier5)

MODULE = "modules/workbook.bicep"
WORKBOOKS = "Microsoft.Insights/workbooks"
#: The portal's aggregation codes, as exported workbooks write them.
AGGREGATION_NAMES = {1: "Total", 2: "Minimum", 3: "Maximum", 4: "Average"}
#: Which module parameter holds the IDs of each resource type's charts.
PARAMETER_OF = {"microsoft.cognitiveservices/accounts": "accountIds", "microsoft.cdn/profiles": "frontDoorIds",
                "microsoft.apimanagement/service": "apiManagementIds"}
#: The words of KQL the queries use; every other word is a column of the table or a name the query makes.
KQL_WORDS = {"where", "in", "extend", "tostring", "summarize", "sum", "sumif", "by", "bin", "order", "asc", "desc"}
NO_WORKBOOK = "monitoring:\n  workbook: false\n"


def no_workbook(text: str) -> str:
    """``text`` with ``monitoring.workbook: false`` in its monitoring section (added when it has none)."""
    if "\nmonitoring:\n" in text:
        return text.replace("\nmonitoring:\n", "\nmonitoring:\n  workbook: false\n", 1)
    return text + NO_WORKBOOK


def template(files: dict[str, str]) -> str:
    text, _ = bicep_var(files[MODULE], "serializedTemplate")
    return text


def placeholders(files: dict[str, str]) -> list[str]:
    """The module parameters serializedData puts in, in order, each as ``replace(<t>, '"<<p>>"', string(p))``."""
    body = bicep_resources(files[MODULE], WORKBOOKS)[0].body
    expression = body["properties"]["serializedData"].text
    pairs = re.findall(r"""'"<<(\w+)>>"', string\((\w+)\)\)""", expression)
    assert all(token == param for token, param in pairs), pairs
    assert expression == "replace(" * len(pairs) + "serializedTemplate" + "".join(
        f", '\"<<{p}>>\"', string({p}))" for p, _ in pairs)
    return [p for p, _ in pairs]


def deployed(files: dict[str, str]) -> dict:
    """The JSON as Azure receives it, with example IDs where the module puts each parameter's array."""
    text = template(files)
    for param in placeholders(files):
        text = text.replace(f'"<<{param}>>"', json.dumps([f"/subscriptions/s/resourceGroups/g/ids/{param}"]))
    assert "<<" not in text
    return json.loads(text)


def items(node) -> list[dict]:
    """Every item, groups opened."""
    found = []
    for item in node["items"]:
        found.append(item)
        if item["type"] == 12:
            found += items(item["content"])
    return found


def metric_items(files: dict[str, str]) -> list[dict]:
    return [i["content"] for i in items(deployed(files)) if i["type"] == 10]


def query_items(files: dict[str, str]) -> list[dict]:
    return [i["content"] for i in items(deployed(files)) if i["type"] == 3]


SPECS = {"tier1": spec(1), "tier2": spec(2, regions=TWO_REGIONS), "tier3": spec(3, regions=TWO_REGIONS),
         "tier4": tier4(), "tier4-app": tier4(app=True, extra="frontDoor:\n  origin: app\n"), "tier5": tier5(3)}


@pytest.fixture(scope="module", params=sorted(SPECS))
def rendered(request) -> dict[str, str]:
    return render_files(SPECS[request.param])


def test_the_json_parses_sorted_and_compact_with_every_placeholder_a_module_parameter(rendered):
    text = template(rendered)
    data = json.loads(text)
    assert data["version"] == "Notebook/1.0"
    assert json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True) == text
    used = set(re.findall(r'"<<(\w+)>>"', text))
    params = placeholders(rendered)
    assert used == set(params)
    declared = {name for name in re.findall(r"^param (\w+) array$", rendered[MODULE], re.M)}
    assert set(params) == declared
    # main.bicep passes each one, as an array.
    call = bicep_declarations(rendered["main.bicep"])["workbook"].body["params"]
    assert all(isinstance(call[p], list) and call[p] for p in params)
    assert len(call["accountIds"]) == len(re.findall(r"^module openai\w+ ", rendered["main.bicep"], re.M))


def test_every_metric_is_in_the_metric_table_with_its_aggregation_and_dimensions(rendered):
    table = resources.data("metrics.json")["platform"]
    by_lower = {name.lower(): name for name in table}
    charts = metric_items(rendered)
    assert charts
    for chart in charts:
        assert chart["version"] == "MetricsItem/2.0"
        assert chart["resourceIds"] == [f"/subscriptions/s/resourceGroups/g/ids/{PARAMETER_OF[chart['resourceType']]}"]
        for metric in chart["metrics"]:
            namespace = by_lower[metric["namespace"]]
            assert metric["namespace"] == chart["resourceType"]
            prefix, name = metric["metric"].split("--")
            assert prefix == metric["namespace"]
            entry = table[namespace]["metrics"][name]
            assert AGGREGATION_NAMES[metric["aggregation"]] in entry["aggregations"], metric
            assert set(metric["splitBy"]) <= set(entry["dimensions"]), metric


def test_every_query_reads_a_documented_table_and_only_its_columns(rendered):
    tables = resources.data("metrics.json")["tables"]
    for chart in query_items(rendered):
        assert chart["crossComponentResources"] == ["/subscriptions/s/resourceGroups/g/ids/workspaceIds"]
        code = re.sub(r'"[^"]*"', '""', chart["query"])  # string literals are values, not names
        table, *rest = re.findall(r"(?<!\w)[A-Za-z_]\w*", code)
        made = set(re.findall(r"([A-Za-z_]\w*) =(?!=)", code))
        assert set(rest) - KQL_WORDS - made <= set(tables[table]["columns"]), chart["query"]


def test_the_design_refuses_a_metric_or_dimension_the_table_does_not_hold():
    with pytest.raises(LookupError, match="no documented metric"):
        design_workbook.series(design_workbook.OPENAI, "Latency", "Average")
    with pytest.raises(LookupError, match="no dimension 'StatusCode'"):
        design_workbook.series(design_workbook.OPENAI, "TokenTransaction", "Total", "StatusCode")
    with pytest.raises(LookupError, match="no Average aggregation"):
        design_workbook.series(design_workbook.OPENAI, "AzureOpenAIRequests", "Average")
    with pytest.raises(LookupError, match="no column"):
        design_workbook.query("q", "AppMetrics", ("Value",), "AppMetrics", "table")


def split(files: dict[str, str]) -> set[tuple[str, str, str]]:
    return {(m["namespace"], m["metric"].split("--")[1], d) for c in metric_items(files) for m in c["metrics"]
            for d in m["splitBy"]}


def test_every_tier_shows_requests_errors_latency_and_tokens_per_region_and_deployment(rendered):
    shown = split(rendered)
    openai = "microsoft.cognitiveservices/accounts"
    for metric in ("AzureOpenAIRequests", "AzureOpenAITimeToResponse", "TokenTransaction"):
        assert {(openai, metric, "Region"), (openai, metric, "ModelDeploymentName")} <= shown
    assert (openai, "AzureOpenAIRequests", "StatusCode") in shown


def test_tiers_1_to_3_have_no_front_door_or_gateway_items():
    for tier in (1, 2, 3):
        files = render_files(spec(tier, regions=TWO_REGIONS))
        assert {namespace for namespace, _, _ in split(files)} == {"microsoft.cognitiveservices/accounts"}
        assert placeholders(files) == ["workspaceIds", "accountIds"] and not query_items(files)


def test_tier_4_splits_front_door_traffic_and_origin_health_by_origin():
    shown = split(render_files(tier4()))
    door = "microsoft.cdn/profiles"
    assert {(door, "OriginRequestCount", "Origin"), (door, "OriginHealthPercentage", "OriginGroup"),
            (door, "OriginHealthPercentage", "Origin")} <= shown
    assert not {s for s in shown if s[0] == "microsoft.apimanagement/service"}


def test_tier_5_splits_gateway_requests_by_region_and_counts_tokens_per_subscription():
    files = render_files(tier5())
    assert ("microsoft.apimanagement/service", "Requests", "Location") in split(files)
    assert ("microsoft.cdn/profiles", "OriginRequestCount", "Origin") in split(files)
    queries = [q["query"] for q in query_items(files)]
    assert queries and all(q.startswith("AppMetrics\n") for q in queries)
    assert any('where Name == "Total Tokens"' in q and 'Properties["Subscription ID"]' in q for q in queries)
    # The policy emits the metric with that dimension, to a workspace-based Application Insights: AppMetrics is in the
    # workspace the workbook queries.
    policy = ET.fromstring(files[design_of(tier5()).api_management.policy_file])
    emit = policy.find("./inbound/azure-openai-emit-token-metric")
    assert {d.get("name") for d in emit.findall("dimension")} >= {"Subscription ID", "Region"}
    component = bicep_resources(files["modules/apim.bicep"], "Microsoft.Insights/components")[0].body["properties"]
    assert component["IngestionMode"] == "LogAnalytics"
    assert component["WorkspaceResourceId"].path == "logAnalyticsWorkspaceId"
    assert bicep_declarations(files["main.bicep"])["apiManagement"].body["params"]["logAnalyticsWorkspaceId"].path \
        == bicep_declarations(files["main.bicep"])["workbook"].body["params"]["workspaceIds"][0].path


def test_tabs_show_one_group_each():
    data = deployed(render_files(tier5()))
    tabs = next(i for i in data["items"] if i["type"] == 11)["content"]["links"]
    groups = [i for i in data["items"] if i["type"] == 12]
    assert [t["subTarget"] for t in tabs] == [g["conditionalVisibility"]["value"] for g in groups] == \
        ["openai", "traffic", "health", "subscriptions"]
    parameters = next(i for i in data["items"] if i["type"] == 9)["content"]["parameters"]
    assert {p["name"]: p.get("value") for p in parameters}["selectedTab"] == "openai"


def workbook_resource(text: str):
    return bicep_resources(render_files(text)[MODULE], WORKBOOKS)[0].body


def test_the_name_is_a_guid_of_the_resource_group_workload_and_environment_at_every_tier_and_region_count():
    names = {workbook_resource(text)["name"].text
             for text in (spec(1), spec(2), spec(2, regions=TWO_REGIONS), spec(3, regions=TWO_REGIONS), tier4(),
                          tier4(3), tier5(), tier5(3))}
    assert names == {"guid(resourceGroup().id, 'workbook-claims-prod')"}
    other = workbook_resource(spec(1, replace={"environment: prod": "environment: test"}))["name"].text
    assert other == "guid(resourceGroup().id, 'workbook-claims-test')"
    body = workbook_resource(tier5())
    assert (body["kind"], body["properties"]["category"]) == ("shared", "workbook")
    assert body["properties"]["sourceId"].path == "logAnalyticsWorkspaceId"
    assert body["properties"]["displayName"] == "Azure OpenAI: claims (prod)"


def test_monitoring_workbook_false_renders_none_of_it():
    for text in (spec(1), spec(3, regions=TWO_REGIONS), tier5()):
        with_it, without = render_files(text), render_files(no_workbook(text))
        assert MODULE in with_it and MODULE not in without
        assert "workbook" in bicep_declarations(with_it["main.bicep"])
        assert "workbook" not in bicep_declarations(without["main.bicep"])
        assert WORKBOOKS not in without["azoai-gen.manifest.json"] and "workbook" not in without["README.md"].lower()
        assert design_of(text).resource_count - design_of(no_workbook(text)).resource_count == 2
        assert not [n for n in cost.estimate(design_of(no_workbook(text))).notes if "workbook" in n]


def test_the_workbook_is_free_and_the_readme_says_where_to_open_it():
    design = design_of(tier5())
    notes = [n for n in cost.estimate(design).notes if "workbook" in n]
    assert len(notes) == 1 and "costs nothing" in notes[0]
    assert not [line for line in cost.estimate(design).lines if line.resource_type == WORKBOOKS]
    readme = render_files(tier5())["README.md"]
    assert f"The workbook `{design.workbook.display_name}` has the tabs Azure OpenAI, Traffic by region, Origin " \
           "health and Tokens per subscription: open it from Monitor \\> Workbooks" in readme
    # The diagram draws it, reading the workspace.
    assert 'workbook["Azure Monitor workbook<br/>' in readme and 'workbook -.->|"metrics and queries"| logs' in readme


def test_the_workbook_waits_only_for_the_workspace():
    call = bicep_declarations(render_files(tier5())["main.bicep"])["workbook"].body
    assert "dependsOn" not in call
    text = json.dumps(call["params"], default=lambda v: getattr(v, "text", getattr(v, "path", "")))
    assert ".outputs." not in text
