"""Model deployments: unique names, and availability in the dated data file."""

from __future__ import annotations

from typing import Iterator

from .. import resources
from ..errors import Finding
from ..model import Deployment
from . import Subject, rule


@rule("deployments-unique", before_design=True)
def deployments_unique(subject: Subject) -> Iterator[Finding]:
    """Deployment names are unique in an account, case-insensitively."""
    first: dict[str, int] = {}
    for index, deployment in enumerate(subject.spec.deployments):
        key = deployment.name.lower()
        if key in first:
            yield Finding(("deployments", index, "name"),
                          f"deployment name '{deployment.name}' is already used by deployments[{first[key]}]",
                          "deployment names are case-insensitive and must be unique in an account")
        first.setdefault(key, index)


def _availability(index: int, deployment: Deployment, models: dict, locations: list[str]) -> Iterator[Finding]:
    date = models.get("date", "unknown")
    path = ("deployments", index)
    versions = models["models"].get(deployment.model)
    if versions is None:
        yield Finding(path + ("model",), f"model '{deployment.model}' is not in the availability data of {date}",
                      "check the Azure OpenAI model availability tables before deploying", severity="warning")
        return
    skus = versions.get(deployment.version)
    if skus is None:
        yield Finding(path + ("version",), f"version '{deployment.version}' of {deployment.model} is not in the "
                                           f"availability data of {date}",
                      "known versions: " + ", ".join(sorted(versions)), severity="warning")
        return
    offered = skus.get(deployment.sku)
    if offered is None:
        yield Finding(path + ("sku",), f"the availability data of {date} does not list {deployment.model} "
                                       f"{deployment.version} with SKU {deployment.sku}",
                      "listed SKUs: " + ", ".join(sorted(skus)), severity="warning")
        return
    for region_index, location in enumerate(locations):
        if location not in offered:
            yield Finding(path + ("sku",), f"{deployment.model} {deployment.version} ({deployment.sku}) is not "
                                           f"offered in {location} (regions[{region_index}]) according to the "
                                           f"availability data of {date}",
                          "pick a region or SKU that offers it, or check the current availability tables",
                          severity="warning")


@rule("deployments-available")
def deployments_available(subject: Subject) -> Iterator[Finding]:
    """Warn when the dated availability data does not list a deployment's model, version or SKU in a region."""
    models = resources.data("models.json")
    locations = [r.location for r in subject.spec.regions]
    for index, deployment in enumerate(subject.spec.deployments):
        yield from _availability(index, deployment, models, locations)
