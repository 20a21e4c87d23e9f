"""Hostile strings: every value reaches Bicep, Markdown and the shell exactly as written, and never as code."""

from __future__ import annotations

import re
import shlex
import subprocess
import unicodedata
from pathlib import Path

import jinja2
import yaml
import pytest
from jinja2 import nodes

from _support import (
    MINIMAL,
    TEMPLATES,
    Expression,
    Loop,
    Reference,
    bicep_code,
    bicep_declarations,
    markdown_cells,
    markdown_paragraph_text,
    parse_bicep_literal,
    parse_bicepparam,
    render_files,
    render_text,
    spec,
    unescape_bicep_body,
    unescape_bicep_literal,
    unescape_comment,
    yaml_quote,
)
from azoai_gen import render as render_module
from azoai_gen.design.records import GlobalName
from azoai_gen.escape import (
    bicep,
    bicep_api,
    bicep_comment,
    bicep_ident,
    bicep_key,
    bicep_name,
    bicep_str,
    markdown,
    markdown_code,
    pipeline_expression_problem,
    shell,
    yaml_ident,
    yaml_shell,
    yaml_str,
)

HOSTILE = [
    "O'Brien ${team} \\ ops",
    "first line\nsecond line",
    "'\n}\nresource evil 'Microsoft.Storage/storageAccounts@2023-01-01' = {\n  name: 'pwned'\n}\n",
    "ünïcødé ☃ 中文 𝄞 emoji 🙂",
    "controls \x00\x01\x07\x08\x0b\x0c\x1b[31m\x7f\x80\x85\x9f\u2028\u2029 end",
    "\r\n\t",
    "$",
    "${",
    "${team}",
    "\\${team}",
    "trailing backslash \\",
    "\\",
    "\\'",
    "'",
    "''",
    "'''",
    "}",
    "*/ /* // # <!-- -->",
    "`backticks` and ``double``",
    "",
]

# ---------------------------------------------------------------------------------------------------------------------
# The reference reader itself: if it accepted anything, the round trips below would prove nothing.


@pytest.mark.parametrize("bad", ["'", "${x}", "a\nb", "\\q", "\\", "\\u{}", "\\u{110000000}"])
def test_reference_unescaper_rejects_what_bicep_would_not_read_as_text(bad):
    with pytest.raises(ValueError):
        unescape_bicep_body(bad)


def test_reference_unescaper_reads_every_escape():
    assert unescape_bicep_body(r"\\ \' \$ \n \r \t \u{41} \u{1F642} $x {") == "\\ ' $ \n \r \t A 🙂 $x {"


def test_declaration_reader_keeps_references_expressions_and_loops_apart():
    text = ("resource a 'X/y@2024-01-01' existing = {\n  name: 'a'\n}\n\n"
            "// A comment.\nresource b 'X/y/z@2024-01-01' = [for item in items: {\n  parent: a\n"
            "  name: '${item.name}-b' // trailing\n  properties: {\n    id: a.id\n    n: 3\n"
            "    keys: a.listKeys().key1\n    list: [\n      'O\\'Brien'\n      true\n    ]\n  }\n}]\n\n"
            "module c './c.bicep' = {\n  name: 'c'\n  params: {\n    value: concat(x, y)\n  }\n}\n")
    declarations = bicep_declarations(text)
    assert [(d.keyword, d.symbol, d.type, d.existing) for d in declarations.values()] == [
        ("resource", "a", "X/y", True), ("resource", "b", "X/y/z", False), ("module", "c", "./c.bicep", False)]
    loop = declarations["b"].body
    assert isinstance(loop, Loop) and (loop.variable, loop.items) == ("item", "items")
    assert loop.body == {"parent": Reference("a"), "name": Expression("'${item.name}-b' // trailing"),
                         "properties": {"id": Reference("a.id"), "n": 3, "keys": Expression("a.listKeys().key1"),
                                        "list": ["O'Brien", True]}}
    assert declarations["c"].body["params"] == {"value": Expression("concat(x, y)")}
    with pytest.raises(ValueError):
        bicep_declarations("resource d 'X/y@1' = {\n  name: 'd'\n")


# ---------------------------------------------------------------------------------------------------------------------
# Filters.


@pytest.mark.parametrize("text", HOSTILE)
def test_bicep_str_round_trips(text):
    literal = bicep_str(text)
    assert unescape_bicep_literal(literal) == text


