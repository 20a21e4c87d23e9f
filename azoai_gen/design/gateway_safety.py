"""Tier 5's optional content safety and the model deployments' spill-over, decided once.

Content safety: an Azure AI Content Safety account in the primary region, private like the Azure OpenAI accounts
(public network access disabled, a private endpoint in the primary VNet registered in
privatelink.cognitiveservices.azure.com, which every VNet resolves), keys disabled, reached by the gateway with its
managed identity (Cognitive Services User) through the API Management backend ``content-safety``, and checked by
the ``llm-content-safety`` policy before the prompt reaches Azure OpenAI.

Spill-over: a provisioned deployment names a standard one (``spilloverDeploymentName``), which the account must hold
already; the deployments are created one at a time in the order of the ``modelDeployments`` parameter, so the
deployments that name a spill-over come after every other one.
"""

from __future__ import annotations

from typing import Any

from ..frozen import frozen
from ..model import Deployment, Spec
from ..naming import Namer
from .records import GlobalName, Ref, RoleAssignments

#: The private DNS zone key (``addressing.ZONES``) of a Content Safety account's private endpoint (group ``account``).
CONTENT_SAFETY_ZONE = "cognitiveServices"
#: The audience of the gateway's token for Content Safety: the backend's managed-identity resource.
COGNITIVE_SERVICES_RESOURCE = "https://cognitiveservices.azure.com"


@frozen
class ContentSafety:
    name: GlobalName
    module_name: str
    symbol: str
    location: str
    private_endpoint_name: str
    private_endpoint_nic_name: str
    #: The primary region's private endpoint subnet.
    subnet: Ref
    #: The privatelink.cognitiveservices.azure.com zone: created here (dns module output) or the spec's own.
    zone_id: str | Ref
    #: The API Management backend the policy names (llm-content-safety backend-id).
    backend_name: str
    backend_symbol: str
    resource: str
    output_type: str
    #: (category, threshold): a prompt of that severity or higher is blocked.
    categories: tuple[tuple[str, int], ...]
    shield_prompt: bool
    #: shield_prompt as the policy's attribute writes it.
    shield_prompt_attribute: str
    blocklists: tuple[str, ...]
    #: The gateway's Cognitive Services User role on the account.
    role_assignments: RoleAssignments


def content_safety(spec: Spec, namer: Namer, primary: Any, zone_id: str | Ref,
                   role_assignments: RoleAssignments | None) -> ContentSafety | None:
    """The Content Safety account, its private endpoint and its backend; ``None`` unless enabled (tier 5 only)."""
    settings = spec.api_management.content_safety
    if settings is None or role_assignments is None or primary.network is None:
        return None
    name = namer.content_safety(primary.short)
    backend = namer.apim_child("content-safety")
    return ContentSafety(
        name=GlobalName(name.stem, name.suffixed, name.example(spec.naming_suffix)),
        module_name=namer.module("content-safety").stem,
        symbol="contentSafety",
        location=primary.location,
        private_endpoint_name=namer.content_safety_private_endpoint(primary.short).stem,
        private_endpoint_nic_name=namer.content_safety_private_endpoint_nic(primary.short).stem,
        subnet=Ref(f"{primary.network.symbol}.outputs.privateEndpointSubnetId"),
        zone_id=zone_id,
        backend_name=backend.stem,
        backend_symbol="contentSafetyBackend",
        resource=COGNITIVE_SERVICES_RESOURCE,
        output_type=settings.output_type,
        categories=settings.categories,
        shield_prompt=settings.shield_prompt,
        shield_prompt_attribute="true" if settings.shield_prompt else "false",
        blocklists=settings.blocklists,
        role_assignments=role_assignments,
    )


def deployment_params(deployments: tuple[Deployment, ...]) -> list[dict[str, Any]]:
    """The ``modelDeployments`` parameter: every deployment, those that name a spill-over after all the others (in
    spec order within each group), so that each standard target exists before the provisioned deployment that names
    it. Only a spec with a spill-over gives every item a ``spillover`` key ('' for none)."""
    spills = any(d.spillover for d in deployments)
    ordered = [d for d in deployments if not d.spillover] + [d for d in deployments if d.spillover]
    params = []
    for d in ordered:
        param = d.as_param()
        if spills:
            param["spillover"] = d.spillover or ""
        params.append(param)
    return params


@frozen
class SpillOver:
    """One provisioned deployment and the standard deployment that takes its overflow, as the README states it."""

    deployment: str
    sku: str
    target: str
    target_sku: str


def spill_overs(deployments: tuple[Deployment, ...]) -> tuple[SpillOver, ...]:
    by_name = {d.name.lower(): d for d in deployments}
    return tuple(SpillOver(d.name, d.sku, by_name[d.spillover.lower()].name, by_name[d.spillover.lower()].sku)
                 for d in deployments if d.spillover and d.spillover.lower() in by_name)
