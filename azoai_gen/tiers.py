"""The five security tiers, as data.

Every difference between tiers lives here. The render context copies the posture
of the chosen tier; templates only test its flags. Adding a tier's resources is a
matter of flipping ``available`` and adding the flags and templates it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Tier:
    number: int
    title: str
    summary: str
    adds: str
    pros: str
    cons: str
    cost_drivers: str
    available: bool
    #: API keys stay enabled (``disableLocalAuth: false``).
    local_auth: bool
    #: The account key is written to Key Vault as a secret by the deployment.
    key_in_vault: bool
    #: The accounts answer on their public endpoint.
    public_network: bool
    #: Private endpoints and VNets for the accounts.
    private_endpoints: bool
    #: Azure Front Door in front of the regions.
    front_door: bool
    #: API Management between Front Door and the accounts.
    api_management: bool
    #: Fewest distinct regions the tier accepts.
    min_regions: int
    #: The role callers get: read the key secret (tier 1) or call the account with Entra ID.
    caller_access: str
    #: Why the accounts keep a public endpoint, when they do (shown to scanners and in the README).
    public_reason: str = ""
    #: What Front Door routes to: "openai" (the accounts), "app" (the user's regional apps) or "apim".
    front_door_origin: str = ""


TIERS: dict[int, Tier] = {
    1: Tier(
        number=1,
        title="Public endpoint, API key in Key Vault",
        summary="Public Azure OpenAI endpoint; callers authenticate with an API key that the deployment stores in Key Vault.",
        adds="Azure OpenAI account and model deployments, Key Vault holding the API key, Log Analytics diagnostics.",
        pros="Simplest to adopt; works with every SDK and tool that takes a key.",
        cons="A leaked key grants access until it is rotated; the endpoint is on the public internet.",
        cost_drivers="Model usage (tokens or PTUs); Key Vault operations; Log Analytics ingestion.",
        available=True,
        local_auth=True,
        key_in_vault=True,
        public_network=True,
        private_endpoints=False,
        front_door=False,
        api_management=False,
        min_regions=1,
        caller_access="key-vault-secret",
        public_reason="Tier 1 serves a public endpoint by design; tier 3 and above disable public network access",
    ),
    2: Tier(
        number=2,
        title="Public endpoint, Entra ID, keys disabled",
        summary="Public endpoint; callers authenticate with Microsoft Entra ID tokens from managed identities. API keys are disabled.",
        adds="Keys disabled, a user-assigned managed identity (or your principals) with Cognitive Services OpenAI User.",
        pros="No secret to leak or rotate; access is granted and revoked with Azure RBAC.",
        cons="The endpoint is still reachable from the public internet.",
        cost_drivers="Model usage; Log Analytics ingestion. Managed identities are free.",
        available=True,
        local_auth=False,
        key_in_vault=False,
        public_network=True,
        private_endpoints=False,
        front_door=False,
        api_management=False,
        min_regions=1,
        caller_access="openai-user-role",
        public_reason="Tier 2 serves a public endpoint by design; tier 3 and above disable public network access",
    ),
    3: Tier(
        number=3,
        title="Private endpoints and managed identity",
        summary="Azure OpenAI is reachable only through private endpoints in your VNets; callers use managed identities.",
        adds="VNets, subnets and NSGs, private endpoints, private DNS zones; public network access disabled.",
        pros="Traffic never crosses the public internet; defence in depth with identity and network.",
        cons="Callers must run in (or be connected to) the VNet; the portal playground no longer works from outside.",
        cost_drivers="Private endpoints (hourly plus data processed); private DNS zones; model usage.",
        available=True,
        local_auth=False,
        key_in_vault=False,
        public_network=False,
        private_endpoints=True,
        front_door=False,
        api_management=False,
        min_regions=1,
        caller_access="openai-user-role",
    ),
    4: Tier(
        number=4,
        title="Multi-region behind Azure Front Door",
        summary="One global host name on Azure Front Door with health probes and failover across two or more regions.",
        adds="Front Door Premium with WAF, an origin per region, health probes, failover routing; Azure OpenAI stays "
             "public with keys disabled (origin openai) or private behind your regional apps (origin app).",
        pros="Survives a regional outage; one endpoint for every client.",
        cons="Front Door cannot use an Azure OpenAI private endpoint as origin; multi-region quota and cost.",
        cost_drivers="Front Door Premium base fee and requests; WAF; model capacity in every region.",
        available=True,
        local_auth=False,
        key_in_vault=False,
        public_network=True,
        private_endpoints=False,
        front_door=True,
        api_management=False,
        min_regions=2,
        caller_access="openai-user-role",
        public_reason=("Tier 4 with Front Door origin 'openai' keeps the public endpoint because Front Door cannot "
                       "reach an Azure OpenAI private endpoint; keys are disabled and the WAF protects the edge"),
        front_door_origin="openai",
    ),
    5: Tier(
        number=5,
        title="Front Door, multi-region API Management, private endpoints",
        summary="Front Door routes to API Management in each region, which reaches Azure OpenAI over peered VNets and private endpoints.",
        adds="API Management with token limits, load-balanced backends and managed identity; VNet peering; Front Door.",
        pros="Central authentication, rate limiting and observability; private data path; regional failover.",
        cons="The most complex and costly option; API Management in a VNet takes long to deploy.",
        cost_drivers="API Management units in every region; Front Door Premium; private endpoints; model capacity.",
        available=True,
        local_auth=False,
        key_in_vault=False,
        public_network=False,
        private_endpoints=True,
        front_door=True,
        api_management=True,
        min_regions=2,
        caller_access="api-management",
        front_door_origin="apim",
    ),
}


def for_spec(data: dict[str, Any]) -> Tier:
    """The posture of a spec: its tier, adjusted for the choices a tier leaves open.

    Tier 4 routes Front Door either to the accounts themselves (public endpoints, keys disabled) or to the user's
    regional apps, in which case Azure OpenAI stays private exactly as in tier 3.
    """
    tier = TIERS[data["tier"]]
    if tier.front_door_origin == "openai" and data.get("frontDoor", {}).get("origin") == "app":
        return replace(tier, public_network=False, private_endpoints=True, public_reason="", front_door_origin="app")
    return tier