@pytest.mark.parametrize("text", HOSTILE)
def test_bicep_str_is_one_line_of_printable_text(text):
    literal = bicep_str(text)
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", literal)
    # Bicep reads the literal as one string token and nothing else.
    assert bicep_code(f"var x = {literal}\n") == "var x = '" + " " * (len(literal) - 2) + "'\n"


def test_bicep_str_known_escapes():
    assert bicep_str("O'Brien ${team} \\ ops") == r"'O\'Brien \${team} \\ ops'"
    assert bicep_str("a\nb\rc\td") == r"'a\nb\rc\td'"
    assert bicep_str("\x01\x7f\u2028") == r"'\u{1}\u{7F}\u{2028}'"


@pytest.mark.parametrize("value", [1, None, True, 1.5, ["a"], {"a": "b"}])
def test_bicep_str_accepts_only_text(value):
    with pytest.raises(TypeError):
        bicep_str(value)


def test_bicep_round_trips_nested_hostile_values():
    value = {
        "plain": "x",
        "managed-by": "azoai-gen",
        "resource": "keyword as key",
        "1starts-with-digit": 1,
        "O'Brien ${team}": HOSTILE,
        "nested": {"list": [True, False, None, 0, -5, 100000], "empty": {}, "none": []},
        "évil\nkey": {"'\n}\nresource evil": "'\n}\nresource evil"},
    }
    text = bicep(value)
    assert parse_bicep_literal(text) == value
    assert "evil" not in bicep_code(f"param x = {text}\n")


def test_bicep_scalars_and_errors():
    assert bicep(None) == "null"
    assert bicep(True) == "true"
    assert bicep(False) == "false"
    assert bicep(42) == "42"
    assert bicep([]) == "[]"
    assert bicep({}) == "{}"
    assert parse_bicep_literal(bicep(("a", 1))) == ["a", 1]
    for bad in (1.5, object(), {1, 2}):
        with pytest.raises(TypeError):
            bicep(bad)


@pytest.mark.parametrize("key, expected", [
    ("owner", "owner"),
    ("_x1", "_x1"),
    ("managed-by", "'managed-by'"),
    ("resource", "'resource'"),
    ("true", "'true'"),
    ("1a", "'1a'"),
    ("a b", "'a b'"),
    ("", "''"),
])
def test_bicep_key_is_bare_only_for_plain_identifiers(key, expected):
    assert bicep_key(key) == expected


@pytest.mark.parametrize("text", HOSTILE)
def test_bicep_key_round_trips(text):
    key = bicep_key(text)
    assert parse_bicep_literal("{\n  " + key + ": 1\n}") == {text: 1}


@pytest.mark.parametrize("text", HOSTILE)
def test_bicep_name_round_trips(text):
    assert unescape_bicep_literal(bicep_name(GlobalName(text, False, ""))) == text
    suffixed = bicep_name(GlobalName(text, True, ""))
    assert suffixed.startswith("'") and suffixed.endswith("${nameSuffix}'")
    assert unescape_bicep_body(suffixed[1:-len("${nameSuffix}'")]) == text
    # The only code Bicep sees inside the literal is the suffix interpolation.
    code = bicep_code(f"var n = {suffixed}\n")
    assert re.sub(r"\s+", "", code) == "varn='${nameSuffix}'"


def test_bicep_name_example():
    assert bicep_name(GlobalName("kv-claims-prod-", True, "")) == "'kv-claims-prod-${nameSuffix}'"
    assert bicep_name(GlobalName("log-claims-prod", False, "")) == "'log-claims-prod'"


@pytest.mark.parametrize("text", HOSTILE + ["\ud800 lone surrogate"])
def test_bicep_comment_stays_on_one_line_and_reads_back(text):
    comment = "// " + bicep_comment(text)
    assert not re.search(r"[\r\n\u2028\u2029]", comment)
    assert bicep_code(comment + "\nvar x = 1\n").strip() == "var x = 1"
    assert unescape_comment(bicep_comment(text)) == text


def test_bicep_comment_leaves_ordinary_text_alone():
    assert bicep_comment("Generated by azoai-gen 0.1.0 from spec.yaml") == "Generated by azoai-gen 0.1.0 from spec.yaml"
    assert bicep_comment("a\nb\\c\u202e") == "a\\u{A}b\\\\c\\u{202E}"


