"""Validation: every class of problem, located exactly; warnings; defaults."""

from __future__ import annotations

import pytest

from _support import one_problem, spec_error_problems, MINIMAL, TWO_REGIONS, design_of, spec, spec_problems, warnings_of
from azoai_gen.errors import SpecError
from azoai_gen.pipeline import validate_file, validate_text


problems = spec_error_problems
one = one_problem


# ---------------------------------------------------------------------------------------------------------------------
# Schema problems, each with file:line:column, spec path, message and hint.


def test_unknown_key_with_did_you_mean():
    # The real key is then missing too, but the misspelling is one mistake: the hint names the key it means.
    found = spec_problems(spec(replace={"regions:": "regoins:"}))
    assert found == ["spec.yaml:5:1: regoins: unknown key 'regoins'\n    hint: did you mean 'regions'?"]


def test_unknown_nested_key_with_did_you_mean():
    found = spec_problems(spec(replace={"model: gpt-5.4-mini": "modle: gpt-5.4-mini"}))
    assert found == ["spec.yaml:9:5: deployments[0].modle: unknown key 'modle'\n    hint: did you mean 'model'?"]


def test_a_missing_required_key_no_unknown_key_resembles_is_reported():
    found = spec_problems(spec(replace={"model: gpt-5.4-mini": "zzz: gpt-5.4-mini"}))
    assert any(f.startswith("spec.yaml:8:5: deployments[0]: missing required key 'model'") for f in found)
    assert any(f.startswith("spec.yaml:9:5: deployments[0].zzz: unknown key 'zzz'") for f in found)


def test_unknown_key_without_close_match_lists_allowed_keys():
    problem = one(spec(extra="access:\n  zzz: 1\n"))
    assert problem.format() == ("spec.yaml:14:3: access.zzz: unknown key 'zzz'\n"
                                "    hint: allowed keys: managedIdentity, principals")


def test_missing_required_key():
    problem = one(spec(replace={"environment: prod\n": ""}))
    assert problem.format().startswith("spec.yaml:1:1: (spec): missing required key 'environment'\n    hint: ")
    assert "environment token" in problem.hint


def test_wrong_type_number_for_text_says_quote_it():
    problem = one(spec(extra="tags:\n  costCenter: 1234\n"))
    assert problem.format() == (
        "spec.yaml:14:15: tags.costCenter: expected text, found a whole number\n"
        '    hint: quote it: "1234" (YAML reads 1234 as a whole number)')


def test_wrong_type_boolean_for_text_says_quote_it():
    problem = one(spec(replace={"environment: prod": "environment: false"}))
    assert problem.format() == (
        "spec.yaml:3:14: environment: expected text, found true or false\n"
        '    hint: quote it: "false" (YAML reads false as true or false)')


def test_yaml_1_1_booleans_are_the_text_written():
    # YAML 1.1 reads `no` as false (the "Norway problem"); the spec means the text.
    assert design_of(spec(replace={"environment: prod": "environment: no"})).environment == "no"


@pytest.mark.parametrize("written", ["no", "off", "yes", "On", "n"])
def test_a_yaml_1_1_boolean_where_a_boolean_is_expected_says_write_true_or_false(written):
    problem = one(spec(extra=f"access:\n  managedIdentity: {written}\n"))
    assert problem.format() == (
        f"spec.yaml:14:20: access.managedIdentity: expected true or false, found text\n"
        f"    hint: YAML 1.2 reads only true and false as booleans, and {written} as text: write true or false")


@pytest.mark.parametrize("written", ["1:30", "0b110010", "1_000", "190:20:30"])
def test_a_yaml_1_1_number_form_says_write_decimal_digits(written):
    problem = one(spec(replace={"capacity: 50": f"capacity: {written}"}))
    assert problem.message == "expected a whole number, found text"
    assert problem.hint.startswith(f"YAML 1.2 reads {written} as text")
    assert problem.hint.endswith("write the number in decimal digits")


