"""What a user reads about a mistake: one problem per mistake, with a hint that says what to write instead."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from _support import MANIFEST, model_spec, plain, snapshot, spec
from azoai_gen import cli
from azoai_gen.errors import SpecError
from azoai_gen.pipeline import validate_text


def problems(text: str) -> list:
    with pytest.raises(SpecError) as info:
        validate_text(text)
    return info.value.problems


def one(text: str):
    found = problems(text)
    assert len(found) == 1, [p.format() for p in found]
    return found[0]


# ---------------------------------------------------------------------------------------------------------------------
# A quoted number or boolean where the schema expects one: remove the quotes.


@pytest.mark.parametrize("old, new, where, expected, hint", [
    ("tier: 1", 'tier: "2"', "spec.yaml:4:7: tier", "a whole number", 'remove the quotes: write 2, not "2"'),
    ("capacity: 50", 'capacity: "50"', "spec.yaml:12:15: deployments[0].capacity", "a whole number",
     'remove the quotes: write 50, not "50"'),
    ("capacity: 50", "capacity: '50'", "spec.yaml:12:15: deployments[0].capacity", "a whole number",
     "remove the quotes: write 50, not '50'"),
])
def test_a_quoted_number_says_remove_the_quotes(old, new, where, expected, hint):
    problem = one(spec(replace={old: new}))
    assert problem.format() == f"{where}: expected {expected}, found text\n    hint: {hint}"


def test_a_quoted_setting_in_a_section_says_remove_the_quotes():
    problem = one(spec(extra="keyVault:\n  softDeleteRetentionInDays: \"30\"\n"))
    assert problem.format() == ("spec.yaml:14:30: keyVault.softDeleteRetentionInDays: expected a whole number, found "
                                'text\n    hint: remove the quotes: write 30, not "30"')


def test_a_quoted_boolean_says_remove_the_quotes():
    problem = one(spec(extra="access:\n  managedIdentity: 'false'\n"))
    assert problem.format() == ("spec.yaml:14:20: access.managedIdentity: expected true or false, found text\n"
                                "    hint: remove the quotes: write false, not 'false'")


def test_a_quoted_spec_version_says_remove_the_quotes():
    problem = one(spec(replace={"version: 1": 'version: "1"'}))
    assert problem.format() == ("spec.yaml:1:10: version: must be 1, found '1'\n"
                                '    hint: remove the quotes: write 1, not "1"')


def test_a_tagged_number_says_remove_the_tag():
    problem = one(spec(replace={"capacity: 50": "capacity: !!str 50"}))
    assert problem.hint == "remove the tag: write 50"


def test_a_quoted_text_that_is_no_number_gets_no_quote_hint():
    problem = one(spec(replace={"capacity: 50": 'capacity: "fifty"'}))
    assert problem.format() == "spec.yaml:12:15: deployments[0].capacity: expected a whole number, found text"


def test_a_quoted_decimal_where_a_whole_number_is_expected_gets_no_quote_hint():
    # Without the quotes it would still be wrong: no hint that leads to another error.
    assert "remove the quotes" not in one(spec(replace={"capacity: 50": 'capacity: "50.5"'})).hint


# ---------------------------------------------------------------------------------------------------------------------
# Capitals where only lower case is allowed: say so, and what to write.


@pytest.mark.parametrize("old, new, where, lower", [
    ("environment: prod", "environment: Prod", "spec.yaml:3:14: environment", "prod"),
    ("environment: prod", "environment: PROD", "spec.yaml:3:14: environment", "prod"),
    ("workload: claims", "workload: Claims-App", "spec.yaml:2:11: workload", "claims-app"),
    ("location: swedencentral", "location: SwedenCentral", "spec.yaml:6:15: regions[0].location", "swedencentral"),
])
def test_capitals_in_a_lower_case_field_say_must_be_lower_case(old, new, where, lower):
    problem = one(spec(replace={old: new}))
    written = new.split(": ", 1)[1]
    assert problem.format().split("\n")[0] == f"{where}: '{written}' must be lower case: '{lower}'"


def test_capitals_in_a_lower_case_naming_suffix_say_must_be_lower_case():
    problem = one(spec(extra="naming:\n  suffix: AB12\n"))
    assert problem.message == "'AB12' must be lower case: 'ab12'"


def test_capitals_in_a_lower_case_choice_say_must_be_lower_case():
    problem = one(spec(extra="keyVault:\n  sku: Premium\n"))
    assert problem.format() == ("spec.yaml:14:8: keyVault.sku: 'Premium' must be lower case: 'premium'\n"
                                "    hint: Key Vault SKU.")


def test_a_choice_in_the_wrong_case_names_the_right_one():
    problem = one(spec(replace={"sku: GlobalStandard": "sku: globalstandard"}))
    assert problem.hint == "did you mean 'GlobalStandard'?"


def test_capitals_that_are_not_the_only_fault_are_not_called_the_fix():
    # Lower case alone would not make it valid: the message says what is wrong without promising a fix.
    problem = one(spec(replace={"workload: claims": "workload: Claims_App"}))
    assert problem.message == "'Claims_App' is not valid here"


# ---------------------------------------------------------------------------------------------------------------------
# One problem per value: every way it breaks its schema, said once.


def test_a_value_too_long_and_in_capitals_is_one_problem():
    problem = one(spec(replace={"environment: prod": "environment: Production"}))
    assert problem.format().split("\n")[0] == ("spec.yaml:3:14: environment: 'Production' is 10 characters long; "
                                               "at most 8 allowed, and must be lower case")


def test_a_value_too_short_and_in_the_wrong_form_is_one_problem():
    problem = one(spec(replace={"workload: claims": "workload: _"}))
    assert problem.message == "'_' is 1 character long; at least 2 allowed, and does not have the form allowed here"


def test_an_empty_value_is_one_problem_about_its_length():
    problem = one(spec(replace={"environment: prod": 'environment: ""'}))
    assert problem.message == "'' is 0 characters long; at least 1 allowed"


def test_a_tag_name_too_long_and_with_a_slash_is_one_problem():
    problem = one(spec(extra="tags:\n  " + "a/" * 300 + ": x\n"))
    assert (problem.line, problem.column) == (14, 3)
    assert problem.message == f"the key '{'a/' * 300}' is not allowed here"
    assert problem.hint == "at most 512 characters; tag names cannot contain < > % & \\ ? /"


@pytest.mark.parametrize("old, new, key", [
    ("regions:", "regoins:", "regions"),
    ("deployments:", "deployment:", "deployments"),
    ("workload: claims", "Workload: claims", "workload"),
])
def test_a_misspelt_required_key_is_one_problem_that_names_the_key(old, new, key):
    problem = one(spec(replace={old: new}))
    assert problem.message == f"unknown key '{new.split(':')[0]}'"
    assert problem.hint == f"did you mean '{key}'?"


# ---------------------------------------------------------------------------------------------------------------------
# Models and versions the dated data does not list: did you mean, and where a model is offered.


def test_a_misspelt_model_gets_did_you_mean():
    [warning] = validate_text(spec(replace={"model: gpt-5.4-mini": "model: gpt4o"})).warnings
    assert warning.format() == (
        "spec.yaml:9:12: deployments[0].model: model 'gpt4o' is not in the availability data of 2026-01-27\n"
        "    hint: did you mean 'gpt-4o'? check the Azure OpenAI model availability tables before deploying")


def test_a_model_in_the_wrong_case_gets_did_you_mean():
    [warning] = validate_text(spec(replace={"model: gpt-5.4-mini": "model: GPT-5.4-mini"})).warnings
    assert warning.hint.startswith("did you mean 'gpt-5.4-mini'? ")


def test_a_model_nothing_resembles_gets_no_guess():
    [warning] = validate_text(spec(replace={"model: gpt-5.4-mini": "model: llama"})).warnings
    assert warning.hint == "check the Azure OpenAI model availability tables before deploying"


def test_a_misspelt_version_gets_did_you_mean():
    text = model_spec("gpt-4o", "2024-11-02", tier=2)
    [warning] = validate_text(text).warnings
    assert warning.format() == (
        "spec.yaml:10:14: deployments[0].version: version '2024-11-02' of gpt-4o is not in the availability data of "
        "2026-01-27\n    hint: did you mean '2024-11-20'? known versions: 2024-08-06, 2024-11-20")


def test_a_region_that_does_not_offer_the_model_names_where_it_is_offered():
    [warning] = validate_text(spec(regions="  - location: brazilsoutheast\n")).warnings
    assert warning.format() == (
        "spec.yaml:11:10: deployments[0].sku: gpt-5.4-mini 2026-03-17 (GlobalStandard) is not offered in "
        "brazilsoutheast (regions[0]) according to the availability data of 2026-01-27\n"
        "    hint: offered as GlobalStandard in 28 regions, those in South America first: brazilsouth, australiaeast, "
        "canadacentral, canadaeast, centralus, ...; or check the current availability tables")


def test_regions_that_do_not_offer_the_model_are_one_problem_of_the_deployment():
    [warning] = validate_text(spec(3, regions="  - location: brazilsoutheast\n  - location: westindia\n")).warnings
    assert warning.path == "deployments[0].sku"
    assert warning.message == ("gpt-5.4-mini 2026-03-17 (GlobalStandard) is not offered in brazilsoutheast "
                               "(regions[0]) and westindia (regions[1]) according to the availability data of "
                               "2026-01-27")
    assert warning.hint.startswith("offered as GlobalStandard in 28 regions, those in South America and Asia Pacific "
                                   "first: brazilsouth, ")


def test_a_region_that_offers_the_model_with_another_sku_says_which():
    text = model_spec("gpt-5.4-mini", "2026-03-17", "DataZoneStandard", tier=2)
    [warning] = validate_text(text).warnings
    assert warning.hint == ("offered as DataZoneStandard in 7 regions, such as: centralus, eastus, eastus2, "
                            "northcentralus, southcentralus, ...; swedencentral offers it as GlobalStandard; or check "
                            "the current availability tables")


# ---------------------------------------------------------------------------------------------------------------------
# The output folder: a file azoai-gen did not write is the user's, and a hint leads to a command that succeeds.


runner = CliRunner()


def run(*args):
    result = runner.invoke(cli.app, [str(a) for a in args])
    return result, plain(result.output)


def hint_of(output: str) -> str:
    [line] = [line for line in output.splitlines() if line.startswith("hint: ")]
    return line[len("hint: "):]


@pytest.fixture
def spec_path(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(spec(2), encoding="utf-8")
    return path


@pytest.mark.parametrize("options", [(), ("--force",), ("--dry-run",)])
def test_a_users_own_file_is_not_written_by_azoai_gen_and_force_is_not_offered(spec_path, tmp_path, options):
    out = tmp_path / "out"
    out.mkdir()
    (out / "README.md").write_text("# My project\n", encoding="utf-8")
    result, output = run("render", spec_path, "--out", out, *options)
    assert result.exit_code == 1
    assert hint_of(output) == (f"README.md is not written by azoai-gen: choose another --out, or move it out of "
                               f"{out}; then render again")
    assert "--force" not in output
    assert snapshot(out) == {"README.md": b"# My project\n"}


def test_render_check_with_a_users_own_file_says_so_and_the_way_it_names_works(spec_path, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "main.bicep").write_text("// mine\n", encoding="utf-8")
    result, output = run("render", spec_path, "--out", out, "--check")
    assert result.exit_code == 1
    assert hint_of(output) == (f"main.bicep is not written by azoai-gen: choose another --out, or move it out of "
                               f"{out}; then run 'azoai-gen render' and commit the result")
    assert "--force" not in output
    # Choosing another --out, as the hint says, renders.
    assert run("render", spec_path, "--out", tmp_path / "other")[0].exit_code == 0
    # So does moving the file out of the folder.
    (out / "main.bicep").rename(tmp_path / "main.bicep")
    assert run("render", spec_path, "--out", out)[0].exit_code == 0
    assert run("render", spec_path, "--out", out, "--check")[0].exit_code == 0


def test_render_check_with_a_hand_edit_names_force_and_the_command_works(spec_path, tmp_path):
    out = tmp_path / "out"
    assert run("render", spec_path, "--out", out)[0].exit_code == 0
    (out / "main.bicep").write_text("// edited\n", encoding="utf-8")
    result, output = run("render", spec_path, "--out", out, "--check")
    assert result.exit_code == 1
    assert hint_of(output) == ("main.bicep was edited by hand since the last render: move the change into the spec, "
                               "then run 'azoai-gen render' with --force to overwrite it and commit the result")
    # A plain render would stop on the hand edit, as the hint says ...
    assert run("render", spec_path, "--out", out)[0].exit_code == 1
    # ... and the command it names succeeds.
    assert run("render", spec_path, "--out", out, "--force")[0].exit_code == 0
    assert run("render", spec_path, "--out", out, "--check")[0].exit_code == 0


def test_render_check_without_conflicts_says_render(spec_path, tmp_path):
    out = tmp_path / "out"
    assert run("render", spec_path, "--out", out)[0].exit_code == 0
    spec_path.write_text(spec(2, replace={"capacity: 50": "capacity: 60"}), encoding="utf-8")
    result, output = run("render", spec_path, "--out", out, "--check")
    assert result.exit_code == 1
    assert hint_of(output) == "run 'azoai-gen render' and commit the result"
    assert run("render", spec_path, "--out", out)[0].exit_code == 0


def test_a_users_file_and_a_hand_edit_say_first_what_force_cannot_solve(spec_path, tmp_path):
    out = tmp_path / "out"
    assert run("render", spec_path, "--out", out)[0].exit_code == 0
    recorded = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    del recorded["files"]["README.md"]  # as if README.md had been the user's all along
    (out / MANIFEST).write_text(json.dumps(recorded), encoding="utf-8")
    (out / "README.md").write_text("mine\n", encoding="utf-8")
    (out / "main.bicep").write_text("// edited\n", encoding="utf-8")
    expected = (f"README.md is not written by azoai-gen: choose another --out, or move it out of {out}; then "
                "main.bicep was edited by hand since the last render: move the change into the spec, then {} with "
                "--force to overwrite it")
    result, output = run("render", spec_path, "--out", out)
    assert result.exit_code == 1
    assert hint_of(output) == expected.format("render again")
    result, output = run("render", spec_path, "--out", out, "--check")
    assert hint_of(output) == expected.format("run 'azoai-gen render'") + " and commit the result"


# ---------------------------------------------------------------------------------------------------------------------
# One mistake, one problem: a table of specs that each hold a single mistake, from YAML to the rules.

KEY_VAULT = "keyVault:\n  sku: premium\n"

#: name -> (spec with one mistake, the spec path the problem names, strict mode)
SINGLE_MISTAKES = {
    "tab indentation": (spec(2, replace={"  - location": "\t- location"}), "(spec)", False),
    "line indented too far": (spec(2, replace={"tier: 2": "  tier: 2"}), "(spec)", False),
    "duplicate key": (spec(2, extra="tier: 2\n"), "tier", False),
    "misspelt required key": (spec(2, replace={"regions:": "regoins:"}), "regoins", False),
    "misspelt nested key": (spec(2, replace={"capacity: 50": "capacit: 50"}), "deployments[0].capacit", False),
    "required key in capitals": (spec(2, replace={"workload: claims": "Workload: claims"}), "Workload", False),
    "unknown key": (spec(2, extra="access:\n  zzz: 1\n"), "access.zzz", False),
    "quoted tier": (spec(2, replace={"tier: 2": 'tier: "2"'}), "tier", False),
    "quoted capacity": (spec(2, replace={"capacity: 50": 'capacity: "50"'}), "deployments[0].capacity", False),
    "quoted boolean": (spec(2, extra="access:\n  managedIdentity: 'true'\n"), "access.managedIdentity", False),
    "quoted spec version": (spec(2, replace={"version: 1": 'version: "1"'}), "version", False),
    "tier out of range": (spec(2, replace={"tier: 2": "tier: 9"}), "tier", False),
    "decimal tier": (spec(2, replace={"tier: 2": "tier: 2.5"}), "tier", False),
    "number where text is meant": (spec(2, replace={'"2026-03-17"': "2026"}), "deployments[0].version", False),
    "environment in capitals": (spec(2, replace={"environment: prod": "environment: Prod"}), "environment", False),
    "environment too long and in capitals": (spec(2, replace={"environment: prod": "environment: Production"}),
                                             "environment", False),
    "empty environment": (spec(2, replace={"environment: prod": 'environment: ""'}), "environment", False),
    "workload of one capital": (spec(2, replace={"workload: claims": "workload: A"}), "workload", False),
    "workload with an underscore": (spec(2, replace={"workload: claims": "workload: claims_app"}), "workload", False),
    "region in capitals": (spec(2, regions="  - location: SwedenCentral\n"), "regions[0].location", False),
    "misspelt region": (spec(2, regions="  - location: swedencentrl\n"), "regions[0].location", False),
    "region listed twice": (spec(3, regions="  - location: swedencentral\n  - location: swedencentral\n"),
                            "regions[1].location", False),
    "one region for tier 4": (spec(4), "regions", False),
    "choice in the wrong case": (spec(2, replace={"sku: GlobalStandard": "sku: globalstandard"}),
                                 "deployments[0].sku", False),
    "lower-case choice in capitals": (spec(1, extra="keyVault:\n  sku: Premium\n"), "keyVault.sku", False),
    "tag value that is a number": (spec(2, extra="tags:\n  costCenter: 1234\n"), "tags.costCenter", False),
    "tag name too long, with a slash": (spec(2, extra="tags:\n  " + "a/" * 300 + ": x\n"),
                                        "tags." + "a/" * 300, False),
    "object ID that is no GUID": (spec(2, extra="access:\n  principals:\n    - objectId: abc\n"),
                                  "access.principals[0].objectId", False),
    "IP range with host bits": (spec(2, extra="openai:\n  allowedIpRanges: [203.0.113.1/24]\n"),
                                "openai.allowedIpRanges[0]", False),
    "weight of zero": (spec(4, regions="  - location: swedencentral\n    weight: 0\n  - location: francecentral\n"),
                       "regions[0].weight", False),
    "workload too long for the vault": (spec(1, replace={"workload: claims": "workload: abcdefghijklmnopqrst"}),
                                        "workload", False),
    "gateway SKU that cannot carry tier 5": (spec(5, regions="  - location: swedencentral\n  - location: "
                                                             "francecentral\n", extra="apiManagement:\n  sku: Basic\n"),
                                             "apiManagement.sku", False),
    # Warnings, one each; in strict mode, one error each.
    "misspelt model": (spec(2, replace={"model: gpt-5.4-mini": "model: gpt4o"}), "deployments[0].model", True),
    "misspelt version": (model_spec("gpt-4o", "2024-11-02", tier=2), "deployments[0].version", True),
    "region that does not offer the model": (spec(2, regions="  - location: brazilsoutheast\n"),
                                             "deployments[0].sku", True),
    "tier 3 in two regions, neither offering the model": (
        spec(3, regions="  - location: brazilsoutheast\n  - location: westindia\n"), "deployments[0].sku", True),
    "setting the tier ignores": (spec(2, extra=KEY_VAULT), "keyVault", True),
    "deprecating version": (model_spec("gpt-4o", "2024-11-20", tier=2), "deployments[0].version", True),
    "retired version the availability data no longer lists": (model_spec("gpt-4o", "2024-05-13", tier=2),
                                                              "deployments[0].version", True),
}


@pytest.mark.parametrize("name", sorted(SINGLE_MISTAKES))
def test_a_single_mistake_is_a_single_problem(name):
    text, path, strict = SINGLE_MISTAKES[name]
    for mode in sorted({False, strict}):
        try:
            found = validate_text(text, strict=mode).warnings
        except SpecError as error:
            found = error.problems
        assert [p.path for p in found] == [path], [p.format() for p in found]


def test_a_model_the_lifecycle_data_knows_gets_no_did_you_mean():
    # gpt-5-codex is a real model that the availability tables of the data do not list: no typo to suggest a fix for.
    [warning] = validate_text(model_spec("gpt-5-codex", "2025-09-15", tier=2)).warnings
    assert warning.message == "model 'gpt-5-codex' is not in the availability data of 2026-01-27"
    assert warning.hint == "check the Azure OpenAI model availability tables before deploying"


def test_a_retired_version_is_one_error_without_the_availability_warning_in_strict_mode():
    with pytest.raises(SpecError) as info:
        validate_text(model_spec("gpt-4o", "2024-05-13", tier=2), strict=True)
    [problem] = info.value.problems
    assert problem.message.startswith("gpt-4o 2024-05-13 retired on 2026-10-01")
    assert "availability data" not in problem.message and "did you mean" not in problem.hint