@pytest.mark.parametrize("value", ["openaiSwedencentral", "_a", "a1"])
def test_bicep_ident_accepts_identifiers(value):
    assert bicep_ident(value) == value


@pytest.mark.parametrize("value", ["resource", "module", "1a", "a-b", "a b", "", "a'", None, 3])
def test_bicep_ident_rejects_everything_else(value):
    with pytest.raises(ValueError):
        bicep_ident(value)


@pytest.mark.parametrize("value", ["2024-11-30", "2021-05-01-preview"])
def test_bicep_api_accepts_api_versions(value):
    assert bicep_api(value) == value


@pytest.mark.parametrize("value", ["2024-11-30'", "2024-1-30", "latest", "2024-11-30-beta", "", None])
def test_bicep_api_rejects_everything_else(value):
    with pytest.raises(ValueError):
        bicep_api(value)


MARKDOWN_TEXTS = [t for t in HOSTILE if "\x00" not in t and "\x01" not in t] + [
    "<script>alert(1)</script>", "[link](javascript:x) | cell | ![i](x)", "a &amp; b &#x41;", "1. not a list",
    "- not a list", "# not a heading", "  spaces  ", "`", "a`b", "``x``", "ends with `", "```", "~~~", "***", "=",
    "+ x", "> quote", "x\u200dy", "a|b",
]


@pytest.mark.parametrize("text", MARKDOWN_TEXTS)
def test_markdown_reads_back_as_the_text(text):
    escaped = markdown(text)
    assert "\n" not in escaped and "\r" not in escaped
    assert markdown_paragraph_text(f"Before {escaped} after.\n") == f"Before {text} after."
    assert markdown_cells(f"| a | b |\n| --- | --- |\n| {escaped} | x |\n") == [text, "x"]


def test_markdown_known_output():
    assert markdown("<b>x|y</b>") == r"\<b\>x\|y\</b\>"
    assert markdown("a & b") == r"a \& b"
    assert markdown("line\nbreak") == "line&#xA;break"
    assert markdown("1. x") == r"1\. x"
    assert markdown("- x") == r"\- x"
    assert markdown(" x ") == "&#32;x&#32;"
    assert markdown("12) x*y") == r"12\) x\*y"
    assert markdown("1.5") == "1.5"
    # Ordinary text is unchanged.
    assert markdown("kv-claims-prod") == "kv-claims-prod"


def test_markdown_code_known_output():
    assert markdown_code("az login") == "`az login`"
    assert markdown_code("a``b`") == "``` a``b` ```"
    assert markdown_code("x | y") == r"x \| y"


@pytest.mark.parametrize("text", ["\x00", "\x01", "\x1b[31m", "\ufffe", "\ud800"])
def test_markdown_refuses_what_readers_would_not_read_back(text):
    with pytest.raises(ValueError):
        markdown(text)


@pytest.mark.parametrize("text", MARKDOWN_TEXTS + ["", " "])
def test_markdown_code_reads_back_as_the_text(text):
    span = markdown_code(text)
    assert "\n" not in span
    assert markdown_paragraph_text(f"Before {span} after.\n") == f"Before {text} after."
    assert markdown_cells(f"| a | b |\n| --- | --- |\n| {span} | x |\n") == [text, "x"]
    if span.startswith("`"):
        fence = re.match(r"`+", span).group(0)
        assert span.endswith(fence)
        assert all(len(run) < len(fence) for run in re.findall(r"`+", span[len(fence):-len(fence)]))


SHELL_TEXTS = [t for t in HOSTILE if not any(unicodedata.category(c) == "Cc" for c in t)] + [
    "; rm -rf / #", "$(id)", "`id`", "-n", "x\u200dy", "ünï ☃"]


@pytest.mark.parametrize("text", SHELL_TEXTS)
def test_shell_word_round_trips(text):
    word = shell(text)
    assert shlex.split(word) == [text]
    result = subprocess.run(["sh", "-c", "printf '%s' " + word], capture_output=True, check=True)
    assert result.stdout == text.encode("utf-8")


@pytest.mark.parametrize("text", ["first line\nsecond line", "\r", "tab\t", "\x1b[31m", "\x00", "\ud800"])
def test_shell_refuses_control_characters_and_surrogates(text):
    with pytest.raises(ValueError):
        shell(text)


