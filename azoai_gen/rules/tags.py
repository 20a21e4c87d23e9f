"""Tags: Azure compares tag names without regard to case, so two names that differ only in case are one tag."""

from __future__ import annotations

from typing import Iterator

from ..design import generated_tags
from ..errors import Finding
from . import Subject, rule


@rule("tags-distinct-ignoring-case", before_design=True)
def tags_distinct(subject: Subject) -> Iterator[Finding]:
    """Tag names differ from each other and from the generated tags other than in case."""
    generated = {name.lower(): name for name in generated_tags(subject.spec)}
    first: dict[str, str] = {}
    for name, _ in subject.spec.tags:
        folded = name.lower()
        if folded in generated and name != generated[folded]:
            yield Finding(("tags", name), f"tag '{name}' is the generated tag '{generated[folded]}' in another case; "
                          "Azure compares tag names without regard to case",
                          f"write '{generated[folded]}' to set the generated tag's value, or choose another name",
                          at_key=True)
        elif folded in first:
            yield Finding(("tags", name), f"tag '{name}' is the tag '{first[folded]}' in another case; Azure "
                          "compares tag names without regard to case", "keep one of them", at_key=True)
        first.setdefault(folded, name)