def test_an_octal_looking_capacity_is_refused_with_its_location():
    problem = one(spec(replace={"capacity: 50": "capacity: 0777"}))
    assert (problem.line, problem.column, problem.path) == (12, 15, "deployments[0].capacity")
    assert "leading zero" in problem.message and "write 777 for the number" in problem.hint


@pytest.mark.parametrize("number", ["9" * 4301, "0x" + "f" * 4301])
def test_a_huge_capacity_is_a_located_problem(number):
    problem = one(spec(replace={"capacity: 50": f"capacity: {number}"}))
    assert (problem.line, problem.column, problem.path) == (12, 15, "deployments[0].capacity")
    assert "digits" in problem.message


def test_a_huge_binary_capacity_is_text_and_a_located_problem():
    problem = one(spec(replace={"capacity: 50": "capacity: 0b" + "1" * 20000}))
    assert (problem.line, problem.column, problem.path) == (12, 15, "deployments[0].capacity")
    assert problem.message == "expected a whole number, found text"
    assert len(problem.format()) < 400


def test_wrong_type_text_for_number_has_no_quote_hint():
    problem = one(spec(replace={"capacity: 50": "capacity: lots"}))
    assert problem.format() == "spec.yaml:12:15: deployments[0].capacity: expected a whole number, found text"


def test_enum_with_did_you_mean():
    problem = one(spec(replace={"sku: GlobalStandard": "sku: Globalstandard"}))
    assert problem.format().startswith(
        "spec.yaml:11:10: deployments[0].sku: 'Globalstandard' is not allowed; use one of: Standard, GlobalStandard,")
    assert problem.hint == "did you mean 'GlobalStandard'?"


def test_const():
    problem = one(spec(replace={"version: 1": "version: 2"}))
    assert problem.format() == "spec.yaml:1:10: version: must be 1, found 2\n    hint: Spec format version. Always 1."


def test_pattern():
    problem = one(spec(replace={"workload: claims": "workload: claims_app"}))
    assert problem.format().startswith("spec.yaml:2:11: workload: 'claims_app' is not valid here\n    hint: ")
    assert "lowercase letters" in problem.hint


def test_minimum():
    problem = one(spec(replace={"capacity: 50": "capacity: 0"}))
    assert problem.format() == "spec.yaml:12:15: deployments[0].capacity: 0 is out of range: must be at least 1"


def test_maximum():
    problem = one(spec(replace={"tier: 1": "tier: 6"}))
    assert problem.format() == "spec.yaml:4:7: tier: 6 is out of range: must be at most 5"


def test_min_items():
    problem = one(spec(regions="", replace={"regions:": "regions: []"}))
    assert problem.format().startswith("spec.yaml:5:10: regions: the list has 0 items; at least 1 allowed")


def test_max_length():
    problem = one(spec(replace={"environment: prod": "environment: production"}))
    assert problem.format().startswith(
        "spec.yaml:3:14: environment: 'production' is 10 characters long; at most 8 allowed")


def test_unique_items():
    problem = one(spec(extra="openai:\n  allowedIpRanges: [1.2.3.4, 1.2.3.4]\n"))
    assert problem.format() == "spec.yaml:14:20: openai.allowedIpRanges: the list has the same item twice"


def test_tag_name_with_slash_is_reported_at_the_key():
    problem = one(spec(extra="tags:\n  owner: ops\n  cost/center: x\n"))
    assert (problem.line, problem.column) == (15, 3)
    assert problem.path == "tags.cost/center"
    assert "/" in problem.hint


def test_tag_name_with_slash_is_rejected():
    # Whatever the location, the spec must not validate.
    found = problems(spec(extra="tags:\n  owner: ops\n  cost/center: x\n"))
    assert any("cost/center" in p.message for p in found)


# ---------------------------------------------------------------------------------------------------------------------
# Rules beyond the schema.


def test_unknown_region_with_did_you_mean():
    problem = one(spec(regions="  - location: swedencentrl\n"))
    assert problem.format() == ("spec.yaml:6:15: regions[0].location: unknown Azure region 'swedencentrl'\n"
                                "    hint: did you mean 'swedencentral'?")