# ---------------------------------------------------------------------------------------------------------------------
# CI pipelines: YAML scalars, shell words in a YAML block scalar, identifiers.

#: Text a pipeline may print from a spec or the command line, each read back by a YAML reader (and a shell).
PIPELINE_TEXTS = ["claims", "rg-claims-prod", "O'Brien \\ \"ops\" $HOME `id` ; rm -rf /", "dir with spaces/a.yaml",
                  "a: b # c", "- [x]", "{x: 1}", "&anchor *alias !tag %d @ |", "true", "null", "0777", "1e3", "~",
                  "ünïcødé ☃ 中文 𝄞 🙂", "${", "$ {{", "{{ x }}", "$x(y)", "#"]


@pytest.mark.parametrize("text", PIPELINE_TEXTS)
def test_yaml_str_reads_back_as_the_text(text):
    assert yaml.safe_load(f"key: {yaml_str(text)}\n") == {"key": text}
    assert yaml.safe_load(f"- {yaml_str(text)}\n") == [text]


@pytest.mark.parametrize("text", ["line\nbreak", "tab\t", "\x00", "\x1b[31m", "\x85", "\u2028", "\u202e", "\ufeff",
                                  "\ufffe", "\U0010fffe", "\ue000"])
def test_yaml_str_writes_invisible_characters_as_escapes(text):
    written = yaml_str(text)
    assert all(ch == " " or not (unicodedata.category(ch)[0] in "CZ") for ch in written)
    assert yaml.safe_load(f"key: {written}\n") == {"key": text}


@pytest.mark.parametrize("text", PIPELINE_TEXTS)
def test_yaml_shell_words_read_back_through_yaml_and_the_shell(text):
    document = f"run: |\n  printf '%s' {yaml_shell(text)}\n  echo done\n"
    script = yaml.safe_load(document)["run"]
    assert script.splitlines()[1] == "echo done"
    assert shlex.split(script.splitlines()[0]) == ["printf", "%s", text]
    result = subprocess.run(["sh", "-c", script.splitlines()[0]], capture_output=True, check=True)
    assert result.stdout == text.encode("utf-8")


@pytest.mark.parametrize("text", ["${{ secrets.TOKEN }}", "a${{b", "$(System.AccessToken)", "x$(y)", "$[ variables.x ]",
                                  "${{"])
@pytest.mark.parametrize("escape", [yaml_str, yaml_shell], ids=["yaml_str", "yaml_shell"])
def test_pipeline_filters_refuse_what_a_ci_system_would_evaluate(escape, text):
    assert pipeline_expression_problem(text)
    with pytest.raises(ValueError, match="would evaluate"):
        escape(text)


@pytest.mark.parametrize("text", ["line\nbreak", "\r", "tab\t", "\x1b", "\u200b", "\u00a0", "\ud800"])
def test_yaml_shell_refuses_what_a_script_line_cannot_hold(text):
    with pytest.raises(ValueError):
        yaml_shell(text)


@pytest.mark.parametrize("value", ["check", "deploy_claims_prod", "what_if_a_b", "_x"])
def test_yaml_ident_accepts_identifiers(value):
    assert yaml_ident(value) == value
    assert yaml.safe_load(f"{yaml_ident(value)}: 1\n") == {value: 1}


@pytest.mark.parametrize("value", ["deploy-claims", "a b", "1job", "", "true", "No", "null", "on", "x\n", 3, None])
def test_yaml_ident_refuses_anything_else(value):
    with pytest.raises(ValueError):
        yaml_ident(value)


# ---------------------------------------------------------------------------------------------------------------------
# The Jinja environment and the templates.


def test_environment_is_strict_and_does_not_html_escape():
    env = render_module._environment()
    assert env.undefined is jinja2.StrictUndefined
    assert env.autoescape is False
    with pytest.raises(jinja2.UndefinedError):
        env.from_string("{{ missing }}").render()
    # A typo reaching any filter fails loudly instead of printing an empty string.
    for name in sorted(env.filters.keys() & (BICEP_FILTERS | MARKDOWN_FILTERS | PIPELINE_FILTERS)):
        with pytest.raises((jinja2.UndefinedError, TypeError, ValueError)):
            env.from_string("{{ a.missing | %s }}" % name).render(a={})
    assert env.from_string("{{ x }}").render(x="<a & 'b'>") == "<a & 'b'>"


