"""The text rules at the edge: what any text of a spec may hold, every pattern anchored, and each hostile value that
once changed the output or crashed the render refused with its location.

Each test named after a reproduced case failed before the text rules existed: the value rendered (as code, as a
changed value, as a policy that is not well-formed) or the render crashed with a traceback.
"""

from __future__ import annotations

import re
import shlex
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from _support import (
    EXAMPLE_SPECS,
    few_examples,
    parse_bicepparam,
    plain,
    render_text,
    site_id,
    spec,
    spec_problems,
    tier4,
    tier5,
    unescape_comment,
    yaml_quote,
)
from azoai_gen import cli, ids, resources
from azoai_gen.azure import NAME_RULES
from azoai_gen.errors import Problem, SpecError
from azoai_gen.escape import bicep_key, shell, xml
from azoai_gen.load import Positions
from azoai_gen.pipeline import validate_text

# The text rules, the pattern translation and message escaping are imported where they are used, so that the tests of
# the reproduced cases also run (and fail) against a version of azoai-gen without them.

SUB = "11111111-1111-1111-1111-111111111111"
SUBNET = (f"/subscriptions/{SUB}/resourceGroups/rg-hub/providers/Microsoft.Network/virtualNetworks/vnet-hub/"
          "subnets/snet-pe")




def only(text_: str) -> str:
    [problem] = spec_problems(text_)
    return problem


# ---------------------------------------------------------------------------------------------------------------------
# The rule set, character by character.


@pytest.mark.parametrize("char, kind", [
    ("\n", "a control character"), ("\t", "a control character"), ("\x0b", "a control character"),
    ("\x1b", "a control character"), ("\x00", "a control character"), ("\x7f", "a control character"),
    ("\x85", "a control character"), ("\ud800", "a lone surrogate"), ("\udfff", "a lone surrogate"),
    ("\u202e", "a bidirectional control"), ("\u2066", "a bidirectional control"), ("\u200f", "a bidirectional control"),
    ("\u061c", "a bidirectional control"), ("\u200b", "an invisible formatting character"),
    ("\ufeff", "an invisible formatting character"), ("\u2060", "an invisible formatting character"),
    ("\u00ad", "an invisible formatting character"), ("\u2028", "a line or paragraph separator"),
    ("\u2029", "a line or paragraph separator"), ("\ufffe", "a noncharacter"), ("\uffff", "a noncharacter"),
    ("\ufdd0", "a noncharacter"), ("\U0010ffff", "a noncharacter"),
])
def test_refused_characters(char, kind):
    from azoai_gen import text
    assert text.refused_kind(char) == kind
    assert text.first_refused(f"ab{char}c") == f"{kind} (U+{ord(char):04X}) at character 3"


@pytest.mark.parametrize("char", ["a", " ", "é", "中", "🙂", "\u200d", "\u200c", "\u00a0", "\ue000", "\U000e0067",
                                  "'", "$", "{", "\\", "<", "&", "`"])
def test_characters_text_needs_are_fit(char):
    from azoai_gen import text
    assert text.refused_kind(char) is None


# ---------------------------------------------------------------------------------------------------------------------
# Every text field is found by walking the schema, so a new field is covered without a line of code.


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = resources.schema()
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def sample(node: dict[str, Any], path: tuple = ()) -> tuple[Any, set[tuple]]:
    """An instance that sets every property the schema has (text as "x", one item per list, one key per mapping of
    data), and the paths of its texts ((path, "key") for a key)."""
    node = _resolve(node)
    if node.get("type") == "object" or "properties" in node:
        data, paths = {}, set()
        for key, sub in node.get("properties", {}).items():
            data[key], found = sample(sub, path + (key,))
            paths |= found
        if isinstance(node.get("additionalProperties"), dict):
            data["k"], found = sample(node["additionalProperties"], path + ("k",))
            paths |= found | {(path + ("k",), "key")}
        return data, paths
    if node.get("type") == "array":
        item, found = sample(node.get("items", {}), path + (0,))
        return [item], found
    if node.get("type") == "string" or (node.get("enum") and isinstance(node["enum"][0], str)):
        return "x", {(path, "value")}
    return 1, set()


def test_the_walk_finds_every_text_the_schema_has():
    from azoai_gen import text
    data, expected = sample(resources.schema())
    found = {(path, "key" if is_key else "value") for path, _, is_key in text.texts(resources.schema(), data)}
    assert found == expected
    # The sample reaches the fields that matter most.
    assert (("tags", "k"), "key") in found and (("tags", "k"), "value") in found
    assert (("apiManagement", "oauth", "audiences", 0), "value") in found
    assert (("access", "principals", 0, "description"), "value") in found
    assert len(found) > 40


