"""The alerts: an action group, metric alert rules on every account (all tiers), on Front Door (tiers 4 and 5) and on
API Management (tier 5), and in tier 1 the Key Vault events that warn before the API key's secret expires.

Every metric, aggregation and dimension is named through :func:`azoai_gen.metrics.platform_metric`, which refuses
one that Learn does not document for the resource type; every threshold comes from ``monitoring.alerts.thresholds``
(the schema holds the defaults). Names come from the namer and depend on the workload, the environment, the region's
short code and what the rule watches, never on the tier or a region's position.
"""

from __future__ import annotations

from .. import metrics
from ..azure import PROVISIONED_SKUS
from ..model import AlertThresholds, Deployment, Spec
from ..naming import Namer
from ..posture import Posture
from .records import (ActionGroup, AlertDimension, Alerts, AlertSet, ExpiryEvents, MetricAlert, MetricCriterion,
                      Runbook)

OPENAI = "Microsoft.CognitiveServices/accounts"
FRONT_DOOR = "Microsoft.Cdn/profiles"
API_MANAGEMENT = "Microsoft.ApiManagement/service"

#: Deployment types whose capacity is thousands of tokens per minute (those whose capacity is PTUs are
#: ``azure.PROVISIONED_SKUS``).
TOKEN_SKUS = ("Standard", "GlobalStandard", "DataZoneStandard")
#: Minutes in the window every rule looks back over (``PT5M``).
WINDOW_MINUTES = 5
#: The HTTP status codes counted as server errors on an account.
SERVER_ERRORS = ("500", "502", "503", "504")
#: The Key Vault events that warn before, and when, a secret expires (Learn: "Azure Key Vault as Event Grid
#: source"; SecretNearExpiry is raised 30 days before the expiry).
EXPIRY_EVENTS = ("Microsoft.KeyVault.SecretNearExpiry", "Microsoft.KeyVault.SecretExpired")
#: Days before a secret's expiry that Key Vault raises SecretNearExpiry.
NEAR_EXPIRY_DAYS = 30
SETTING = "monitoring.alerts.thresholds."


def _criterion(namespace: str, metric: str, aggregation: str, operator: str, threshold: int,
               dimensions: tuple[tuple[str, str, tuple[str, ...]], ...] = ()) -> MetricCriterion:
    """A criterion on a documented metric: the metric table refuses an unknown metric, aggregation or dimension."""
    metrics.platform_metric(namespace, metric, aggregation, tuple(name for name, _, _ in dimensions))
    return MetricCriterion(metric, namespace, metric, aggregation, operator, threshold,
                           tuple(AlertDimension(name, op, values) for name, op, values in dimensions))


def _alert(name: str, title: str, meaning: str, first_steps: str, severity: int, criterion: MetricCriterion,
           setting: str) -> MetricAlert:
    return MetricAlert(name, title, meaning, first_steps, severity, criterion, metrics.source(criterion.namespace),
                       SETTING + setting)


def _set(target: str, variable: str, alerts: list[MetricAlert]) -> AlertSet:
    return AlertSet(target, variable, tuple(alerts), tuple(alert.as_param() for alert in alerts))


EACH_DEPLOYMENT = ("ModelDeploymentName", "Include", ("*",))