@pytest.mark.parametrize("written, hint", [
    ("Sweden Central", "did you mean 'swedencentral'? 'Sweden Central' is the region's display name; the spec takes "
                       "its name"),
    ("sweden central", "did you mean 'swedencentral'? 'sweden central' is the region's display name; the spec takes "
                       "its name"),
    ("sweden-central", "did you mean 'swedencentral'? Region names are lower case, without spaces or hyphens"),
    ("Sweden Centrl", "did you mean 'swedencentral'?"),
])
def test_a_region_written_as_the_portal_shows_it_gets_one_message_naming_the_region(written, hint):
    """The schema's pattern refuses a display name before any rule runs; the message is still the region's, once."""
    problem = one(spec(regions=f"  - location: {written}\n"))
    assert (problem.path, problem.message, problem.hint) == ("regions[0].location", f"unknown Azure region '{written}'",
                                                             hint)
    assert (problem.line, problem.column) == (6, 15)


def test_a_region_name_in_capitals_is_told_to_be_lower_case():
    """Capitals alone keep 'SwedenCentral' from a region's name: the message says so, rather than 'unknown'."""
    problem = one(spec(regions="  - location: SwedenCentral\n"))
    assert (problem.path, problem.message) == ("regions[0].location", "'SwedenCentral' must be lower case: 'swedencentral'")


def test_a_private_link_location_written_as_a_display_name_names_the_region():
    regions = ("  - location: swedencentral\n    app:\n      hostName: a.example.com\n      privateLink:\n"
               "        resourceId: /subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/"
               "Microsoft.Web/sites/a\n        groupId: sites\n        location: West Europe\n"
               "  - location: francecentral\n    app:\n      hostName: b.example.com\n")
    problem = one(spec(4, regions=regions, extra="frontDoor:\n  origin: app\n"))
    assert problem.path == "regions[0].app.privateLink.location"
    assert problem.message == "unknown Azure region 'West Europe'"
    assert problem.hint.startswith("did you mean 'westeurope'?")


def test_unknown_region_without_close_match_points_to_the_cli():
    problem = one(spec(regions="  - location: qqqqqq\n"))
    assert "az account list-locations" in problem.hint


def test_duplicate_region():
    problem = one(spec(regions="  - location: swedencentral\n  - location: swedencentral\n"))
    assert problem.format() == ("spec.yaml:7:15: regions[1].location: region 'swedencentral' is listed twice "
                                "(first as regions[0])")


def test_duplicate_deployment_name_is_case_insensitive():
    second = ("  - name: Chat\n    model: gpt-5.4-mini\n    version: \"2026-03-17\"\n    sku: GlobalStandard\n"
              "    capacity: 5\n")
    problem = one(spec(extra=second))
    assert problem.format() == (
        "spec.yaml:13:11: deployments[1].name: deployment name 'Chat' is already used by deployments[0]\n"
        "    hint: deployment names are case-insensitive and must be unique in an account")


@pytest.mark.parametrize("tier", [1, 2, 3])
def test_minimal_spec_validates_for_single_region_tiers(tier):
    assert validate_text(spec(tier)).spec.tier == tier


@pytest.mark.parametrize("tier", [1, 2, 3, 4, 5])
def test_minimal_spec_with_two_regions_validates_for_every_tier(tier):
    typed = validate_text(spec(tier, regions=TWO_REGIONS)).spec
    assert [r.location for r in typed.regions] == ["swedencentral", "francecentral"]


@pytest.mark.parametrize("tier", [4, 5])
def test_tiers_4_and_5_need_two_regions(tier):
    problem = one(spec(tier))
    assert problem.format() == (
        f"spec.yaml:6:3: regions: tier {tier} needs at least 2 distinct regions; the spec has 1\n"
        "    hint: add a second region, ideally in the same geography for data residency")


def test_the_same_region_twice_does_not_count_as_two():
    found = problems(spec(4, regions="  - location: swedencentral\n  - location: swedencentral\n"))
    assert [p.path for p in found] == ["regions[1].location"]
    assert "listed twice" in found[0].message