@pytest.mark.parametrize("bad", ["\n", "\x1b[31m", "\ud800", "\u202e", "\u200b", "\ufffe"])
def test_every_text_field_refuses_unfit_text_with_its_location(bad):
    from azoai_gen import text
    data, paths = sample(resources.schema())
    for path, where in sorted(paths, key=str):
        hostile = _with(data, path, "a" + bad + "b", key=where == "key")
        problems = text.problems(hostile, Positions("s.yaml"))
        shown_path = path[:-1] + ("a" + bad + "b",) if where == "key" else path
        assert any(p.path == _format(shown_path) and "holds" in p.message for p in problems), (path, problems)


def _with(data: Any, path: tuple, value: str, key: bool) -> Any:
    import copy

    result = copy.deepcopy(data)
    node = result
    for part in path[:-1]:
        node = node[part]
    if key:
        node[value] = node.pop(path[-1])
    else:
        node[path[-1]] = value
    return result


def _format(path: tuple) -> str:
    from azoai_gen.load import format_path

    return format_path(path)


def _strings(node: Any) -> list[dict[str, Any]]:
    """Every schema node that describes text."""
    found = []
    if isinstance(node, dict):
        if node.get("type") == "string" or "pattern" in node:
            found.append(node)
        for value in node.values():
            found += _strings(value)
    elif isinstance(node, list):
        for value in node:
            found += _strings(value)
    return found


def test_every_text_in_the_schema_has_a_length_limit():
    # Azure's limits where it has one (tag names 512, tag values 256, publisher name and email 100, ...).
    for node in _strings(resources.schema()):
        pattern = node.get("pattern", "")
        bounded = "maxLength" in node or "enum" in node or not re.search(r"[*+]|\{\d+,\}", re.sub(r"\[[^]]*]", "", pattern))
        assert bounded, node


# ---------------------------------------------------------------------------------------------------------------------
# Every pattern is anchored at the very end of the text: a trailing newline fails each one.


def _patterns(node: Any) -> set[str]:
    found = set()
    if isinstance(node, dict):
        if isinstance(node.get("pattern"), str):
            found.add(node["pattern"])
        for value in node.values():
            found |= _patterns(value)
    elif isinstance(node, list):
        for value in node:
            found |= _patterns(value)
    return found


SCHEMA_PATTERNS = sorted(_patterns(resources.schema()))


def test_the_schema_has_patterns_to_test():
    assert len(SCHEMA_PATTERNS) >= 12
    assert "^[^<>%&\\\\?/\\x00-\\x1f\\x7f]+$" in SCHEMA_PATTERNS  # tag names (propertyNames)


@pytest.mark.parametrize("pattern", SCHEMA_PATTERNS)
@few_examples(15)
@given(data=st.data())
def test_every_schema_pattern_refuses_a_trailing_newline(pattern, data):
    from azoai_gen.schema import ecma_pattern
    from azoai_gen.schema import _Validator

    compiled = ecma_pattern(pattern)
    example = data.draw(st.from_regex(compiled, fullmatch=True))
    assert compiled.search(example)
    assert not compiled.search(example + "\n"), (pattern, example)
    # The validator uses the same meaning of $: a JSON Schema pattern is an ECMA-262 regular expression.

    validator = _Validator({"type": "string", "pattern": pattern})
    assert validator.is_valid(example) and not validator.is_valid(example + "\n")


@pytest.mark.parametrize("pattern, expected", [
    ("^a$", "^a\\Z"), ("^[$]$", "^[$]\\Z"), ("^\\$$", "^\\$\\Z"), ("^[a\\]$]$", "^[a\\]$]\\Z"),
])
def test_ecma_dollar_becomes_the_end_of_the_text(pattern, expected):
    from azoai_gen.schema import ecma_pattern
    assert ecma_pattern(pattern).pattern == expected


PYTHON_PATTERNS = [
    (ids.RESOURCE_ID, site_id("app-0")),
    (ids.SUBNET_ID, SUBNET),
    (ids.ZONE_ID, f"/subscriptions/{SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/"
                  "privatelink.openai.azure.com"),
    (ids.WORKSPACE_ID, f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.OperationalInsights/"
                       "workspaces/law-1"),
]


