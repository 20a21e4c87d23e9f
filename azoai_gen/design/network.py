"""The private network of tiers 3 to 5: a VNet (or an existing subnet) per region, DNS zones and links, peerings."""

from __future__ import annotations


from ..addressing import ZONES, ZONES_BY_KIND, RegionNetwork as PlannedNetwork
from ..frozen import frozen
from ..ids import resource_group_of
from ..model import Spec
from ..naming import Namer, bicep_symbol
from ..posture import Posture
from .gateway_safety import CONTENT_SAFETY_ZONE
from .records import Ref

SUBNET_PURPOSES = {"private_endpoints": "private-endpoints", "workload": "workload", "api_management": "apim"}


@frozen
class SubnetNames:
    private_endpoints: str
    workload: str
    api_management: str


@frozen
class ResourceGroupScope:
    """Another resource group a module deploys into: ``resourceGroup(subscription_id, resource_group)``."""

    subscription_id: str
    resource_group: str


@frozen
class RegionNetwork:
    create: bool
    symbol: str
    module_name: str
    vnet_name: str
    address_space: str
    private_endpoint_subnet: str
    workload_subnet: str
    api_management_subnet: str
    api_management_nsg: str
    private_endpoint_nsg: str
    workload_nsg: str
    existing_subnet_id: str
    existing_vnet_id: str
    private_endpoint_name: str
    private_endpoint_nic_name: str
    #: The module that deploys the private endpoint and its DNS zone group (modules/private-endpoint.bicep).
    private_endpoint_symbol: str
    private_endpoint_module_name: str
    #: Where that module deploys: the existing subnet's subscription and resource group, because a private endpoint
    #: lives in the subscription and region of its VNet; ``None`` for a VNet created here (the deployment's group).
    private_endpoint_scope: ResourceGroupScope | None
    #: The private endpoint's subnet and the VNet to link, as a module output or the spec's existing IDs.
    subnet: str | Ref
    vnet: str | Ref


@frozen
class Link:
    symbol: str
    name: str
    location: str


@frozen
class Zone:
    key: str
    name: str
    existing_id: str
    symbol: str
    output: str
    links: tuple[Link, ...]
    #: The zone's ID as the account module receives it.
    id: str | Ref
    description: str


@frozen
class Peering:
    symbol: str
    name: str
    source_symbol: str
    target_location: str
    #: The previous peering of the same VNet: peerings of one VNet are created one after the other.
    after: str


@frozen
class ExistingVnet:
    """An existing subnet, as the README tells the platform team what it must allow there."""

    location: str
    existing_subnet_id: str
    #: Where the private endpoint and the nested deployment that creates it go: the subnet's subscription and group.
    scope: ResourceGroupScope
    private_endpoint_name: str
    module_name: str


@frozen
class Network:
    create_vnets: bool
    workload_subnet_delegation: str
    subnet_names: SubnetNames
    api_management_subnet: bool
    peerings: tuple[Peering, ...]
    peering_module_name: str
    #: Modules the peering module waits for (the DNS links, which update the same VNets).
    peering_after: tuple[str, ...]
    zones: tuple[Zone, ...]
    created_zones: tuple[Zone, ...]
    central_zones: tuple[Zone, ...]
    dns_module_name: str
    existing_vnets: tuple[ExistingVnet, ...]
    #: Whether callers themselves reach the private accounts (in tier 5 only the gateway does).
    callers_in_network: bool
    #: Tier 5: the private endpoints admit only the gateways' subnets (every region's, for spill-over), so no other
    #: subnet of the peered networks, the workload subnet of a former tier 3 included, can go around the gateway.
    gateway_only_endpoints: bool
    gateway_subnet_prefixes: tuple[str, ...]
    #: Tier 5 with content safety: the zone of the Content Safety account's private endpoint.
    content_safety_zone: Zone | None = None


def region_network(namer: Namer, location: str, short: str, planned: PlannedNetwork) -> RegionNetwork:
    """One region's network: created here, or the existing subnet the spec names."""
    create = planned.existing_subnet_id is None
    symbol = bicep_symbol("network", location)
    scope = None if create else resource_group_of(planned.existing_subnet_id)
    return RegionNetwork(
        create=create,
        symbol=symbol,
        module_name=namer.module(f"network-{location}").stem if create else "",
        vnet_name=namer.vnet(short).stem if create else "",
        address_space=str(planned.vnet) if create else "",
        private_endpoint_subnet=str(planned.private_endpoint_subnet) if create else "",
        workload_subnet=str(planned.workload_subnet) if create else "",
        api_management_subnet=str(planned.api_management_subnet) if planned.api_management_subnet else "",
        api_management_nsg=namer.nsg(short, "apim").stem if planned.api_management_subnet else "",
        private_endpoint_nsg=namer.nsg(short, "pe").stem if create else "",
        workload_nsg=namer.nsg(short, "workload").stem if create else "",
        existing_subnet_id=planned.existing_subnet_id or "",
        existing_vnet_id=planned.existing_vnet_id or "",
        private_endpoint_name=namer.private_endpoint(short).stem,
        private_endpoint_nic_name=namer.private_endpoint_nic(short).stem,
        private_endpoint_symbol=bicep_symbol("privateEndpoint", location),
        private_endpoint_module_name=namer.module(f"pep-{location}").stem,
        private_endpoint_scope=ResourceGroupScope(*scope) if scope else None,
        subnet=Ref(f"{symbol}.outputs.privateEndpointSubnetId") if create else planned.existing_subnet_id,
        vnet=Ref(f"{symbol}.outputs.vnetId") if create else (planned.existing_vnet_id or ""),
    )


