"""Escaping: one filter per output language. Every value a template prints goes through one of these.

Bicep strings, keys, identifiers, names and expressions; Markdown prose, code spans and table cells; shell words; XML
text, attributes and comments; API Management policy literals and C# string literals inside policy expressions;
Mermaid labels.

Each filter either writes text that its language reads back as exactly the value, or raises ``ValueError`` for a
value that its language cannot hold (a lone surrogate anywhere, a control character in a shell word). The spec's
text rules (:mod:`azoai_gen.text`) refuse such values at the edge, with their location, so a render never gets here
with one; the round-trip tests (``tests/test_roundtrip.py``) hold every filter to this contract.
"""

from __future__ import annotations

import re
import shlex
import unicodedata
from typing import Any, Callable

from .azure import BICEP_ENV_URL_EXEMPT, BICEP_ENV_URL_HOSTS
from .design.records import GlobalName, Ref
from .ids import LazyPattern
from .text import noncharacter, policy_literal_problem

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")
_BICEP_KEYWORDS = {"true", "false", "null", "if", "for", "in", "resource", "module", "param", "var", "output",
                   "existing", "targetScope", "metadata", "import", "type", "func", "using", "with", "as"}


def invisible(char: str) -> bool:
    """Whether a reader cannot see ``char`` or it changes how the text around it is shown: controls, format
    characters (zero-width, bidirectional), separators other than the space, surrogates, private-use and unassigned
    code points. Filters write these as escapes wherever their language has one."""
    category = unicodedata.category(char)
    return category[0] == "C" or (category[0] == "Z" and char != " ")


def _ascii(text: str) -> bool:
    """Whether ``text`` is ASCII only: then no character of it is a lone surrogate, and the filters that escape
    character by character take their fast path, a table built from their slow one."""
    return text.isascii()


class _Table:
    """What a filter that escapes character by character writes for each ASCII character it changes, and a search
    for any of those characters: most text holds none, and searching for one costs a fraction of rewriting."""

    __slots__ = ("changes", "search", "_pattern")

    def __init__(self, changes: dict[str, str]) -> None:
        self.changes = changes
        self._pattern = re.compile("[" + re.escape("".join(changes)) + "]")
        self.search = self._pattern.search

    def rewrite(self, text: str) -> str:
        """``text`` with each character the table changes replaced. A substitution per change, where
        ``str.translate`` would look up every character of the text in a mapping: on long text with few changes
        (a workbook's JSON) ten times faster."""
        return self._pattern.sub(self._change, text)

    def _change(self, found: re.Match[str]) -> str:
        return self.changes[found[0]]


def _escaped(value: Any, by_char: Callable[[str], str], filter_name: str | None = None) -> str:
    """Text escaped by a filter: through its ASCII table when the text is ASCII (unchanged when it holds none of
    the characters the table changes), else character by character with ``by_char``. The table is built from
    ``by_char`` itself, so the two agree, when the filter first escapes ASCII text: a render never uses the YAML
    filter's, and below tier 5 not the C# one's. With ``filter_name``, ``value`` must be text without a lone surrogate
    (:func:`_text`), which ASCII text is: only other values are checked."""
    if not isinstance(value, str) or not _ascii(value):
        return by_char(_text(value, filter_name) if filter_name else value)
    table = _ASCII_TABLES.get(by_char)
    if table is None:
        table = _ASCII_TABLES[by_char] = _ascii_table(by_char)
    return value if table.search(value) is None else table.rewrite(value)


def _plain(text: str) -> bool:
    """Whether ``text`` is printable ASCII only: then no character of it is invisible (ASCII's category C characters
    are its controls, which ``str.isprintable`` refuses, and its only category Z character is the space), none is a
    noncharacter or outside XML's characters, and the filters that check for such characters skip the check."""
    return text.isascii() and text.isprintable()


def _ascii_table(escape_text: Any) -> _Table:
    """The table of what ``escape_text`` writes for each ASCII character it changes: the fast path of
    a filter that escapes character by character, read from its character-by-character form so the two agree."""
    table = {}
    for code in range(128):
        written = escape_text(chr(code))
        if written != chr(code):
            table[chr(code)] = written
    return _Table(table)


