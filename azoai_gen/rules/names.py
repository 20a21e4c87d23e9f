"""Every name the design deploys fits Azure's rule for its kind, and only those names are checked."""

from __future__ import annotations

from typing import Iterator

from ..errors import Finding
from . import Subject, rule


@rule("names-fit-azure-rules")
def names_fit(subject: Subject) -> Iterator[Finding]:
    """Length and characters of every deployed name, suffix included (five characters when computed)."""
    design = subject.design
    if design is None:
        return
    suffix = subject.spec.naming_suffix
    for name in design.names:
        reason = name.problem(suffix)
        if reason:
            hint = "shorten workload or environment" + (", or naming.suffix" if name.suffixed else "")
            yield Finding(name.blame, reason, hint)