BICEP_FILTERS = {"bicep", "bicep_str", "bicep_name", "bicep_value", "bicep_comment", "bicep_ident", "bicep_api",
                 # bicep_key quotes any key that is not a plain identifier (tested above).
                 "bicep_key"}
# bicep_api accepts only an API version (digits and hyphens), which means the same in Markdown and shell.
MARKDOWN_FILTERS = {"md", "md_code", "shell", "bicep_api", "mermaid_block", "code_block"}


def unfiltered_expressions(source: str, allowed: set[str]) -> list[str]:
    """Every {{ }} expression in ``source`` whose outermost operation is not one of the ``allowed`` filters."""
    env = render_module._environment()
    bad = []
    for output in env.parse(source).find_all(nodes.Output):
        for node in output.nodes:
            if isinstance(node, nodes.TemplateData):
                continue
            if not (isinstance(node, nodes.Filter) and node.name in allowed):
                name = node.name if isinstance(node, nodes.Filter) else type(node).__name__
                bad.append(f"line {node.lineno}: {name}")
    return bad


def test_the_expression_checker_finds_unfiltered_expressions():
    assert unfiltered_expressions("{{ x | bicep_str }} {{ (a ~ b) | bicep }}", BICEP_FILTERS) == []
    assert unfiltered_expressions("{{ x }}", BICEP_FILTERS) == ["line 1: Name"]
    assert unfiltered_expressions("{{ x | bicep_str | upper }}", BICEP_FILTERS) == ["line 1: upper"]
    assert unfiltered_expressions("{% if a %}\n{{ 'y' if b else '' }}{% endif %}", BICEP_FILTERS) == [
        "line 2: CondExpr"]


BICEP_TEMPLATES = sorted(list(TEMPLATES.rglob("*.bicep.j2")) + list(TEMPLATES.rglob("*.bicepparam.j2")))


def test_there_are_bicep_templates():
    names = {p.relative_to(TEMPLATES).as_posix() for p in BICEP_TEMPLATES}
    assert {"main.bicep.j2", "main.bicepparam.j2", "modules/openai.bicep.j2"} <= names


@pytest.mark.parametrize("template", BICEP_TEMPLATES, ids=lambda p: p.relative_to(TEMPLATES).as_posix())
def test_every_bicep_expression_ends_with_a_bicep_filter(template: Path):
    source = template.read_text(encoding="utf-8")
    assert "{{" in source
    assert unfiltered_expressions(source, BICEP_FILTERS) == []


@pytest.mark.parametrize("template", BICEP_TEMPLATES, ids=lambda p: p.relative_to(TEMPLATES).as_posix())
def test_bicep_comment_is_used_only_in_comments(template: Path):
    for number, line in enumerate(template.read_text(encoding="utf-8").splitlines(), 1):
        if "bicep_comment" in line:
            assert line.lstrip().startswith("//"), f"{template.name}:{number}: {line}"


PIPELINE_FILTERS = {"yaml_str", "yaml_shell", "yaml_ident"}
CI_TEMPLATES = sorted(TEMPLATES.glob("ci/*.j2"))


def test_there_are_ci_templates():
    assert {p.name for p in CI_TEMPLATES} == {"github.yml.j2", "azure-devops.yml.j2"}


@pytest.mark.parametrize("template", CI_TEMPLATES, ids=lambda p: p.name)
def test_every_pipeline_expression_ends_with_a_yaml_filter(template: Path):
    assert unfiltered_expressions(template.read_text(encoding="utf-8"), PIPELINE_FILTERS) == []


def test_every_readme_expression_ends_with_a_markdown_filter():
    source = (TEMPLATES / "README.md.j2").read_text(encoding="utf-8")
    assert unfiltered_expressions(source, MARKDOWN_FILTERS) == []


# ---------------------------------------------------------------------------------------------------------------------
# A whole spec full of hostile text.




#: Hostile text that a spec may hold: every character in it is fit for spec text, so each must reach Azure exactly as
#: written and never become code. (Control characters and the like are refused at the edge: tests/test_text_rules.py.)
HOSTILE_TAGS = {
    "O'Brien ${team}": "O'Brien ${team} \\ ops",
    "' } resource evil 'x@2020-01-01' = { name: 'pwned' } #": "value",
    "inject": "' }  resource evil 'Microsoft.Storage/storageAccounts@2023-01-01' = { name: 'pwned' } //",
    "ünï ☃ 𝄞": "中文 🙂 👨\u200d👩\u200d👧 \u00a0nbsp \ue000 private use",
    "$": "$",
    "${": "${",
    "resource": "trailing backslash \\",
    "'": "\\",
    "}": "",
    "* ! [] # `x` -- {{ }} @(": "`backticks` and ``double`` {{ 7*7 }} @(1+1)",
    "environment": "overridden ${x}",
}

