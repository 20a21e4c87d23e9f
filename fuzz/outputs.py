"""Read rendered files back the way their consumers read them.

For every file, :func:`read` returns a :class:`Reading`: the values a consumer sees (``atoms``: Bicep strings and
keys, XML text and attributes as API Management reads them, Markdown text after its escapes, shell words as a
shell splits them, JSON strings) and the file's ``skeleton``: its structure with every value blanked out. A value
that stays a value leaves the skeleton as it was with a benign value, and reappears whole among the atoms.
"""

from __future__ import annotations

import html
import json
import re
import shlex
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

from _support import parse_bicepparam


class Broken(ValueError):
    """The file does not parse as its language: a value broke out of its place."""


@dataclass
class Reading:
    #: ``(context, text)``: what a consumer reads as data. Contexts: ``comment`` atoms are not compared.
    atoms: list[tuple[str, str]] = field(default_factory=list)
    skeleton: list[Any] = field(default_factory=list)
    #: Objects whose keys Azure would read as one (they differ only in case).
    clashes: list[str] = field(default_factory=list)

    def texts(self) -> list[str]:
        return [text for context, text in self.atoms if context != "comment"]


def read(path: str, text: str) -> Reading:
    """Read ``text`` as the language of ``path``."""
    if path.endswith((".bicep", ".bicepparam")):
        return read_bicep(text, parameters=path.endswith(".bicepparam"))
    if path.endswith(".xml"):
        return read_policy(text)
    if path.endswith(".md"):
        return read_markdown(text)
    if path.endswith(".json"):
        return read_json(text)
    return Reading([("text", text)], [])


# ---------------------------------------------------------------------------------------------------------------------
# Bicep

_BICEP_ESCAPES = {"\\": "\\", "'": "'", "$": "$", "n": "\n", "r": "\r", "t": "\t"}
_IN_STRING = re.compile(r"[\\\\'\r\n]|\$\{")
_SPECIAL = re.compile(r"//|/\*|'''|'")
_SPECIAL_IN_INTERPOLATION = re.compile(r"//|/\*|'''|'|[{}]")
_NUMBER = re.compile(r"(?<![\w.])\d+(?![\w.])")
_KEY_LINE = re.compile(r"^(\s*)(?:[A-Za-z_]\w*|'')\s*:(?!:)")