def test_names_too_long_are_reported_at_workload():
    problem = one(spec(replace={"workload: claims": "workload: claimsprocessing"}))
    assert problem.format() == (
        "spec.yaml:2:11: workload: the Key Vault name 'kv-claimsprocessing-prod-xxxxx' would be 30 characters; "
        "Azure allows 3 to 24\n    hint: shorten workload or environment, or naming.suffix")


def test_names_at_the_limit_are_accepted():
    # kv-<workload>-<environment>-xxxxx is exactly 24 characters.
    design = validate_text(spec(replace={"workload: claims": "workload: claimsproc"})).design
    assert design.key_vault.name.example == "kv-claimsproc-prod-xxxxx"
    assert len(design.key_vault.name.example) == 24


def test_fixed_suffix_counts_in_the_name_length():
    problem = one(spec(replace={"workload: claims": "workload: claimsproc"}, extra="naming:\n  suffix: abcdefgh\n"))
    assert "'kv-claimsproc-prod-abcdefgh' would be 27 characters" in problem.message


@pytest.mark.parametrize("workspace", [
    "/subscriptions/x/foo",
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/"
    "storageAccounts/abc",
])
def test_bad_log_analytics_workspace_id(workspace):
    problem = one(spec(extra=f"monitoring:\n  logAnalyticsWorkspaceId: {workspace}\n"))
    assert problem.format().startswith(
        "spec.yaml:14:28: monitoring.logAnalyticsWorkspaceId: not a Log Analytics workspace resource ID\n    hint: ")


def test_good_log_analytics_workspace_id():
    workspace = ("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-logs/providers/"
                 "Microsoft.OperationalInsights/workspaces/law-central")
    typed = validate_text(spec(extra=f"monitoring:\n  logAnalyticsWorkspaceId: {workspace}\n")).spec
    assert typed.monitoring.workspace_id == workspace


def test_several_problems_are_reported_together_sorted_by_line():
    text = spec(replace={"capacity: 50": "capacity: 0", "version: 1": "version: 2", "workload: claims": "workload: Xy"})
    found = problems(text)
    assert [(p.line, p.path) for p in found] == [(1, "version"), (2, "workload"), (12, "deployments[0].capacity")]
    assert found == sorted(found)


def test_semantic_problems_are_reported_together():
    second = ("  - name: CHAT\n    model: gpt-5.4-mini\n    version: \"2026-03-17\"\n    sku: GlobalStandard\n"
              "    capacity: 5\n")
    text = spec(regions="  - location: swedencentrl\n", extra=second)
    assert [p.path for p in problems(text)] == ["regions[0].location", "deployments[1].name"]


def test_problems_name_the_file(tmp_path):
    path = tmp_path / "my spec.yaml"
    path.write_text(spec(replace={"tier: 1": "tier: 0"}), encoding="utf-8")
    with pytest.raises(SpecError) as info:
        validate_file(path)
    assert info.value.problems[0].format().startswith(f"{path}:4:7: tier: 0 is out of range")
    assert info.value.message == "1 problem in the spec"


# ---------------------------------------------------------------------------------------------------------------------
# Values YAML reads as another type than the spec needs are rejected where they stand.


@pytest.mark.parametrize("where, extra, line, path", [
    ({"capacity: 50": "capacity: 50.0"}, "", 12, "deployments[0].capacity"),
    ({}, "monitoring:\n  retentionInDays: 90.0\n", 14, "monitoring.retentionInDays"),
    ({}, "keyVault:\n  softDeleteRetentionInDays: 30.0\n", 14, "keyVault.softDeleteRetentionInDays"),
    ({}, "keyVault:\n  secretExpiryDays: 30.0\n", 14, "keyVault.secretExpiryDays"),
])
def test_whole_number_floats_are_rejected(where, extra, line, path):
    problem = one(spec(replace=where, extra=extra))
    assert (problem.line, problem.path) == (line, path)
    assert "expected a whole number, found a number" in problem.message