def gateway_content_safety(spec: Spec, posture: Posture) -> bool:
    """Whether the design deploys a Content Safety account: tier 5 with apiManagement.contentSafety enabled."""
    return posture.api_management and spec.api_management.content_safety is not None


def zone_keys(spec: Spec, posture: Posture) -> list[str]:
    """The private DNS zones the design uses: the account kind's, and in tier 5 with content safety the Content
    Safety account's (privatelink.cognitiveservices.azure.com), which kind OpenAI does not need itself."""
    keys = list(ZONES_BY_KIND[spec.openai.kind])
    if gateway_content_safety(spec, posture) and CONTENT_SAFETY_ZONE not in keys:
        keys.append(CONTENT_SAFETY_ZONE)
    return keys


def _zones(spec: Spec, posture: Posture, namer: Namer, regions: list[tuple[str, RegionNetwork]]) -> tuple[Zone, ...]:
    zones = []
    for key in zone_keys(spec, posture):
        existing = spec.network.zone_id(key)
        symbol = bicep_symbol("zone", key)
        output = key + "ZoneId"
        zones.append(Zone(
            key=key, name=ZONES[key], existing_id=existing, symbol=symbol, output=output,
            # A zone named in the spec is the platform team's: it gets no link from here.
            links=() if existing else tuple(Link(bicep_symbol(symbol + "Link", location),
                                                 namer.dns_link(location).stem, location)
                                            for location, _ in regions),
            id=existing or Ref(f"dns.outputs.{output}"),
            description=f"Resource ID of the {ZONES[key]} zone."))
    return tuple(zones)


def _peerings(namer: Namer, regions: list[tuple[str, RegionNetwork]]) -> tuple[Peering, ...]:
    """Every ordered pair of regional VNets: a full mesh, so that each region's gateway reaches every region's
    private endpoints. Peering is not transitive, and each direction is its own resource."""
    pairs = []
    for source, source_net in regions:
        previous = ""
        for target, _ in regions:
            if source != target:
                symbol = bicep_symbol(bicep_symbol("peer", source) + "To", target)
                pairs.append(Peering(symbol, namer.peering(source, target).stem, source_net.symbol, target, previous))
                previous = symbol
    return tuple(pairs)


def network(spec: Spec, posture: Posture, namer: Namer, regions: list[tuple[str, RegionNetwork]]) -> Network:
    """VNets, subnets, DNS zones and peerings, given each region's network."""
    delegation = spec.network.workload_subnet_delegation
    every_zone = _zones(spec, posture, namer, regions)
    # The accounts' private endpoints register in their kind's zones only; the Content Safety account's in its own.
    zones = tuple(z for z in every_zone if z.key in ZONES_BY_KIND[spec.openai.kind])
    created = any(net.create for _, net in regions)
    names = SubnetNames(
        namer.subnet(SUBNET_PURPOSES["private_endpoints"]).stem if created else "",
        namer.subnet(SUBNET_PURPOSES["workload"]).stem if created else "",
        namer.subnet(SUBNET_PURPOSES["api_management"]).stem if posture.api_management else "")
    return Network(
        create_vnets=created,
        workload_subnet_delegation="" if delegation == "none" else delegation,
        subnet_names=names,
        api_management_subnet=posture.api_management,
        peerings=_peerings(namer, regions) if posture.api_management else (),
        peering_module_name=namer.module("peering").stem if posture.api_management else "",
        peering_after=("dns",) if posture.api_management and any(not z.existing_id for z in every_zone) else (),
        zones=zones,
        created_zones=tuple(z for z in every_zone if not z.existing_id),
        central_zones=tuple(z for z in every_zone if z.existing_id),
        dns_module_name=namer.module("dns").stem if any(not z.existing_id for z in every_zone) else "",
        existing_vnets=tuple(ExistingVnet(location, net.existing_subnet_id, net.private_endpoint_scope,
                                          net.private_endpoint_name, net.private_endpoint_module_name)
                             for location, net in regions if net.private_endpoint_scope),
        callers_in_network=not posture.api_management,
        gateway_only_endpoints=posture.api_management,
        gateway_subnet_prefixes=tuple(net.api_management_subnet for _, net in regions if net.api_management_subnet),
        content_safety_zone=next((z for z in every_zone if z.key == CONTENT_SAFETY_ZONE), None)
        if gateway_content_safety(spec, posture) else None,
    )
