"""API Management (tier 5): one classic Premium instance with a gateway in every region, backends and pools, the
Azure OpenAI API, its policy, a product and a subscription."""

from __future__ import annotations

import json

from ..azure import APIM_MIN_API_VERSION
from ..frozen import frozen
from ..model import OAuth, Spec
from ..naming import Namer, bicep_symbol
from .chargeback import Chargeback, chargeback
from .consumers import Consumers, consumers as consumers_of
from .policy import Dimension, Fragment, dimensions, fragments
from .gateway_safety import ContentSafety
from .records import GlobalName, RoleAssignments, Skip

#: The Azure OpenAI data-plane operations the gateway exposes (method, URL template below /openai, display name).
OPENAI_OPERATIONS = [
    ("POST", "/deployments/{deployment-id}/chat/completions", "Chat completions"),
    ("POST", "/deployments/{deployment-id}/completions", "Completions"),
    ("POST", "/deployments/{deployment-id}/embeddings", "Embeddings"),
    ("POST", "/deployments/{deployment-id}/images/generations", "Image generations"),
    ("POST", "/deployments/{deployment-id}/audio/transcriptions", "Audio transcriptions"),
    ("POST", "/deployments/{deployment-id}/audio/translations", "Audio translations"),
    ("POST", "/deployments/{deployment-id}/audio/speech", "Text to speech"),
    ("POST", "/v1/chat/completions", "Chat completions (v1)"),
    ("POST", "/v1/responses", "Responses (v1)"),
    ("POST", "/v1/embeddings", "Embeddings (v1)"),
    ("GET", "/v1/models", "List models (v1)"),
]

#: Gateway ciphers turned off: everything but the AES-GCM suites of TLS 1.2 (PSRule Azure.APIM.Ciphers).
WEAK_CIPHERS = (
    "TripleDes168",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
)
CIPHER_PROPERTY = "Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Ciphers."
NAMED_VALUE_FRONT_DOOR_ID = "front-door-id"
POLICY_FILE = "policies/openai-api.xml"


@frozen
class Gateway:
    additional_index: int
    location: str
    display_name: str
    primary: bool
    public_ip_name: str
    dns_label: GlobalName
    public_ip_symbol: str


@frozen
class Backend:
    name: str
    symbol: str
    location: str
    account_symbol: str
    description: str


@frozen
class PoolMember:
    backend: str
    backend_symbol: str
    priority: int


@frozen
class Pool:
    name: str
    location: str
    symbol: str
    services: tuple[PoolMember, ...]
    display_name: str
    description: str


@frozen
class Operation:
    name: str
    symbol: str
    method: str
    url: str
    display_name: str
    deployment_parameter: bool


@frozen
class GatewayRoles:
    """One call of modules/gateway-roles.bicep: the gateway's role on one region's account.

    It takes the account's name from the account module's output and the gateway's principal from API Management's,
    so it runs once both exist, and neither waits for the other."""

    location: str
    symbol: str
    module_name: str
    account_symbol: str


@frozen
class ApiManagement:
    name: GlobalName
    module_name: str
    api_module_name: str
    app_insights_name: str
    sku: str
    capacity: int
    publisher_name: str
    publisher_email: str
    tokens_per_minute: int
    #: What each regional gateway allows: each gateway counts on its own (azure-openai-token-limit).
    tokens_per_minute_per_gateway: int
    #: The regions share tokens_per_minute (otherwise every gateway allows all of it).
    token_limit_split: bool
    oauth: OAuth | None
    gateways: tuple[Gateway, ...]
    primary: Gateway
    additional: tuple[Gateway, ...]
    backends: tuple[Backend, ...]
    pools: tuple[Pool, ...]
    default_pool: Pool
    operations: tuple[Operation, ...]
    cipher_properties: tuple[str, ...]
    min_api_version: str
    checkov_skips: tuple[Skip, ...]
    policy_file: str
    policy_path: str
    api_name: str
    api_path: str
    product_name: str
    #: The named value holding Front Door's ID; the policy refers to it by this name.
    named_value_front_door_id: str
    #: Modules the gateway's module waits for: the peerings and DNS links that update the VNets it is injected into.
    after: tuple[str, ...]
    #: The gateway's role on every account, assigned per region after both the account and the gateway exist.
    role_assignments: RoleAssignments
    role_modules: tuple[GatewayRoles, ...]
    #: JMESPath for ``az role assignment list --all``: the assignments on resources of the README's resource group.
    callers_audit_query: str
    #: ``apiManagement.consumers``; ``None``: one product and its ``default`` subscription.
    consumers: Consumers | None = None
    #: The API policy's inbound fragments, in order (design/policy.py).
    policy_fragments: tuple[Fragment, ...] = ()
    #: The token metric's dimensions.
    metric_dimensions: tuple[Dimension, ...] = ()
    #: Whether the API requires a subscription key (not when an Entra consumer calls with a token alone).
    subscription_required: bool = True
    #: The chargeback query of tokens per consumer, model and region per month; with consumers only.
    chargeback: Chargeback | None = None
    #: apiManagement.contentSafety: the Content Safety account, its backend and the policy's settings.
    content_safety: ContentSafety | None = None


def backend_pools(locations: list[str]) -> list[tuple[str, list[str]]]:
    """One pool per gateway region: its own region's account first, then the others in list order.

    APIM backend pool priorities: the lowest number wins, and a backend whose circuit breaker tripped is skipped,
    so a region serves locally and spills over to the others in list order.
    """
    return [(home, [home] + [loc for loc in locations if loc != home]) for home in locations]