HOSTILE_DESCRIPTIONS = [
    "' } resource evil 'Microsoft.Authorization/roleAssignments@2022-04-01' = { name: 'pwned' } //",
    "O'Brien ${team} \\ ops ☃ \\",
]


def hostile_spec(tier: int) -> str:
    tags = "".join(f"  {yaml_quote(k)}: {yaml_quote(v)}\n" for k, v in HOSTILE_TAGS.items())
    principals = "".join(
        f"    - objectId: 00000000-0000-0000-0000-00000000000{i}\n      description: {yaml_quote(d)}\n"
        for i, d in enumerate(HOSTILE_DESCRIPTIONS, 1))
    return spec(tier, extra=f"tags:\n{tags}access:\n  principals:\n{principals}")


HOSTILE_SPEC_NAME = "x' --> */ resource evil 'y' = {} ${x} \\ `a`.yaml"


@pytest.fixture(params=[1, 2], ids=["tier1", "tier2"])
def hostile_text(request) -> str:
    from azoai_gen.pipeline import validate_text

    text = hostile_spec(request.param)
    typed = validate_text(text).spec
    # The test's own YAML must say what it means to.
    assert dict(typed.tags) == HOSTILE_TAGS
    assert [p.description for p in typed.access.principals] == HOSTILE_DESCRIPTIONS
    return text


@pytest.fixture
def hostile_render(hostile_text) -> dict[str, str]:
    return render_text(hostile_text, spec_name=HOSTILE_SPEC_NAME).files


def test_hostile_values_reach_the_parameters_exactly(hostile_render):
    params = parse_bicepparam(hostile_render["main.bicepparam"])
    expected_tags = {"environment": "prod", "managed-by": "azoai-gen", "workload": "claims"}
    expected_tags.update(HOSTILE_TAGS)
    assert params["tags"] == expected_tags
    assert [p["description"] for p in params["principals"]] == HOSTILE_DESCRIPTIONS
    assert params["modelDeployments"][0]["name"] == "chat"


def test_hostile_values_never_become_code(hostile_render, hostile_text):
    ordinary = render_files(hostile_text)
    for path, text in hostile_render.items():
        if not path.endswith((".bicep", ".bicepparam")):
            continue
        code = bicep_code(text)
        assert "evil" not in code, path
        assert "pwned" not in code, path
        for line in text.splitlines():
            assert not line.lstrip().startswith(("resource evil", "name: 'pwned'")), (path, line)
        # The hostile file name stays inside the one-line generated-by comment; every other line is unchanged.
        lines = text.split("\n")
        assert lines[0].startswith("// Generated by azoai-gen") and "resource evil" in lines[0]
        assert lines[1:] == ordinary[path].split("\n")[1:], path


def test_hostile_spec_name_stays_in_the_readme_comment(hostile_render):
    readme = hostile_render["README.md"].split("\n")
    assert readme[0].startswith("<!-- Generated by") and readme[0].endswith("-->")
    assert readme[1] == "# claims-prod: Azure OpenAI, tier " + readme[1].rsplit(" ", 1)[1]


def test_no_line_anywhere_starts_with_injected_text_for_the_minimal_spec():
    # Control: the same checks pass for ordinary output and would notice a bare 'resource evil'.
    files = render_files(MINIMAL)
    assert all("evil" not in bicep_code(t) for p, t in files.items() if p.endswith((".bicep", ".bicepparam")))
    assert "evil" in bicep_code(files["main.bicep"] + "\nresource evil 'x' = {}\n")


def test_a_code_block_keeps_its_lines_and_refuses_what_would_end_it_or_hide():
    from azoai_gen.escape import code_block

    query = 'AppMetrics\n| where Name in ("Prompt Tokens")\n| project Properties["Consumer"]'
    assert code_block(query) == query
    for bad in ("ok\n```\nrm -rf /", "~~~", "a\u202eb", "a\rb", "a\x1bb"):
        with pytest.raises(ValueError):
            code_block(bad)
