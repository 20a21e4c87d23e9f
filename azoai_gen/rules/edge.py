"""Front Door and API Management: settings only where they belong, and the combinations Azure refuses."""

from __future__ import annotations

from typing import Iterator

from .. import resources
from ..errors import Finding
from ..ids import RESOURCE_ID, RESOURCE_ID_HINT
from ..model import Region
from ..posture import Origin
from ..regions import unknown as unknown_region
from . import Subject, ignored, rule
from .regions import known_regions

#: Why each API Management SKU cannot carry tier 5, by SKU.
APIM_SKU_RULES = {
    "Developer": "Developer cannot span regions (additionalLocations needs classic Premium) and has no SLA",
    "Standard": "classic Standard can neither be injected into a VNet nor span regions; both need classic Premium",
    "Basic": "classic Basic can neither be injected into a VNet nor span regions; both need classic Premium",
    "StandardV2": "Standard v2 cannot span regions in one instance, uses outbound VNet integration instead of "
                  "injection, and does not allow cipher changes; tier 5 needs classic Premium",
    "BasicV2": "Basic v2 has no VNet injection and cannot span regions; tier 5 needs classic Premium",
}


@rule("front-door-origin-settings", before_design=True)
def origin_settings(subject: Subject) -> Iterator[Finding]:
    """regions[].app only with frontDoor.origin app (where every region needs one); weight only when weighted."""
    posture = subject.posture
    if not posture.front_door:
        return
    app_mode = posture.origin is Origin.APP
    weighted = subject.spec.front_door.routing == "weighted"
    for region in subject.spec.regions:
        if region.app is not None and not app_mode:
            why = ("tier 5 routes Front Door to API Management" if posture.origin is Origin.APIM
                   else "frontDoor.origin is openai")
            yield Finding(region.path + ("app",), f"app is only used with frontDoor.origin: app; {why}",
                          "remove it, or set frontDoor.origin: app", at_key=True)
        if app_mode and region.app is None:
            yield Finding(region.path, f"frontDoor.origin is app, so {region.location} needs app.hostName",
                          "the host name of the regional application Front Door routes to")
        if region.weight is not None and not weighted:
            yield Finding(region.path + ("weight",), "weight is only used with frontDoor.routing: weighted",
                          "remove it, or set frontDoor.routing: weighted", at_key=True)


def _link_findings(region: Region, premium: bool) -> Iterator[Finding]:
    assert region.app is not None and region.app.private_link is not None
    link = region.app.private_link
    base = region.path + ("app", "privateLink")
    if not RESOURCE_ID.match(link.resource_id):
        yield Finding(base + ("resourceId",), "not a resource ID", RESOURCE_ID_HINT)
    if link.location is not None and link.location not in known_regions():
        yield Finding(base + ("location",), *unknown_region(link.location))
    if not premium:
        yield Finding(base, "Private Link origins need the Premium Front Door SKU",
                      "set frontDoor.sku: Premium_AzureFrontDoor, or reach the apps over their public endpoints",
                      at_key=True)


@rule("front-door-private-link", before_design=True)
def private_link(subject: Subject) -> Iterator[Finding]:
    """Private Link origins need Premium and a resource ID, and an origin group cannot mix them with public ones."""
    if subject.posture.origin is not Origin.APP:
        return
    regions = subject.spec.regions
    linked = [r for r in regions if r.app is not None and r.app.private_link is not None]
    premium = subject.spec.front_door.sku == "Premium_AzureFrontDoor"
    for region in linked:
        yield from _link_findings(region, premium)
    if linked and len(linked) != len(regions):
        for region in regions:
            if region not in linked:
                yield Finding(region.path + ("app",), "an origin group cannot mix public and Private Link origins: "
                                                      f"regions[{linked[0].index}] uses Private Link, this region "
                                                      "does not", "give every region app.privateLink, or none",
                              at_key=True)


