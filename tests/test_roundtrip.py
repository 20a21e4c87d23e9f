"""Round trips, property-based: for arbitrary text, every escaper writes something that its language reads back as
exactly that text, or refuses the text when the language cannot hold it.

Each language is read back by something the generator did not write: Bicep by the reference reader in
``tests/_support.py``, XML by ``xml.etree``, shell words by ``shlex``, JSON by ``json``, Markdown by a CommonMark reader
(markdown-it, with GitHub's tables), C# string literals by the reader in ``tests/_support.py``.

What a round trip means for Markdown: a value printed with ``md`` (or ``md_code``) inside a paragraph, or in a cell
of a GitHub table, is read back as that paragraph's text, or that cell's text, and nothing else: no emphasis, link,
HTML, heading, list or line break appears, and no other cell is added or lost.

The hypothesis profile decides how many cases run: "ci" by default, "long" with AZOAI_GEN_HYPOTHESIS=long
(``bench/roundtrip.py``).
"""

from __future__ import annotations

import json
import shlex
import unicodedata
import xml.etree.ElementTree as ET

import pytest
import yaml
from hypothesis import assume, example, given
from hypothesis import strategies as st

from _support import (
    csharp_literal,
    markdown_cells,
    markdown_paragraph_text,
    parse_bicep_literal,
    parse_bicepparam,
    unescape_bicep_literal,
    unescape_comment,
)
from azoai_gen import manifest
from azoai_gen.design.records import GlobalName
from azoai_gen.escape import (
    apim,
    bicep,
    bicep_comment,
    bicep_key,
    bicep_name,
    bicep_str,
    csharp_str,
    invisible,
    markdown,
    markdown_code,
    noncharacter,
    policy_literal_problem,
    pipeline_expression_problem,
    shell,
    xml,
    xml_comment,
    yaml_shell,
    yaml_str,
)

#: Any text Python can hold, lone surrogates included.
ANY_TEXT = st.text(st.characters(codec=None, categories=None))
#: Text without lone surrogates, which no UTF-8 file can hold.
TEXT = st.text(st.characters(exclude_categories=["Cs"]))
#: Text biased towards what each language treats specially.
SPECIALS = st.text(st.sampled_from(list("\\'\"$ {}[]()<>&;|`*_#+-=!~.:@\n\r\t\x00\x1b\x7f\x85\u200b\u200d\u202e"
                                        "\u2028\ufeff\ufffe\uffff 0123456789aZé中🙂")))
TEXTS = st.one_of(TEXT, SPECIALS)


def _surrogate(text: str) -> bool:
    return any(unicodedata.category(char) == "Cs" for char in text)


# ---------------------------------------------------------------------------------------------------------------------
# Bicep: string literals, object keys, names, whole values, the parameter file.


@given(TEXTS)
def test_bicep_str_round_trips(text):
    literal = bicep_str(text)
    assert unescape_bicep_literal(literal) == text
    assert not any(invisible(char) for char in literal), literal


@given(TEXTS)
def test_bicep_key_round_trips(text):
    assert parse_bicep_literal("{\n  " + bicep_key(text) + ": 1\n}") == {text: 1}


@given(TEXTS, st.booleans())
def test_bicep_name_round_trips(text, suffixed):
    literal = bicep_name(GlobalName(text, suffixed, ""))
    if suffixed:
        assert literal.endswith("${nameSuffix}'")
        literal = literal[:-len("${nameSuffix}'")] + "'"
    assert unescape_bicep_literal(literal) == text


JSON_LIKE = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | TEXTS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXTS, inner, max_size=4),
    max_leaves=12,
)


@given(JSON_LIKE)
def test_bicep_values_round_trip_in_a_parameter_file(value):
    params = parse_bicepparam(f"using './main.bicep'\n\nparam x = {bicep(value)}\n\nparam y = 1\n")
    assert params == {"x": value, "y": 1}


@given(ANY_TEXT)
def test_bicep_refuses_only_lone_surrogates(text):
    if _surrogate(text):
        with pytest.raises(ValueError):
            bicep_str(text)
    else:
        assert unescape_bicep_literal(bicep_str(text)) == text


