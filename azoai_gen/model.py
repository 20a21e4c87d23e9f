"""The spec as typed, frozen records, built once right after the schema pass.

The schema's ``default`` values are the only defaults of spec keys (:func:`azoai_gen.schema.apply_defaults` fills
them in before these records are built), and normalisation happens here, once: object IDs and tenant IDs are
lower-cased. Nothing downstream reads the spec as a dictionary.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Mapping

from .frozen import frozen
from .ids import single_address
from .load import PathT


@frozen
class Principal:
    object_id: str
    type: str
    description: str


@frozen
class Access:
    managed_identity: bool
    principals: tuple[Principal, ...]


@frozen
class HarmFilter:
    """One harm category in one direction: the lowest severity filtered, and block, annotate or off."""

    threshold: str
    action: str


@frozen
class BlocklistUse:
    """A blocklist a content filter applies: block, annotate or off for prompts and for completions."""

    name: str
    prompt: str
    completion: str


@frozen
class ContentFilter:
    """``openai.contentFilters[]``: a custom RAI policy. ``prompt`` and ``completion`` map each harm category
    (``hate``, ``sexual``, ``violence``, ``selfHarm``) to its filter; the shields and protected material are
    block, annotate or off."""

    index: int
    name: str
    base_policy: str
    mode: str
    prompt: tuple[tuple[str, HarmFilter], ...]
    completion: tuple[tuple[str, HarmFilter], ...]
    jailbreak: str
    indirect_attack: str
    protected_material_text: str
    protected_material_code: str
    blocklists: tuple[BlocklistUse, ...]

    @property
    def path(self) -> PathT:
        return ("openai", "contentFilters", self.index)


@frozen
class BlocklistItem:
    pattern: str
    regex: bool


@frozen
class Blocklist:
    """``openai.blocklists[]``."""

    index: int
    name: str
    description: str
    items: tuple[BlocklistItem, ...]

    @property
    def path(self) -> PathT:
        return ("openai", "blocklists", self.index)


@frozen
class OpenAI:
    kind: str
    allowed_ip_ranges: tuple[str, ...]
    restrict_outbound: bool
    allowed_fqdns: tuple[str, ...]
    content_filters: tuple[ContentFilter, ...] = ()
    blocklists: tuple[Blocklist, ...] = ()


@frozen
class KeyVault:
    sku: str
    soft_delete_retention_in_days: int
    allowed_ip_ranges: tuple[str, ...]
    secret_expiry_days: int


@frozen
class Network:
    address_space: str
    workload_subnet_delegation: str
    #: Existing private DNS zones by key (openai, cognitiveServices, aiServices), sorted by key.
    private_dns_zone_ids: tuple[tuple[str, str], ...]

    def zone_id(self, key: str) -> str:
        return dict(self.private_dns_zone_ids).get(key, "")


@frozen
class HealthProbe:
    path: str | None
    method: str
    interval_in_seconds: int


@frozen
class Waf:
    mode: str
    request_body_check: bool


@frozen
class FrontDoor:
    sku: str
    origin: str
    routing: str
    health_probe: HealthProbe
    waf: Waf


@frozen
class OAuth:
    tenant_id: str
    audiences: tuple[str, ...]


@frozen
class Consumer:
    """One ``apiManagement.consumers`` item; ``tokens_per_minute`` is ``None`` when the spec leaves it to
    ``apiManagement.tokensPerMinute``."""

    name: str
    entra_application_id: str | None
    tokens_per_minute: int | None
    token_quota: int | None
    token_quota_period: str


@frozen
class ConsumerKeyVault:
    name: str
    resource_group: str | None


@frozen
class ContentSafety:
    """``apiManagement.contentSafety`` when enabled: the llm-content-safety policy's settings."""

    output_type: str
    #: (policy category name, threshold) for Hate, SelfHarm, Sexual and Violence, in that order.
    categories: tuple[tuple[str, int], ...]
    shield_prompt: bool
    blocklists: tuple[str, ...]


@frozen
class ApiManagement:
    sku: str
    capacity: int
    publisher_name: str | None
    publisher_email: str | None
    tokens_per_minute: int
    token_limit_across_regions: str
    oauth: OAuth | None
    #: ``apiManagement.consumers``: who calls the gateway, each with its own limit and quota.
    consumers: tuple[Consumer, ...] = ()
    consumer_key_vault: ConsumerKeyVault | None = None
    #: ``apiManagement.chargeback.ratePer1000Tokens``: one rate for every deployment, or the price table's.
    chargeback_rate_per_1000_tokens: float | None = None
    content_safety: ContentSafety | None = None


@frozen
class AlertThresholds:
    """``monitoring.alerts.thresholds``: when each alert fires (the schema holds the defaults)."""

    throttled_requests: int
    server_errors: int
    time_to_response_ms: int
    tokens_near_capacity_percent: int
    origin_health_percent: int
    origin_group_down_percent: int
    backend_errors: int
    gateway_capacity_percent: int
    token_limit_rejections: int


