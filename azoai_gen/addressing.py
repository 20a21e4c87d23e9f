"""Address planning for the private tiers.

Pure: the plan is computed in Python (checkov cannot parse Bicep's ``cidrSubnet()``) once per design, and what is
wrong with it is recorded as findings beside it for the network rules to report.
"""

from __future__ import annotations

import ipaddress
from typing import Callable

from .errors import Finding
from .frozen import field, frozen, mutable
from .ids import SUBNET_ID_HINT, RangeError, parse_ipv4_range, vnet_of_subnet
from .load import PathT
from .model import Region, Spec

#: Each region without its own address space gets a VNet of this size from network.addressSpace.
REGION_PREFIX = 22
#: Subnets are quarters of the VNet, but never larger than this.
SUBNET_PREFIX_CAP = 24
#: Azure's smallest subnet.
AZURE_MIN_SUBNET = 29
#: Smallest workload subnet each delegation accepts.
DELEGATION_MIN = {"none": 29, "Microsoft.App/environments": 27, "Microsoft.Web/serverFarms": 28}
#: Smallest subnet API Management (stv2) can be injected into.
API_MANAGEMENT_MIN = 29
#: Addresses Azure keeps in every subnet, and those each API Management scale unit takes (Learn: "Virtual network
#: injection resources": a /29 holds one unit, a /28 five, a /27 thirteen).
AZURE_RESERVED_ADDRESSES = 5
ADDRESSES_PER_API_MANAGEMENT_UNIT = 2
#: The subnet size proposed for API Management: room for every capacity the schema allows.
API_MANAGEMENT_PROPOSED = 27


