"""Regions: known to Azure, listed once, and as many as the tier needs."""

from __future__ import annotations

from typing import Iterator

from .. import regions
from ..errors import Finding
from . import Subject, rule


def known_regions() -> dict:
    return regions.known()


@rule("regions-known", before_design=True, gate=True)
def regions_known(subject: Subject) -> Iterator[Finding]:
    """Every region is a public Azure region (azoai_gen/data/regions.json)."""
    known = known_regions()
    for region in subject.spec.regions:
        if region.location not in known:
            yield Finding(region.path + ("location",), *regions.unknown(region.location))


@rule("regions-distinct", before_design=True, gate=True)
def regions_distinct(subject: Subject) -> Iterator[Finding]:
    """No region is listed twice: names, VNets and origins are per region."""
    first: dict[str, int] = {}
    for region in subject.spec.regions:
        if region.location in first:
            yield Finding(region.path + ("location",), f"region '{region.location}' is listed twice "
                                                       f"(first as regions[{first[region.location]}])")
        first.setdefault(region.location, region.index)


@rule("regions-enough-for-tier", before_design=True)
def regions_enough(subject: Subject) -> Iterator[Finding]:
    """Tiers 4 and 5 need two distinct regions."""
    known = known_regions()
    locations = [r.location for r in subject.spec.regions]
    if any(loc not in known for loc in locations) or len(set(locations)) != len(locations):
        return  # the two rules above already point at the regions
    needed = subject.posture.min_regions
    if len(locations) < needed:
        yield Finding(("regions",), f"tier {subject.posture.tier} needs at least {needed} distinct regions; "
                                    f"the spec has {len(locations)}",
                      "add a second region, ideally in the same geography for data residency")