@given(ANY_TEXT)
@example("--")
@example("a-")
@example("-")
@example("\\u{41} \\\\")
@example("x\n-->\n<evil/>")
def test_comments_round_trip_and_never_end_early(text):
    # A comment can hold any text, a lone surrogate included: it is written as an escape.
    assert unescape_comment(bicep_comment(text)) == text
    parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
    root = ET.fromstring(f"<a><!-- from {xml_comment(text)}. --></a>", parser=parser)
    [comment] = list(root)
    assert comment.tag is ET.Comment
    assert unescape_comment(comment.text[len(" from "):-len(". ")], xml=True) == text


# ---------------------------------------------------------------------------------------------------------------------
# XML and API Management policies.


def _xml_holds(text: str) -> bool:
    return all(ch in "\t\n\r" or 0x20 <= ord(ch) <= 0xD7FF or 0xE000 <= ord(ch) <= 0xFFFD or ord(ch) >= 0x10000
               for ch in text)


@given(st.one_of(ANY_TEXT, SPECIALS))
def test_xml_round_trips_in_attributes_and_text(text):
    if not _xml_holds(text):
        with pytest.raises(ValueError):
            xml(text)
        return
    assert not any(invisible(char) for char in xml(text)), xml(text)
    root = ET.fromstring(f'<a b="{xml(text)}" c=\'{xml(text)}\'>{xml(text)}<d/>{xml(text)}</a>')
    assert root.get("b") == text and root.get("c") == text
    assert (root.text or "") == text and (root[0].tail or "") == text


@given(st.one_of(TEXT, SPECIALS, st.sampled_from(["{{x}}", "a{{b", " @(1)", "@{ return 1; }", "@", "x@(y)"])))
def test_policy_literals_round_trip_or_are_refused(text):
    problem = policy_literal_problem(text) if _xml_holds(text) else "xml"
    if problem:
        with pytest.raises(ValueError):
            apim(text)
        return
    written = apim(text)
    assert "{{" not in written and not written.lstrip().startswith(("@(", "@{"))
    assert (ET.fromstring(f"<v a=\"{written}\">{written}</v>").text or "") == text


@given(TEXTS)
def test_csharp_literals_round_trip_and_hold_no_named_value_reference(text):
    literal = csharp_str(text)
    assert csharp_literal(literal) == text
    assert "{" not in literal and "}" not in literal
    assert all(" " <= ch <= "~" for ch in literal), literal
    # As the policy writes it: inside an attribute of a policy expression.
    attribute = ET.fromstring(f'<when condition="@(x == {apim(literal)})" />').get("condition")
    assert csharp_literal(attribute[len("@(x == "):-1]) == text


# ---------------------------------------------------------------------------------------------------------------------
# Shell words and JSON.


@given(TEXTS)
def test_shell_words_round_trip(text):
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        with pytest.raises(ValueError):
            shell(text)
        return
    word = shell(text)
    assert shlex.split(f"az x --name {word} --y z") == ["az", "x", "--name", text, "--y", "z"]


@given(st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=5))
def test_the_manifest_round_trips_as_json(names):
    text = manifest.text({"a": "x"}, "0" * 64, 2, names, [])
    assert json.loads(text)["names"] == names
    text.encode("utf-8")  # every character is written as an escape where UTF-8 could not hold it


def test_what_a_manifest_reader_returns_is_the_callers_to_change():
    """The readers share one parse of the same text: a caller that changes what it got changes nothing for the
    next reader."""
    resource = manifest.Resource("Microsoft.KeyVault/vaults", "kv", "rg", "swedencentral")
    text = manifest.text({"a": "x"}, "0" * 64, 2, {"vault": "kv"}, [manifest.Grant("s", "p", "r")], [resource],
                         {"tier": 2, "localAuth": False})
    for read in (manifest.names, manifest.file_hashes, manifest.posture):
        read(text).clear()
    manifest.grants(text).clear()
    manifest.resources(text).clear()
    assert manifest.names(text) == {"vault": "kv"}
    assert manifest.file_hashes(text) == {"a": manifest.sha256(b"x")}
    assert manifest.posture(text) == {"tier": 2, "localAuth": False}
    assert manifest.grants(text) == [manifest.Grant("s", "p", "r")]
    assert manifest.resources(text) == [resource]
    assert manifest.tier(text) == 2 and manifest.is_ours(text)


