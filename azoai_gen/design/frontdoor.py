"""Azure Front Door (tiers 4 and 5): profile, endpoint, WAF, one origin per region, health probe and routing."""

from __future__ import annotations

from ..frozen import frozen
from ..model import Spec
from ..naming import Namer, bicep_symbol
from ..posture import Origin, Posture
from .records import Ref

#: Front Door accepts origin priorities 1 to 5.
MAX_PRIORITY = 5
#: Weight of a region that names none: equal shares.
DEFAULT_WEIGHT = 1000
#: API Management's documented health endpoint; the Azure OpenAI regional gateway answers it too.
OPENAI_PROBE_PATH = "/status-0123456789abcdef"
APP_PROBE_PATH = "/health"


@frozen
class PrivateLink:
    resource_id: str
    group_id: str
    location: str
    request_message: str
    approval_description: str


@frozen
class FrontDoorOrigin:
    name: str
    symbol: str
    location: str
    priority: int
    weight: int
    private_link: PrivateLink | None
    #: The origin's host name: the user's app host, or a module output.
    host: str | Ref


@frozen
class Probe:
    path: str
    method: str
    interval: int


#: The newest managed rule sets Front Door Premium offers (Learn: WAF rule set support policy; DRS 2.2, Feb 2026).
DEFAULT_RULE_SET = ("Microsoft_DefaultRuleSet", "2.2")
BOT_RULE_SET = ("Microsoft_BotManagerRuleSet", "1.1")
#: The JSON body fields of the inference API that carry prompts and completions (chat messages, the responses API's
#: input and instructions, completions' prompt). A nested field is named by its dotted path (messages.content), so
#: StartsWith covers every field below the top-level one.
PROMPT_FIELDS = (("StartsWith", "messages"), ("StartsWith", "input"), ("StartsWith", "prompt"),
                 ("Equals", "instructions"))
#: The default rule set's groups whose rules read code, SQL, markdown or shell text in a prompt as an attack.
MISFIRING_GROUPS = ("SQLI", "XSS", "RCE", "LFI", "RFI", "PHP", "PROTOCOL-ATTACK", "MS-ThreatIntel-SQLI",
                    "MS-ThreatIntel-AppSec", "MS-ThreatIntel-WebShells", "MS-ThreatIntel-CVEs")


@frozen
class Exclusion:
    operator: str
    selector: str


@frozen
class RuleSet:
    type: str
    version: str
    action: str
    #: Rule groups that skip the prompt fields (every one uses the module's promptExclusions variable).
    excluded_groups: tuple[str, ...] = ()


@frozen
class Waf:
    mode: str
    request_body_check: str
    managed_rule_sets: tuple[RuleSet, ...]
    #: The default rule set among them (the one the prompt exclusions apply to), or None without managed rules.
    default_rule_set: RuleSet | None
    #: The prompt fields the default rule set's misfiring groups skip; empty without managed rules.
    prompt_exclusions: tuple[Exclusion, ...]


@frozen
class FrontDoor:
    module_name: str
    profile_name: str
    endpoint_name: str
    waf_name: str
    origin_group_name: str
    route_name: str
    security_policy_name: str
    sku: str
    routing: str
    #: What the origins are: the accounts, the gateways, or (neither) the user's regional apps.
    origins_are_accounts: bool
    origins_are_gateways: bool
    priority_routing: bool
    probe: Probe
    waf: Waf
    origins: tuple[FrontDoorOrigin, ...]
    private_link: bool


def origin_plan(routing: str, weights: list[int | None]) -> list[tuple[int, int]]:
    """(priority, weight) for each region in list order.

    priority: active/passive; region i gets priority i + 1 (capped at Front Door's 5), so traffic fails over in list
    order. weighted: active/active; every region has priority 1 and its weight (default 1000: equal shares).
    """
    if routing == "weighted":
        return [(1, weight or DEFAULT_WEIGHT) for weight in weights]
    return [(min(index + 1, MAX_PRIORITY), DEFAULT_WEIGHT) for index in range(len(weights))]


def _host(posture: Posture, spec_host: str | None, location: str, account_symbol: str) -> str | Ref:
    if posture.origin is Origin.APIM:
        return Ref(f"apiManagement.outputs.gatewayHostNames.{location}")
    if posture.origin is Origin.APP and spec_host:
        return spec_host
    return Ref(f"{account_symbol}.outputs.hostName")


def _origins(spec: Spec, posture: Posture, namer: Namer, profile: str) -> tuple[FrontDoorOrigin, ...]:
    plan = origin_plan(spec.front_door.routing, [r.weight for r in spec.regions])
    origins = []
    for region, (priority, weight) in zip(spec.regions, plan, strict=True):
        link = region.app.private_link if region.app else None
        origins.append(FrontDoorOrigin(
            name=namer.front_door_child(f"origin-{region.location}").stem,
            symbol=bicep_symbol("origin", region.location),
            location=region.location,
            priority=priority,
            weight=weight,
            private_link=PrivateLink(link.resource_id, link.group_id, link.location or region.location,
                                     f"Front Door {profile}", f"Approved for Front Door {profile}")
            if link else None,
            host=_host(posture, region.app.host_name if region.app else None, region.location,
                       bicep_symbol("openai", region.location)),
        ))
    return tuple(origins)


def _waf(spec: Spec) -> Waf:
    settings = spec.front_door.waf
    body_check = "Enabled" if settings.request_body_check else "Disabled"
    if spec.front_door.sku != "Premium_AzureFrontDoor":  # Standard has no managed rule sets
        return Waf(settings.mode, body_check, (), None, ())
    # The rule-set action applies to the default rule set 2.x (anomaly scoring); the bot manager rules carry their own.
    default = RuleSet(*DEFAULT_RULE_SET, "Block", MISFIRING_GROUPS)
    exclusions = tuple(Exclusion(operator, field) for operator, field in PROMPT_FIELDS)
    return Waf(settings.mode, body_check, (default, RuleSet(*BOT_RULE_SET, "")), default, exclusions)


def front_door(spec: Spec, posture: Posture, namer: Namer) -> FrontDoor:
    settings = spec.front_door
    profile = namer.front_door().stem
    origins = _origins(spec, posture, namer, profile)
    default_path = APP_PROBE_PATH if posture.origin is Origin.APP else OPENAI_PROBE_PATH
    return FrontDoor(
        module_name=namer.module("frontdoor").stem,
        profile_name=profile,
        endpoint_name=namer.front_door_endpoint().stem,
        waf_name=namer.waf_policy().stem,
        origin_group_name=namer.front_door_child("og-regions").stem,
        route_name=namer.front_door_child("route-all").stem,
        security_policy_name=namer.front_door_child("waf").stem,
        sku=settings.sku,
        routing=settings.routing,
        origins_are_accounts=posture.origin is Origin.OPENAI,
        origins_are_gateways=posture.origin is Origin.APIM,
        priority_routing=settings.routing == "priority",
        probe=Probe(settings.health_probe.path or default_path, settings.health_probe.method,
                    settings.health_probe.interval_in_seconds),
        waf=_waf(spec),
        origins=origins,
        private_link=any(o.private_link for o in origins),
    )