@pytest.mark.parametrize("pattern, example", PYTHON_PATTERNS, ids=lambda v: getattr(v, "pattern", v)[:20])
def test_every_id_pattern_refuses_a_trailing_newline(pattern, example):
    assert pattern.match(example)
    assert not pattern.match(example + "\n")


def test_every_name_rule_refuses_a_trailing_newline():
    from azoai_gen.pipeline import validate_file

    checked = set()
    for path in EXAMPLE_SPECS:
        for name in validate_file(path).design.names:
            rule = NAME_RULES[name.rule]
            example = name.example("abcde")
            assert re.match(rule.chars, example), (name.rule, example)
            assert not re.match(rule.chars, example + "\n"), (name.rule, example)
            checked.add(name.rule)
    assert len(checked) >= 15


# ---------------------------------------------------------------------------------------------------------------------
# The reproduced cases, each refused with its location.


def test_a_tag_name_with_a_newline_is_refused_at_the_key():
    problem = only(spec(2, extra='tags:\n  "k\\n": v\n'))
    assert problem.startswith("spec.yaml:14:3: tags.k\\n: this key holds a control character (U+000A) at character 2")
    # And the Bicep writer would quote it: the whole key must be an identifier to be written bare.
    assert bicep_key("k\n") == "'k\\n'"


@pytest.mark.parametrize("field, extra, where", [
    ("objectId", "access:\n  principals:\n    - objectId: \"11111111-1111-1111-1111-111111111111\\n\"\n",
     "spec.yaml:15:17: access.principals[0].objectId"),
    ("existingSubnetId", None, "spec.yaml:8:25: regions[0].network.existingSubnetId"),
    ("logAnalyticsWorkspaceId", "monitoring:\n  logAnalyticsWorkspaceId: \"/subscriptions/x\\n\"\n",
     "spec.yaml:14:28: monitoring.logAnalyticsWorkspaceId"),
])
def test_a_trailing_newline_in_an_id_is_refused(field, extra, where):
    if extra is None:
        text_ = spec(3, replace={"  - location: swedencentral\n": "  - location: swedencentral\n    network:\n"
                                 f"      existingSubnetId: {yaml_quote(SUBNET + chr(10))}\n"})
    else:
        text_ = spec(2, extra=extra)
    problem = only(text_)
    assert problem.startswith(where + ": this value holds a control character (U+000A)"), problem


def test_a_trailing_newline_in_the_tenant_and_an_audience_is_refused():
    problems = spec_problems(tier5(extra="apiManagement:\n  oauth:\n    tenantId: \""
                                         f"{SUB}\\n\"\n    audiences: [\"api://x\\n\"]\n"))
    assert [p.split(": this value")[0] for p in problems] == [
        "spec.yaml:16:15: apiManagement.oauth.tenantId", "spec.yaml:17:17: apiManagement.oauth.audiences[0]"]


def test_a_private_link_resource_id_with_a_newline_never_splits_the_readme_command():
    regions = ("  - location: swedencentral\n    app:\n      hostName: a.azurewebsites.net\n      privateLink:\n"
               f"        resourceId: {yaml_quote(site_id('app') + chr(10) + 'rm -rf ~')}\n        groupId: sites\n"
               "  - location: francecentral\n    app:\n      hostName: b.azurewebsites.net\n      privateLink:\n"
               f"        resourceId: {site_id('b')}\n        groupId: sites\n")
    problem = only(spec(4, regions=regions, extra="frontDoor:\n  origin: app\n"))
    assert "regions[0].app.privateLink.resourceId: this value holds a control character (U+000A)" in problem
    with pytest.raises(ValueError):
        shell(site_id("app") + "\nrm -rf ~")


def test_the_readme_approval_command_parses_back_to_the_resource_id():
    readme = render_text(tier4(app=True, link=True, extra="frontDoor:\n  origin: app\n")).files["README.md"]
    line = next(line for line in readme.splitlines() if "private-endpoint-connection list --id" in line)
    words = shlex.split(line.split("$(", 1)[1].split(" --query", 1)[0])
    assert words == ["az", "network", "private-endpoint-connection", "list", "--id", site_id("app-0")]


AUDIENCE = "apiManagement:\n  oauth:\n    tenantId: " + SUB + "\n    audiences: [{}]\n"


