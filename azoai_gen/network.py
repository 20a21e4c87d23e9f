"""Address planning and network rules for the private tiers.

Pure functions: the plan is computed in Python (checkov cannot parse Bicep's
``cidrSubnet()``), validated here, and printed by the templates.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any

from .errors import Problem
from .loader import PathT, Positions

#: Each region without its own address space gets a VNet of this size from network.addressSpace.
REGION_PREFIX = 22
#: Subnets are quarters of the VNet, but never larger than this.
SUBNET_PREFIX_CAP = 24
#: Azure's smallest subnet.
AZURE_MIN_SUBNET = 29
#: Smallest workload subnet each delegation accepts.
DELEGATION_MIN = {"none": 29, "Microsoft.App/environments": 27, "Microsoft.Web/serverFarms": 28}

ZONES = {
    "openai": "privatelink.openai.azure.com",
    "cognitiveServices": "privatelink.cognitiveservices.azure.com",
    "aiServices": "privatelink.services.ai.azure.com",
}
#: Private DNS zones an account of each kind needs (group ID 'account').
ZONES_BY_KIND = {"OpenAI": ["openai"], "AIServices": ["cognitiveServices", "openai", "aiServices"]}

_GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
SUBNET_ID = re.compile(
    rf"^(?P<vnet>/subscriptions/{_GUID}/resourcegroups/[-\w._()]{{1,90}}/providers/microsoft\.network"
    r"/virtualnetworks/[\w.-]{2,64})/subnets/[\w.-]{1,80}$", re.IGNORECASE)
ZONE_ID = re.compile(
    rf"^/subscriptions/{_GUID}/resourcegroups/[-\w._()]{{1,90}}/providers/microsoft\.network"
    r"/privatednszones/(?P<zone>[a-z0-9.-]+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Range:
    network: ipaddress.IPv4Network
    path: PathT
    origin: str  # how the range was chosen, for error messages

    def __str__(self) -> str:
        return str(self.network)


@dataclass(frozen=True)
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
        if not self.existing_subnet_id:
            return None
        match = SUBNET_ID.match(self.existing_subnet_id)
        return match.group("vnet") if match else None


def _parse(text: str, path: PathT, positions: Positions, problems: list[Problem]) -> ipaddress.IPv4Network | None:
    try:
        return ipaddress.IPv4Network(text, strict=True)
    except ipaddress.NetmaskValueError:
        problems.append(positions.problem(path, f"'{text}' has an invalid prefix length", "use /8 to /29"))
    except ValueError as exc:
        try:
            loose = ipaddress.IPv4Network(text, strict=False)
            problems.append(positions.problem(path, f"'{text}' has host bits set", f"did you mean '{loose}'?"))
        except ValueError:
            problems.append(positions.problem(path, f"'{text}' is not an IPv4 CIDR range ({exc})"))
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


#: Smallest subnet API Management (stv2) can be injected into.
API_MANAGEMENT_MIN = 29

SUBNET_KEYS = ("privateEndpointSubnet", "workloadSubnet", "apiManagementSubnet")


def plan(spec: dict[str, Any], positions: Positions,
         with_api_management: bool = False) -> tuple[list[RegionNetwork], list[Problem]]:
    """The network of every region, and every problem with the address plan.

    With ``with_api_management`` (tier 5) every region also gets an API Management subnet, and every region must
    create its VNet: the gateway is injected into it and the VNets are peered.
    """
    problems: list[Problem] = []
    settings = spec["network"]
    pool_path: PathT = ("network", "addressSpace")
    pool = _parse(settings["addressSpace"], pool_path, positions, problems)
    delegation = settings["workloadSubnetDelegation"]
    regions: list[RegionNetwork] = []
    for index, region in enumerate(spec["regions"]):
        own = region.get("network", {})
        base: PathT = ("regions", index, "network")
        location = region["location"]
        if "existingSubnetId" in own and with_api_management:
            problems.append(positions.problem(
                base + ("existingSubnetId",), "tier 5 creates and peers the VNet of every region, with a subnet for "
                                              "API Management; an existing subnet cannot be used",
                "remove existingSubnetId (give network.addressSpace or regions[].network.addressSpace instead)",
                at_key=True))
            regions.append(RegionNetwork(location, index, None, None, None, None))
            continue
        if "existingSubnetId" in own:
            extra = sorted(k for k in own if k != "existingSubnetId")
            for key in extra:
                problems.append(positions.problem(
                    base + (key,), f"{key} cannot be combined with existingSubnetId",
                    "with an existing subnet no VNet is created in this region", at_key=True))
            if not SUBNET_ID.match(own["existingSubnetId"]):
                problems.append(positions.problem(
                    base + ("existingSubnetId",), "not a subnet resource ID",
                    "expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/"
                    "virtualNetworks/<vnet>/subnets/<subnet>"))
            regions.append(RegionNetwork(location, index, own["existingSubnetId"], None, None, None))
            continue
        if "addressSpace" in own:
            net = _parse(own["addressSpace"], base + ("addressSpace",), positions, problems)
            vnet = Range(net, base + ("addressSpace",), f"regions[{index}].network.addressSpace") if net else None
        elif pool is not None:
            net = _nth(pool, max(REGION_PREFIX, pool.prefixlen), index)
            if net is None or pool.prefixlen > REGION_PREFIX:
                room = 2 ** max(0, REGION_PREFIX - pool.prefixlen) if pool.prefixlen <= REGION_PREFIX else 0
                problems.append(positions.problem(
                    pool_path, f"network.addressSpace {pool} has room for {room} regional /{REGION_PREFIX} "
                               f"VNet{'s' if room != 1 else ''}; regions[{index}] ({location}) needs one more",
                    "use a larger range, or give the region its own network.addressSpace"))
                vnet = None
            else:
                vnet = Range(net, pool_path, f"automatic /{REGION_PREFIX} number {index + 1} of network.addressSpace")
        else:
            vnet = None
        keys = SUBNET_KEYS if with_api_management else SUBNET_KEYS[:2]
        defaults_fit = vnet is not None and vnet.network.prefixlen + 2 <= AZURE_MIN_SUBNET
        if vnet is not None and not defaults_fit and not all(k in own for k in keys):
            problems.append(positions.problem(
                vnet.path, f"the VNet {vnet} of {location} is too small for the default subnets (quarters of it)",
                f"use at least a /{AZURE_MIN_SUBNET - 2}, or set {', '.join(keys)}"))
        subnets = []
        for sub_index, key in enumerate(keys):
            path = base + (key,)
            if key in own:
                net = _parse(own[key], path, positions, problems)
                subnets.append(Range(net, path, f"regions[{index}].network.{key}") if net else None)
            elif vnet is not None and defaults_fit:
                net = default_subnet(vnet.network, sub_index)
                subnets.append(Range(net, vnet.path, f"default {key} of {vnet}") if net else None)
            else:
                subnets.append(None)
        regions.append(RegionNetwork(location, index, None, vnet, subnets[0], subnets[1],
                                     subnets[2] if with_api_management else None))
        problems.extend(_region_problems(regions[-1], delegation, positions))
    problems.extend(_overlaps([r.vnet for r in regions if r.vnet], positions, "VNet"))
    return regions, problems


def _region_problems(region: RegionNetwork, delegation: str, positions: Positions) -> list[Problem]:
    problems = []
    minimums = {"private endpoint": AZURE_MIN_SUBNET, "workload": DELEGATION_MIN[delegation],
                "API Management": API_MANAGEMENT_MIN}
    subnets = (("private endpoint", region.private_endpoint_subnet), ("workload", region.workload_subnet),
               ("API Management", region.api_management_subnet))
    for label, subnet in subnets:
        if subnet is None:
            continue
        minimum = minimums[label]
        if subnet.network.prefixlen > minimum:
            why = "Azure's smallest subnet" if minimum == AZURE_MIN_SUBNET else f"the minimum for {delegation}"
            problems.append(positions.problem(
                subnet.path, f"the {label} subnet {subnet} is too small: /{minimum} is {why}"))
        if region.vnet is not None and not subnet.network.subnet_of(region.vnet.network):
            problems.append(positions.problem(
                subnet.path, f"the {label} subnet {subnet} ({subnet.origin}) is outside the VNet "
                             f"{region.vnet} ({region.vnet.origin})"))
    present = [s for _, s in subnets if s is not None]
    problems.extend(_overlaps(present, positions, "subnet"))
    return problems


def _overlaps(ranges: list[Range], positions: Positions, what: str) -> list[Problem]:
    problems = []
    for i, first in enumerate(ranges):
        for second in ranges[i + 1:]:
            if first.network.overlaps(second.network):
                problems.append(positions.problem(
                    second.path, f"{what} {second} ({second.origin}) overlaps {what} {first} ({first.origin})",
                    "give every VNet its own range: peered or connected networks cannot overlap"))
    return problems


def zone_problems(spec: dict[str, Any], positions: Positions) -> list[Problem]:
    problems = []
    for key, zone_id in sorted(spec["network"]["privateDnsZoneIds"].items()):
        path: PathT = ("network", "privateDnsZoneIds", key)
        match = ZONE_ID.match(zone_id)
        if not match:
            problems.append(positions.problem(
                path, "not a private DNS zone resource ID",
                "expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/privateDnsZones/"
                + ZONES[key]))
        elif match.group("zone").lower() != ZONES[key]:
            problems.append(positions.problem(
                path, f"this is the zone '{match.group('zone')}', but {key} needs '{ZONES[key]}'"))
    return problems


def is_private_range(network: ipaddress.IPv4Network) -> bool:
    return any(network.subnet_of(ipaddress.IPv4Network(block))
               for block in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"))
