"""Content filters: names Azure accepts, each defined once, every reference to a defined policy or blocklist, and
the settings that need Azure's approval."""

from __future__ import annotations

from typing import Iterator

from ..design.filters import BUILT_IN_POLICIES, RESERVED_PREFIX
from ..errors import Finding
from ..schema import suggest
from . import Subject, repeats, rule

#: Where Azure says which content filter settings need its approval.
APPROVAL_SOURCE = ("Learn, \"Configure content filters\": approval is required to turn content filters partially "
                   "or fully off on completions (Limited Access Review: Modified Content Filters)")


@rule("content-filters-reserved-names", before_design=True)
def content_filters_reserved_names(subject: Subject) -> Iterator[Finding]:
    """A custom content filter's name does not begin with 'Microsoft.': Azure keeps those for its own policies."""
    for content_filter in subject.spec.openai.content_filters:
        if content_filter.name.lower().startswith(RESERVED_PREFIX):
            yield Finding(content_filter.path + ("name",),
                          f"content filter name '{content_filter.name}' begins with 'Microsoft.', which Azure keeps "
                          "for its own policies",
                          "choose another name; to use Azure's policy as it is, name it in deployments[].raiPolicy, "
                          "or start from it with basePolicy")


def _first_of(names: list[tuple[tuple, str]], what: str, where: str) -> Iterator[Finding]:
    """A finding for each name already used earlier in the list (case-insensitively, as Azure compares them)."""
    for index, first in repeats(name.lower() for _, name in names):
        path, name = names[index]
        yield Finding(path, f"{what} '{name}' is already defined as {where}[{first}]",
                      f"{what} names are case-insensitive and must be unique in an account")


@rule("content-filters-unique", before_design=True)
def content_filters_unique(subject: Subject) -> Iterator[Finding]:
    """Content filter and blocklist names are unique, and a blocklist holds each term once."""
    openai = subject.spec.openai
    yield from _first_of([(f.path + ("name",), f.name) for f in openai.content_filters], "content filter",
                         "openai.contentFilters")
    yield from _first_of([(b.path + ("name",), b.name) for b in openai.blocklists], "blocklist", "openai.blocklists")
    for blocklist in openai.blocklists:
        for index, first in repeats((item.pattern, item.regex) for item in blocklist.items):
            yield Finding(blocklist.path + ("items", index, "term"),
                          f"'{blocklist.items[index].pattern}' is already items[{first}] of blocklist "
                          f"'{blocklist.name}'", "remove the repeated term")


@rule("content-filters-blocklists-defined", before_design=True)
def content_filters_blocklists_defined(subject: Subject) -> Iterator[Finding]:
    """Every blocklist a content filter applies is defined in openai.blocklists, and applied once."""
    defined = [b.name for b in subject.spec.openai.blocklists]
    known = {name.lower() for name in defined}
    for content_filter in subject.spec.openai.content_filters:
        applied: set[str] = set()
        for index, use in enumerate(content_filter.blocklists):
            path = content_filter.path + ("blocklists", index, "name")
            if use.name.lower() not in known:
                meant = suggest(use.name, defined)
                yield Finding(path, f"blocklist '{use.name}' is not defined in openai.blocklists",
                              meant or ("define it in openai.blocklists with its items" if not defined
                                        else "defined blocklists: " + ", ".join(defined)))
            elif use.name.lower() in applied:
                yield Finding(path, f"content filter '{content_filter.name}' applies blocklist '{use.name}' twice",
                              "list each blocklist once, with prompt and completion")
            applied.add(use.name.lower())


@rule("deployments-rai-policy-defined", before_design=True)
def deployments_rai_policy_defined(subject: Subject) -> Iterator[Finding]:
    """A deployment's raiPolicy is one of Azure's own policies or a content filter of openai.contentFilters."""
    custom = [f.name for f in subject.spec.openai.content_filters]
    known = {name.lower() for name in custom + list(BUILT_IN_POLICIES)}
    for index, deployment in enumerate(subject.spec.deployments):
        if deployment.rai_policy.lower() in known:
            continue
        choices = custom + list(BUILT_IN_POLICIES)
        meant = suggest(deployment.rai_policy, choices)
        yield Finding(("deployments", index, "raiPolicy"),
                      f"content filter '{deployment.rai_policy}' is not defined: it is neither Azure's "
                      f"{' nor '.join(BUILT_IN_POLICIES)} nor one of openai.contentFilters",
                      meant or f"define it in openai.contentFilters, or use one of: {', '.join(choices)}")


@rule("content-filters-need-approval", before_design=True)
def content_filters_need_approval(subject: Subject) -> Iterator[Finding]:
    """Warning: a harm category that annotates or is off on completions needs Azure's approval.

    Without the approval for modified content filters, Azure refuses the policy."""
    for content_filter in subject.spec.openai.content_filters:
        for key, harm in content_filter.completion:
            if harm.action != "block":
                yield Finding(content_filter.path + ("completion", key, "action"),
                              f"'{harm.action}' for {key} on completions needs the subscription to be approved for "
                              "modified content filters; Azure refuses the policy otherwise",
                              f"keep 'block' unless the subscription is approved ({APPROVAL_SOURCE})",
                              severity="warning")