# ---------------------------------------------------------------------------------------------------------------------
# CI pipelines: YAML scalars and shell words in a YAML block scalar.


@given(TEXTS)
def test_yaml_scalars_round_trip_or_refuse_ci_expressions(text):
    if pipeline_expression_problem(text) or _surrogate(text):
        with pytest.raises(ValueError):
            yaml_str(text)
        return
    assert yaml.safe_load(f"key: {yaml_str(text)}\n") == {"key": text}


@given(TEXTS)
def test_yaml_shell_words_round_trip_or_are_refused(text):
    if pipeline_expression_problem(text) or _surrogate(text) or any(invisible(ch) for ch in text):
        with pytest.raises(ValueError):
            yaml_shell(text)
        return
    script = yaml.safe_load(f"run: |\n  az x --name {yaml_shell(text)} --y z\n  echo done\n")["run"]
    assert script.splitlines()[1:] == ["echo done"]
    assert shlex.split(script.splitlines()[0]) == ["az", "x", "--name", text, "--y", "z"]


# ---------------------------------------------------------------------------------------------------------------------
# Markdown: prose, table cells and code spans.


def _markdown_holds(text: str) -> bool:
    return not _surrogate(text) and not any(
        (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r") or noncharacter(ch) for ch in text)


@pytest.mark.parametrize("escape", [markdown, markdown_code], ids=["md", "md_code"])
@given(text=TEXTS)
def test_markdown_round_trips_in_a_paragraph(escape, text):
    if not _markdown_holds(text):
        with pytest.raises(ValueError):
            escape(text)
        return
    assert markdown_paragraph_text(f"Before {escape(text)} after.\n") == f"Before {text} after."


@pytest.mark.parametrize("escape", [markdown, markdown_code], ids=["md", "md_code"])
@given(text=TEXTS)
def test_markdown_round_trips_in_a_table_cell(escape, text):
    assume(_markdown_holds(text))
    table = f"| A | B | C |\n| --- | --- | --- |\n| {escape(text)} | x{escape(text)}. | y |\n"
    assert markdown_cells(table) == [text, f"x{text}.", "y"]


@pytest.mark.parametrize("escape", [markdown, markdown_code], ids=["md", "md_code"])
@given(text=TEXTS)
def test_markdown_round_trips_at_the_start_of_a_list_item(escape, text):
    assume(_markdown_holds(text))
    from _support import markdown_inline

    blocks, inline = markdown_inline(f"- {escape(text)}\n")
    assert blocks == ["bullet_list_open", "list_item_open", "paragraph_open"] or (
        text.strip(" ") == "" and blocks[:2] == ["bullet_list_open", "list_item_open"])
    assert "".join(content for _, content in inline) == text


def test_code_spans_are_used_for_ordinary_text():
    assert markdown_code("kv-claims-prod-xxxxx") == "`kv-claims-prod-xxxxx`"
    assert markdown_code("a`b") == "``a`b``"
    assert markdown_code("`a") == "`` `a ``"
    # What a code span cannot show is escaped prose instead.
    assert markdown_code("a|b") == "a\\|b"
    assert markdown_code("a\u200bb") == "a&#x200B;b"


# ---------------------------------------------------------------------------------------------------------------------
# The edge and the escapers agree: text that the spec's text rules accept, every escaper writes.


@given(st.one_of(ANY_TEXT, SPECIALS))
def test_every_escaper_writes_whatever_the_text_rules_accept(text):
    from azoai_gen.text import first_refused

    assume(first_refused(text) is None)
    for escape in (bicep_str, bicep_key, bicep_comment, xml, xml_comment, csharp_str, markdown, markdown_code, shell):
        escape(text)
    if policy_literal_problem(text) is None:
        apim(text)
