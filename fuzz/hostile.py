"""Hostile values, and a YAML writer that says exactly what it means.

:data:`STRINGS` are written as YAML double-quoted scalars with escapes, so the loader reads back exactly those
characters (lone surrogates and noncharacters included). :class:`Plain` values are written unquoted, as a user
would type them, to try YAML 1.1's surprises (``no``, ``0777``, ``1:30``) and numbers too large to convert; the
spec should mean what YAML 1.2's core schema says (:func:`yaml12`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Plain:
    """A scalar written unquoted."""

    text: str


#: A Bicep string that closes itself and declares a resource.
BREAKOUT = "' \n}\nresource evil 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n  name: '"

_CONTROL = [chr(c) for c in range(0x20)] + ["\x7f"] + [chr(c) for c in range(0x80, 0xA0)]

STRINGS: list[str] = [
    # Bicep: quotes, escapes, interpolation, comments, statements
    "'", "\\", "\\'", "${", "${x}", "${concat('a', 'b')}", "'${subscription().id}'", "$", "''", "'''",
    BREAKOUT, "//", "/*", "*/",
    "#disable-next-line", "@description('x')", "a: 'b'", "}", "{", "]", "[",
    # XML and API Management policy
    "<", ">", "&", "&amp;", "&lt;x&gt;", "\"", "]]>", "<!--", "-->", "--", "a--b", "<x/>", "&#0;", "&#x1b;",
    "</audience><audience>evil", "<?xml version=\"1.0\"?>", "{{ 7*7 }}", "{{front-door-id}}", "a{{b}}c",
    "@(context.Request.Url)", "@{return \"x\";}", "@(", "@{", "@(\"x\")",
    # Markdown and HTML
    "|", "a|b", "`", "``", "```", "*x*", "_x_", "[x](javascript:alert(1))", "<script>alert(1)</script>", "# x",
    "- x", "\\|", "![x](y)", "<https://x>", "&copy;", "&#124;",
    # Shell
    "$(id)", "`id`", "; id", "&& id", "| id", "> x", "$HOME", "-rf", "--help", "~", "*", "!", "a b", " x ",
    "\"$(id)\"", "'\"'\"'",
    # Line breaks, whitespace and every control character
    "\n", "\r", "\r\n", "a\nb", "x\n", "\n}", " ", "\u00a0", "\u2028", "\u2029", *_CONTROL,
    # Unicode that cannot be stored, cannot appear in XML, or hides text
    "\ud800", "\udfff", "\udc80", "a\ud800b", "\ufffe", "\uffff", "\ufdd0", "\U0010ffff", "\ue000",
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
    "\u2066", "\u2067", "\u2068", "\u2069", "\u200e", "\u200f", "\u061c", "\U000e0001", "e\u0301",
    "\uff07", "\u2019", "\U0001f642", "漢字",
    # Terminal escapes
    "\x1b[31mred\x1b[0m", "\x1b]0;owned\x07", "\x1b[2J", "\x9b31m",
    # Long
    "a" * 300, "a" * 5000, "${" * 500, "'" * 2000, "\\" * 1000, "\n" * 100,
]

#: The texts every field gets first, before the rest of :data:`STRINGS`: each breaks out of one output language or
#: is a character class the text rules must refuse.
FIRST: list[str] = [
    "'", "\\", "${x}", BREAKOUT, "//", "/*", "#disable-next-line", "<", "&", "&amp;", "\"", "]]>", "-->", "--",
    "{{ 7*7 }}", "{{front-door-id}}", "a{{b}}c", "@(context.Request.Url)", "@{return \"x\";}", "@(", "@{", "|", "`",
    "```", "*x*", "<script>alert(1)</script>", "$(id)", "`id`", "; id", "a b", "\"$(id)\"", "\n", "\r", "\r\n",
    "a\nb", "x\n", "\t", "\x00", "\x0b", "\x0c", "\x1b", "\x7f", "\x85", "\x9b", "\u2028", "\ud800", "\udc80",
    "\ufffe", "\uffff", "\u200b", "\ufeff", "\u202e", "\u2066", "\x1b[31mred\x1b[0m", "\x1b]0;owned\x07",
    "\u00a0", "漢字", "\U0001f642", "e\u0301", "a" * 300, "a" * 5000, "'" * 2000,
]

PLAIN: list[Plain] = [Plain(text) for text in [
    "no", "No", "NO", "off", "Off", "on", "yes", "y", "n", "~", "null", "true", "False",
    "0777", "0o17", "0x1F", "0b101", "1:30", "190:20:30", "1_000", "1e3", "1.5", ".inf", "-.inf", ".nan", "-0",
    "+12", "0", "-1", "2024-11-20", "2001-12-14t21:59:43.10-05:00", "=",
    "9" * 5000, "0x" + "f" * 5000, "0b" + "1" * 20000, "0" + "7" * 5000, "1" + "0" * 400, "1e400",
    "1:" + "5" * 5000, str(2 ** 63), str(-2 ** 63 - 1), str(2 ** 64),
]]


def printable(text: str) -> str:
    """``text`` with every character that is not printable shown as a Python escape."""
    return "".join(char if char.isprintable() else char.encode("unicode_escape", "backslashreplace").decode("ascii")
                   for char in text)


def describe(value: Any) -> str:
    """A short printable description of a hostile value: quoted, or ``plain`` for an unquoted scalar."""
    text = value.text if isinstance(value, Plain) else str(value)
    shown = text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"
    return f"plain {printable(shown)}" if isinstance(value, Plain) else repr(printable(shown))


# ---------------------------------------------------------------------------------------------------------------------
# YAML 1.2 core schema: what an unquoted scalar means.

_INT = re.compile(r"[-+]?[0-9]+")
_OCT = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN = re.compile(r"\.(nan|NaN|NAN)")


def yaml12(text: str) -> Any:
    """The value of an unquoted scalar under YAML 1.2's core schema."""
    if text in ("", "~", "null", "Null", "NULL"):
        return None
    if text in ("true", "True", "TRUE", "false", "False", "FALSE"):
        return text.lower() == "true"
    if _INT.fullmatch(text):
        return _big_int(text, 10)
    if _OCT.fullmatch(text):
        return _big_int(text[2:], 8)
    if _HEX.fullmatch(text):
        return _big_int(text[2:], 16)
    if _FLOAT.fullmatch(text) or _INF.fullmatch(text):
        return float(text.replace(".inf", "inf").replace(".Inf", "inf").replace(".INF", "inf"))
    if _NAN.fullmatch(text):
        return float("nan")
    return text


