"""Model deployments: unique names, availability and lifecycle in the dated data file."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any, Iterator

from .. import resources
from ..errors import Finding
from ..frozen import frozen
from ..model import Deployment
from ..schema import suggest
from . import Subject, repeats, rule
from .regions import known_regions

#: A deployment whose model version retires within this many days is warned about.
RETIREMENT_NOTICE_DAYS = 90

#: The Models API's ``lifecycleStatus`` values the lifecycle rules act on (Learn's stages in brackets).
RETIRED = "Deprecated"  # [Retired] inference answers 410; deployments fail with ServiceModelDeprecated
WARNED = {
    # [Deprecated] only subscriptions that already deploy the version may create deployments of it
    "Deprecating": "is deprecating: Azure refuses new deployments of it (ServiceModelDeprecating) except in "
                   "subscriptions that already deploy it",
    # [Legacy] newer models replace it; deprecation follows
    "Legacy": "is legacy: newer models replace it, and Azure deprecates legacy versions before retiring them",
}
GENERALLY_AVAILABLE = {"GenerallyAvailable", "Stable"}


@rule("deployments-unique", before_design=True)
def deployments_unique(subject: Subject) -> Iterator[Finding]:
    """Deployment names are unique in an account, case-insensitively."""
    deployments = subject.spec.deployments
    for index, first in repeats(deployment.name.lower() for deployment in deployments):
        yield Finding(("deployments", index, "name"),
                      f"deployment name '{deployments[index].name}' is already used by deployments[{first}]",
                      "deployment names are case-insensitive and must be unique in an account")


#: How many regions a hint names, nearest first, when a region does not offer a deployment.
NAMED_REGIONS = 5


def _meant(word: str, known: list[str], elsewhere: dict) -> str:
    """A did-you-mean hint for a model or version that the availability data does not list, unless the lifecycle
    data knows it (``elsewhere``): a real model missing from the availability tables is no typo."""
    return "" if word in elsewhere else suggest(word, known)


def _availability(index: int, deployment: Deployment, models: dict, locations: list[str]) -> Iterator[Finding]:
    date = models.get("date", "unknown")
    path = ("deployments", index)
    versions = models["models"].get(deployment.model)
    if versions is None:
        lifecycle = models.get("lifecycle", {}).get("models", {})
        meant = _meant(deployment.model, sorted(set(models["models"]) | set(lifecycle)), lifecycle)
        yield Finding(path + ("model",), f"model '{deployment.model}' is not in the availability data of {date}",
                      _then(meant, "check the Azure OpenAI model availability tables before deploying"),
                      severity="warning")
        return
    skus = versions.get(deployment.version)
    if skus is None:
        lifecycle = models.get("lifecycle", {}).get("models", {}).get(deployment.model, {})
        meant = _meant(deployment.version, sorted(versions), lifecycle)
        yield Finding(path + ("version",), f"version '{deployment.version}' of {deployment.model} is not in the "
                                           f"availability data of {date}",
                      _then(meant, "known versions: " + ", ".join(sorted(versions))),
                      severity="warning")
        return
    offered = skus.get(deployment.sku)
    if offered is None:
        yield Finding(path + ("sku",), f"the availability data of {date} does not list {deployment.model} "
                                       f"{deployment.version} with SKU {deployment.sku}",
                      "listed SKUs: " + ", ".join(sorted(skus)), severity="warning")
        return
    missing = [(i, location) for i, location in enumerate(locations) if location not in offered]
    if missing:
        where = _and([f"{location} (regions[{i}])" for i, location in missing])
        yield Finding(path + ("sku",), f"{deployment.model} {deployment.version} ({deployment.sku}) is not offered "
                                       f"in {where} according to the availability data of {date}",
                      _offered_hint(deployment, skus, offered, [location for _, location in missing]),
                      severity="warning")


def _then(first: str, second: str) -> str:
    return f"{first} {second}" if first else second


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _offered_hint(deployment: Deployment, skus: dict, offered: list[str], missing: list[str]) -> str:
    """Where the deployment is offered: in how many regions, the first few by name (those in the geography of a
    region that lacks it first), and the SKUs that the regions lacking it do offer."""
    known = known_regions()
    homes = [known[location]["geography"] for location in missing if location in known]

    def nearness(region: str) -> tuple[int, str]:
        geography = known.get(region, {}).get("geography")
        return (homes.index(geography) if geography in homes else len(homes), region)

    nearest = sorted(offered, key=nearness)
    named = ", ".join(nearest[:NAMED_REGIONS]) + (", ..." if len(nearest) > NAMED_REGIONS else "")
    near = list(dict.fromkeys(g for g in homes if any(known.get(r, {}).get("geography") == g for r in offered)))
    order = f"those in {_and(near)} first" if near else "such as"
    count = len(offered)
    hint = f"offered as {deployment.sku} in {count} region{'s' if count != 1 else ''}, {order}: {named}"
    others = sorted(sku for sku, regions in skus.items() if sku != deployment.sku and set(missing) <= set(regions))
    if others:
        hint += f"; {_and(missing)} offer{'s' if len(missing) == 1 else ''} it as {' or '.join(others)}"
    return hint + "; or check the current availability tables"


@rule("deployments-available")
def deployments_available(subject: Subject) -> Iterator[Finding]:
    """Warn when the dated availability data does not list a deployment's model, version or SKU in a region."""
    models = resources.data("models.json")
    locations = [r.location for r in subject.spec.regions]
    for index, deployment in enumerate(subject.spec.deployments):
        yield from _availability(index, deployment, models, locations)