def api_management_units(prefix: int) -> int:
    """Scale units of API Management (external mode, stv2) a subnet of this prefix holds."""
    return max(0, (2 ** (32 - prefix) - AZURE_RESERVED_ADDRESSES) // ADDRESSES_PER_API_MANAGEMENT_UNIT)


def api_management_min_prefix(capacity: int) -> int:
    """The smallest subnet (largest prefix) that holds ``capacity`` scale units."""
    prefix = API_MANAGEMENT_MIN
    while api_management_units(prefix) < capacity:
        prefix -= 1
    return prefix

ZONES = {
    "openai": "privatelink.openai.azure.com",
    "cognitiveServices": "privatelink.cognitiveservices.azure.com",
    "aiServices": "privatelink.services.ai.azure.com",
}
#: Private DNS zones an account of each kind needs (group ID 'account').
ZONES_BY_KIND = {"OpenAI": ["openai"], "AIServices": ["cognitiveServices", "openai", "aiServices"]}

SUBNET_KEYS = ("privateEndpointSubnet", "workloadSubnet", "apiManagementSubnet")


@frozen
class Range:
    network: ipaddress.IPv4Network
    path: PathT
    origin: str  # how the range was chosen, for messages

    def __str__(self) -> str:
        return str(self.network)


@frozen
class RegionNetwork:
    location: str
    index: int
    existing_subnet_id: str | None
    vnet: Range | None
    private_endpoint_subnet: Range | None
    workload_subnet: Range | None
    api_management_subnet: Range | None = None

    @property
    def existing_vnet_id(self) -> str | None:
        return vnet_of_subnet(self.existing_subnet_id) if self.existing_subnet_id else None


@mutable
class Plan:
    regions: list[RegionNetwork] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _parse(text: str, path: PathT, findings: list[Finding]) -> ipaddress.IPv4Network | None:
    try:
        return parse_ipv4_range(text)
    except RangeError as error:
        if error.kind == "prefix":
            findings.append(Finding(path, f"'{text}' has an invalid prefix length", "use /8 to /29"))
        elif error.kind == "host":
            findings.append(Finding(path, f"'{text}' has host bits set", f"did you mean '{error.suggestion}'?"))
        else:
            findings.append(Finding(path, f"'{text}' is not an IPv4 CIDR range ({error.detail})"))
    return None


def _nth(vnet: ipaddress.IPv4Network, prefix: int, index: int) -> ipaddress.IPv4Network | None:
    if prefix < vnet.prefixlen or prefix > 32:
        return None
    size = 2 ** (32 - prefix)
    start = int(vnet.network_address) + index * size
    candidate = ipaddress.IPv4Network((start, prefix))
    return candidate if candidate.subnet_of(vnet) else None


def default_subnet(vnet: ipaddress.IPv4Network, index: int) -> ipaddress.IPv4Network | None:
    """Subnet ``index`` of the default layout: quarters of the VNet, capped at /24."""
    return _nth(vnet, max(vnet.prefixlen + 2, SUBNET_PREFIX_CAP), index)


def _existing(region: Region, with_api_management: bool, findings: list[Finding]) -> RegionNetwork:
    """A region that names an existing subnet: nothing else of its network may be set."""
    base: PathT = region.path + ("network",)
    own = region.network
    assert own is not None and own.existing_subnet_id is not None
    if with_api_management:
        findings.append(Finding(
            base + ("existingSubnetId",), "tier 5 creates and peers the VNet of every region, with a subnet for "
                                          "API Management; an existing subnet cannot be used",
            "remove existingSubnetId (give network.addressSpace or regions[].network.addressSpace instead)",
            at_key=True))
        return RegionNetwork(region.location, region.index, None, None, None, None)
    for key in own.given():
        if key != "existingSubnetId":
            findings.append(Finding(base + (key,), f"{key} cannot be combined with existingSubnetId",
                                    "with an existing subnet no VNet is created in this region", at_key=True))
    if vnet_of_subnet(own.existing_subnet_id) is None:
        findings.append(Finding(base + ("existingSubnetId",), "not a subnet resource ID", SUBNET_ID_HINT))
    return RegionNetwork(region.location, region.index, own.existing_subnet_id, None, None, None)


def _vnet(region: Region, pool: ipaddress.IPv4Network | None, findings: list[Finding]) -> Range | None:
    """The region's own address space, or its /22 of the pool."""
    own_space = region.network.address_space if region.network else None
    if own_space is not None:
        path = region.path + ("network", "addressSpace")
        net = _parse(own_space, path, findings)
        return Range(net, path, f"regions[{region.index}].network.addressSpace") if net else None
    if pool is None:
        return None
    pool_path: PathT = ("network", "addressSpace")
    net = _nth(pool, max(REGION_PREFIX, pool.prefixlen), region.index)
    if net is None or pool.prefixlen > REGION_PREFIX:
        room = 2 ** max(0, REGION_PREFIX - pool.prefixlen) if pool.prefixlen <= REGION_PREFIX else 0
        findings.append(Finding(
            pool_path, f"network.addressSpace {pool} has room for {room} regional /{REGION_PREFIX} "
                       f"VNet{'s' if room != 1 else ''}; regions[{region.index}] ({region.location}) needs one more",
            "use a larger range, or give the region its own network.addressSpace"))
        return None
    return Range(net, pool_path, f"automatic /{REGION_PREFIX} number {region.index + 1} of network.addressSpace")


def _subnets(region: Region, vnet: Range | None, keys: tuple[str, ...], findings: list[Finding]) -> list[Range | None]:
    own = region.network
    given = {"privateEndpointSubnet": own.private_endpoint_subnet, "workloadSubnet": own.workload_subnet,
             "apiManagementSubnet": own.api_management_subnet} if own else {}
    defaults_fit = vnet is not None and vnet.network.prefixlen + 2 <= AZURE_MIN_SUBNET
    if vnet is not None and not defaults_fit and not all(given.get(k) is not None for k in keys):
        findings.append(Finding(
            vnet.path, f"the VNet {vnet} of {region.location} is too small for the default subnets (quarters of it)",
            f"use at least a /{AZURE_MIN_SUBNET - 2}, or set {', '.join(keys)}"))
    subnets: list[Range | None] = []
    for sub_index, key in enumerate(keys):
        path = region.path + ("network", key)
        if given.get(key) is not None:
            net = _parse(given[key], path, findings)
            subnets.append(Range(net, path, f"regions[{region.index}].network.{key}") if net else None)
        elif vnet is not None and defaults_fit:
            net = default_subnet(vnet.network, sub_index)
            subnets.append(Range(net, vnet.path, f"default {key} of {vnet}") if net else None)
        else:
            subnets.append(None)
    return subnets


def plan(spec: Spec, with_api_management: bool = False) -> Plan:
    """The network of every region, and every finding about the address plan.

    With ``with_api_management`` (tier 5) every region also gets an API Management subnet, and every region must
    create its VNet: the gateway is injected into it and the VNets are peered.
    """
    result = Plan()
    pool = _parse(spec.network.address_space, ("network", "addressSpace"), result.findings)
    keys = SUBNET_KEYS if with_api_management else SUBNET_KEYS[:2]
    for region in spec.regions:
        if region.network is not None and region.network.existing_subnet_id is not None:
            result.regions.append(_existing(region, with_api_management, result.findings))
            continue
        vnet = _vnet(region, pool, result.findings)
        subnets = _subnets(region, vnet, keys, result.findings)
        planned = RegionNetwork(region.location, region.index, None, vnet, subnets[0], subnets[1],
                                subnets[2] if with_api_management else None)
        result.regions.append(planned)
        result.findings.extend(_region_findings(planned, spec.network.workload_subnet_delegation,
                                                spec.api_management.capacity))
    result.findings.extend(_overlaps([r.vnet for r in result.regions if r.vnet], "VNet"))
    return result


def _too_small(label: str, why: str) -> Callable[[Range, int], Finding]:
    return lambda subnet, minimum: Finding(subnet.path, f"the {label} subnet {subnet} is too small: /{minimum} is "
                                                        f"{why}")


def _region_findings(region: RegionNetwork, delegation: str, capacity: int) -> list[Finding]:
    """Each subnet's size (by its own rule) and place in the VNet, and overlaps between them."""
    workload_why = ("Azure's smallest subnet" if DELEGATION_MIN[delegation] == AZURE_MIN_SUBNET
                    else f"the minimum for {delegation}")
    subnets = (
        ("private endpoint", region.private_endpoint_subnet, AZURE_MIN_SUBNET,
         _too_small("private endpoint", "Azure's smallest subnet")),
        ("workload", region.workload_subnet, DELEGATION_MIN[delegation], _too_small("workload", workload_why)),
        ("API Management", region.api_management_subnet, api_management_min_prefix(capacity),
         lambda subnet, minimum: _api_management_too_small(subnet, capacity, minimum)),
    )
    findings = []
    for label, subnet, minimum, too_small in subnets:
        if subnet is None:
            continue
        if subnet.network.prefixlen > minimum:
            findings.append(too_small(subnet, minimum))
        if region.vnet is not None and not subnet.network.subnet_of(region.vnet.network):
            findings.append(Finding(subnet.path, f"the {label} subnet {subnet} ({subnet.origin}) is outside the VNet "
                                                 f"{region.vnet} ({region.vnet.origin})"))
    findings.extend(_overlaps([subnet for _, subnet, _, _ in subnets if subnet is not None], "subnet"))
    return findings


def _api_management_too_small(subnet: Range, capacity: int, minimum: int) -> Finding:
    units = api_management_units(subnet.network.prefixlen)
    return Finding(subnet.path, f"the API Management subnet {subnet} holds {units} scale unit"
                                f"{'s' if units != 1 else ''}, but apiManagement.capacity is {capacity} in every "
                                f"region: it needs a /{minimum} or larger (Azure keeps {AZURE_RESERVED_ADDRESSES} "
                                f"addresses of a subnet, and each unit takes {ADDRESSES_PER_API_MANAGEMENT_UNIT})",
                   f"use a /{API_MANAGEMENT_PROPOSED}: it holds {api_management_units(API_MANAGEMENT_PROPOSED)} "
                   "units, room to scale out without moving the gateway")


def _overlaps(ranges: list[Range], what: str) -> list[Finding]:
    findings = []
    for i, first in enumerate(ranges):
        for second in ranges[i + 1:]:
            if first.network.overlaps(second.network):
                findings.append(Finding(
                    second.path, f"{what} {second} ({second.origin}) overlaps {what} {first} ({first.origin})",
                    "give every VNet its own range: peered or connected networks cannot overlap"))
    return findings
