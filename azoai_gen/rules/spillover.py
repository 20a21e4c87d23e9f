"""Spill-over from a provisioned deployment to a standard one: the target exists, the types pair up, and both serve
the same model and version (Learn: "Manage traffic with spillover for provisioned deployments")."""

from __future__ import annotations

from typing import Iterator

from ..errors import Finding
from ..model import Deployment
from ..schema import suggest
from . import Subject, rule

#: The standard deployment type of each provisioned one: the same data processing level (regional, Global, Data
#: Zone), which spill-over requires.
STANDARD_OF = {"ProvisionedManaged": "Standard", "GlobalProvisionedManaged": "GlobalStandard",
               "DataZoneProvisionedManaged": "DataZoneStandard"}


def _targets(subject: Subject) -> Iterator[tuple[int, Deployment, int | None]]:
    """Each deployment that names a spill-over, with the index of the deployment it names (``None`` if none)."""
    by_name = {d.name.lower(): index for index, d in enumerate(subject.spec.deployments)}
    for index, deployment in enumerate(subject.spec.deployments):
        if deployment.spillover is not None:
            yield index, deployment, by_name.get(deployment.spillover.lower())


@rule("deployments-spillover-target", before_design=True)
def spillover_target(subject: Subject) -> Iterator[Finding]:
    """A spill-over names another deployment of the spec."""
    names = [d.name for d in subject.spec.deployments]
    for index, deployment, target in _targets(subject):
        path = ("deployments", index, "spillover")
        if target is None:
            meant = suggest(deployment.spillover, names)
            yield Finding(path, f"spillover names '{deployment.spillover}', which is not a deployment of this spec",
                          meant or "name a standard deployment listed in deployments, with the same model and "
                                   "version, which the account creates before this one")
        elif target == index:
            yield Finding(path, f"deployment '{deployment.name}' cannot spill over to itself",
                          "name a standard deployment of the same model and version")


@rule("deployments-spillover-types", before_design=True)
def spillover_types(subject: Subject) -> Iterator[Finding]:
    """Only a provisioned deployment spills over, to the standard type of its data processing level."""
    deployments = subject.spec.deployments
    for index, deployment, target in _targets(subject):
        path = ("deployments", index)
        wanted = STANDARD_OF.get(deployment.sku)
        if wanted is None:
            yield Finding(path + ("spillover",), f"only a provisioned deployment can spill over, and "
                                                 f"'{deployment.name}' is {deployment.sku}",
                          "remove spillover, or make this deployment ProvisionedManaged, GlobalProvisionedManaged or "
                          "DataZoneProvisionedManaged", at_key=True)
        elif target is not None and target != index and deployments[target].sku != wanted:
            other = deployments[target]
            yield Finding(path + ("spillover",), f"a {deployment.sku} deployment spills over to a {wanted} "
                                                 f"deployment (the same data processing level), but '{other.name}' "
                                                 f"is {other.sku}",
                          f"set deployments[{target}].sku to {wanted}, or name a {wanted} deployment")


@rule("deployments-spillover-model", before_design=True)
def spillover_model(subject: Subject) -> Iterator[Finding]:
    """A spill-over deployment serves the same model, version and format as the provisioned one."""
    deployments = subject.spec.deployments
    for index, deployment, target in _targets(subject):
        if target is None or target == index:
            continue
        other = deployments[target]
        mine = (deployment.format, deployment.model, deployment.version)
        theirs = (other.format, other.model, other.version)
        if mine != theirs:
            yield Finding(("deployments", index, "spillover"),
                          f"'{other.name}' serves {other.model} {other.version}, but '{deployment.name}' serves "
                          f"{deployment.model} {deployment.version}: spill-over needs the same model and version",
                          f"give deployments[{target}] model {deployment.model} and version "
                          f"\"{deployment.version}\", or name a deployment that serves them")
