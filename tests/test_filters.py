"""Content filters as code: each ``openai.contentFilters`` entry becomes an RAI policy on every account, with its
blocklists and their items, written one at a time before the model deployments that name it."""

from __future__ import annotations

import re

import pytest

from _support import (EXAMPLES, TWO_REGIONS, Reference, bicep_declarations, design_of, parse_bicepparam,
                      render_files, render_path, spec, spec_error_problems, warnings_of)
from azoai_gen import cost, timeline
from azoai_gen.render import render

FILTERS = """\
openai:
  contentFilters:
    - name: strict
      prompt:
        hate: {threshold: Low}
        selfHarm: {threshold: High}
        indirectAttack: annotate
      completion:
        violence: {threshold: Low}
        protectedMaterialCode: "off"
      blocklists:
        - name: internal
          prompt: annotate
    - name: documents
      mode: Asynchronous_filter
      basePolicy: Microsoft.Default
  blocklists:
    - name: internal
      description: Internal project names
      items:
        - term: Bluebird
        - term: "CLM-[0-9]{6}"
          regex: true
"""
USES_STRICT = {"capacity: 50": "capacity: 50\n    raiPolicy: strict"}

#: What the policy ``strict`` of FILTERS must hold, entry by entry: (name, enabled, blocking, threshold, source).
STRICT_ENTRIES = [
    ("Hate", True, True, "Low", "Prompt"), ("Sexual", True, True, "Medium", "Prompt"),
    ("Violence", True, True, "Medium", "Prompt"), ("Selfharm", True, True, "High", "Prompt"),
    ("Hate", True, True, "Medium", "Completion"), ("Sexual", True, True, "Medium", "Completion"),
    ("Violence", True, True, "Low", "Completion"), ("Selfharm", True, True, "Medium", "Completion"),
    ("Jailbreak", True, True, None, "Prompt"), ("Indirect Attack", True, False, None, "Prompt"),
    ("Protected Material Text", True, True, None, "Completion"),
    ("Protected Material Code", False, False, None, "Completion"),
]


def filtered(tier: int) -> str:
    regions = TWO_REGIONS if tier >= 4 else "  - location: swedencentral\n"
    return spec(tier, regions=regions, extra=FILTERS, replace=USES_STRICT)


def _entries(policy: dict) -> list[tuple]:
    return [(e["name"], e["enabled"], e["blocking"], e.get("severityThreshold"), e["source"])
            for e in policy["contentFilters"]]


@pytest.mark.parametrize("tier", [1, 2, 3, 4, 5])
def test_every_account_has_each_policy_with_every_filter_entry(tier):
    """Azure refuses an entry without enabled, blocking and source, and a policy without all four harm categories
    in both directions; the single-level filters carry no threshold."""
    out = render_files(filtered(tier))
    params = parse_bicepparam(out["main.bicepparam"])
    policies = {p["name"]: p for p in params["contentFilters"]}
    assert list(policies) == ["strict", "documents"]
    strict, documents = policies["strict"], policies["documents"]
    assert (strict["basePolicyName"], strict["mode"]) == ("Microsoft.DefaultV2", "Default")
    assert (documents["basePolicyName"], documents["mode"]) == ("Microsoft.Default", "Asynchronous_filter")
    assert _entries(strict) == STRICT_ENTRIES
    for policy in policies.values():
        assert all(set(e) >= {"name", "enabled", "blocking", "source"} for e in policy["contentFilters"])
        harms = {(e["name"], e["source"]) for e in policy["contentFilters"] if "severityThreshold" in e}
        assert harms == {(n, s) for n in ("Hate", "Sexual", "Violence", "Selfharm") for s in ("Prompt", "Completion")}
    assert strict["customBlocklists"] == [
        {"blocklistName": "internal", "blocking": False, "source": "Prompt"},
        {"blocklistName": "internal", "blocking": True, "source": "Completion"}]
    assert documents["customBlocklists"] == []
    assert params["contentBlocklists"] == [{"name": "internal", "description": "Internal project names"}]
    assert [(i["list"], i["blocklist"], i["pattern"], i["isRegex"]) for i in params["contentBlocklistItems"]] == [
        (0, "internal", "Bluebird", False), (0, "internal", "CLM-[0-9]{6}", True)]
    # Every account module receives them, and creates one policy per entry of the parameter.
    accounts = [d for d in bicep_declarations(out["main.bicep"]).values() if d.type == "modules/openai.bicep"]
    assert len(accounts) == (2 if tier >= 4 else 1)
    for account in accounts:
        assert {key: account.body["params"][key] for key in ("contentFilters", "contentBlocklists",
                                                             "contentBlocklistItems")} == {
            "contentFilters": Reference("contentFilters"), "contentBlocklists": Reference("contentBlocklists"),
            "contentBlocklistItems": Reference("contentBlocklistItems")}
    module = bicep_declarations(out["modules/openai.bicep"])
    assert module["raiPolicies"].type == "Microsoft.CognitiveServices/accounts/raiPolicies"
    assert module["raiPolicies"].body.items == "contentFilters"
    assert module["raiPolicies"].body.body["properties"] == {
        "basePolicyName": Reference("policy.basePolicyName"), "mode": Reference("policy.mode"),
        "contentFilters": Reference("policy.contentFilters"), "customBlocklists": Reference("policy.customBlocklists")}
    assert module["blocklistItems"].body.body["properties"] == {"pattern": Reference("item.pattern"),
                                                                "isRegex": Reference("item.isRegex")}


