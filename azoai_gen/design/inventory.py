"""What is read off a finished design: the files to write, the names the manifest records, and how many resources
the compiled template deploys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .apim import OPENAI_OPERATIONS

if TYPE_CHECKING:
    from . import Design


def files(design: Design) -> tuple[str, ...]:
    found = ["main.bicep", "main.bicepparam", "modules/openai.bicep", "README.md"]
    if design.account.private_endpoint:
        found.append("modules/private-endpoint.bicep")
    if design.front_door:
        found.append("modules/frontdoor.bicep")
    if design.api_management:
        found += ["modules/apim.bicep", "modules/apim-api.bicep", "modules/gateway-roles.bicep",
                  "modules/peering.bicep", design.api_management.policy_file]
    if design.network and design.network.create_vnets:
        found.append("modules/network.bicep")
    if design.network and design.network.created_zones:
        found.append("modules/dns.bicep")
    if design.monitoring.create:
        found.append("modules/monitoring.bicep")
    if design.identity:
        found.append("modules/identity.bicep")
    if design.key_vault:
        found.append("modules/keyvault.bicep")
    return tuple(sorted(found))


def deployed_names(design: Design) -> dict[str, str]:
    """Names of what exists in Azure once deployed, recorded in the manifest so that a later render can refuse to
    rename (and so duplicate) a resource. A computed suffix is recorded symbolically."""
    suffix = design.spec.naming_suffix

    def shown(stem: str, suffixed: bool) -> str:
        return stem + ((suffix or "<uniqueString(resourceGroup().id)>") if suffixed else "")

    names = {f"account/{r.location}": shown(r.account_name.stem, r.account_name.suffixed) for r in design.regions}
    names["location/shared"] = design.primary.location
    for region in design.regions:
        if region.network is not None and region.network.create:
            names[f"vnet/{region.location}"] = f"{region.network.vnet_name} {region.network.address_space}"
    if design.monitoring.create:
        names["logAnalytics"] = design.monitoring.name
    if design.identity:
        names["identity"] = design.identity.name
    if design.key_vault:
        names["keyVault"] = shown(design.key_vault.name.stem, design.key_vault.name.suffixed)
    if design.api_management:
        names["apiManagement"] = shown(design.api_management.name.stem, design.api_management.name.suffixed)
    if design.front_door:
        names["frontDoor"] = f"{design.front_door.profile_name}/{design.front_door.endpoint_name}"
    return dict(sorted(names.items()))


def _grant_count(design: Design, scope: str) -> int:
    """Role assignments in one module: one per grant (the spec's principals are one grant each)."""
    return sum(1 for grant in design.grants if grant.scope == scope)


def _account_module(design: Design) -> int:
    """One regional openai.bicep: account, model deployments, diagnostics, the key secret, role assignments."""
    count = 1 + len(design.deployments) + 1
    count += 1 if design.key_vault else 0
    return count + _grant_count(design, "account")


def _regional_modules(design: Design) -> int:
    """Per region, the modules beside the account's: private-endpoint.bicep (call, endpoint, zone group) and
    gateway-roles.bicep (call, the gateway's role assignment; the account it reads is ``existing``)."""
    count = 1 + 2 if design.account.private_endpoint else 0
    count += 1 + _grant_count(design, "gateway") if design.api_management else 0
    return count


def _network_modules(design: Design) -> int:
    net = design.network
    if net is None:
        return 0
    per_vnet = 1 + 3 + (1 if net.api_management_subnet else 0)  # module call, two NSGs, VNet, the gateway's NSG
    count = per_vnet * sum(1 for r in design.regions if r.network and r.network.create)
    if net.created_zones:
        count += 1 + sum(1 + len(zone.links) for zone in net.created_zones)
    if net.peerings:
        count += 1 + len(net.peerings)
    return count


def _gateway_modules(design: Design) -> int:
    count = 0
    regions = len(design.regions)
    if design.front_door:
        count += 1 + 7 + regions  # WAF, profile, endpoint, origin group, route, security policy, diagnostics
    if design.api_management:
        # public IPs, App Insights and its role assignment, the service, the logger, diagnostics twice
        count += 1 + regions + 6
        count += 1 + 6 + 2 * regions + len(OPENAI_OPERATIONS)  # named value, API, policy, product (+API), subscription
    return count


def resource_count(design: Design) -> int:
    """Resources in the compiled template: every module call is a nested deployment (one resource) plus the
    resources of the module, and a loop counts once per item, as Azure Resource Manager counts them."""
    count = len(design.regions) * (1 + _account_module(design) + _regional_modules(design))
    count += 2 if design.monitoring.create else 0
    count += 2 if design.identity else 0
    if design.key_vault:
        count += 1 + 2 + _grant_count(design, "keyVault")
    count += _network_modules(design)
    return count + _gateway_modules(design)