def _account_alerts(namer: Namer, short: str, limits: AlertThresholds, severity: int) -> list[MetricAlert]:
    where = f"oai-{short}"
    return [
        _alert(namer.metric_alert(f"{where}-throttled").stem, "Azure OpenAI throttling",
               f"More than {limits.throttled_requests} requests to a deployment of the account were answered with "
               f"HTTP 429 in {WINDOW_MINUTES} minutes: the deployment's quota (tokens or requests per minute) is "
               "used up.",
               "Check the deployment's tokens and requests per minute in the account's metrics; callers should retry "
               "after the Retry-After header. Raise the deployment's capacity (quota permitting), spread the load "
               "over another region, or lower the callers' rate.", severity,
               _criterion(OPENAI, "AzureOpenAIRequests", "Total", "GreaterThan", limits.throttled_requests,
                          (("StatusCode", "Include", ("429",)), EACH_DEPLOYMENT)), "throttledRequests"),
        _alert(namer.metric_alert(f"{where}-server-errors").stem, "Azure OpenAI server errors",
               f"More than {limits.server_errors} requests to a deployment of the account failed with a server error "
               f"(HTTP {', '.join(SERVER_ERRORS)}) in {WINDOW_MINUTES} minutes.",
               "Look at Azure Service Health for Azure OpenAI in the region and at the account's RequestResponse logs "
               "in Log Analytics (AzureDiagnostics). If the region is failing, move traffic to another region; "
               "Front Door and the gateway do so on their own in tiers 4 and 5.", severity,
               _criterion(OPENAI, "AzureOpenAIRequests", "Total", "GreaterThan", limits.server_errors,
                          (("StatusCode", "Include", SERVER_ERRORS), EACH_DEPLOYMENT)), "serverErrors"),
        _alert(namer.metric_alert(f"{where}-latency").stem, "Azure OpenAI time to response",
               f"The average time to response of a deployment was above {limits.time_to_response_ms} ms over "
               f"{WINDOW_MINUTES} minutes.",
               "Compare the time to response per deployment and operation in the account's metrics: long prompts, "
               "large max_tokens and a deployment near its capacity all slow responses. Stream long completions, "
               "or add capacity.", severity,
               _criterion(OPENAI, "AzureOpenAITimeToResponse", "Average", "GreaterThan",
                          limits.time_to_response_ms, (EACH_DEPLOYMENT,)), "timeToResponseMs"),
    ]


def _capacity_alerts(namer: Namer, short: str, deployments: tuple[Deployment, ...], percent: int,
                     severity: int) -> list[MetricAlert]:
    """Tokens near each deployment's capacity: tokens per minute for the Standard types (capacity x 1000), one rule
    per capacity; the provisioned utilization for the provisioned types, one rule. A rule names its deployments as
    values of ModelDeploymentName, and Azure evaluates each value as a time series of its own, so a deployment
    added with the same capacity joins its rule; eight regions of 32 deployments stay within Azure Resource Manager's
    800 resources. Batch and developer deployments have no per-minute capacity."""
    steps = ("Check which callers use the deployment (the RequestResponse logs, or the gateway's token metric in "
             "tier 5). Raise its capacity before it throttles, quota permitting, or move load to another deployment "
             "or region.")
    found = []
    for capacity in sorted({d.capacity for d in deployments if d.sku in TOKEN_SKUS}):
        names = tuple(d.name for d in deployments if d.sku in TOKEN_SKUS and d.capacity == capacity)
        per_minute = capacity * 1000
        threshold = per_minute * WINDOW_MINUTES * percent // 100
        # Named after the first deployment of that capacity: scaling a deployment of its own updates its rule.
        found.append(_alert(
            namer.metric_alert(f"oai-{short}-tokens-{names[0]}").stem, f"Tokens near capacity ({capacity}K TPM)",
            f"A deployment of capacity {capacity} ({', '.join(names)}) processed more than {threshold} tokens in "
            f"{WINDOW_MINUTES} minutes: {percent}% of its {per_minute} tokens per minute.", steps, severity,
            _criterion(OPENAI, "TokenTransaction", "Total", "GreaterThan", threshold,
                       (("ModelDeploymentName", "Include", names),)), "tokensNearCapacityPercent"))
    provisioned = tuple(d.name for d in deployments if d.sku in PROVISIONED_SKUS)
    if provisioned:
        spills = [f"{d.name} to {d.spillover}" for d in deployments if d.sku in PROVISIONED_SKUS and d.spillover]
        if not spills:
            full = "at 100% it answers 429"
        elif len(spills) == len(provisioned):
            full = f"at 100% it sends the overflow to its spill-over deployment ({', '.join(spills)})"
        else:
            full = f"at 100% it answers 429, except where it spills over ({', '.join(spills)})"
        found.append(_alert(
            namer.metric_alert(f"oai-{short}-provisioned-utilization").stem, "Provisioned utilization",
            f"A provisioned deployment ({', '.join(provisioned)}) ran at {percent}% or more of its PTUs on average "
            f"over {WINDOW_MINUTES} minutes; {full}.", steps, severity,
            _criterion(OPENAI, "AzureOpenAIProvisionedManagedUtilizationV2", "Average", "GreaterThanOrEqual", percent,
                       (("ModelDeploymentName", "Include", provisioned),)), "tokensNearCapacityPercent"))
    return found