@pytest.mark.parametrize("audience, words", [
    ("{{ 7*7 }}", "API Management reads {{ as the start of a named value reference"),
    ("api://x{{front-door-id}}", "API Management reads {{ as the start of a named value reference"),
    ("@(context.Request.Url)", "API Management evaluates a value that begins with @( or @{"),
    ("@{ return 1; }", "API Management evaluates a value that begins with @( or @{"),
    (" @(1)", "API Management evaluates a value that begins with @( or @{"),
])
def test_an_audience_that_api_management_would_evaluate_is_refused(audience, words):
    problem = only(tier5(extra=AUDIENCE.format(yaml_quote(audience))))
    assert problem.startswith("spec.yaml:17:17: apiManagement.oauth.audiences[0]: " + words)
    assert "an audience is a literal" in problem


def test_an_audience_with_at_and_braces_elsewhere_is_a_literal():
    audience = "api://x@y/{id} }}"
    files = render_text(tier5(extra=AUDIENCE.format(yaml_quote(audience)))).files
    root = ET.fromstring(files["policies/openai-api.xml"])
    assert [a.text for a in root.iter("audience")] == [audience]


@pytest.mark.parametrize("value, kind", [
    ("a\\vb", "a control character (U+000B)"), ("a\\uFFFEb", "a noncharacter (U+FFFE)"),
    ("a\\uFFFFb", "a noncharacter (U+FFFF)"), ("a\\ud800", "a lone surrogate (U+D800)"),
])
def test_an_audience_xml_cannot_hold_is_refused(value, kind):
    problem = only(tier5(extra=AUDIENCE.format(f'"{value}"')))
    assert problem.startswith(f"spec.yaml:17:17: apiManagement.oauth.audiences[0]: this value holds {kind}")
    with pytest.raises(ValueError):
        xml(value.encode().decode("unicode_escape"))


@pytest.mark.parametrize("where, extra", [
    ("spec.yaml:14:10: tags.owner", 'tags:\n  owner: "\\ud800"\n'),
    ("spec.yaml:14:3: tags.\\ud800", 'tags:\n  "\\ud800": x\n'),
    ("spec.yaml:16:20: access.principals[0].description",
     f"access:\n  principals:\n    - objectId: {SUB}\n      description: \"x\\udc00\"\n"),
])
def test_a_lone_surrogate_is_refused_not_a_crash(where, extra):
    problem = only(spec(2, extra=extra))
    assert problem.startswith(where + ": this ")
    assert "a lone surrogate" in problem


def test_a_lone_surrogate_in_the_publisher_name_is_refused_not_a_crash():
    problem = only(tier5(extra='apiManagement:\n  publisherName: "Contoso \\ud83d"\n'))
    assert problem.startswith("spec.yaml:15:18: apiManagement.publisherName: this value holds a lone surrogate")


@pytest.mark.parametrize("char", ["\u200b", "\u202e", "\ufeff", "\u2066", "\u200e"])
def test_zero_width_and_bidi_characters_are_refused(char):
    problem = only(spec(2, extra=f"tags:\n  owner: {yaml_quote('ad' + char + 'min')}\n"))
    assert problem.startswith("spec.yaml:14:10: tags.owner: this value holds ")
    assert f"(U+{ord(char):04X}) at character 3" in problem


def test_characters_text_needs_reach_bicep_as_visible_escapes():
    family = "👨\u200d👩\u200d👧 a\u00a0b"
    files = render_text(spec(2, extra=f"tags:\n  family: {yaml_quote(family)}\n")).files
    line = next(line for line in files["main.bicepparam"].splitlines() if "family" in line)
    assert "\u200d" not in line and "\\u{200D}" in line and "\\u{A0}" in line
    assert parse_bicepparam(files["main.bicepparam"])["tags"]["family"] == family


@pytest.mark.parametrize("tags, key, other", [
    ("  Environment: staging\n", "Environment", "the generated tag 'environment'"),
    ("  WORKLOAD: x\n", "WORKLOAD", "the generated tag 'workload'"),
    ("  Managed-By: x\n", "Managed-By", "the generated tag 'managed-by'"),
    ("  CostCenter: '1'\n  costcenter: '2'\n", "costcenter", "the tag 'CostCenter'"),
])
def test_tag_names_that_differ_only_in_case_are_refused_at_the_key(tags, key, other):
    problems = spec_problems(spec(2, extra="tags:\n" + tags))
    [problem] = [p for p in problems if f"tags.{key}:" in p]
    assert f"tag '{key}' is {other} in another case" in problem
    line = 14 + tags.count("\n") - 1
    assert problem.startswith(f"spec.yaml:{line}:3: tags.{key}:")