#: The ASCII table of each filter that has one, by its character-by-character form.
_ASCII_TABLES: dict[Callable[[str], str], _Table] = {}


#: Compiled when first needed: ASCII text, all that most specs hold, holds no surrogate.
_SURROGATE = LazyPattern("[\ud800-\udfff]")


def _surrogate(text: str) -> bool:
    return not _ascii(text) and _SURROGATE.search(text) is not None


def _text(value: Any, filter_name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{filter_name} expects text, got {type(value).__name__}")
    if _surrogate(value):
        raise ValueError(f"{filter_name}: a lone surrogate cannot be written in any file")
    return value


_BICEP_ESCAPES = {"\\": "\\\\", "'": "\\'", "$": "\\$", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def bicep_string_body(value: str) -> str:
    """Escape text for the inside of a single-quoted Bicep string: quotes, backslashes and ``$`` (so ``${`` never
    interpolates), and every invisible character as ``\\u{..}``, so that none can hide in review."""
    return _escaped(value, _bicep_body_by_char, "bicep_str")


def _bicep_body_by_char(text: str) -> str:
    out = []
    for char in text:
        if char in _BICEP_ESCAPES:
            out.append(_BICEP_ESCAPES[char])
        elif invisible(char):
            out.append("\\u{%X}" % ord(char))
        else:
            out.append(char)
    return "".join(out)


def bicep_str(value: Any) -> str:
    """A Bicep string literal. Only text is accepted, so a wrong context value fails loudly."""
    return "'" + bicep_string_body(value) + "'"


def bicep_key(key: str) -> str:
    """An object key: bare when it is an identifier (the whole key: a final newline is not one), quoted otherwise."""
    if _IDENTIFIER.match(key) and key not in _BICEP_KEYWORDS:
        return key
    return bicep_str(key)


def bicep(value: Any, indent: int = 0) -> str:
    """Any JSON-like value as a Bicep literal; objects and arrays span lines, indented by ``indent``."""
    if isinstance(value, str):
        return bicep_str(value)
    parts: list[str] = []
    _write_bicep(value, "\n" + "  " * indent, parts)
    return "".join(parts)


def _write_bicep(value: Any, newline: str, parts: list[str]) -> None:
    """Append ``value`` as a Bicep literal to ``parts``, the pieces of one text joined once: a line of an object or
    array starts with ``newline``, a line break and the indentation of the value's own line."""
    if isinstance(value, str):
        parts.append(bicep_str(value))
    elif isinstance(value, dict) and value:
        inner = newline + "  "
        parts.append("{")
        for key, item in value.items():
            parts += (inner, bicep_key(str(key)), ": ")
            _write_bicep(item, inner, parts)
        parts += (newline, "}")
    elif isinstance(value, (list, tuple)) and value:
        inner = newline + "  "
        parts.append("[")
        for item in value:
            parts.append(inner)
            _write_bicep(item, inner, parts)
        parts += (newline, "]")
    else:
        parts.append(_bicep_scalar(value))


def _bicep_scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, (list, tuple)):
        return "[]"
    raise TypeError(f"cannot write {type(value).__name__} as Bicep")


def bicep_name(name: GlobalName) -> str:
    """A resource name from the design: a literal, or a literal followed by the name suffix."""
    if not isinstance(name, GlobalName):
        raise TypeError(f"bicep_name expects a GlobalName, got {type(name).__name__}")
    stem = bicep_string_body(name.stem)
    return f"'{stem}${{nameSuffix}}'" if name.suffixed else f"'{stem}'"


_REFERENCE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*\Z")


def bicep_value(value: Any) -> str:
    """A value that is either a literal from the spec (a string) or a reference to something deployed (a Ref)."""
    if isinstance(value, Ref):
        if not _REFERENCE.match(value.expression):
            raise ValueError(f"not a Bicep reference: {value.expression!r}")
        return value.expression
    return bicep_str(value)


def bicep_ident(value: Any) -> str:
    """A Bicep identifier (symbolic name) from the context, checked rather than escaped."""
    if not isinstance(value, str) or not _IDENTIFIER.match(value) or value in _BICEP_KEYWORDS:
        raise ValueError(f"not a Bicep identifier: {value!r}")
    return value


def bicep_api(value: Any) -> str:
    """An API version for a resource type string."""
    if not isinstance(value, str) or not re.match(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(-preview)?\Z", value):
        raise ValueError(f"not an API version: {value!r}")
    return value


def _comment_text(value: Any) -> str:
    """Comment text that reads back unambiguously: ``\\`` is doubled and every invisible character (line breaks
    included, and lone surrogates, which no file can hold) is written ``\\u{..}``. Ordinary text is unchanged."""
    text = str(value)
    return _escaped(text, _comment_by_char)


def _comment_by_char(text: str) -> str:
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif invisible(char):
            out.append("\\u{%X}" % ord(char))
        else:
            out.append(char)
    return "".join(out)


def bicep_comment(value: Any) -> str:
    """Text for a ``//`` comment: one line, with every invisible character written as an escape."""
    return _comment_text(value)


def _unreferable(char: str) -> bool:
    """Characters that Markdown readers do not agree to read from a numeric character reference: control
    characters other than tab, line feed and carriage return, and noncharacters."""
    return (unicodedata.category(char) == "Cc" and char not in "\t\n\r") or noncharacter(char)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~&])")