class _Bicep:
    """A scanner for Bicep source: strings (with interpolations), comments, and the code around them."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.atoms: list[tuple[str, str]] = []

    def error(self, what: str) -> Broken:
        line = self.text.count("\n", 0, self.pos) + 1
        return Broken(f"{what} at line {line}: {self.text[max(0, self.pos - 30):self.pos + 30]!r}")

    def code(self, closing: bool = False) -> str:
        """Scan code up to the end (or, inside an interpolation, its closing brace); returns it with string
        contents and comments removed."""
        out: list[str] = []
        depth = 0
        text = self.text
        special = _SPECIAL_IN_INTERPOLATION if closing else _SPECIAL
        while True:
            match = special.search(text, self.pos)
            if match is None:
                out.append(text[self.pos:])
                self.pos = len(text)
                break
            out.append(text[self.pos:match.start()])
            self.pos = match.start()
            token = match.group(0)
            if token in ("//", "/*", "'''"):
                out.append(self.comment_or_text(token))
            elif token == "'":
                out.append(self.string())
            elif token == "{":
                depth += 1
                out.append(token)
                self.pos += 1
            elif depth == 0:
                return "".join(out)
            else:
                depth -= 1
                out.append(token)
                self.pos += 1
        if closing:
            raise self.error("unterminated interpolation")
        return "".join(out)

    def comment_or_text(self, token: str) -> str:
        """A comment or a multi-line string at ``self.pos``; returns what stands for it in the code."""
        text = self.text
        if token == "//":
            end = text.find("\n", self.pos)
            end = len(text) if end < 0 else end
            self.atoms.append(("comment", text[self.pos + 2:end]))
            self.pos = end
            return ""
        closing = "*/" if token == "/*" else "'''"
        end = text.find(closing, self.pos + len(token))
        if end < 0:
            raise self.error("unterminated comment" if token == "/*" else "unterminated multi-line string")
        body = text[self.pos + len(token):end]
        self.atoms.append(("comment" if token == "/*" else "string", body))
        self.pos = end + len(closing)
        lines = "\n" * body.count("\n")
        return lines if token == "/*" else "'''" + lines + "'''"

    def string(self) -> str:
        """One single-quoted string; returns its skeleton (``''`` with its interpolations)."""
        self.pos += 1
        parts: list[str] = []
        skeleton = ["'"]
        text = self.text
        while True:
            match = _IN_STRING.search(text, self.pos)
            if match is None:
                raise self.error("unterminated string")
            parts.append(text[self.pos:match.start()])
            self.pos = match.start()
            token = match.group(0)
            if token == "\\":
                self.escape(parts)
            elif token == "'":
                self.pos += 1
                self.atoms.append(("string", "".join(parts)))
                return "".join(skeleton) + "'"
            elif token in "\r\n":
                raise self.error("line break inside a string")
            else:
                self.atoms.append(("string", "".join(parts)))
                parts = []
                self.pos += 2
                skeleton.append("${" + self.code(closing=True) + "}")
                self.pos += 1

    def escape(self, parts: list[str]) -> None:
        following = self.text[self.pos + 1:self.pos + 2]
        if following in _BICEP_ESCAPES:
            parts.append(_BICEP_ESCAPES[following])
            self.pos += 2
            return
        match = re.compile(r"u\{([0-9A-Fa-f]{1,6})\}").match(self.text, self.pos + 1)
        if not match or int(match.group(1), 16) > 0x10FFFF:
            raise self.error("unknown escape")
        parts.append(chr(int(match.group(1), 16)))
        self.pos = match.end()


def read_bicep(text: str, parameters: bool = False) -> Reading:
    scanner = _Bicep(text)
    code = scanner.code()
    skeleton = []
    for line in code.split("\n"):
        line = " ".join(line.split())
        if not line or line.startswith("#disable-next-line"):
            continue
        skeleton.append(_NUMBER.sub("0", _KEY_LINE.sub(r"\1K:", line)))
    reading = Reading(scanner.atoms, skeleton)
    reading.atoms += [("key", m.group(1)) for m in re.finditer(r"^\s*([A-Za-z_]\w*)\s*:(?!:)", code, re.M)]
    if parameters:
        try:
            values = parse_bicepparam(text)
        except ValueError as error:
            raise Broken(f"the parameter file does not read back: {error}") from None
        reading.clashes = _key_clashes(values)
    return reading


def _key_clashes(value: Any) -> list[str]:
    """Keys of one object that differ only in case (Azure reads them as one), in every object of ``value``."""
    found = []
    if isinstance(value, dict):
        folded: dict[str, str] = {}
        for key in value:
            if key.casefold() in folded:
                found.append(f"{folded[key.casefold()]!r} and {key!r}")
            folded[key.casefold()] = key
        for item in value.values():
            found += _key_clashes(item)
    elif isinstance(value, list):
        for item in value:
            found += _key_clashes(item)
    return found


# ---------------------------------------------------------------------------------------------------------------------
# API Management policy XML

_CSHARP = re.compile(r'"((?:[^"\\]|\\.)*)"')
_CSHARP_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r", "t": "\t", "0": "\0"}


def _csharp(body: str) -> str:
    def one(match: re.Match) -> str:
        char = match.group(1)
        if char.startswith("u"):
            return chr(int(char[1:], 16))
        return _CSHARP_ESCAPES.get(char, "\\" + char)

    return re.sub(r"\\(u[0-9A-Fa-f]{4}|.)", one, body)


def _policy_value(value: str, atoms: list[tuple[str, str]]) -> Any:
    """How API Management reads an attribute value or a text: a policy expression (``@(...)``, ``@{...}``) or a
    literal in which ``{{name}}`` is a named value. An expression that is one C# string literal is a literal."""
    code = value.strip(_XML_SPACE)
    if code.startswith(("@(", "@{")):
        only = re.fullmatch(r'@\(\s*"((?:[^"\\]|\\.)*)"\s*\)', code)
        if only:
            atoms.append(("text", _csharp(only.group(1))))
            return ("literal", ())
        atoms += [("csharp", _csharp(m.group(1))) for m in _CSHARP.finditer(code)]
        return ("expression", _CSHARP.sub('""', code))
    atoms.append(("text", value))
    return ("literal", tuple(re.findall(r"\{\{(.*?)\}\}", value)))


_XML_SPACE = " \t\r\n"


def read_policy(text: str) -> Reading:
    try:
        parser = ET.XMLParser(target=ET.TreeBuilder(insert_comments=True))
        parser.feed(text)
        root = parser.close()
    except ET.ParseError as error:
        raise Broken(f"not well-formed XML: {error}") from None
    reading = Reading()
    for element in root.iter():
        if not isinstance(element.tag, str):  # a comment
            reading.atoms.append(("comment", element.text or ""))
            reading.skeleton.append(("comment", _text(element.tail, [])))
            continue
        attributes = tuple((name, _policy_value(value, reading.atoms)) for name, value in sorted(element.items()))
        reading.skeleton.append((element.tag, attributes, _text(element.text, reading.atoms),
                                 _text(element.tail, reading.atoms)))
    return reading


def _text(value: str | None, atoms: list[tuple[str, str]]) -> Any:
    """A text or tail: nothing, the template's indentation, or a value."""
    if not value:
        return None
    if not value.strip(_XML_SPACE):  # indentation, or a value of spaces alone: the value check sees it is gone
        return ("literal", ())
    return _policy_value(value, atoms)


# ---------------------------------------------------------------------------------------------------------------------
# Markdown

_FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w-]*)\s*$")
_SHELLS = {"bash", "sh", "shell", "console", "zsh"}


