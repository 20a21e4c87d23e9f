"""The workbook: one Azure Monitor workbook per deployment, its content decided here and printed as JSON.

The content is a small typed structure, tabs (``Section``) of charts: metric charts of the Azure OpenAI accounts, Front
Door and API Management (platform metrics, named through :mod:`azoai_gen.metrics`, so a metric, aggregation or
dimension Azure does not document fails the render) and Log Analytics queries (tables and columns named the same
way). A new tab, such as a chargeback of tokens per consumer, model and region per month, is one more ``Section``.

The resource IDs are known only when Azure deploys: the JSON holds a placeholder string (``"<<accountIds>>"``) where
an array of IDs goes, and the workbook module puts each array in with one ``replace()`` of ``string(array)``. The rest
of the text is fixed here, serialised with sorted keys and no spaces, so a spec renders the same bytes every time.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from .. import metrics
from ..frozen import frozen
from ..model import Spec
from ..naming import Namer
from ..posture import Posture

#: The workbook's category and kind: a shared workbook of the Workbooks gallery (Learn: Microsoft.Insights/workbooks
#: template reference, "kind: Only valid value is shared").
CATEGORY = "workbook"
KIND = "shared"
#: Workbook aggregation codes (1 Sum, 2 Minimum, 3 Maximum, 4 Average), as the portal writes them in exported
#: workbooks; Azure Monitor calls Sum "Total".
AGGREGATIONS = {"Total": 1, "Minimum": 2, "Maximum": 3, "Average": 4}
#: Chart codes of a metrics item.
CHARTS = {"line": 2, "bar": 3, "grid": 0}
#: The time range every chart and query follows, and its choices.
TIME_RANGE = "TimeRange"
TIME_CHOICES_MS = (3_600_000, 14_400_000, 86_400_000, 604_800_000, 2_592_000_000)
DEFAULT_TIME_MS = 86_400_000
#: The parameter the tabs set; each tab's group is shown when it holds the tab's key.
TAB_PARAMETER = "selectedTab"
#: The policy that counts tokens per API Management subscription, and the dimensions the tier 5 policy gives it
#: (``templates/policies/openai-api.xml.j2``; a test holds the two together).
TOKEN_POLICY = "azure-openai-emit-token-metric"
SUBSCRIPTION_DIMENSION = "Subscription ID"
REGION_DIMENSION = "Region"

#: Where the portal lists the workbook.
PORTAL_PATH = "Monitor > Workbooks in the Azure portal, or Workbooks in the resource group's menu"

OPENAI = "Microsoft.CognitiveServices/accounts"
FRONT_DOOR = "Microsoft.Cdn/profiles"
API_MANAGEMENT = "Microsoft.ApiManagement/service"
WORKSPACE = "Microsoft.OperationalInsights/workspaces"


@frozen
class Series:
    """One metric of a chart: validated against the metric table when made."""

    namespace: str
    metric: str
    aggregation: str
    split_by: tuple[str, ...] = ()


@frozen
class MetricChart:
    title: str
    #: The module parameter whose IDs the chart reads (``accountIds``, ``frontDoorIds``, ``apiManagementIds``).
    resources: str
    namespace: str
    series: tuple[Series, ...]
    chart: str = "line"


@frozen
class QueryChart:
    """A Log Analytics query of the workspace; ``table`` and ``columns`` are what the query reads."""

    title: str
    table: str
    columns: tuple[str, ...]
    query: str
    visualization: str


@frozen
class Section:
    """One tab: its key (the value of the tab parameter), its label, a line of text and its charts."""

    key: str
    title: str
    intro: str
    charts: tuple[MetricChart | QueryChart, ...]


@frozen
class WorkbookResources:
    """A module parameter holding resource IDs, and the placeholder string the JSON holds for it."""

    param: str
    description: str

    @property
    def token(self) -> str:
        return f'"<<{self.param}>>"'


@frozen
class Workbook:
    display_name: str
    module_name: str
    #: What ``guid(resourceGroup().id, seed)`` makes the name of: the workload and environment, nothing a tier or a
    #: region changes, so a redeploy updates the same workbook instead of creating a second one.
    name_seed: str
    category: str
    kind: str
    sections: tuple[Section, ...]
    resources: tuple[WorkbookResources, ...]
    #: Whether main.bicep passes the Front Door and API Management IDs.
    front_door: bool
    api_management: bool
    #: The workbook's JSON with placeholders, as the module prints it.
    serialized: str
    #: Where the README says to open it.
    portal_path: str

    @property
    def tabs(self) -> str:
        """The tabs' titles, for the README."""
        titles = [section.title for section in self.sections]
        if len(titles) == 1:
            return f"one tab, {titles[0]}"
        return f"the tabs {', '.join(titles[:-1])} and {titles[-1]}"


