"""The records a design is made of. Templates read these attributes and print them; they decide nothing."""

from __future__ import annotations

from typing import Any

from ..frozen import frozen


@frozen
class GlobalName:
    """A name as the templates need it: the literal stem, whether the suffix follows, and an example."""

    stem: str
    suffixed: bool
    example: str


@frozen
class Skip:
    """A checkov finding accepted by design, with the reason printed beside it."""

    id: str
    reason: str


@frozen
class Ref:
    """A Bicep expression that refers to something deployed: ``symbol.outputs.name`` and the like.

    Where a value is either a literal from the spec or the output of a module, the design holds a ``str`` or a
    ``Ref`` and the ``bicep_value`` filter prints either, so templates never branch on where a value comes from.
    """

    expression: str


@frozen
class Grant:
    """One role assignment, or one per spec principal: who gets which built-in role on what.

    ``scope`` is the module that holds the assignment (``account``, ``keyVault``, or ``gateway`` for
    modules/gateway-roles.bicep, which grants the gateway its role on each account); ``principal`` is
    ``identity`` (the caller identity created here), ``principals`` (the spec's principals, from the parameter
    file) or ``apiManagement`` (the gateway's identity). ``principal_id`` is the reference to a principal created by
    the deployment; the spec's principals carry their own IDs.
    """

    scope: str
    principal: str
    role: str
    description: str
    principal_id: Ref | None = None
    principal_type: str = "ServicePrincipal"


@frozen
class RoleAssignments:
    """The role assignments of one module, as main.bicep builds them: a variable holding the identities created
    here, concatenated with the spec's principals where they are granted too."""

    variable: str
    role_id: str
    comment: str
    entries: tuple[Grant, ...]
    with_principals: bool
    only_principals: bool


@frozen
class Generator:
    name: str
    version: str


@frozen
class TierView:
    number: int
    title: str
    summary: str
    disable_local_auth: bool
    public_network: bool
    key_in_vault: bool
    #: How callers reach Azure OpenAI: the key from Key Vault, the gateway, or (neither) Entra ID tokens.
    callers_read_key: bool
    callers_use_gateway: bool
    #: How long a first deployment takes, for the README.
    deploy_time: str


@frozen
class NamingView:
    suffix: str | None
    suffix_length: int


@frozen
class Monitoring:
    create: bool
    workspace_id: str
    name: str
    module_name: str
    retention_in_days: int
    #: ``logAnalyticsWorkspaceId`` in main.bicep: the module's output or the spec's existing workspace.
    workspace: Any


@frozen
class Identity:
    name: str
    module_name: str


@frozen
class KeyVault:
    name: GlobalName
    module_name: str
    sku: str
    soft_delete_retention_in_days: int
    allowed_ip_ranges: tuple[str, ...]
    secret_expiry_days: int
    secret_expiry_duration: str
    #: Allow (RBAC alone decides) unless the spec narrows the firewall to keyVault.allowedIpRanges.
    network_default_action: str
    role_assignments: RoleAssignments | None
    checkov_skips: tuple[Skip, ...]


@frozen
class Account:
    kind: str
    public_network_access: str
    private_endpoint: bool
    network_bypass: str
    restrict_outbound: bool
    allowed_fqdns: tuple[str, ...]
    network_default_action: str
    role_assignments: RoleAssignments | None
    #: Whether the callers (not only the gateway) get a role on the accounts.
    grants_callers: bool
    allowed_ip_ranges: tuple[str, ...]
    checkov_skips: tuple[Skip, ...]


@frozen
class Fixed:
    """Something that cannot change once deployed, recorded in the manifest so that a later render can refuse to
    change it: a deployed name, a VNet's range, the shared location, the vault's soft-delete retention, or one of
    the spec values every name is made of.

    ``key`` and ``value`` are what the manifest records. ``where`` lists the spec paths that control it, most
    specific first: a refusal is located at the first one the spec writes. ``derived_from`` names the keys of the
    facts this one is made of (a name is made of the workload, the environment and the suffix), so that one changed
    workload is one problem, not one per renamed resource. ``what`` says what it is, ``hint`` what to do instead.
    """

    key: str
    value: str
    where: tuple[tuple[Any, ...], ...]
    what: str
    hint: str
    derived_from: tuple[str, ...] = ()


@frozen
class RecordedGrant:
    """One role assignment as the manifest records it, so that a later render can tell which ones it no longer
    makes. ``scope`` and ``principal`` refer to keys of the manifest's names (``account/<region>``, ``keyVault``;
    ``identity``, ``apiManagement``) or, for the spec's principals, ``principals/<object ID>``; ``role`` is the
    built-in role definition's ID."""

    scope: str
    principal: str
    role: str


