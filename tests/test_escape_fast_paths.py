"""The filters' fast paths write exactly what their slow paths write.

Text that is ASCII, or printable ASCII, takes a fast path in most filters of :mod:`azoai_gen.escape` (a table of
the ASCII characters it changes, or a skipped per-character check). Each test below runs a filter twice on the same
random text, once as it is and once with both gates (``_ascii`` and ``_plain``) forced to say no, so that every
character goes through the slow path, and requires the same text or the same error. ``bicep``, which writes a nested
value in one pass over a list of parts, is held to its definition one value at a time in the same way, and the
search for the hosts whose lines the Bicep linter must not report to a search for each host.
"""

from __future__ import annotations

import collections
import enum
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from azoai_gen import escape
from azoai_gen.azure import BICEP_ENV_URL_HOSTS

#: Any text Python can hold, lone surrogates included.
ANY_TEXT = st.text(st.characters(codec=None, categories=None))
#: ASCII text, where the fast paths apply, with and without controls.
ASCII = st.text(st.characters(max_codepoint=0x7F, categories=None))
PRINTABLE_ASCII = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E))
#: Text biased towards what the filters treat specially.
SPECIALS = st.text(st.sampled_from(list("\\'\"$ {}[]()<>&;|`*_#+-=!~.:@\n\r\t\x00\x1b\x7f\x85\u200b\u202e\u2028"
                                        "\ufeff\ufffe\ud800 0123456789aZé中🙂")))
TEXTS = st.one_of(ANY_TEXT, ASCII, PRINTABLE_ASCII, SPECIALS)

FILTERS = ["bicep_string_body", "bicep_str", "bicep_key", "bicep_comment", "markdown", "markdown_code", "shell",
           "xml", "xml_comment", "apim", "csharp_str", "mermaid", "mermaid_block", "yaml_str", "yaml_shell"]


def _outcome(function, text):
    try:
        return "wrote", function(text)
    except (ValueError, TypeError) as error:
        return type(error).__name__, str(error)


@pytest.mark.parametrize("name", FILTERS)
@given(text=TEXTS)
def test_fast_and_slow_paths_agree(name, text):
    function = getattr(escape, name)
    fast = _outcome(function, text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(escape, "_ascii", lambda value: False)
        patch.setattr(escape, "_plain", lambda value: False)
        slow = _outcome(function, text)
    assert fast == slow


@given(text=st.text(st.sampled_from(list("-a\\\n\x00 ")), max_size=12))
def test_xml_comment_dashes_agree_with_the_slow_path(text):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(escape, "_plain", lambda value: False)
        slow = escape.xml_comment(text)
    assert escape.xml_comment(text) == slow


def test_printable_ascii_holds_no_invisible_character():
    # The reasoning behind the gate: in ASCII, invisible means exactly what str.isprintable refuses.
    for code in range(0x80):
        assert escape.invisible(chr(code)) == (not chr(code).isprintable()), hex(code)


@given(text=TEXTS)
def test_the_surrogate_check_agrees_with_the_character_categories(text):
    assert escape._surrogate(text) == any(unicodedata.category(char) == "Cs" for char in text)


def _bicep_by_definition(value, indent=0):
    """The Bicep literal of ``value`` as ``escape.bicep`` defines it, one value at a time: what its single pass over
    a list of parts must write."""
    pad = "  " * indent
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return escape.bicep_str(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = [f"{pad}  {escape.bicep_key(str(k))}: {_bicep_by_definition(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + "\n".join(lines) + f"\n{pad}}}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        lines = [f"{pad}  {_bicep_by_definition(v, indent + 1)}" for v in value]
        return "[\n" + "\n".join(lines) + f"\n{pad}]"
    raise TypeError(f"cannot write {type(value).__name__} as Bicep")


class _Word(str, enum.Enum):
    A = "a'b"


class _Number(enum.IntEnum):
    ONE = 1


class _Mapping(collections.OrderedDict):
    pass


#: What a template hands ``bicep``: JSON-like values in lists, tuples and dicts (and their subclasses, enums among
#: them), and values it cannot write.
BICEP_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TEXTS | st.sampled_from([_Word.A, _Number.ONE, 1.5, b"x", object()]),
    lambda inner: (st.lists(inner, max_size=4) | st.lists(inner, max_size=4).map(tuple)
                   | st.dictionaries(TEXTS | st.sampled_from([1, _Word.A]), inner, max_size=4)
                   | st.dictionaries(TEXTS, inner, max_size=3).map(_Mapping)),
    max_leaves=12,
)


@given(value=BICEP_VALUES, indent=st.integers(0, 3))
def test_bicep_writes_what_its_definition_writes(value, indent):
    assert _outcome(lambda v: escape.bicep(v, indent), value) == _outcome(lambda v: _bicep_by_definition(v, indent),
                                                                          value)


#: Text made of pieces of the linted hosts (whole hosts, their labels, dots), so that hosts, near misses and hosts
#: that overlap or run into one another all occur.
HOST_LABELS = sorted({label for host in BICEP_ENV_URL_HOSTS for label in host.split(".")})
HOST_PIECES = st.lists(st.sampled_from(
    [*BICEP_ENV_URL_HOSTS, *HOST_LABELS, ".", "..", "'", "\n", "x", ".netx", ".n", "et", "io"]), max_size=8).map("".join)


@given(text=st.one_of(HOST_PIECES, TEXTS))
def test_the_search_for_linted_hosts_finds_what_a_search_for_each_host_finds(text):
    low = text.lower()
    assert escape._holds_a_linted_host(low) == any(host in low for host in BICEP_ENV_URL_HOSTS)


def test_every_linted_host_is_found_alone_and_inside_text():
    for host in BICEP_ENV_URL_HOSTS:
        assert escape._holds_a_linted_host(host) and escape._holds_a_linted_host(f"x = 'a.{host}/b'\n")
