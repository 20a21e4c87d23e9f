"""The private network: the address plan, the central DNS zones, and network settings where they belong."""

from __future__ import annotations

from typing import Iterator

from ..addressing import ZONES
from ..design.network import zone_keys
from ..errors import Finding
from ..ids import is_private_range, zone_of
from . import Subject, ignored, rule


@rule("network-address-plan")
def address_plan(subject: Subject) -> Iterator[Finding]:
    """CIDR syntax, subnets inside their VNet and large enough, no overlaps, room in the pool for every region."""
    design = subject.design
    if design is not None and design.plan is not None:
        yield from design.plan.findings


@rule("network-private-dns-zone-ids")
def zone_ids(subject: Subject) -> Iterator[Finding]:
    """A central private DNS zone is named by its resource ID, and is the zone its key stands for."""
    if not subject.posture.private_endpoints:
        return
    for key, zone_id in subject.spec.network.private_dns_zone_ids:
        path = ("network", "privateDnsZoneIds", key)
        zone = zone_of(zone_id)
        if zone is None:
            yield Finding(path, "not a private DNS zone resource ID",
                          "expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/"
                          "privateDnsZones/" + ZONES[key])
        elif zone != ZONES[key]:
            yield Finding(path, f"this is the zone '{zone_id.rsplit('/', 1)[-1]}', but {key} needs '{ZONES[key]}'")


@rule("network-zone-unused")
def zone_unused(subject: Subject) -> Iterator[Finding]:
    """Warn about a central zone the account kind does not use."""
    if not subject.posture.private_endpoints:
        return
    kind = subject.spec.openai.kind
    used = zone_keys(subject.spec, subject.posture)
    for key, _ in subject.spec.network.private_dns_zone_ids:
        if key not in used:
            yield Finding(("network", "privateDnsZoneIds", key),
                          f"ignored: an account of kind {kind} does not use {ZONES[key]}", at_key=True,
                          severity="warning")


@rule("network-private-ranges")
def private_ranges(subject: Subject) -> Iterator[Finding]:
    """Warn about a VNet range outside the private address blocks."""
    design = subject.design
    if design is None or design.plan is None:
        return
    for planned in design.plan.regions:
        if planned.vnet is not None and not is_private_range(planned.vnet.network):
            yield Finding(planned.vnet.path, f"the VNet range {planned.vnet} of {planned.location} is not a private "
                                             "(RFC 1918) range",
                          "public ranges used inside a VNet hide the real owners of those addresses",
                          severity="warning")


@rule("network-ignored")
def network_ignored(subject: Subject) -> Iterator[Finding]:
    """Warn that network settings are ignored in the public tiers."""
    if not subject.posture.private_endpoints:
        yield from ignored(subject, "network", f"tier {subject.posture.tier} has no private network", ("network",))
