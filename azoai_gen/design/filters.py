"""Content filters as code: the spec's ``openai.contentFilters`` and ``openai.blocklists`` as the RAI policies,
blocklists and blocklist items every account gets, and what the README says about them.

Each policy states every filter Azure knows for a deployment's text: the four harm categories for prompts and for
completions, the two prompt shields and the two protected-material detectors, each with ``enabled``, ``blocking``
and ``source`` (Azure refuses entries without them, and a policy without all four categories in both directions).
The deploy-time order on one account is: blocklists, then their items, then the policies, then the model
deployments, each one at a time; ``after`` names what each stage waits for.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..frozen import frozen
from ..model import ContentFilter, Spec
from ..naming import Namer

#: Azure's own policies, which a deployment may name and which a custom policy may start from.
BUILT_IN_POLICIES = ("Microsoft.DefaultV2", "Microsoft.Default")
#: Names Azure keeps for its own policies: a custom policy cannot be written under them.
RESERVED_PREFIX = "microsoft."

#: The filter names of the harm categories as the RAI policy API spells them.
HARM_NAMES = {"hate": "Hate", "sexual": "Sexual", "violence": "Violence", "selfHarm": "Selfharm"}
#: The single-level filters: the prompt shields (on prompts) and protected material detection (on completions).
SINGLE_LEVEL = ("Jailbreak", "Indirect Attack", "Protected Material Text", "Protected Material Code")
#: How each spec action becomes the pair (enabled, blocking).
ACTIONS = {"block": (True, True), "annotate": (True, False), "off": (False, False)}

#: The symbols of the account module's resources, in the order they are written.
STAGES = ("blocklists", "blocklistItems", "raiPolicies")


@frozen
class FilterRow:
    """One line of a filter's README table: what it checks, and what it does to prompts and to completions."""

    what: str
    prompt: str
    completion: str


@frozen
class FilterSummary:
    """A content filter as the README describes it."""

    name: str
    base_policy: str
    mode: str
    rows: tuple[FilterRow, ...]
    deployments: tuple[str, ...]


@frozen
class BlocklistSummary:
    """A blocklist as the README describes it (its terms are not repeated there)."""

    name: str
    description: str
    terms: int
    expressions: int


@frozen
class ContentFilters:
    """What the account module deploys for content filtering, and in which order."""

    #: The ``contentFilters`` parameter: each policy's name and properties, exactly as Azure takes them.
    policies: list[dict[str, Any]]
    #: The ``contentBlocklists`` parameter: name and description.
    blocklists: list[dict[str, Any]]
    #: The ``contentBlocklistItems`` parameter: the index and name of the blocklist, the item's name, pattern and
    #: isRegex.
    blocklist_items: list[dict[str, Any]]
    #: What the items, the policies and the model deployments wait for (a symbol of the module, or empty).
    items_after: str
    policies_after: str
    deployments_after: str
    summaries: tuple[FilterSummary, ...]
    blocklist_summaries: tuple[BlocklistSummary, ...]
    #: Deployments that use one of Azure's own policies, by policy.
    built_in_users: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def resources_per_account(self) -> int:
        return len(self.policies) + len(self.blocklists) + len(self.blocklist_items)


def _entry(name: str, action: str, source: str, threshold: str | None = None) -> dict[str, Any]:
    enabled, blocking = ACTIONS[action]
    entry: dict[str, Any] = {"name": name, "enabled": enabled, "blocking": blocking}
    if threshold is not None:
        entry["severityThreshold"] = threshold
    entry["source"] = source
    return entry


def filter_entries(content_filter: ContentFilter) -> list[dict[str, Any]]:
    """Every entry of the policy's ``contentFilters``: the harm categories for prompts, then for completions, then
    the prompt shields and the protected-material detectors."""
    entries = []
    for source, harms in (("Prompt", content_filter.prompt), ("Completion", content_filter.completion)):
        entries += [_entry(HARM_NAMES[key], harm.action, source, harm.threshold) for key, harm in harms]
    jailbreak, indirect, text, code = SINGLE_LEVEL
    entries.append(_entry(jailbreak, content_filter.jailbreak, "Prompt"))
    entries.append(_entry(indirect, content_filter.indirect_attack, "Prompt"))
    entries.append(_entry(text, content_filter.protected_material_text, "Completion"))
    entries.append(_entry(code, content_filter.protected_material_code, "Completion"))
    return entries


def _blocklist_entries(content_filter: ContentFilter) -> list[dict[str, Any]]:
    """The policy's ``customBlocklists``: one entry per blocklist and direction it is applied to."""
    entries = []
    for use in content_filter.blocklists:
        for source, action in (("Prompt", use.prompt), ("Completion", use.completion)):
            if action != "off":
                entries.append({"blocklistName": use.name, "blocking": ACTIONS[action][1], "source": source})
    return entries