def today() -> date:
    """Today in UTC, against which retirement dates are compared. Tests replace this function.

    Only findings depend on it: the rendered files never do, so a spec renders the same bytes on every day that it
    renders at all.
    """
    return datetime.now(timezone.utc).date()


@frozen
class Lifecycle:
    """Where a deployment's model version stands, according to the dated lifecycle data."""

    model: str
    version: str
    status: str
    retires: date | None
    sku_retires: bool
    replacement: dict[str, str] | None
    data: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.model} {self.version}"

    def retired(self, now: date) -> bool:
        return self.status == RETIRED or (self.retires is not None and self.retires <= now)

    def days_left(self, now: date) -> int | None:
        return None if self.retires is None else (self.retires - now).days

    def according_to(self) -> str:
        return f"lifecycle data of {self.data.get('date', 'unknown date')}: {self.data.get('source', 'no source')}"


def lifecycle_data() -> dict[str, Any]:
    """The ``lifecycle`` part of ``data/models.json``: its date, source and entries per model and version."""
    return resources.data("models.json").get("lifecycle", {"models": {}})


def _when(text: Any) -> date | None:
    return date.fromisoformat(text) if isinstance(text, str) and text else None


def lifecycle_of(deployment: Deployment, data: dict[str, Any]) -> Lifecycle | None:
    """The lifecycle of a deployment's model version and SKU, or None when the data does not list the version."""
    entry = data.get("models", {}).get(deployment.model, {}).get(deployment.version)
    if entry is None:
        return None
    retires = _when(entry.get("retirement"))
    sku_retires = _when(entry.get("skus", {}).get(deployment.sku))
    earlier = sku_retires is not None and (retires is None or sku_retires < retires)
    return Lifecycle(deployment.model, deployment.version, entry.get("status", ""), sku_retires if earlier else retires,
                     earlier, entry.get("replacement"), data)


def _replacement_hint(found: Lifecycle, now: date, location: str) -> str:
    """Name the recorded replacement when it is generally available and not retiring soon; else say how to look."""
    wanted = found.replacement or {}
    entry = found.data.get("models", {}).get(wanted.get("model", ""), {}).get(wanted.get("version", ""))
    if entry and entry.get("status") in GENERALLY_AVAILABLE:
        retires = _when(entry.get("retirement"))
        if retires is None or (retires - now).days > RETIREMENT_NOTICE_DAYS:
            until = f", generally available until {retires.isoformat()}" if retires else ", generally available"
            return (f"its replacement is {wanted['model']} {wanted['version']}{until}: set model: {wanted['model']} "
                    f"and version: \"{wanted['version']}\"")
    return (f"pick a generally available model version that retires later; 'az cognitiveservices model list "
            f"--location {location}' shows each version's lifecycleStatus and deprecation.inference date")


def _lifecycles(subject: Subject) -> Iterator[tuple[int, Deployment, Lifecycle, date, str]]:
    """Each deployment whose model version the lifecycle data knows: its index, itself, its lifecycle, today, and the
    region that the hints' az command names."""
    data, now = lifecycle_data(), today()
    location = subject.spec.regions[0].location if subject.spec.regions else "<region>"
    for index, deployment in enumerate(subject.spec.deployments):
        found = lifecycle_of(deployment, data)
        if found is not None:
            yield index, deployment, found, now, location


@rule("deployments-retired", before_design=True)
def deployments_retired(subject: Subject) -> Iterator[Finding]:
    """No deployment uses a retired model version: status Deprecated, or its retirement date has come."""
    for index, deployment, found, now, location in _lifecycles(subject):
        if not found.retired(now):
            continue
        if found.retires is not None and found.retires <= now:
            sku = f" for SKU {deployment.sku}" if found.sku_retires else ""
            when = f"retired{sku} on {found.retires.isoformat()}"
        else:
            when = f"is retired (lifecycle status {found.status})"
        yield Finding(("deployments", index, "version"),
                      f"{found.label} {when}: Azure refuses new deployments of it (ServiceModelDeprecated) and "
                      f"existing ones fail ({found.according_to()})",
                      _replacement_hint(found, now, location))


def _retiring_message(found: Lifecycle, deployment: Deployment, now: date) -> str | None:
    left = found.days_left(now)
    sku = f" with SKU {deployment.sku}" if found.sku_retires else ""
    retires = f"it retires{sku} on {found.retires.isoformat()}" if found.retires else "no retirement date is recorded"
    if found.status in WARNED:
        return f"{found.label} {WARNED[found.status]}; {retires} ({found.according_to()})"
    if left is not None and left <= RETIREMENT_NOTICE_DAYS:
        return (f"{found.label} retires{sku} on {found.retires.isoformat()}, in {left} days, after which new "
                f"deployments of it fail ({found.according_to()})")
    return None


@rule("deployments-retiring", before_design=True)
def deployments_retiring(subject: Subject) -> Iterator[Finding]:
    """Warning: a deployment's model version is deprecating, legacy, or retires within 90 days."""
    for index, deployment, found, now, location in _lifecycles(subject):
        if found.retired(now):
            continue
        message = _retiring_message(found, deployment, now)
        if message:
            yield Finding(("deployments", index, "version"), message, _replacement_hint(found, now, location),
                          severity="warning")