@pytest.mark.parametrize("key", ["1234", "true"])
def test_tag_names_that_are_not_text_are_rejected(key):
    problem = one(spec(extra=f"tags:\n  {key}: x\n"))
    assert (problem.line, problem.column) == (14, 3)
    assert f"the key '{key}' is not text" in problem.message
    assert problem.hint == f'quote it: "{key}"'


# ---------------------------------------------------------------------------------------------------------------------
# Warnings: the spec is valid, but something may fail at deploy time.


def test_warning_model_not_in_data():
    [warning] = warnings_of(spec(replace={"model: gpt-5.4-mini": "model: gpt-99"}))
    assert warning.startswith("spec.yaml:9:12: deployments[0].model: model 'gpt-99' is not in the availability data")


def test_warning_version_not_in_data():
    [warning] = warnings_of(spec(replace={'"2026-03-17"': '"2099-01-01"'}))
    assert warning.startswith("spec.yaml:10:14: deployments[0].version: version '2099-01-01' of gpt-5.4-mini is not in "
                              "the availability data")
    assert "known versions: 2026-03-17" in warning


def test_warning_sku_not_in_data():
    [warning] = warnings_of(spec(replace={"sku: GlobalStandard": "sku: DeveloperTier"}))
    assert warning.startswith("spec.yaml:11:10: deployments[0].sku: the availability data of")
    assert "with SKU DeveloperTier" in warning


def test_warning_region_does_not_offer_the_model():
    [warning] = warnings_of(spec(regions="  - location: brazilsoutheast\n"))
    assert warning.startswith("spec.yaml:11:10: deployments[0].sku: gpt-5.4-mini 2026-03-17 (GlobalStandard) is not "
                              "offered in brazilsoutheast (regions[0])")


def test_warning_nobody_is_granted_access():
    [warning] = warnings_of(spec(extra="access:\n  managedIdentity: false\n"))
    assert warning.startswith("spec.yaml:14:3: access: nobody is granted access to the deployment")


def test_no_warning_when_principals_are_granted_access():
    extra = "access:\n  managedIdentity: false\n  principals:\n    - objectId: 00000000-0000-0000-0000-000000000001\n"
    assert warnings_of(spec(extra=extra)) == []


def test_warning_key_vault_section_ignored_for_tier_2():
    [warning] = warnings_of(spec(2, extra="keyVault:\n  sku: premium\n"))
    assert warning.startswith("spec.yaml:13:1: keyVault: keyVault settings are ignored: tier 2 keeps no API key")
    assert warnings_of(spec(1, extra="keyVault:\n  sku: premium\n")) == []


def test_warning_allowed_ip_ranges_ignored_for_private_tier():
    [warning] = warnings_of(spec(3, extra="openai:\n  allowedIpRanges: [1.2.3.4]\n"))
    assert warning.startswith("spec.yaml:14:3: openai.allowedIpRanges: ignored: tier 3 disables public network")
    assert warnings_of(spec(2, extra="openai:\n  allowedIpRanges: [1.2.3.4]\n")) == []


def test_warnings_are_sorted_and_marked_as_warnings():
    text = spec(replace={"model: gpt-5.4-mini": "model: gpt-99"}, extra="access:\n  managedIdentity: false\n")
    result = validate_text(text).warnings
    assert [w.line for w in result] == [9, 14]
    assert {w.severity for w in result} == {"warning"}


def test_the_minimal_spec_warns_only_that_its_alerts_notify_nobody():
    assert [w.rule for w in validate_text(MINIMAL).warnings] == ["alerts-no-receivers"]
    assert validate_text(spec(1)).warnings == []  # spec() adds an alert email


# ---------------------------------------------------------------------------------------------------------------------
# Defaults.