def _serial(text: str, symbol: str) -> bool:
    return re.search(rf"^@batchSize\(1\)\nresource {symbol} '", text, re.M) is not None


def test_every_account_writes_blocklists_items_policies_and_deployments_one_at_a_time_in_order():
    """One write at a time per account: RequestConflict for deployments, IfMatchPreconditionFailed for items."""
    module = render_files(filtered(4))["modules/openai.bicep"]
    found = bicep_declarations(module)
    order = ["blocklists", "blocklistItems", "raiPolicies", "deployments"]
    assert [s for s in found if s in order] == order
    assert all(_serial(module, symbol) for symbol in order)
    assert "dependsOn" not in found["blocklists"].body.body
    assert found["blocklistItems"].body.body["parent"].text == "blocklists[item.list]"
    for symbol, after in zip(order[1:], order):
        assert found[symbol].body.body["dependsOn"] == [Reference(after)], symbol
    # Deployments name the policy; it exists once raiPolicies is done.
    assert found["deployments"].body.body["properties"]["raiPolicyName"] == Reference("deployment.raiPolicy")
    params = parse_bicepparam(render_files(filtered(4))["main.bicepparam"])
    assert [d["raiPolicy"] for d in params["modelDeployments"]] == ["strict"]


def test_the_chain_skips_what_the_spec_does_not_define():
    """Filters without blocklists: the policies wait for nothing, the deployments for the policies; blocklists
    without filters: the deployments wait for the items."""
    only_filters = bicep_declarations(render_files(spec(2, extra="openai:\n  contentFilters:\n    - name: strict\n"))
                                      ["modules/openai.bicep"])
    assert "blocklists" not in only_filters and "dependsOn" not in only_filters["raiPolicies"].body.body
    assert only_filters["deployments"].body.body["dependsOn"] == [Reference("raiPolicies")]
    lists = "openai:\n  blocklists:\n    - name: internal\n      items:\n        - term: Bluebird\n"
    only_lists = bicep_declarations(render_files(spec(2, extra=lists))["modules/openai.bicep"])
    assert "raiPolicies" not in only_lists
    assert only_lists["deployments"].body.body["dependsOn"] == [Reference("blocklistItems")]


def test_without_content_filters_nothing_changes():
    out = render_files(spec(2))
    module = bicep_declarations(out["modules/openai.bicep"])
    assert not {"blocklists", "blocklistItems", "raiPolicies"} & set(module)
    assert "dependsOn" not in module["deployments"].body.body
    assert "contentFilters" not in parse_bicepparam(out["main.bicepparam"])
    assert "### Content filters" not in out["README.md"]


def test_the_private_endpoint_waits_for_the_module_that_writes_the_filters():
    out = render_files(filtered(3))
    main = bicep_declarations(out["main.bicep"])
    account = next(d.symbol for d in main.values() if d.type == "modules/openai.bicep")
    endpoint = next(d for d in main.values() if d.type == "modules/private-endpoint.bicep")
    assert endpoint.body["params"]["accountId"] == Reference(f"{account}.outputs.resourceId")
    assert "raiPolicies" in bicep_declarations(out["modules/openai.bicep"])


def test_blocklist_item_names_follow_their_pattern_not_their_position():
    """A re-deployment updates what changed only: reordering the items renames none of them."""
    reordered = FILTERS.replace("        - term: Bluebird\n", "").replace(
        "          regex: true\n", "          regex: true\n        - term: Bluebird\n")
    before = {i["pattern"]: i["name"] for i in design_of(filtered(2)).content_filters.blocklist_items}
    after = {i["pattern"]: i["name"] for i in design_of(spec(2, extra=reordered, replace=USES_STRICT))
             .content_filters.blocklist_items}
    assert before == after and len(set(before.values())) == 2
    assert all(re.fullmatch(r"item-[0-9a-f]{16}", name) for name in before.values())