_LIST_MARKER = re.compile(r"^([0-9]{1,9})([.)])(?=[ \t]|\Z)")


def markdown(value: Any) -> str:
    """Text for Markdown prose or a table cell, read back (by any CommonMark reader, with GitHub's tables) as the
    value itself: Markdown and HTML punctuation is backslash-escaped (``|`` too, which GitHub's tables unescape), a
    leading ``-``, ``=`` or list number cannot start a block, leading and trailing spaces survive as ``&#32;``, and
    invisible characters, line breaks included, are numeric character references."""
    text = _text(str(value), "md")
    visible = _plain(text)
    bad = None if visible else next((char for char in text if _unreferable(char)), None)
    if bad is not None:
        raise ValueError(f"md: U+{ord(bad):04X} cannot be written in Markdown")
    # A substitution with a template costs a microsecond even where nothing matches, and most text holds no
    # punctuation to escape and starts with no list number: search first.
    body = _MARKDOWN_SPECIAL.sub(r"\\\1", text) if _MARKDOWN_SPECIAL.search(text) else text
    if _LIST_MARKER.match(body):
        body = _LIST_MARKER.sub(r"\1\\\2", body)
    if body[:1] in ("-", "="):
        body = "\\" + body
    if not visible:
        body = "".join("&#x%X;" % ord(char) if invisible(char) else char for char in body)
    core = body.strip(" ")
    if not core:
        return "&#32;" * len(body)
    lead, trail = len(body) - len(body.lstrip(" ")), len(body) - len(body.rstrip(" "))
    return "&#32;" * lead + core + "&#32;" * trail


def markdown_code(value: Any) -> str:
    """An inline code span, with a fence longer than any run of backticks in the text. Text that a code span cannot
    show as it is (an invisible character or a line break, which CommonMark turns into a space; a ``|``, which
    splits a GitHub table row; only spaces) is written as escaped prose by :func:`markdown` instead."""
    text = _text(str(value), "md_code")
    if not text.strip(" ") or "|" in text or (not _plain(text) and any(invisible(char) for char in text)):
        return markdown(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0) if "`" in text else 0
    fence = "`" * (longest + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def shell(value: Any) -> str:
    """A word for a POSIX shell command line, which the shell (and ``shlex``) reads back as the value. A control
    character cannot be a word in a README's command (a line break would end the command, or a Markdown code block),
    so it raises."""
    text = _text(str(value), "shell")
    if not _plain(text) and any(unicodedata.category(char) == "Cc" for char in text):
        raise ValueError("shell: control characters cannot be written in a command")
    return shlex.quote(text)


_XML_TEXT = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;",
             # Character references, because XML readers turn a raw tab or line break in an attribute into a space
             # and a raw carriage return into a line feed.
             "\t": "&#9;", "\n": "&#10;", "\r": "&#13;"}


#: What :func:`xml` writes for printable ASCII: the references of :data:`_XML_TEXT`, every other character as it is.
_XML_PLAIN = {ord(char): reference for char, reference in _XML_TEXT.items() if char.isprintable()}