class BigInt(int):
    """An integer too large to print in decimal under Python's default limit; compared by value."""


def _big_int(digits: str, base: int) -> int:
    try:
        return int(digits, base)
    except ValueError:  # more digits than Python converts by default: the value is out of every range anyway
        return BigInt(10 ** 30 if not digits.startswith("-") else -10 ** 30)


# ---------------------------------------------------------------------------------------------------------------------
# Writing YAML.

def quoted(text: str) -> str:
    """A YAML double-quoted scalar that reads back as exactly ``text``."""
    out = ['"']
    for char in text:
        code = ord(char)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def scalar(value: Any) -> str:
    if isinstance(value, Plain):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return quoted(value)
    raise TypeError(f"cannot write {type(value).__name__} as a YAML scalar")


def dump(value: Any, indent: int = 0) -> str:
    """Spec data as block YAML (mappings and sequences of mappings), keys quoted."""
    pad = "  " * indent
    if isinstance(value, dict):
        if not value:
            return "{}\n" if indent == 0 else " {}\n"
        lines = [] if indent == 0 else ["\n"]
        for key, item in value.items():
            lines.append(f"{pad}{scalar(key)}:{_after(item, indent)}")
        return "".join(lines)
    if isinstance(value, list):
        if not value:
            return " []\n"
        lines = ["\n"]
        for item in value:
            body = dump(item, indent + 1).lstrip("\n") if isinstance(item, (dict, list)) and item else \
                _after(item, indent + 1).lstrip(" ")
            lines.append(f"{pad}- {body.lstrip() if isinstance(item, dict) else body}")
        return "".join(lines)
    return f" {scalar(value)}\n"


def _after(item: Any, indent: int) -> str:
    """What follows ``key:`` or ``-``: a scalar on the same line, or a nested block."""
    if isinstance(item, dict) and item:
        return dump(item, indent + 1)
    if isinstance(item, list) and item:
        return dump(item, indent)
    if isinstance(item, dict):
        return " {}\n"
    if isinstance(item, list):
        return " []\n"
    return f" {scalar(item)}\n"