@rule("front-door-private-link-region", before_design=True)
def private_link_region(subject: Subject) -> Iterator[Finding]:
    """A Private Link origin's endpoint is created in a region where Front Door offers Private Link."""
    if subject.posture.origin is not Origin.APP:
        return
    data = resources.data("frontdoor-private-link.json")
    offered = data["regions"]
    for region in subject.spec.regions:
        link = region.app.private_link if region.app else None
        if link is None:
            continue
        location = link.location or region.location
        if location in offered:
            continue
        path = region.path + (("app", "privateLink", "location") if link.location else ("location",))
        geography = known_regions().get(location, {}).get("geography", "")
        near = [r for r in offered if known_regions().get(r, {}).get("geography") == geography] or offered
        yield Finding(path, f"Front Door Private Link is not offered in {location} (the list of {data['date']}); "
                            "Front Door could not create the origin's private endpoint there",
                      "set app.privateLink.location to a region that offers it"
                      + (f" in {geography}" if near is not offered else "") + ": " + ", ".join(near))


@rule("front-door-hosts-distinct", before_design=True)
def hosts_distinct(subject: Subject) -> Iterator[Finding]:
    """Each region's app has its own host name."""
    if subject.posture.origin is not Origin.APP:
        return
    first: dict[str, int] = {}
    for region in subject.spec.regions:
        host = region.app.host_name.lower() if region.app else ""
        if host and host in first:
            yield Finding(region.path + ("app", "hostName"), f"the same host name as regions[{first[host]}]",
                          "each region needs its own origin")
        first.setdefault(host, region.index)


@rule("front-door-openai-ip-rules", before_design=True)
def openai_ip_rules(subject: Subject) -> Iterator[Finding]:
    """With Front Door in front of the accounts, IP rules on the accounts would block Front Door itself."""
    if subject.posture.origin is Origin.OPENAI and subject.spec.openai.allowed_ip_ranges:
        yield Finding(("openai", "allowedIpRanges"),
                      "would block Front Door: with frontDoor.origin openai, Front Door calls the accounts from its "
                      "own addresses, and Azure OpenAI network rules cannot allow the AzureFrontDoor.Backend "
                      "service tag",
                      "remove openai.allowedIpRanges; the WAF protects the edge, or use frontDoor.origin: app",
                      at_key=True)


@rule("front-door-ignored")
def front_door_ignored(subject: Subject) -> Iterator[Finding]:
    """Warn that Front Door settings are ignored below tier 4."""
    if not subject.posture.front_door:
        yield from ignored(subject, "frontDoor", f"tier {subject.posture.tier} has no Front Door", ("app", "weight"))


@rule("api-management-sku", before_design=True)
def api_management_sku(subject: Subject) -> Iterator[Finding]:
    """Tier 5 needs classic Premium: VNet injection and several regions in one instance."""
    sku = subject.spec.api_management.sku
    if subject.posture.api_management and sku in APIM_SKU_RULES:
        yield Finding(("apiManagement", "sku"), f"API Management {sku} cannot carry tier 5: {APIM_SKU_RULES[sku]}",
                      "set apiManagement.sku: Premium")


@rule("api-management-publisher-email")
def publisher_email(subject: Subject) -> Iterator[Finding]:
    """Warn when API Management's notifications would go to a placeholder address."""
    if subject.posture.api_management and subject.spec.api_management.publisher_email is None:
        yield Finding(("apiManagement",) if subject.written("apiManagement") else ("tier",),
                      "apiManagement.publisherEmail is not set: API Management notifications go to a placeholder "
                      "address", "set apiManagement.publisherEmail to a mailbox your team reads", severity="warning")


@rule("api-management-ignored")
def api_management_ignored(subject: Subject) -> Iterator[Finding]:
    """Warn that API Management settings are ignored below tier 5."""
    if not subject.posture.api_management:
        yield from ignored(subject, "apiManagement", f"tier {subject.posture.tier} has no API Management")