def _xml_char(char: str) -> bool:
    """XML 1.0's Char production (https://www.w3.org/TR/xml/#charsets)."""
    code = ord(char)
    return (code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF)


def xml(value: Any) -> str:
    """Text for an XML attribute value or element content; every other invisible character is a character
    reference, so that none hides in review. Raises for characters XML 1.0 cannot hold at all (most C0 controls, lone
    surrogates, U+FFFE and U+FFFF): no reference can write them either."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"xml expects text or a number, got {type(value).__name__}")
    text = str(value)
    if _plain(text):
        return text.translate(_XML_PLAIN)
    bad = next((char for char in text if not _xml_char(char)), None)
    if bad is not None:
        raise ValueError(f"xml: U+{ord(bad):04X} cannot appear in XML")
    return "".join(_XML_TEXT.get(char) or ("&#x%X;" % ord(char) if invisible(char) else char) for char in text)


def xml_comment(value: Any) -> str:
    """Text inside an XML comment: ``\\`` doubled, every invisible character and every character XML cannot hold
    written ``\\u{..}``, and a ``-`` that would make ``--`` (or end the comment text) written ``\\u{2D}``."""
    text = _comment_text(value)
    if _plain(text):  # every character is XML's; each - that follows an unescaped - is escaped, left to right
        text = text.replace("--", "-\\u{2D}")
    else:
        text = _xml_comment_by_char(text)
    return text[:-1] + "\\u{2D}" if text.endswith("-") else text


def _xml_comment_by_char(text: str) -> str:
    out: list[str] = []
    for char in text:
        if not _xml_char(char):
            char = "\\u{%X}" % ord(char)
        elif char == "-" and out and out[-1].endswith("-"):
            char = "\\u{2D}"
        out.append(char)
    return "".join(out)


def apim(value: Any) -> str:
    """A literal in an API Management policy: XML-escaped text that the gateway neither substitutes nor evaluates.
    Raises for a named value reference or a policy expression, which the spec's text rules refuse where a value
    reaches a policy."""
    text = xml(value)
    problem = policy_literal_problem(str(value))
    if problem:
        raise ValueError(f"apim: {problem}")
    return text


def apim_expression(value: Any) -> str:
    """A policy expression the design wrote (``@(...)`` or ``@{...}``), XML-escaped; never text from the spec, which
    reaches a policy only as a literal (:func:`apim`) or a C# string inside an expression (:func:`csharp_str`)."""
    if not isinstance(value, str) or not re.match(r"^@(\(.*\)|\{.*\})\Z", value, re.DOTALL) or "{{" in value:
        raise ValueError(f"not a policy expression: {value!r}")
    return xml(value)


_NAMED_VALUE = re.compile(r"^[A-Za-z0-9._-]{1,256}\Z")


def apim_named_value(name: Any) -> str:
    """A reference to an API Management named value, ``{{name}}``, for a name the design chose."""
    if not isinstance(name, str) or not _NAMED_VALUE.match(name):
        raise ValueError(f"not a named value name: {name!r}")
    return "{{" + name + "}}"


_CSHARP_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0",
                   # Braces as escapes, so that no {{ reaches the policy for API Management to substitute.
                   "{": "\\u007B", "}": "\\u007D"}


def csharp_str(value: Any) -> str:
    """A C# regular string literal for an API Management policy expression: everything but printable ASCII is a
    ``\\u`` or ``\\U`` escape."""
    return '"' + _escaped(value, _csharp_body_by_char, "csharp_str") + '"'


def _csharp_body_by_char(text: str) -> str:
    out = []
    for char in text:
        if char in _CSHARP_ESCAPES:
            out.append(_CSHARP_ESCAPES[char])
        elif " " <= char <= "~":
            out.append(char)
        elif ord(char) <= 0xFFFF:
            out.append("\\u%04X" % ord(char))
        else:
            out.append("\\U%08X" % ord(char))
    return "".join(out)


# ---------------------------------------------------------------------------------------------------------------------
# Mermaid diagrams (the README's, drawn by GitHub and Azure DevOps).

