"""The deploy-time estimate: every module of main.bicep is a step, the dependencies are the ones Bicep sees, and the
longest chain goes through what takes longest (API Management in tier 5)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from azoai_gen import resources, timeline
from _support import Reference, bicep_declarations, render_files, render_path, spec, tier4, tier5

EXAMPLES = sorted(Path(__file__).resolve().parent.parent.glob("examples/*.yaml"))


def _validator() -> Draft202012Validator:
    document = json.loads(resources.output_schema_path("deploy-time").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document)


def _references(value) -> set[str]:
    """The symbols a body read by the tests' Bicep reader refers to."""
    if isinstance(value, Reference):
        return {value.path.split(".")[0].split("[")[0]}
    if isinstance(value, dict):
        return set().union(*(_references(v) for v in value.values())) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*(_references(v) for v in value)) if value else set()
    return set()


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_parser_finds_every_module_of_main_bicep(path):
    files = render_path(path)
    expected = {d.symbol for d in bicep_declarations(files["main.bicep"]).values() if not d.existing}
    steps = timeline.estimate(files).steps
    assert {s.symbol for s in steps} == expected
    assert {s.symbol: s.target for s in steps} == {
        d.symbol: d.type for d in bicep_declarations(files["main.bicep"]).values() if not d.existing}


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_explicit_dependencies_are_found(path):
    files = render_path(path)
    steps = {s.symbol: s for s in timeline.estimate(files).steps}
    for declaration in bicep_declarations(files["main.bicep"]).values():
        explicit = declaration.body.get("dependsOn", []) if isinstance(declaration.body, dict) else []
        assert _references(explicit) <= set(steps[declaration.symbol].depends_on), declaration.symbol


def test_references_to_outputs_and_through_variables_are_dependencies():
    steps = {s.symbol: s for s in timeline.estimate(render_files(tier5())).steps}
    # the private endpoint reads the account's ID and the DNS zone's ID
    assert {"openaiSwedencentral", "dns", "networkSwedencentral"} <= set(steps["privateEndpointSwedencentral"].depends_on)
    # the accounts get the workspace through the variable logAnalyticsWorkspaceId
    assert "monitoring" in steps["openaiSwedencentral"].depends_on
    # the gateway's role on an account needs both the gateway (through a variable) and the account
    assert set(steps["gatewayRolesSwedencentral"].depends_on) == {"apiManagement", "openaiSwedencentral"}
    # nothing waits for itself, and comments naming modules are not references
    assert all(s.symbol not in s.depends_on for s in steps.values())
    assert steps["monitoring"].depends_on == ()


def test_tier_5s_critical_path_goes_through_api_management():
    estimate = timeline.estimate(render_files(tier5()))
    assert "apiManagement" in estimate.critical_path
    steps = {s.symbol: s for s in estimate.steps}
    assert (steps["apiManagement"].minutes_min, steps["apiManagement"].minutes_max) >= (30, 90)
    assert estimate.total_min >= 30 and estimate.total_max >= 90
    # the path is a chain: each step waits for the one before it
    for before, after in zip(estimate.critical_path, estimate.critical_path[1:]):
        assert before in steps[after].depends_on
    # and its durations add up to the total
    assert sum(steps[s].minutes_max for s in estimate.critical_path) == estimate.total_max
    assert any("Front Door" in note for note in estimate.notes)


def test_tier_2_is_short_and_has_no_gateway():
    estimate = timeline.estimate(render_files(spec(2)))
    assert estimate.total_max <= 15
    assert "apiManagement" not in {s.symbol for s in estimate.steps}
    assert estimate.critical_path[-1] == "openaiSwedencentral"


def test_model_deployments_add_up_one_at_a_time_and_provisioned_ones_take_longer():
    table = resources.data("durations.json")["types"]
    account = table["Microsoft.CognitiveServices/accounts"]
    per = table["Microsoft.CognitiveServices/accounts/deployments"]
    ptu = table["Microsoft.CognitiveServices/accounts/deployments#provisioned"]
    text = spec(2, extra="") .replace("""    capacity: 50
""", """    capacity: 50
  - name: second
    model: gpt-5.4-mini
    version: "2026-03-17"
    sku: GlobalStandard
    capacity: 10
  - name: reserved
    model: gpt-4o
    version: "2024-11-20"
    sku: GlobalProvisionedManaged
    capacity: 15
""")
    step = {s.symbol: s for s in timeline.estimate(render_files(text)).steps}["openaiSwedencentral"]
    assert step.minutes_min == account["min"] + 2 * per["min"] + ptu["min"]
    assert step.minutes_max == account["max"] + 2 * per["max"] + ptu["max"]


def test_more_regions_do_not_lengthen_the_path_of_parallel_modules():
    two = timeline.estimate(render_files(tier4(2)))
    three = timeline.estimate(render_files(tier4(3)))
    assert (two.total_min, two.total_max) == (three.total_min, three.total_max)


@pytest.mark.parametrize("text", [spec(1), spec(3), tier4(), tier5(3)], ids=["t1", "t3", "t4", "t5"])
def test_the_document_validates_and_carries_the_table_date(text):
    document = timeline.estimate(render_files(text)).as_dict()
    assert list(_validator().iter_errors(document)) == []
    assert document["tableDate"] == resources.data("durations.json")["date"]
    assert document["total"]["min"] <= document["total"]["max"]


def test_every_duration_entry_names_its_source():
    table = resources.data("durations.json")
    assert table["date"] and table["source"]
    for key, entry in {**table["types"], "default": table["default"]}.items():
        assert entry["source"].strip(), key
        assert 0 <= entry["min"] <= entry["max"], key
    apim = table["types"]["Microsoft.ApiManagement/service"]
    assert (apim["min"], apim["max"]) == (30, 90)


def test_the_code_reader_drops_comments_and_string_text_but_keeps_interpolations():
    code = timeline.code_only("x: 'dns ${peering.outputs.id} apiManagement' // frontDoor\n/* monitoring */ y")
    assert "peering" in code and "dns" not in code and "apiManagement" not in code
    assert "frontDoor" not in code and "monitoring" not in code


def test_a_cycle_is_refused():
    main = "module a 'modules/x.bicep' = {\n  params: { v: b.outputs.v }\n}\nmodule b 'modules/x.bicep' = {\n" \
           "  params: { v: a.outputs.v }\n}\n"
    with pytest.raises(ValueError, match="cycle"):
        timeline.estimate({"main.bicep": main, "modules/x.bicep": ""})