def policy(content_filter: ContentFilter) -> dict[str, Any]:
    """One RAI policy as the ``contentFilters`` parameter carries it."""
    return {"name": content_filter.name, "basePolicyName": content_filter.base_policy, "mode": content_filter.mode,
            "contentFilters": filter_entries(content_filter),
            "customBlocklists": _blocklist_entries(content_filter)}


def item_name(pattern: str, regex: bool) -> str:
    """A blocklist item's name, made of what it matches: it stays the same when the list is reordered, so a
    re-deployment updates no item that did not change."""
    digest = hashlib.sha256(f"{int(regex)}:{pattern}".encode("utf-8")).hexdigest()
    return f"item-{digest[:16]}"


def _words(action: str, threshold: str | None = None) -> str:
    if action == "off":
        return "off"
    verb = "blocks" if action == "block" else "annotates"
    return f"{verb} {threshold.lower()} and above" if threshold else verb


def _summary(content_filter: ContentFilter, deployments: tuple[str, ...]) -> FilterSummary:
    rows = [FilterRow(HARM_NAMES[key] if key != "selfHarm" else "Self-harm", _words(p.action, p.threshold),
                      _words(c.action, c.threshold))
            for (key, p), (_, c) in zip(content_filter.prompt, content_filter.completion)]
    rows.append(FilterRow("Prompt Shields: jailbreak", _words(content_filter.jailbreak), "not applicable"))
    rows.append(FilterRow("Prompt Shields: indirect attacks", _words(content_filter.indirect_attack),
                          "not applicable"))
    rows.append(FilterRow("Protected material: text", "not applicable",
                          _words(content_filter.protected_material_text)))
    rows.append(FilterRow("Protected material: code", "not applicable",
                          _words(content_filter.protected_material_code)))
    rows += [FilterRow(f"Blocklist {use.name}", _words(use.prompt), _words(use.completion))
             for use in content_filter.blocklists]
    return FilterSummary(content_filter.name, content_filter.base_policy, content_filter.mode, tuple(rows),
                         deployments)


def _after(present: dict[str, bool], stage: str) -> str:
    """The last stage before ``stage`` that the module deploys, or empty."""
    earlier = [s for s in STAGES[:STAGES.index(stage)] if present[s]] if stage in STAGES else \
        [s for s in STAGES if present[s]]
    return earlier[-1] if earlier else ""


def _names(spec: Spec, namer: Namer) -> None:
    """Hand every name the accounts get to the namer, which has them checked against Azure's rules."""
    for content_filter in spec.openai.content_filters:
        namer.rai(content_filter.name, content_filter.path + ("name",))
    for blocklist in spec.openai.blocklists:
        namer.rai(blocklist.name, blocklist.path + ("name",))
        for index, item in enumerate(blocklist.items):
            namer.rai(item_name(item.pattern, item.regex), blocklist.path + ("items", index, "term"))


def content_filters(spec: Spec, namer: Namer) -> ContentFilters | None:
    """The content filtering of every account, or ``None`` when the spec defines no filter and no blocklist."""
    openai = spec.openai
    if not openai.content_filters and not openai.blocklists:
        return None
    _names(spec, namer)
    items = [{"list": index, "blocklist": b.name, "name": item_name(i.pattern, i.regex), "pattern": i.pattern,
              "isRegex": i.regex} for index, b in enumerate(openai.blocklists) for i in b.items]
    present = {"blocklists": bool(openai.blocklists), "blocklistItems": bool(items),
               "raiPolicies": bool(openai.content_filters)}
    users = {f.name: tuple(d.name for d in spec.deployments if d.rai_policy == f.name) for f in openai.content_filters}
    built_in = tuple((name, tuple(d.name for d in spec.deployments if d.rai_policy == name))
                     for name in BUILT_IN_POLICIES)
    return ContentFilters(
        policies=[policy(f) for f in openai.content_filters],
        blocklists=[{"name": b.name, "description": b.description} for b in openai.blocklists],
        blocklist_items=items,
        items_after=_after(present, "blocklistItems"),
        policies_after=_after(present, "raiPolicies"),
        deployments_after=_after(present, "deployments"),
        summaries=tuple(_summary(f, users[f.name]) for f in openai.content_filters),
        blocklist_summaries=tuple(BlocklistSummary(b.name, b.description, sum(1 for i in b.items if not i.regex),
                                                   sum(1 for i in b.items if i.regex)) for b in openai.blocklists),
        built_in_users=tuple((name, used) for name, used in built_in if used),
    )
