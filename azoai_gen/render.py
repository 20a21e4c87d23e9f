"""Render a validated spec into files. Pure: returns ``{relative path: text}`` and touches no disk.

Every value that reaches Bicep passes through a filter defined here. The Jinja
environment uses ``StrictUndefined`` (a typo in a template is an error, never an empty
string) and autoescaping is off on purpose: HTML escaping is wrong for Bicep, and the
Bicep filters escape instead.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

import jinja2

from . import __version__, limits, resources
from .context import build_context, spec_hash
from .errors import Problem
from .validate import ValidatedSpec

MANIFEST = "azoai-gen.manifest.json"

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


def bicep_name(name: dict[str, Any]) -> str:
    """A resource name from the context: a literal, or a literal followed by the name suffix."""
    stem = bicep_string_body(name["stem"])
    return f"'{stem}${{nameSuffix}}'" if name["suffixed"] else f"'{stem}'"


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


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resources.templates_dir())),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update({
        "bicep": bicep,
        "bicep_str": bicep_str,
        "bicep_name": bicep_name,
        "bicep_comment": bicep_comment,
        "bicep_ident": bicep_ident,
        "bicep_key": bicep_key,
        "bicep_api": bicep_api,
        "md": markdown,
        "xml": xml,
        "xml_comment": xml_comment,
        "csharp_str": csharp_str,
        "md_code": markdown_code,
        "shell": shell,
    })
    return env


@dataclass
class RenderResult:
    files: dict[str, str]
    warnings: list[Problem] = field(default_factory=list)
    tier: int = 0


def manifest_text(files: dict[str, str], digest: str, tier: int, names: dict[str, str]) -> str:
    """The manifest: tool version, spec hash, deployed names and a sha256 per generated file (no timestamps)."""
    manifest = {
        "generator": "azoai-gen",
        "version": __version__,
        "spec": {"sha256": digest, "tier": tier},
        "names": names,
        "files": {path: hashlib.sha256(text.encode("utf-8")).hexdigest() for path, text in sorted(files.items())},
    }
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def render(spec: ValidatedSpec, *, spec_name: str = "spec.yaml") -> RenderResult:
    """Render every file for ``spec``, including the manifest."""
    context = build_context(spec, spec_name=spec_name)
    env = _environment()
    files: dict[str, str] = {}
    for path in context["files"]:
        text = env.get_template(path + ".j2").render(context)
        files[path] = re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"
    limits.check(files, {"modelDeployments": len(context["deployments"]), "principals": len(context["principals"]),
                         "allowedIpRanges": 0})
    files[MANIFEST] = manifest_text(files, spec_hash(spec), context["tier"]["number"],
                                   context["deployed_names"])
    return RenderResult(files=dict(sorted(files.items())), warnings=spec.warnings, tier=context["tier"]["number"])