@frozen
class Alerts:
    enabled: bool
    emails: tuple[str, ...]
    #: The environment variable that holds the webhook's URL at deployment time; the URL never reaches a file.
    webhook_variable: str | None
    severity: int
    thresholds: AlertThresholds


@frozen
class Monitoring:
    workspace_id: str | None
    retention_in_days: int
    alerts: Alerts
    #: Whether the deployment has its Azure Monitor workbook.
    workbook: bool


@frozen
class RegionNetwork:
    """A region's own network settings; every field is optional."""

    address_space: str | None
    private_endpoint_subnet: str | None
    workload_subnet: str | None
    api_management_subnet: str | None
    existing_subnet_id: str | None

    def given(self) -> list[str]:
        """The spec keys set here, in schema spelling."""
        keys = {"addressSpace": self.address_space, "privateEndpointSubnet": self.private_endpoint_subnet,
                "workloadSubnet": self.workload_subnet, "apiManagementSubnet": self.api_management_subnet,
                "existingSubnetId": self.existing_subnet_id}
        return sorted(key for key, value in keys.items() if value is not None)


@frozen
class PrivateLink:
    resource_id: str
    group_id: str
    location: str | None


@frozen
class App:
    host_name: str
    private_link: PrivateLink | None


@frozen
class Region:
    index: int
    location: str
    network: RegionNetwork | None
    weight: int | None
    app: App | None

    @property
    def path(self) -> PathT:
        return ("regions", self.index)


@frozen
class Deployment:
    name: str
    model: str
    version: str
    format: str
    sku: str
    capacity: int
    rai_policy: str
    version_upgrade_option: str
    #: The standard deployment that takes this provisioned deployment's overflow (spilloverDeploymentName).
    spillover: str | None = None

    def as_param(self) -> dict[str, Any]:
        """The deployment as the ``modelDeployments`` parameter carries it."""
        return {"name": self.name, "model": self.model, "version": self.version, "format": self.format,
                "sku": self.sku, "capacity": self.capacity, "raiPolicy": self.rai_policy,
                "versionUpgradeOption": self.version_upgrade_option}


@frozen
class Spec:
    version: int
    workload: str
    environment: str
    tier: int
    regions: tuple[Region, ...]
    deployments: tuple[Deployment, ...]
    tags: tuple[tuple[str, str], ...]
    access: Access
    openai: OpenAI
    key_vault: KeyVault
    network: Network
    front_door: FrontDoor
    api_management: ApiManagement
    monitoring: Monitoring
    naming_suffix: str | None
    #: sha256 of the spec's content after defaults: independent of comments, key order and layout.
    digest: str
    #: ``validation.strict``: the spec's warnings are errors. How the spec is checked, not what it renders.
    strict: bool = False


def _region_network(data: Mapping[str, Any] | None) -> RegionNetwork | None:
    if data is None:
        return None
    return RegionNetwork(data.get("addressSpace"), data.get("privateEndpointSubnet"), data.get("workloadSubnet"),
                         data.get("apiManagementSubnet"), data.get("existingSubnetId"))


def _app(data: Mapping[str, Any] | None) -> App | None:
    if data is None:
        return None
    link = data.get("privateLink")
    return App(data["hostName"], PrivateLink(link["resourceId"], link["groupId"], link.get("location"))
               if link else None)


def _region(index: int, data: Mapping[str, Any]) -> Region:
    return Region(index, data["location"], _region_network(data.get("network")), data.get("weight"),
                  _app(data.get("app")))


def _deployment(data: Mapping[str, Any]) -> Deployment:
    return Deployment(data["name"], data["model"], data["version"], data["format"], data["sku"], data["capacity"],
                      data["raiPolicy"], data["versionUpgradeOption"], data.get("spillover"))


#: The harm categories of a content filter, in the order the design writes them.
HARM_CATEGORIES = ("hate", "sexual", "violence", "selfHarm")


def _harms(data: Mapping[str, Any]) -> tuple[tuple[str, HarmFilter], ...]:
    return tuple((key, HarmFilter(data[key]["threshold"], data[key]["action"])) for key in HARM_CATEGORIES)


def _content_filter(index: int, data: Mapping[str, Any]) -> ContentFilter:
    prompt, completion = data["prompt"], data["completion"]
    return ContentFilter(index, data["name"], data["basePolicy"], data["mode"], _harms(prompt), _harms(completion),
                         prompt["jailbreak"], prompt["indirectAttack"], completion["protectedMaterialText"],
                         completion["protectedMaterialCode"],
                         tuple(BlocklistUse(b["name"], b["prompt"], b["completion"]) for b in data["blocklists"]))


def _blocklist(index: int, data: Mapping[str, Any]) -> Blocklist:
    return Blocklist(index, data["name"], data["description"],
                     tuple(BlocklistItem(i["term"], i["regex"]) for i in data["items"]))