#: Characters a Mermaid label keeps as they are. Everything else is an entity code, which Mermaid turns into an HTML
#: character reference before it parses: so no quote ends a label, no ``|`` ends an edge label, no ``<`` starts HTML,
#: no backtick starts a Markdown string, no ``:`` lets Mermaid's style-line rewriting reach the label, and no ``#``
#: starts an entity code of the user's.
_MERMAID_PLAIN = re.compile(r"[A-Za-z0-9 .,/()_+=@-]")
_MERMAID_NAMED = {'"': "#quot;", "&": "#amp;", "<": "#lt;", ">": "#gt;"}


def mermaid(value: Any) -> str:
    """Text for the inside of a quoted Mermaid label (``id["..."]``, ``-->|"..."|``), which Mermaid draws as the value:
    letters, digits, spaces and ``.,/()_+=@-`` as they are, every other character an entity code (``#quot;``,
    ``#35;``). The result is printable ASCII without a line break."""
    return _escaped(str(value), _mermaid_by_char, "mermaid")


def _mermaid_by_char(text: str) -> str:
    return "".join(char if _MERMAID_PLAIN.match(char) else _MERMAID_NAMED.get(char) or "#%d;" % ord(char)
                   for char in text)


_MERMAID_LINE = LazyPattern(r"^[ -~]*\Z")