def series(namespace: str, metric: str, aggregation: str, *split_by: str) -> Series:
    metrics.platform_metric(namespace, metric, aggregation, split_by)
    return Series(namespace, metric, aggregation, tuple(split_by))


def query(title: str, table: str, columns: tuple[str, ...], text: str, visualization: str) -> QueryChart:
    metrics.table(table, *columns)
    return QueryChart(title, table, columns, text, visualization)


#: The Azure OpenAI tab's single-metric charts, in order: title, metric, aggregation, the dimension it splits by.
OPENAI_CHARTS = (
    ("Requests by model deployment", "AzureOpenAIRequests", "Total", "ModelDeploymentName"),
    ("Requests by region", "AzureOpenAIRequests", "Total", "Region"),
    ("Requests by status code (429 is throttling, 5xx server errors)", "AzureOpenAIRequests", "Total", "StatusCode"),
    ("Availability by region (requests without a server error)", "AzureOpenAIAvailabilityRate", "Average", "Region"),
    ("Time to response by model deployment (ms)", "AzureOpenAITimeToResponse", "Average", "ModelDeploymentName"),
    ("Time to response by region (ms)", "AzureOpenAITimeToResponse", "Average", "Region"),
    ("Tokens by model deployment", "TokenTransaction", "Total", "ModelDeploymentName"),
    ("Tokens by region", "TokenTransaction", "Total", "Region"),
)


def _openai_sections() -> tuple[Section, ...]:
    charts = [MetricChart(title, "accountIds", OPENAI, (series(OPENAI, metric, aggregation, split),))
              for title, metric, aggregation, split in OPENAI_CHARTS]
    charts.append(MetricChart("Prompt and completion tokens", "accountIds", OPENAI, (
        series(OPENAI, "ProcessedPromptTokens", "Total", "ModelDeploymentName"),
        series(OPENAI, "GeneratedTokens", "Total", "ModelDeploymentName")), "grid"))
    return (
        Section("openai", "Azure OpenAI", "Requests, errors, latency and tokens of every region's account, by model "
                "deployment and by region (Azure OpenAI platform metrics).", tuple(charts)),
    )


def _traffic_section(api_management: bool) -> Section:
    charts: list[MetricChart | QueryChart] = [
        MetricChart("Front Door requests by status group", "frontDoorIds", FRONT_DOOR, (
            series(FRONT_DOOR, "RequestCount", "Total", "HttpStatusGroup"),)),
        MetricChart("Requests Front Door sent to each region's origin", "frontDoorIds", FRONT_DOOR, (
            series(FRONT_DOOR, "OriginRequestCount", "Total", "Origin"),)),
        MetricChart("Origin latency by origin (ms)", "frontDoorIds", FRONT_DOOR, (
            series(FRONT_DOOR, "OriginLatency", "Average", "Origin"),)),
    ]
    if api_management:
        charts += [
            MetricChart("API Management requests by gateway region", "apiManagementIds", API_MANAGEMENT, (
                series(API_MANAGEMENT, "Requests", "Total", "Location"),)),
            MetricChart("API Management responses by category", "apiManagementIds", API_MANAGEMENT, (
                series(API_MANAGEMENT, "Requests", "Total", "GatewayResponseCodeCategory"),)),
            MetricChart("Backend duration by gateway region (ms)", "apiManagementIds", API_MANAGEMENT, (
                series(API_MANAGEMENT, "BackendDuration", "Average", "Location"),)),
        ]
    return Section("traffic", "Traffic by region", "How Front Door spreads requests over the regions"
                   + (" and how each API Management gateway region serves them." if api_management else "."),
                   tuple(charts))