def _openai(data: Mapping[str, Any]) -> OpenAI:
    return OpenAI(data["kind"], _ip_rules(data["allowedIpRanges"]), data["restrictOutboundNetworkAccess"],
                  tuple(data["allowedFqdns"]),
                  tuple(_content_filter(i, f) for i, f in enumerate(data["contentFilters"])),
                  tuple(_blocklist(i, b) for i, b in enumerate(data["blocklists"])))


def _front_door(data: Mapping[str, Any]) -> FrontDoor:
    probe, waf = data["healthProbe"], data["waf"]
    return FrontDoor(data["sku"], data["origin"], data["routing"],
                     HealthProbe(probe.get("path"), probe["method"], probe["intervalInSeconds"]),
                     Waf(waf["mode"], waf["requestBodyCheck"]))


def _api_management(data: Mapping[str, Any]) -> ApiManagement:
    oauth = data.get("oauth")
    return ApiManagement(data["sku"], data["capacity"], data.get("publisherName"), data.get("publisherEmail"),
                         data["tokensPerMinute"], data["tokenLimitAcrossRegions"],
                         OAuth(oauth["tenantId"].lower(), tuple(oauth["audiences"])) if oauth else None,
                         tuple(Consumer(c["name"], c["entraApplicationId"].lower() if "entraApplicationId" in c else None,
                                        c.get("tokensPerMinute"), c.get("tokenQuota"), c["tokenQuotaPeriod"])
                               for c in data.get("consumers", ())),
                         _consumer_key_vault(data.get("consumerKeyVault")),
                         data.get("chargeback", {}).get("ratePer1000Tokens"),
                         _content_safety(data["contentSafety"]))


def _consumer_key_vault(data: Mapping[str, Any] | None) -> ConsumerKeyVault | None:
    return ConsumerKeyVault(data["name"], data.get("resourceGroup")) if data else None


#: The policy's category names, by the spec's keys, in the policy's order.
CONTENT_SAFETY_CATEGORIES = (("hate", "Hate"), ("selfHarm", "SelfHarm"), ("sexual", "Sexual"),
                             ("violence", "Violence"))


def _content_safety(data: Mapping[str, Any]) -> ContentSafety | None:
    if not data["enabled"]:
        return None
    limits = data["categories"]
    return ContentSafety(data["outputType"], tuple((name, limits[key]) for key, name in CONTENT_SAFETY_CATEGORIES),
                         data["shieldPrompt"], tuple(data["blocklists"]))


def _alerts(data: Mapping[str, Any]) -> Alerts:
    limits = data["thresholds"]
    webhook = data.get("webhook")
    return Alerts(data["enabled"], tuple(data["emails"]), webhook["urlEnvironmentVariable"] if webhook else None,
                  data["severity"], AlertThresholds(
                      limits["throttledRequests"], limits["serverErrors"], limits["timeToResponseMs"],
                      limits["tokensNearCapacityPercent"], limits["originHealthPercent"],
                      limits["originGroupDownPercent"], limits["backendErrors"], limits["gatewayCapacityPercent"],
                      limits["tokenLimitRejections"]))


def _ip_rules(values: list[str]) -> tuple[str, ...]:
    """IP rules as Azure takes them: a single address is written without its /32."""
    return tuple(single_address(value) for value in values)


#: Top-level sections that say how a spec is checked and change no generated file: the digest leaves them out, so
#: that turning strict mode on does not make a rendered folder out of date.
NOT_RENDERED = ("validation",)


def digest(data: Mapping[str, Any]) -> str:
    data = {key: value for key, value in data.items() if key not in NOT_RENDERED}
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def build(data: Mapping[str, Any]) -> Spec:
    """The typed spec. ``data`` has passed the schema and carries every schema default."""
    access, openai, vault, network = data["access"], data["openai"], data["keyVault"], data["network"]
    return Spec(
        version=data["version"],
        workload=data["workload"],
        environment=data["environment"],
        tier=data["tier"],
        regions=tuple(_region(i, r) for i, r in enumerate(data["regions"])),
        deployments=tuple(_deployment(d) for d in data["deployments"]),
        tags=tuple(data["tags"].items()),
        access=Access(access["managedIdentity"], tuple(
            Principal(p["objectId"].lower(), p["type"], p["description"]) for p in access["principals"])),
        openai=_openai(openai),
        key_vault=KeyVault(vault["sku"], vault["softDeleteRetentionInDays"], _ip_rules(vault["allowedIpRanges"]),
                           vault["secretExpiryDays"]),
        network=Network(network["addressSpace"], network["workloadSubnetDelegation"],
                        tuple(sorted(network["privateDnsZoneIds"].items()))),
        front_door=_front_door(data["frontDoor"]),
        api_management=_api_management(data["apiManagement"]),
        monitoring=Monitoring(data["monitoring"].get("logAnalyticsWorkspaceId"),
                              data["monitoring"]["retentionInDays"], _alerts(data["monitoring"]["alerts"]),
                              workbook=data["monitoring"]["workbook"]),
        naming_suffix=data["naming"].get("suffix"),
        digest=digest(data),
        strict=data["validation"]["strict"],
    )