def _front_door_alerts(namer: Namer, limits: AlertThresholds, severity: int) -> list[MetricAlert]:
    group = (("OriginGroup", "Include", ("*",)),)
    return [
        _alert(namer.metric_alert("afd-origin-health").stem, "Front Door origin health",
               f"The origins of an origin group answered fewer than {limits.origin_health_percent}% of Front Door's "
               f"health probes over {WINDOW_MINUTES} minutes: a region is failing, and Front Door sends its traffic "
               "to the others.",
               "Find the failing origin in the FrontDoorHealthProbeLog category (AzureDiagnostics) and check that "
               "region's account or application. Failover is working; the remaining regions carry the load.",
               severity,
               _criterion(FRONT_DOOR, "OriginHealthPercentage", "Average", "LessThan", limits.origin_health_percent,
                          group), "originHealthPercent"),
        _alert(namer.metric_alert("afd-origins-down").stem, "Front Door: every origin failing",
               f"The origins of an origin group answered fewer than {limits.origin_group_down_percent}% of the "
               "health probes: every origin is failing at once. Front Door then treats them all as healthy and "
               "keeps sending traffic to them, so failover is off.",
               "Rule out the probe itself: call the health probe path of each origin by hand; a path that "
               "answers anything but 200 (a changed path, authentication, a firewall that blocks Front Door) marks "
               "every region down while they serve. Otherwise every region is down: check Azure Service Health.",
               max(0, severity - 1),
               _criterion(FRONT_DOOR, "OriginHealthPercentage", "Average", "LessThan",
                          limits.origin_group_down_percent, group), "originGroupDownPercent"),
    ]


def _gateway_alerts(namer: Namer, limits: AlertThresholds, severity: int, consumers: bool) -> list[MetricAlert]:
    each_region = ("Location", "Include", ("*",))
    setting = "the consumer's apiManagement.consumers[].tokensPerMinute" if consumers else \
        "apiManagement.tokensPerMinute"
    return [
        _alert(namer.metric_alert("apim-backend-errors").stem, "API Management backend failures",
               f"More than {limits.backend_errors} requests through the gateway got a server error (5xx) from "
               f"Azure OpenAI in {WINDOW_MINUTES} minutes, in a gateway region.",
               "Look at ApiManagementGatewayLogs (BackendResponseCode, LastErrorReason) for the failing backend and "
               "region. The backend pool's circuit breakers take a failing account out for a minute; check the "
               "account's own server-error alert and the private endpoint's DNS.", severity,
               _criterion(API_MANAGEMENT, "Requests", "Total", "GreaterThan", limits.backend_errors,
                          (("BackendResponseCodeCategory", "Include", ("5xx",)), each_region)), "backendErrors"),
        _alert(namer.metric_alert("apim-capacity").stem, "API Management capacity",
               f"A gateway region ran above {limits.gateway_capacity_percent}% capacity on average over "
               f"{WINDOW_MINUTES} minutes.",
               "Check which region is busy; sustained load above the threshold needs another scale unit "
               "(apiManagement.capacity, billed per unit and region).", severity,
               _criterion(API_MANAGEMENT, "Capacity", "Average", "GreaterThan", limits.gateway_capacity_percent,
                          (each_region,)), "gatewayCapacityPercent"),
        _alert(namer.metric_alert("apim-token-limit").stem, "API Management token limit",
               f"The gateway itself answered more than {limits.token_limit_rejections} requests with HTTP 429 in "
               f"{WINDOW_MINUTES} minutes: a caller used up its tokens per minute. To that caller it looks like an "
               "outage. (A used-up token quota is answered with 403 and is not counted here.)",
               f"Find the caller in ApiManagementGatewayLogs (ResponseCode 429, no backend call). Raise {setting} "
               "if the use is expected, or ask the caller to slow down.", severity,
               _criterion(API_MANAGEMENT, "Requests", "Total", "GreaterThan", limits.token_limit_rejections,
                          (("GatewayResponseCode", "Include", ("429",)),
                           ("BackendResponseCode", "Exclude", ("429",)), each_region)), "tokenLimitRejections"),
    ]