def test_defaults_are_applied():
    from azoai_gen import model

    typed = validate_text(MINIMAL).spec
    assert typed.access == model.Access(managed_identity=True, principals=())
    assert typed.deployments[0].rai_policy == "Microsoft.DefaultV2"
    assert typed.deployments[0].version_upgrade_option == "OnceCurrentVersionExpired"
    assert typed.deployments[0].format == "OpenAI"
    assert typed.tags == ()
    assert typed.openai == model.OpenAI(kind="OpenAI", allowed_ip_ranges=(), restrict_outbound=False,
                                        allowed_fqdns=())
    assert typed.network == model.Network(address_space="10.100.0.0/16", workload_subnet_delegation="none",
                                          private_dns_zone_ids=())
    assert typed.key_vault == model.KeyVault(sku="standard", soft_delete_retention_in_days=90,
                                             allowed_ip_ranges=(), secret_expiry_days=90)
    assert typed.monitoring == model.Monitoring(workspace_id=None, retention_in_days=90, alerts=model.Alerts(
        enabled=True, emails=(), webhook_variable=None, severity=2, thresholds=model.AlertThresholds(
            throttled_requests=10, server_errors=5, time_to_response_ms=10000, tokens_near_capacity_percent=80,
            origin_health_percent=90, origin_group_down_percent=10, backend_errors=10, gateway_capacity_percent=75,
            token_limit_rejections=10)), workbook=True)
    assert typed.naming_suffix is None


def test_defaults_fill_nested_items_and_keep_given_values():
    from azoai_gen import model

    extra = ("access:\n  principals:\n    - objectId: 00000000-0000-0000-0000-00000000000A\n"
             "monitoring:\n  retentionInDays: 30\n"
             "openai:\n  contentFilters:\n    - name: Strict\n")
    typed = validate_text(spec(replace={"capacity: 50": "capacity: 50\n    raiPolicy: Strict"}, extra=extra)).spec
    assert typed.access.managed_identity is True
    # Object IDs are normalised to lower case, once, in the model.
    assert typed.access.principals == (model.Principal("00000000-0000-0000-0000-00000000000a", "ServicePrincipal",
                                                       ""),)
    assert typed.monitoring.retention_in_days == 30
    assert typed.deployments[0].rai_policy == "Strict"
    # A content filter's unwritten settings come from the schema: Azure's default thresholds, shields on.
    strict = typed.openai.content_filters[0]
    assert (strict.base_policy, strict.mode, strict.jailbreak, strict.indirect_attack) == (
        "Microsoft.DefaultV2", "Default", "block", "off")
    assert dict(strict.prompt)["hate"] == model.HarmFilter("Medium", "block")


def test_the_model_is_frozen_so_specs_cannot_share_state():
    import dataclasses

    first = validate_text(MINIMAL).spec
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.tags = (("x", "y"),)  # type: ignore[misc]
    assert isinstance(first.access.principals, tuple) and isinstance(first.regions, tuple)
    assert validate_text(MINIMAL).spec == first


def test_duplicate_principals_are_rejected():
    extra = ("access:\n  principals:\n    - objectId: 0000000A-0000-0000-0000-000000000001\n"
             "    - objectId: 0000000a-0000-0000-0000-000000000001\n      type: Group\n")
    with pytest.raises(SpecError) as info:
        validate_text(spec(2, extra=extra))
    assert info.value.problems[0].path.startswith("access.principals[1]")
    assert info.value.problems[0].line == 16


@pytest.mark.parametrize("bad", ["999.1.1.1", "1.2.3.4/33"])
def test_invalid_ip_ranges_are_rejected(bad):
    with pytest.raises(SpecError) as info:
        validate_text(spec(2, extra=f"openai:\n  allowedIpRanges: [{bad}]\n"))
    assert info.value.problems[0].path == "openai.allowedIpRanges[0]"


@pytest.mark.parametrize("good, written", [("1.2.3.4", "1.2.3.4"), ("20.0.0.0/8", "20.0.0.0/8"),
                                           ("203.0.113.9/32", "203.0.113.9")])
def test_valid_ip_ranges_are_accepted(good, written):
    assert validate_text(spec(2, extra=f"openai:\n  allowedIpRanges: [{good}]\n")).spec.openai.allowed_ip_ranges \
        == (written,)
