"""The five security tiers as users compare them: title, summary, what each adds, pros, cons, cost drivers and how
long a first deployment takes.

This is prose for ``azoai-gen tiers``, the README and the Bicep metadata. What a tier does (its posture) is decided
in :mod:`azoai_gen.posture`.
"""

from __future__ import annotations

from .frozen import frozen


@frozen
class Tier:
    number: int
    title: str
    summary: str
    adds: str
    pros: str
    cons: str
    cost_drivers: str
    #: How long a first deployment takes and what sets that time (docs/architecture.md, "Deploy time", gives sources).
    deploy_time: str


TIERS: dict[int, Tier] = {
    1: Tier(
        number=1,
        title="Public endpoint, API key in Key Vault",
        summary="Public Azure OpenAI endpoint; callers authenticate with an API key that the deployment stores in Key Vault.",
        adds="Azure OpenAI account and model deployments, Key Vault holding the API key, Log Analytics diagnostics.",
        pros="Simplest to adopt; works with every SDK and tool that takes a key.",
        cons="A leaked key grants access until it is rotated; the endpoint is on the public internet.",
        cost_drivers="Model usage (tokens or PTUs); Key Vault operations; Log Analytics ingestion.",
        deploy_time="About 5 to 15 minutes (an estimate: Azure publishes no figure). The accounts, the Key Vault and "
                    "Log Analytics deploy side by side; each account creates its model deployments one at a time.",
    ),
    2: Tier(
        number=2,
        title="Public endpoint, Entra ID, keys disabled",
        summary="Public endpoint; callers authenticate with Microsoft Entra ID tokens from managed identities. API keys are disabled.",
        adds="Keys disabled, a user-assigned managed identity (or your principals) with Cognitive Services OpenAI User.",
        pros="No secret to leak or rotate; access is granted and revoked with Azure RBAC.",
        cons="The endpoint is still reachable from the public internet.",
        cost_drivers="Model usage; Log Analytics ingestion. Managed identities are free.",
        deploy_time="About 5 to 15 minutes (an estimate: Azure publishes no figure). The accounts, the identity and "
                    "Log Analytics deploy side by side; each account creates its model deployments one at a time.",
    ),
    3: Tier(
        number=3,
        title="Private endpoints and managed identity",
        summary="Azure OpenAI is reachable only through private endpoints in your VNets; callers use managed identities.",
        adds="VNets, subnets and NSGs, private endpoints, private DNS zones; public network access disabled.",
        pros="Traffic never crosses the public internet; defence in depth with identity and network.",
        cons="Callers must run in (or be connected to) the VNet; the portal playground no longer works from outside.",
        cost_drivers="Private endpoints (hourly plus data processed); private DNS zones; model usage.",
        deploy_time="About 10 to 20 minutes (an estimate: Azure publishes no figure). VNets, DNS zones and accounts "
                    "deploy side by side; each private endpoint waits until its account's model deployments are done.",
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
        deploy_time="About 10 to 25 minutes (an estimate), then a few minutes more while Front Door spreads its "
                    "configuration to every edge location (Learn). Front Door deploys beside the regions; in app "
                    "mode each private endpoint waits until its account's model deployments are done.",
    ),
    5: Tier(
        number=5,
        title="Front Door, multi-region API Management, private endpoints",
        summary="Front Door routes to API Management in each region; callers present an API Management subscription "
                "key, and the gateway reaches Azure OpenAI with its managed identity over peered VNets and private "
                "endpoints.",
        adds="API Management with token limits, load-balanced backends and managed identity; VNet peering; Front Door.",
        pros="Central authentication, rate limiting and observability; private data path; regional failover.",
        cons="The most complex and costly option; API Management in a VNet takes long to deploy.",
        cost_drivers="API Management units in every region; Front Door Premium; private endpoints; model capacity.",
        deploy_time="45 to 90 minutes or more, set by API Management: Learn gives 30 to 40 minutes to create an "
                    "instance and 15 minutes or longer for changes to its network or regions, longer with more units "
                    "and regions. The accounts deploy side by side with the VNets and API Management; only the "
                    "gateway's API, its role on each account and the Front Door origins wait for API Management.",
    ),
}