def _expiry_events(namer: Namer, spec: Spec, severity: int) -> ExpiryEvents:
    return ExpiryEvents(
        topic_name=namer.event_grid_topic("kv").stem,
        subscription_name=namer.event_subscription("secret-expiry").stem,
        event_types=EXPIRY_EVENTS,
        severity=f"Sev{severity}",
        description="An Azure OpenAI API key secret in Key Vault expires soon or has expired.",
        meaning=f"Key Vault raised SecretNearExpiry ({NEAR_EXPIRY_DAYS} days before a secret version expires) or "
                f"SecretExpired for an API key secret. Each deployment writes a new version that expires "
                f"{spec.key_vault.secret_expiry_days} days later, so this fires once "
                f"{max(0, spec.key_vault.secret_expiry_days - NEAR_EXPIRY_DAYS)} days have passed without a "
                "deployment.",
        first_steps="Redeploy (the same command as the first deployment) to write a new secret version with a new "
                    "expiry, and make sure callers read the current version. When the key itself was rotated, "
                    "redeploy too: the secret is read from the account.")


def _action_group(spec: Spec, namer: Namer) -> ActionGroup:
    settings = spec.monitoring.alerts
    return ActionGroup(namer.action_group().stem, namer.action_group_short_name().stem,
                       namer.module("action-group").stem, settings.emails, settings.webhook_variable,
                       bool(settings.emails or settings.webhook_variable))


def alerts(spec: Spec, posture: Posture, namer: Namer, regions: list[tuple[str, str, str]]) -> Alerts | None:
    """The alerts of the design, or ``None`` when ``monitoring.alerts.enabled`` is false. ``regions`` holds each
    region's name, short code and symbol."""
    settings = spec.monitoring.alerts
    if not settings.enabled:
        return None
    limits, severity = settings.thresholds, settings.severity
    group = _action_group(spec, namer)
    accounts = {}
    for location, short, symbol in regions:
        found = _account_alerts(namer, short, limits, severity)
        found += _capacity_alerts(namer, short, spec.deployments, limits.tokens_near_capacity_percent, severity)
        accounts[location] = _set(f"the Azure OpenAI account in {location}", f"{symbol}Alerts", found)
    door = _set("Front Door", "frontDoorAlerts", _front_door_alerts(namer, limits, severity)) \
        if posture.front_door else None
    gateway = _set("API Management", "apiManagementAlerts",
                   _gateway_alerts(namer, limits, severity, bool(spec.api_management.consumers))) \
        if posture.api_management else None
    vault = _expiry_events(namer, spec, severity) if posture.key_in_vault else None
    sets = [*accounts.values(), *(s for s in (door, gateway) if s)]
    rules = tuple(alert for s in sets for alert in s.alerts)
    # The action group's module and the group, each rule, and in tier 1 the system topic and its subscription.
    count = 2 + len(rules) + (2 if vault else 0)
    return Alerts(group, accounts, door, gateway, vault, tuple(sets), rules, count, runbook(rules))


def runbook(rules: tuple[MetricAlert, ...]) -> tuple[Runbook, ...]:
    """The rules that read the same in the README (title, severity, meaning, first steps, setting) as one entry naming
    each rule, so that six regions do not repeat one runbook six times."""
    groups: dict[tuple[str, int, str, str, str], list[str]] = {}
    for rule in rules:
        key = (rule.title, rule.severity, rule.meaning, rule.first_steps, rule.setting)
        groups.setdefault(key, []).append(rule.name)
    return tuple(Runbook(title, tuple(names), severity, meaning, first_steps, setting)
                 for (title, severity, meaning, first_steps, setting), names in groups.items())

