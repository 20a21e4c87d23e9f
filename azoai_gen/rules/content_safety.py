"""Content safety at the gateway: it needs the gateway of tier 5."""

from __future__ import annotations

from typing import Iterator

from ..errors import Finding
from . import Subject, rule


@rule("content-safety-needs-gateway", before_design=True)
def content_safety_needs_gateway(subject: Subject) -> Iterator[Finding]:
    """apiManagement.contentSafety is enabled only in tier 5, whose gateway runs the check."""
    if subject.spec.api_management.content_safety is not None and not subject.posture.api_management:
        yield Finding(("apiManagement", "contentSafety", "enabled"),
                      f"content safety runs in the API Management gateway's policy (llm-content-safety), and tier "
                      f"{subject.posture.tier} has no gateway",
                      "use tier 5, or remove apiManagement.contentSafety; Azure OpenAI's own content filters "
                      "(deployments[].raiPolicy) work in every tier")