def _operation_name(method: str, url: str) -> str:
    words = [w for w in url.replace("{deployment-id}", "").split("/") if w]
    return "-".join([method.lower()] + words)


def _gateways(namer: Namer, regions: list[tuple[str, str, str]], suffix: str | None) -> tuple[Gateway, ...]:
    gateways = []
    for index, (location, display_name, short) in enumerate(regions):
        label = namer.apim_dns_label(short)
        gateways.append(Gateway(
            additional_index=index - 1,
            location=location,
            display_name=display_name,
            primary=index == 0,
            public_ip_name=namer.public_ip(short, "apim").stem,
            dns_label=GlobalName(label.stem, label.suffixed, label.example(suffix)),
            public_ip_symbol=bicep_symbol("publicIp", location),
        ))
    return tuple(gateways)


def _pools(namer: Namer, regions: list[tuple[str, str, str]]) -> tuple[Pool, ...]:
    display = {location: name for location, name, _ in regions}
    return tuple(
        Pool(name=namer.apim_child(f"pool-{home}").stem, location=home, symbol=bicep_symbol("pool", home),
             services=tuple(PoolMember(f"openai-{loc}", bicep_symbol("backend", loc), rank + 1)
                            for rank, loc in enumerate(order)),
             display_name=display[home], description=f"Gateway in {home}: its own region first, then the others")
        for home, order in backend_pools([location for location, _, _ in regions]))


def _operations(namer: Namer) -> tuple[Operation, ...]:
    return tuple(Operation(namer.apim_child(_operation_name(method, url)).stem, f"operation{index}", method, url,
                           title, "{deployment-id}" in url)
                 for index, (method, url, title) in enumerate(OPENAI_OPERATIONS, start=1))


def _role_modules(namer: Namer, regions: list[tuple[str, str, str]]) -> tuple[GatewayRoles, ...]:
    return tuple(GatewayRoles(location, bicep_symbol("gatewayRoles", location),
                              namer.module(f"gateway-roles-{location}").stem, bicep_symbol("openai", location))
                 for location, _, _ in regions)


def api_management(spec: Spec, namer: Namer, regions: list[tuple[str, str, str]],
                   role_assignments: RoleAssignments, after: tuple[str, ...],
                   safety: ContentSafety | None = None) -> ApiManagement:
    """``regions``: (location, display name, short code) of every region, primary first; ``role_assignments``: the
    gateway's role on the accounts; ``after``: the modules the gateway waits for; ``safety``: the Content Safety
    account that checks prompts, when the spec enables it."""
    settings = spec.api_management
    name = namer.api_management()
    gateways = _gateways(namer, regions, spec.naming_suffix)
    pools = _pools(namer, regions)
    base = f"{spec.workload}-{spec.environment}"
    the_consumers = consumers_of(spec, namer, len(regions), "apiPolicy")
    return ApiManagement(
        name=GlobalName(name.stem, name.suffixed, name.example(spec.naming_suffix)),
        module_name=namer.module("apim").stem,
        api_module_name=namer.module("apim-api").stem,
        app_insights_name=namer.app_insights().stem,
        sku=settings.sku,
        capacity=settings.capacity,
        publisher_name=settings.publisher_name or base,
        publisher_email=settings.publisher_email or f"apim-{base}@example.com",
        tokens_per_minute=settings.tokens_per_minute,
        tokens_per_minute_per_gateway=(settings.tokens_per_minute // len(regions)
                                       if settings.token_limit_across_regions == "split" else settings.tokens_per_minute),
        token_limit_split=settings.token_limit_across_regions == "split",
        oauth=settings.oauth,
        gateways=gateways,
        primary=gateways[0],
        additional=gateways[1:],
        backends=tuple(Backend(namer.apim_child(f"openai-{location}").stem, bicep_symbol("backend", location),
                               location, bicep_symbol("openai", location), f"Azure OpenAI in {location}")
                       for location, _, _ in regions),
        pools=pools,
        default_pool=pools[0],
        operations=_operations(namer),
        cipher_properties=tuple(CIPHER_PROPERTY + cipher for cipher in WEAK_CIPHERS),
        min_api_version=APIM_MIN_API_VERSION,
        checkov_skips=(Skip("CKV_AZURE_174", "Front Door reaches the gateway over its public address: the NSG "
                                             "admits only the AzureFrontDoor.Backend service tag and the policy "
                                             "accepts only this Front Door's X-Azure-FDID"),),
        policy_file=POLICY_FILE,
        policy_path="../" + POLICY_FILE,
        api_name=namer.apim_child("azure-openai").stem,
        api_path="openai",
        product_name=namer.apim_child("azure-openai").stem,
        named_value_front_door_id=namer.apim_child(NAMED_VALUE_FRONT_DOOR_ID).stem,
        after=after,
        role_assignments=role_assignments,
        role_modules=_role_modules(namer, regions),
        callers_audit_query=_audit_query(namer.resource_group().stem),
        consumers=the_consumers,
        policy_fragments=fragments(the_consumers, settings.oauth is not None,
                                   ("content-safety",) if safety else ()),
        metric_dimensions=dimensions(the_consumers),
        subscription_required=the_consumers.subscription_required if the_consumers else True,
        chargeback=chargeback(spec) if the_consumers else None,
        content_safety=safety,
    )


def _audit_query(resource_group: str) -> str:
    """Role assignments on the resources of ``resource_group``: who they are for, and where. A JSON literal in
    backticks rather than a quoted string, so that the shell word needs no escaped quote."""
    inside = json.dumps(f"/resourceGroups/{resource_group}/")
    return f"[?contains(scope, `{inside}`)].{{principal: principalName, principalId: principalId, scope: scope}}"