def test_the_generated_tag_may_be_overridden_in_its_own_case():
    params = parse_bicepparam(render_text(spec(2, extra="tags:\n  environment: staging\n")).files["main.bicepparam"])
    assert params["tags"]["environment"] == "staging"


# ---------------------------------------------------------------------------------------------------------------------
# The spec's file name is a value too.


@pytest.mark.parametrize("name", ["a\x01b.yaml", "a\nb.yaml", "a\u202eb.yaml", "a\udcffb.yaml"])
def test_a_file_name_with_unfit_characters_is_refused(name):
    with pytest.raises(SpecError) as info:
        validate_text(tier5(), name)
    [problem] = info.value.problems
    assert (problem.line, problem.column, problem.path) == (1, 1, "(spec)")
    assert problem.message.startswith("the spec's file name holds ")


def test_a_hostile_file_name_stays_a_value_in_every_header():
    name = "x' --> <evil> -- *\\ ${a} `b` -.yaml"
    files = render_text(tier5(), spec_name=name).files
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    root = ET.fromstring(files["policies/openai-api.xml"], parser=parser)
    assert root.tag == "policies" and root.find(".//evil") is None
    header = ET.fromstring("<r>" + files["policies/openai-api.xml"] + "</r>", parser=ET.XMLParser(
        target=ET.TreeBuilder(insert_comments=True)))[0].text
    written = header.split(" from ", 1)[1].split(". Edit the spec", 1)[0]
    assert unescape_comment(written, xml=True) == name
    first = files["main.bicep"].split("\n", 1)[0]
    assert unescape_comment(first.split(" from ", 1)[1].split(". Edit the spec", 1)[0]) == name


# ---------------------------------------------------------------------------------------------------------------------
# Messages: the terminal is an output too.


def test_problems_show_control_characters_as_escapes():
    from azoai_gen.errors import shown
    problem = Problem("a\x1b[2Jb.yaml", 1, 2, "tags.\x1b[31mred", "unknown key '\x1b[31mred\n'", "x\u202ey")
    assert problem.format() == ("a\\x1b[2Jb.yaml:1:2: tags.\\x1b[31mred: unknown key '\\x1b[31mred\\n'\n"
                                "    hint: x\\u202ey")
    assert shown("ok: é 中 🙂 \\ 'quoted'") == "ok: é 中 🙂 \\ 'quoted'"


def test_the_cli_never_echoes_an_escape_sequence_from_the_spec(tmp_path):
    from typer.testing import CliRunner

    path = tmp_path / "spec.yaml"
    path.write_text(spec(2, extra='"\\e[31mred\\e]0;title\\a": 1\ntags:\n  "\\e[2J": "\\e[5m"\n'), encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["validate", str(path)])
    assert result.exit_code == 1
    output = result.stderr
    assert "\x1b[31mred" not in output and "\x1b]0;" not in output and "\x1b[2J" not in output and "\x07" not in output
    assert "\\x1b[31mred\\x1b]0;title\\x07" in plain(output)
    assert "tags.\\x1b[2J: this key holds a control character (U+001B)" in plain(output)


def test_the_cli_shows_a_hostile_file_name_escaped(tmp_path):
    from typer.testing import CliRunner

    path = tmp_path / "a\x1b[2Jb.yaml"
    path.write_text(spec(2), encoding="utf-8")
    result = CliRunner().invoke(cli.app, ["validate", str(path)])
    assert result.exit_code == 1
    assert "\x1b[2J" not in result.stderr
    assert "a\\x1b[2Jb.yaml:1:1: (spec): the spec's file name holds a control character (U+001B)" in plain(
        result.stderr)


# ---------------------------------------------------------------------------------------------------------------------
# Files that never end.


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_validate_refuses_a_device_at_once(device):
    import subprocess
    import sys

    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    result = subprocess.run([sys.executable, "-m", "azoai_gen", "validate", device], capture_output=True, text=True,
                            timeout=60, cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 2
    assert f"error: {device} is a character device, not a spec file" in result.stderr
    assert ":1:1:" not in result.stderr
    assert "Traceback" not in result.stderr


def test_validate_refuses_a_fifo_at_once(tmp_path):
    import os
    import subprocess
    import sys

    fifo = tmp_path / "spec.yaml"
    os.mkfifo(fifo)
    result = subprocess.run([sys.executable, "-m", "azoai_gen", "validate", str(fifo)], capture_output=True,
                            text=True, timeout=60, cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 2
    assert f"error: {fifo} is a named pipe (FIFO), not a spec file" in result.stderr