def _health_section() -> Section:
    return Section("health", "Origin health", "The share of successful health probes per origin group and origin. "
                   "Front Door treats a group whose origins are all unhealthy as healthy: a fall to 0 for every "
                   "origin at once means a broken probe, not a regional outage.", (
                       MetricChart("Origin health by origin group (%)", "frontDoorIds", FRONT_DOOR, (
                           series(FRONT_DOOR, "OriginHealthPercentage", "Average", "OriginGroup"),)),
                       MetricChart("Origin health by origin (%)", "frontDoorIds", FRONT_DOOR, (
                           series(FRONT_DOOR, "OriginHealthPercentage", "Average", "Origin"),)),
                   ))


def _subscription_section() -> Section:
    for name in ("Total Tokens", "Prompt Tokens", "Completion Tokens"):
        metrics.custom_metric(TOKEN_POLICY, name)
    columns = ("TimeGenerated", "Name", "Sum", "Properties")
    subscription = f'tostring(Properties["{SUBSCRIPTION_DIMENSION}"])'
    region = f'tostring(Properties["{REGION_DIMENSION}"])'
    over_time = (f'AppMetrics\n| where Name == "Total Tokens"\n| extend Subscription = {subscription}\n'
                 "| summarize Tokens = sum(Sum) by bin(TimeGenerated, 1h), Subscription\n| order by TimeGenerated asc")
    table = (f'AppMetrics\n| where Name in ("Prompt Tokens", "Completion Tokens", "Total Tokens")\n'
             f"| extend Subscription = {subscription}, Region = {region}\n"
             '| summarize Prompt = sumif(Sum, Name == "Prompt Tokens"), Completion = sumif(Sum, Name == '
             '"Completion Tokens"), Total = sumif(Sum, Name == "Total Tokens") by Subscription, Region\n'
             "| order by Total desc")
    return Section("subscriptions", "Tokens per subscription", "Tokens each API Management subscription used, as the "
                   "gateway's azure-openai-emit-token-metric policy counts them (Application Insights custom metrics "
                   "in the workspace's AppMetrics table; streamed responses are estimated).", (
                       query("Total tokens per subscription", "AppMetrics", columns, over_time, "timechart"),
                       query("Tokens per subscription and gateway region", "AppMetrics", columns, table, "table"),
                   ))


def _chargeback_section(spec: Spec) -> Section:
    from .chargeback import chargeback

    found = chargeback(spec)
    return Section("chargeback", "Chargeback", "Tokens each consumer used per model (deployment) and gateway region "
                   f"per month, and their cost at {found.pricing}. Set the time range to the months to charge.", (
                       query("Tokens and cost per consumer, model and region per month", found.table, found.columns,
                             found.query, "table"),
                   ))


def sections(posture: Posture) -> tuple[Section, ...]:
    """The tabs a posture's workbook shows: Azure OpenAI always; traffic and origin health with Front Door; tokens
    per subscription with API Management."""
    found = list(_openai_sections())
    if posture.front_door:
        found += [_traffic_section(posture.api_management), _health_section()]
    if posture.api_management:
        found.append(_subscription_section())
    return tuple(found)


def resources(posture: Posture) -> tuple[WorkbookResources, ...]:
    found = [WorkbookResources("workspaceIds", "The Log Analytics workspace: the scope of the workbook's queries."),
             WorkbookResources("accountIds", "Resource ID of every region's Azure OpenAI account.")]
    if posture.front_door:
        found.append(WorkbookResources("frontDoorIds", "Resource ID of the Front Door profile."))
    if posture.api_management:
        found.append(WorkbookResources("apiManagementIds", "Resource ID of the API Management service."))
    return tuple(found)


def workbook_for(spec: Spec, posture: Posture, namer: Namer) -> Workbook | None:
    if not spec.monitoring.workbook:
        return None
    found = sections(posture)
    if posture.api_management and spec.api_management.consumers:
        found += (_chargeback_section(spec),)
    display = f"Azure OpenAI: {spec.workload} ({spec.environment})"
    return Workbook(
        display_name=display, module_name=namer.module("workbook").stem,
        name_seed=f"workbook-{spec.workload}-{spec.environment}", category=CATEGORY, kind=KIND, sections=found,
        resources=resources(posture), front_door=posture.front_door, api_management=posture.api_management,
        serialized=serialize(found),
        portal_path=PORTAL_PATH,
    )