def inline(text: str) -> str:
    """Markdown inline text as a reader sees it: backslash escapes and entity references decoded, code spans kept
    as written (their contents are literal)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text) and text[i + 1] in _ASCII_PUNCTUATION:
            out.append(text[i + 1])
            i += 2
        elif char == "`":
            run = re.match(r"`+", text[i:]).group(0)
            close = re.compile(rf"(?<!`){run}(?!`)").search(text, i + len(run))
            if close is None:
                out.append(run)
                i += len(run)
                continue
            body = text[i + len(run):close.start()]
            if body.startswith(" ") and body.endswith(" ") and body.strip(" "):
                body = body[1:-1]
            out.append(body)
            i = close.end()
        elif char == "&":
            entity = re.match(r"&(#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});", text[i:])
            out.append(html.unescape(entity.group(0)) if entity else char)
            i += len(entity.group(0)) if entity else 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


_ASCII_PUNCTUATION = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def _cells(row: str) -> list[str]:
    """A table row's cells, split at unescaped pipes (GitHub splits before reading code spans), ``\\|`` unescaped."""
    inner = row.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [cell.replace("\\|", "|").strip() for cell in re.split(r"(?<!\\)\|", inner)]


def read_markdown(text: str) -> Reading:
    reading = Reading()
    fence: tuple[str, str] | None = None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if fence is not None:
            if match and match.group(1)[0] == fence[0][0] and len(match.group(1)) >= len(fence[0]):
                fence = None
                reading.skeleton.append(("end",))
            elif fence[1] in _SHELLS:
                reading.skeleton.append(("command", _shell_words(line, reading)))
            else:
                reading.atoms.append(("code", line))
                reading.skeleton.append(("code",))
            continue
        if match:
            fence = (match.group(1), match.group(2))
            reading.skeleton.append(("fence", match.group(2)))
        else:
            _markdown_line(line, reading)
    if fence is not None:
        raise Broken("a code block is never closed")
    return reading


def _shell_words(line: str, reading: Reading) -> int:
    try:
        words = shlex.split(line, comments=True)
    except ValueError as error:
        raise Broken(f"the shell cannot split {line!r}: {error}") from None
    reading.atoms += [("shell", word) for word in words]
    return len(words)


def _markdown_line(line: str, reading: Reading) -> None:
    stripped = line.strip()
    if not stripped:
        return
    if stripped.startswith("<!--"):
        ends = len(re.findall(r"--!?>", stripped))
        reading.skeleton.append(("html comment", ends, stripped.endswith("-->")))
        reading.atoms.append(("comment", stripped))
        return
    if stripped.startswith("|"):
        cells = _cells(stripped)
        reading.skeleton.append(("row", len(cells)))
        reading.atoms += [("text", inline(cell)) for cell in cells]
        return
    heading = re.match(r"^(#{1,6})\s", stripped)
    item = re.match(r"^([-*+]|\d+[.)])\s", stripped)
    kind = ("heading", len(heading.group(1))) if heading else ("item",) if item else ("text",)
    reading.skeleton.append(kind)
    reading.atoms.append(("text", inline(stripped)))


# ---------------------------------------------------------------------------------------------------------------------
# JSON

def read_json(text: str) -> Reading:
    try:
        data = json.loads(text)
    except ValueError as error:
        raise Broken(f"not valid JSON: {error}") from None
    reading = Reading()
    reading.skeleton = [_json_shape(data, reading.atoms)]
    return reading


def _json_shape(value: Any, atoms: list[tuple[str, str]]) -> Any:
    """The value with every string, number and boolean replaced by its type; keys kept."""
    if isinstance(value, dict):
        atoms += [("key", key) for key in value]
        return {key: _json_shape(item, atoms) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_shape(item, atoms) for item in value]
    if isinstance(value, str):
        atoms.append(("string", value))
    return type(value).__name__


# ---------------------------------------------------------------------------------------------------------------------
# Characters that must never reach a file raw

_HIDDEN = {"Cc", "Cf", "Cs", "Cn", "Zl", "Zp"}


def hidden_characters(text: str) -> list[tuple[int, str]]:
    """Control, format (zero-width, bidi), surrogate and unassigned characters (noncharacters among them), and line
    and paragraph separators, with their offsets; line feeds excepted."""
    if not _UNUSUAL.search(text):
        return []
    return [(i, char) for i, char in enumerate(text)
            if char != "\n" and unicodedata.category(char) in _HIDDEN]


_UNUSUAL = re.compile(r"[^\n\x20-\x7e]")


_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def refused_characters(text: str) -> list[str]:
    """The characters the text rules refuse in every value: control characters, lone surrogates, bidi controls and
    noncharacters."""
    return [char for char in text
            if unicodedata.category(char) in ("Cc", "Cs") or char in _BIDI
            or 0xFDD0 <= ord(char) <= 0xFDEF or (ord(char) & 0xFFFE) == 0xFFFE]