@frozen
class DeployedModel:
    """One model deployment of an Azure OpenAI account, as the manifest records it: a child resource that holds
    quota (and, on a provisioned SKU, bills per PTU-hour) until deleted."""

    name: str
    model: str
    version: str
    sku: str
    capacity: int


@frozen
class DeployedResource:
    """One Azure resource the deployment creates, as the manifest records it, so that a later render can tell what
    it creates, keeps and leaves behind. Child resources (subnets, routes) go with their parent and are not listed,
    except an account's model deployments, which it lists (``deployments``)."""

    #: The ARM resource type, such as ``Microsoft.CognitiveServices/accounts``.
    type: str
    #: The name as the manifest records it: a suffix computed at deployment time is written symbolically.
    name: str
    resource_group: str
    location: str
    #: What computes part of the name at deployment time (``uniqueString(resourceGroup().id)``), or empty.
    computed_by: str = ""
    #: An Azure OpenAI account's model deployments; ``None`` for every other resource.
    deployments: tuple[DeployedModel, ...] | None = None


@frozen
class AlertDimension:
    """A dimension filter of a metric criterion: ``Include`` or ``Exclude`` these values (``*`` splits by it)."""

    name: str
    operator: str
    values: tuple[str, ...]


@frozen
class MetricCriterion:
    """One static-threshold condition on a documented metric (checked against ``data/metrics.json``)."""

    name: str
    namespace: str
    metric: str
    aggregation: str
    operator: str
    threshold: int
    dimensions: tuple[AlertDimension, ...]

    def as_param(self) -> dict[str, Any]:
        """The criterion as Azure takes it. ``skipMetricValidation``: a new resource has not emitted the metric yet,
        and a deployment type may never emit it (provisioned metrics on Standard deployments)."""
        return {"criterionType": "StaticThresholdCriterion", "name": self.name, "metricNamespace": self.namespace,
                "metricName": self.metric, "timeAggregation": self.aggregation, "operator": self.operator,
                "threshold": self.threshold,
                "dimensions": [{"name": d.name, "operator": d.operator, "values": list(d.values)}
                               for d in self.dimensions],
                "skipMetricValidation": True}


@frozen
class MetricAlert:
    """A metric alert rule on one resource, with what it means and what to do first (the README's runbook)."""

    name: str
    title: str
    meaning: str
    first_steps: str
    severity: int
    criterion: MetricCriterion
    #: The Learn "supported metrics" page of the metric.
    source: str
    #: The spec setting that holds the threshold.
    setting: str
    evaluation_frequency: str = "PT1M"
    window_size: str = "PT5M"

    def as_param(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.meaning, "severity": self.severity,
                "evaluationFrequency": self.evaluation_frequency, "windowSize": self.window_size,
                "criteria": [self.criterion.as_param()]}


@frozen
class Runbook:
    """One entry of the README's alert list: the rules that mean the same thing (one per region, say) together."""

    title: str
    names: tuple[str, ...]
    severity: int
    meaning: str
    first_steps: str
    setting: str


@frozen
class AlertSet:
    """The metric alert rules of one resource, as main.bicep hands them to the resource's module (``variable``)."""

    #: What the rules watch, in words.
    target: str
    variable: str
    alerts: tuple[MetricAlert, ...]
    param: tuple[dict[str, Any], ...]


@frozen
class ActionGroup:
    name: str
    short_name: str
    module_name: str
    emails: tuple[str, ...]
    #: The environment variable main.bicepparam reads the webhook's URL from, or ``None`` without a webhook.
    webhook_variable: str | None
    #: Whether anyone is notified at all.
    notifies: bool


@frozen
class ExpiryEvents:
    """Tier 1: the vault's Event Grid system topic and the subscription that turns secret expiry events into
    Azure Monitor alerts through the action group."""

    topic_name: str
    subscription_name: str
    event_types: tuple[str, ...]
    severity: str
    description: str
    meaning: str
    first_steps: str


@frozen
class Alerts:
    action_group: ActionGroup
    #: Each region's account: its set by region name.
    accounts: dict[str, AlertSet]
    front_door: AlertSet | None
    api_management: AlertSet | None
    key_vault: ExpiryEvents | None
    #: Every set, in the order main.bicep declares them: the accounts', Front Door's, API Management's.
    sets: tuple[AlertSet, ...]
    #: Every metric alert of the render, in the order the README lists them.
    rules: tuple[MetricAlert, ...]
    #: Resource count of the alerts: the action group module and its group, the rules, the Event Grid resources.
    resource_count: int
    #: The README's runbook: the rules grouped by what they mean, in the order of their first rule.
    runbook: tuple[Runbook, ...] = ()