# ---------------------------------------------------------------------------------------------------------------------
# The JSON


def _id(*parts: str) -> str:
    """A stable item or link ID."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "azoai-gen:workbook:" + ":".join(parts)))


def _placeholder(param: str) -> str:
    return f"<<{param}>>"


def _metric_item(chart: MetricChart, name: str) -> dict[str, Any]:
    namespace = chart.namespace.lower()
    return {"type": 10, "name": name, "content": {
        "version": "MetricsItem/2.0", "title": chart.title, "size": 0, "chartType": CHARTS[chart.chart],
        "resourceType": namespace, "metricScope": 0, "resourceIds": _placeholder(chart.resources),
        "timeContextFromParameter": TIME_RANGE, "timeContext": {"durationMs": DEFAULT_TIME_MS},
        "metrics": [{"namespace": s.namespace.lower(), "metric": f"{s.namespace.lower()}--{s.metric}",
                     "aggregation": AGGREGATIONS[s.aggregation], "splitBy": list(s.split_by)}
                    for s in chart.series]}}


def _query_item(chart: QueryChart, name: str) -> dict[str, Any]:
    return {"type": 3, "name": name, "content": {
        "version": "KqlItem/1.0", "title": chart.title, "query": chart.query, "size": 0, "queryType": 0,
        "resourceType": WORKSPACE.lower(), "crossComponentResources": _placeholder("workspaceIds"),
        "timeContextFromParameter": TIME_RANGE, "visualization": chart.visualization}}


def _parameters(first_tab: str) -> dict[str, Any]:
    return {"type": 9, "name": "parameters", "content": {
        "version": "KqlParameterItem/1.0", "style": "pills", "queryType": 0,
        "resourceType": WORKSPACE.lower(), "parameters": [
            {"id": _id("parameter", TIME_RANGE), "version": "KqlParameterItem/1.0", "name": TIME_RANGE,
             "label": "Time range", "type": 4, "isRequired": True, "value": {"durationMs": DEFAULT_TIME_MS},
             "typeSettings": {"selectableValues": [{"durationMs": ms} for ms in TIME_CHOICES_MS]}},
            {"id": _id("parameter", TAB_PARAMETER), "version": "KqlParameterItem/1.0", "name": TAB_PARAMETER,
             "type": 1, "isHiddenWhenLocked": True, "value": first_tab},
        ]}}


def _tabs(found: tuple[Section, ...]) -> dict[str, Any]:
    return {"type": 11, "name": "tabs", "content": {"version": "LinkItem/1.0", "style": "tabs", "links": [
        {"id": _id("tab", s.key), "cellValue": TAB_PARAMETER, "linkTarget": "parameter", "linkLabel": s.title,
         "subTarget": s.key, "style": "link"} for s in found]}}


def _group(section: Section) -> dict[str, Any]:
    items: list[dict[str, Any]] = [{"type": 1, "name": f"{section.key}-intro", "content": {"json": section.intro}}]
    for index, chart in enumerate(section.charts):
        name = f"{section.key}-{index}"
        items.append(_metric_item(chart, name) if isinstance(chart, MetricChart) else _query_item(chart, name))
    return {"type": 12, "name": section.key, "content": {
        "version": "NotebookGroup/1.0", "groupType": "editable", "title": section.title, "items": items},
        "conditionalVisibility": {"parameterName": TAB_PARAMETER, "comparison": "isEqualTo", "value": section.key}}


def document(found: tuple[Section, ...]) -> dict[str, Any]:
    """The workbook as JSON data, with placeholder strings where arrays of resource IDs go."""
    return {"version": "Notebook/1.0",
            "items": [_parameters(found[0].key), _tabs(found)] + [_group(s) for s in found],
            "fallbackResourceIds": _placeholder("workspaceIds"),
            "$schema": "https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json"}


def serialize(found: tuple[Section, ...]) -> str:
    """Deterministic JSON text: sorted keys, no spaces, ASCII."""
    return json.dumps(document(found), sort_keys=True, separators=(",", ":"), ensure_ascii=True)


__all__ = ["Workbook", "Section", "MetricChart", "QueryChart", "Series", "WorkbookResources", "workbook_for",
           "sections", "document", "serialize"]