def code_block(value: Any) -> str:
    """Lines for a fenced code block in Markdown (such as a query), checked rather than escaped: a code block shows
    its text as it is, so no line may hold a control character or open or close a fence."""
    text = _text(value, "code_block")
    for line in text.split("\n"):
        if any(unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp") for char in line) or \
                line.lstrip().startswith(("```", "~~~")):
            raise ValueError(f"code_block: {line!r} cannot be a line of a code block")
    return text


def mermaid_block(value: Any) -> str:
    """A Mermaid diagram for a fenced code block in Markdown, checked rather than escaped: printable ASCII lines
    (labels come escaped by :func:`mermaid`), none of which can close the fence."""
    text = _text(value, "mermaid_block")
    if _plain(text.replace("\n", "")) and "```" not in text and "~~~" not in text:
        return text  # printable ASCII lines, and no line can start a fence
    for line in text.split("\n"):
        if not _MERMAID_LINE.match(line) or line.lstrip().startswith(("```", "~~~")):
            raise ValueError(f"mermaid_block: {line!r} cannot be a line of the diagram")
    return text


# ---------------------------------------------------------------------------------------------------------------------
# CI pipelines: GitHub Actions workflows and Azure Pipelines, both YAML.

#: What a CI system evaluates wherever it appears in a pipeline's values: GitHub Actions expressions (``${{ }}``),
#: and Azure Pipelines' template expressions (``${{ }}``), macros (``$( )``) and runtime expressions (``$[ ]``).
PIPELINE_EXPRESSIONS = ("${{", "$(", "$[")


def pipeline_expression_problem(text: str) -> str | None:
    """Why GitHub Actions or Azure Pipelines would not read ``text`` as it is, or ``None``. Neither system has an
    escape for its expressions inside a value, so such a value is refused rather than written."""
    for mark in PIPELINE_EXPRESSIONS:
        if mark in text:
            return f"{mark!r} starts an expression that GitHub Actions or Azure Pipelines would evaluate"
    return None


def _pipeline_text(value: Any, filter_name: str) -> str:
    text = _text(value, filter_name)
    problem = pipeline_expression_problem(text)
    if problem:
        raise ValueError(f"{filter_name}: {problem}")
    return text


_YAML_ESCAPES = {"\\": "\\\\", '"': '\\"'}


def yaml_str(value: Any) -> str:
    """A YAML double-quoted scalar: ``\\`` and ``"`` escaped, every invisible character (line breaks included) as a
    ``\\x``, ``\\u`` or ``\\U`` escape. Refuses a CI expression (:data:`PIPELINE_EXPRESSIONS`)."""
    text = _pipeline_text(value, "yaml_str")
    return '"' + _escaped(text, _yaml_body_by_char) + '"'


def _yaml_body_by_char(text: str) -> str:
    out = []
    for char in text:
        code = ord(char)
        if char in _YAML_ESCAPES:
            out.append(_YAML_ESCAPES[char])
        elif not invisible(char):
            out.append(char)
        elif code <= 0xFF:
            out.append("\\x%02X" % code)
        elif code <= 0xFFFF:
            out.append("\\u%04X" % code)
        else:
            out.append("\\U%08X" % code)
    return "".join(out)


def yaml_shell(value: Any) -> str:
    """A shell word (``shlex.quote``) for a script line in a YAML block scalar, or a comment. A block scalar has no
    escapes, so invisible characters (line breaks included, which would end the line) are refused, and so is a CI
    expression (:data:`PIPELINE_EXPRESSIONS`)."""
    text = _pipeline_text(value, "yaml_shell")
    bad = None if _plain(text) else next((char for char in text if invisible(char)), None)
    if bad is not None:
        raise ValueError(f"yaml_shell: U+{ord(bad):04X} cannot be written in a pipeline's script")
    return shlex.quote(text)


_YAML_PLAIN_WORDS = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def yaml_ident(value: Any) -> str:
    """A job, stage or step identifier from the design, checked rather than escaped: letters, digits and underscores
    (what both GitHub Actions and Azure Pipelines accept), never a word YAML reads as a boolean or null."""
    if not isinstance(value, str) or not _IDENTIFIER.match(value) or value.lower() in _YAML_PLAIN_WORDS:
        raise ValueError(f"not a pipeline identifier: {value!r}")
    return value


#: A single-quoted Bicep string; compiled when first needed, for the rare source that names a linted host.
_STRING = LazyPattern(r"'((?:[^'\\\n]|\\.)*)'")
ENV_URL_REASON = "// A value from the spec, not an environment URL: the linter rule does not apply to it."
ENV_URL_SUPPRESSION = "#disable-next-line no-hardcoded-env-urls"


def names_env_url_host(literal: str) -> bool:
    """Whether a string names a host the linter's no-hardcoded-env-urls rule reports."""
    low = literal.lower()
    for exempt in BICEP_ENV_URL_EXEMPT:
        low = low.replace(exempt, " ")
    for host in BICEP_ENV_URL_HOSTS:
        start = low.find(host)
        while start >= 0:  # each occurrence, as a search for the host's text finds them one after another
            end = start + len(host)
            before = low[start - 1] if start else ""
            after = low[end] if end < len(low) else ""
            if not before.isalnum() and not after.isalnum():
                return True
            start = low.find(host, end)
    return False


def _by_domain(hosts: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """``hosts`` by the top-level domain each ends in, its last ``.`` included."""
    grouped: dict[str, tuple[str, ...]] = {}
    for host in hosts:
        domain = host[host.rindex("."):]
        grouped[domain] = grouped.get(domain, ()) + (host,)
    return grouped


#: The hosts the linter reports by the top-level domain each ends in (``.net``, ``.com``, ``.io``), and a search for
#: those domains.
_LINTED_HOSTS_BY_DOMAIN = _by_domain(BICEP_ENV_URL_HOSTS)
_LINTED_DOMAIN = re.compile("|".join(map(re.escape, _LINTED_HOSTS_BY_DOMAIN)))


def _holds_a_linted_host(low: str) -> bool:
    """Whether lower-case text holds any host of :data:`BICEP_ENV_URL_HOSTS` anywhere: ``any(host in low)``, found by
    one search for the top-level domains the hosts end in and, wherever one occurs, a comparison with the hosts that
    end there. Bicep source holds those domains a few dozen times, so one search of a module replaces sixteen."""
    return any(low.endswith(_LINTED_HOSTS_BY_DOMAIN[domain[0]], 0, domain.end())
               for domain in _LINTED_DOMAIN.finditer(low))


def suppress_env_url_lint(source: str) -> str:
    """Bicep source with the no-hardcoded-env-urls rule suppressed, with its reason, on every line whose string
    literals name such a host. The generator writes no such host itself, so every one comes from the spec."""
    if not _holds_a_linted_host(source.lower()):
        return source  # no line can name one: most renders
    out = []
    for line in source.split("\n"):
        if not line.lstrip().startswith("//") and any(names_env_url_host(m.group(1)) for m in _STRING.finditer(line)):
            indent = line[:len(line) - len(line.lstrip())]
            out += [indent + ENV_URL_REASON, indent + ENV_URL_SUPPRESSION]
        out.append(line)
    return "\n".join(out)
