"""Escaping: one filter per output language. Every value a template prints goes through one of these.

Bicep strings, keys, identifiers, names and expressions; Markdown prose and code spans; shell words; XML text and
comments; C# string literals inside API Management policy expressions.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from .azure import BICEP_ENV_URL_EXEMPT, BICEP_ENV_URL_HOSTS
from .design.records import GlobalName, Ref

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BICEP_KEYWORDS = {"true", "false", "null", "if", "for", "in", "resource", "module", "param", "var", "output",
                   "existing", "targetScope", "metadata", "import", "type", "func", "using", "with", "as"}


def bicep_string_body(value: str) -> str:
    """Escape text for the inside of a single-quoted Bicep string."""
    out = []
    for char in value:
        if char == "\\":
            out.append("\\\\")
        elif char == "'":
            out.append("\\'")
        elif char == "$":
            out.append("\\$")
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 or char in "\u2028\u2029":
            out.append("\\u{%X}" % ord(char))
        else:
            out.append(char)
    return "".join(out)


def bicep_str(value: Any) -> str:
    """A Bicep string literal. Only text is accepted, so a wrong context value fails loudly."""
    if not isinstance(value, str):
        raise TypeError(f"bicep_str expects text, got {type(value).__name__}")
    return "'" + bicep_string_body(value) + "'"


def bicep_key(key: str) -> str:
    """An object key: bare when it is an identifier, quoted otherwise."""
    if _IDENTIFIER.match(key) and key not in _BICEP_KEYWORDS:
        return key
    return bicep_str(key)


def bicep(value: Any, indent: int = 0) -> str:
    """Any JSON-like value as a Bicep literal; objects and arrays span lines, indented by ``indent``."""
    pad = "  " * indent
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return bicep_str(value)
    if isinstance(value, dict):
        if not value:
            return "{}"
        lines = [f"{pad}  {bicep_key(str(k))}: {bicep(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + "\n".join(lines) + f"\n{pad}}}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        lines = [f"{pad}  {bicep(v, indent + 1)}" for v in value]
        return "[\n" + "\n".join(lines) + f"\n{pad}]"
    raise TypeError(f"cannot write {type(value).__name__} as Bicep")


def bicep_name(name: GlobalName) -> str:
    """A resource name from the design: a literal, or a literal followed by the name suffix."""
    if not isinstance(name, GlobalName):
        raise TypeError(f"bicep_name expects a GlobalName, got {type(name).__name__}")
    stem = bicep_string_body(name.stem)
    return f"'{stem}${{nameSuffix}}'" if name.suffixed else f"'{stem}'"


_REFERENCE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


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
    if not isinstance(value, str) or not re.match(r"^\d{4}-\d{2}-\d{2}(-preview)?$", value):
        raise ValueError(f"not an API version: {value!r}")
    return value


def bicep_comment(value: Any) -> str:
    """Text for a ``//`` comment: one line, nothing that could end the comment."""
    return re.sub(r"[\r\n\u2028\u2029]+", " ", str(value))


def markdown(value: Any) -> str:
    """Text for Markdown prose: characters with a meaning in Markdown or HTML are escaped."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~])", r"\\\1", bicep_comment(value))


def markdown_code(value: Any) -> str:
    """An inline code span, with a fence longer than any run of backticks in the text."""
    text = bicep_comment(value)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def shell(value: Any) -> str:
    """A word for a POSIX shell command line."""
    return shlex.quote(bicep_comment(value))


def xml(value: Any) -> str:
    """Text for an XML attribute value or element content."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise TypeError(f"xml expects text or a number, got {type(value).__name__}")
    text = str(value)
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", text):
        raise ValueError("control characters cannot appear in XML")
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&apos;"))


def xml_comment(value: Any) -> str:
    """Text inside an XML comment, which may not contain '--'."""
    return re.sub(r"-{2,}", "-", bicep_comment(value))


def csharp_str(value: Any) -> str:
    """A C# string literal for an API Management policy expression."""
    if not isinstance(value, str):
        raise TypeError(f"csharp_str expects text, got {type(value).__name__}")
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return '"' + escaped + '"'




_STRING = re.compile(r"'((?:[^'\\\n]|\\.)*)'")
ENV_URL_REASON = "// A value from the spec, not an environment URL: the linter rule does not apply to it."
ENV_URL_SUPPRESSION = "#disable-next-line no-hardcoded-env-urls"


def names_env_url_host(literal: str) -> bool:
    """Whether a string names a host the linter's no-hardcoded-env-urls rule reports."""
    low = literal.lower()
    for exempt in BICEP_ENV_URL_EXEMPT:
        low = low.replace(exempt, " ")
    for host in BICEP_ENV_URL_HOSTS:
        for match in re.finditer(re.escape(host), low):
            before = low[match.start() - 1] if match.start() else ""
            after = low[match.end()] if match.end() < len(low) else ""
            if not before.isalnum() and not after.isalnum():
                return True
    return False


def suppress_env_url_lint(source: str) -> str:
    """Bicep source with the no-hardcoded-env-urls rule suppressed, with its reason, on every line whose string
    literals name such a host. The generator writes no such host itself, so every one comes from the spec."""
    out = []
    for line in source.split("\n"):
        if not line.lstrip().startswith("//") and any(names_env_url_host(m.group(1)) for m in _STRING.finditer(line)):
            indent = line[:len(line) - len(line.lstrip())]
            out += [indent + ENV_URL_REASON, indent + ENV_URL_SUPPRESSION]
        out.append(line)
    return "\n".join(out)