def test_an_undefined_policy_is_an_error_at_the_deployment_with_a_hint():
    text = spec(2, extra=FILTERS, replace={"capacity: 50": "capacity: 50\n    raiPolicy: strikt"})
    problems = spec_error_problems(text)
    assert len(problems) == 1
    problem = problems[0]
    line = text.splitlines().index("    raiPolicy: strikt") + 1
    assert (problem.file, problem.line, problem.column) == ("spec.yaml", line, 16)
    assert problem.path == "deployments[0].raiPolicy"
    assert "content filter 'strikt' is not defined" in problem.message
    assert problem.hint == "did you mean 'strict'?"


@pytest.mark.parametrize("policy", ["Microsoft.DefaultV2", "Microsoft.Default", "STRICT"])
def test_azures_own_policies_and_defined_ones_are_accepted(policy):
    text = spec(2, extra=FILTERS, replace={"capacity: 50": f"capacity: 50\n    raiPolicy: {policy}"})
    assert design_of(text).deployments[0]["raiPolicy"] == policy


def test_an_undefined_blocklist_and_a_reserved_name_are_refused_where_they_are_written():
    text = spec(2, extra=FILTERS.replace("        - name: internal\n", "        - name: intern\n")
                .replace("    - name: documents\n", "    - name: Microsoft.Documents\n"))
    found = {p.path: p for p in spec_error_problems(text)}
    assert set(found) == {"openai.contentFilters[0].blocklists[0].name", "openai.contentFilters[1].name"}
    assert found["openai.contentFilters[0].blocklists[0].name"].hint == "did you mean 'internal'?"
    assert "begins with 'Microsoft.'" in found["openai.contentFilters[1].name"].message


def test_turning_a_completion_filter_off_warns_that_it_needs_approval():
    text = spec(2, extra=FILTERS.replace("        violence: {threshold: Low}\n",
                                         "        violence: {threshold: Low, action: \"off\"}\n"))
    warnings = warnings_of(text)
    assert len(warnings) == 1
    assert "openai.contentFilters[0].completion.violence.action" in warnings[0]
    assert "modified content filters" in warnings[0]


def test_the_readme_lists_each_filter_with_its_thresholds_and_the_deployments_that_use_it():
    readme = render_files(filtered(2))["README.md"]
    section = readme.split("### Content filters", 1)[1].split("\n## ", 1)[0]
    assert "the lowest severity a filter acts on" in section
    strict = section.split("#### `strict`", 1)[1].split("####", 1)[0]
    assert "Starts from `Microsoft.DefaultV2`, streaming mode `Default`. Used by: `chat`." in strict
    assert "| Hate | blocks low and above | blocks medium and above |" in strict
    assert "| Self-harm | blocks high and above | blocks medium and above |" in strict
    assert "| Prompt Shields: indirect attacks | annotates | not applicable |" in strict
    assert "| Protected material: code | not applicable | off |" in strict
    assert "| Blocklist internal | annotates | blocks |" in strict
    documents = section.split("#### `documents`", 1)[1]
    assert "Used by: no deployment yet." in documents
    assert "| `internal` | Internal project names | 1 | 1 |" in section
    # The terms themselves stay out of the README.
    assert "Bluebird" not in readme


def test_the_resource_count_cost_and_timeline_include_the_filters():
    plain, with_filters = design_of(spec(4, regions=TWO_REGIONS)), design_of(filtered(4))
    # Per account: two policies, one blocklist, two items.
    assert with_filters.resource_count - plain.resource_count == 2 * 5
    notes = cost.estimate(with_filters).notes
    assert any(n.startswith("The content filters and blocklists cost nothing") for n in notes)
    assert not any("content filters" in n for n in cost.estimate(plain).notes)
    steps = {s.symbol: s for s in timeline.estimate(render(with_filters)).steps}
    basis = steps["openaiSwedencentral"].basis
    assert basis.index("raiBlocklistItems") < basis.index("raiPolicies") < basis.index("model deployment")


def test_the_example_renders_two_filters_on_its_account():
    out = render_path(EXAMPLES / "tier2.yaml")
    params = parse_bicepparam(out["main.bicepparam"])
    assert [p["name"] for p in params["contentFilters"]] == ["claims-strict", "claims-documents"]
    assert {d["name"]: d["raiPolicy"] for d in params["modelDeployments"]} == {
        "chat": "claims-strict", "embeddings": "claims-documents"}
