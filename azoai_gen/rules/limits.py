"""Azure Resource Manager's limits on one template, counted from the design."""

from __future__ import annotations

from typing import Iterator

from .. import limits
from ..errors import Finding
from . import Subject, rule


@rule("arm-resource-limit")
def resource_limit(subject: Subject) -> Iterator[Finding]:
    """The compiled template deploys at most 800 resources."""
    design = subject.design
    if design is not None and design.resource_count > limits.MAX_RESOURCES:
        yield Finding(("regions",), "the deployment would exceed Azure Resource Manager limits: "
                                    f"{design.resource_count} resources (ARM allows {limits.MAX_RESOURCES} in one "
                                    "template)",
                      "use fewer regions, model deployments or principals, or split the workload into two specs"
                      + (f" ({len(design.alerts.rules)} of the resources are alert rules)" if design.alerts else ""))
