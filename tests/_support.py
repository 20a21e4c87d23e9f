"""Helpers shared by the tests: paths, small specs, and a reference reader for the Bicep the generator writes.

The Bicep reader is written from the language's rules, independently of ``azoai_gen.render``, so that the
escaping tests compare the generator against something it did not produce itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TEMPLATES = ROOT / "templates"
SCHEMA = ROOT / "schemas" / "azoai-gen.schema.json"
GOLDEN = Path(__file__).resolve().parent / "golden"
MANIFEST = "azoai-gen.manifest.json"

EXAMPLE_SPECS = sorted(EXAMPLES.glob("*.yaml"))

#: The day the whole suite runs on (``tests/conftest.py`` gives it to the lifecycle rules), so that verdicts on
#: retirement dates do not change as the calendar moves. Tests that need another day set their own.
TODAY = date(2026, 11, 29)

#: The smallest valid spec; line numbers in tests refer to this layout.
MINIMAL = """\
version: 1
workload: claims
environment: prod
tier: 1
regions:
  - location: swedencentral
deployments:
  - name: chat
    model: gpt-5.4-mini
    version: "2026-03-17"
    sku: GlobalStandard
    capacity: 50
"""

TWO_REGIONS = "  - location: swedencentral\n  - location: francecentral\n"


#: The alerts' receiver every spec of :func:`spec` has, so that it notifies someone (the rule alerts-no-receivers
#: warns otherwise).
RECEIVER = "  alerts:\n    emails:\n      - ops@contoso.com\n"


def with_receiver(text: str) -> str:
    """``text`` with an alert email in its ``monitoring`` section (added when it has none), unless it writes
    ``monitoring.alerts`` itself."""
    if re.search(r"(?m)^  alerts:", text):
        return text
    found = re.search(r"(?m)^monitoring:[ \t]*\n(?:[ \t].*\n?)*", text)
    if found:  # at the end of the section, so that the lines the spec writes keep their numbers
        end = found.end()
        block = RECEIVER if text[end - 1:end] == "\n" else "\n" + RECEIVER
        return text[:end] + block + text[end:]
    return text + "monitoring:\n" + RECEIVER


def spec(tier: int = 1, *, regions: str = "  - location: swedencentral\n", extra: str = "",
         replace: dict[str, str] | None = None) -> str:
    """MINIMAL with another tier, other regions, text replaced and text appended, and an alert email
    (:func:`with_receiver`)."""
    text = MINIMAL.replace("tier: 1", f"tier: {tier}").replace("  - location: swedencentral\n", regions)
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return with_receiver(text + extra)


def model_spec(model: str, version: str, sku: str | None = None, tier: int = 1, **options: Any) -> str:
    """MINIMAL (as :func:`spec` makes it) with its one deployment on another model, version and SKU."""
    text = spec(tier, **options)
    text = re.sub(r"(?m)^    model: .*$", f"    model: {model}", text, count=1)
    text = re.sub(r"(?m)^    version: .*$", f'    version: "{version}"', text, count=1)
    if sku:
        text = re.sub(r"(?m)^    sku: .*$", f"    sku: {sku}", text, count=1)
    return text


#: Six regions in the order the multi-region tests list them; the first is the primary.
LOCATIONS = ["swedencentral", "francecentral", "germanywestcentral", "norwayeast", "switzerlandnorth", "uksouth"]

#: The subscription of every resource ID the tests' specs name.
SUB = "11111111-1111-1111-1111-111111111111"


def site_id(name: str) -> str:
    """The resource ID of the web app ``name``: a Private Link target of tier 4 app mode."""
    return f"/subscriptions/{SUB}/resourceGroups/rg-app/providers/Microsoft.Web/sites/{name}"


def regions(*locations: str, network: dict[int, str] | None = None, app: bool = False,
            link: bool | list[bool] = False, weights: list[int] | None = None) -> str:
    """The ``regions:`` items of ``locations``. Region i gets the weight ``weights[i]``, the ``network:`` lines
    ``network[i]``, with ``app`` the host name app-i.azurewebsites.net and, where ``link`` (one flag for all or one
    per region) is true, Private Link to the web app ``site_id('app-i')``."""
    links = link if isinstance(link, list) else [link] * len(locations)
    lines = []
    for index, location in enumerate(locations):
        lines.append(f"  - location: {location}\n")
        if weights:
            lines.append(f"    weight: {weights[index]}\n")
        if network and index in network:
            lines.append("    network:\n" + "".join(f"      {line}\n" for line in network[index].splitlines()))
        if app:
            lines.append(f"    app:\n      hostName: app-{index}.azurewebsites.net\n")
            if links[index]:
                lines.append(f"      privateLink:\n        resourceId: {site_id(f'app-{index}')}\n"
                             "        groupId: sites\n")
    return "".join(lines)


def regional_spec(tier: int, count: int = 2, extra: str = "", **options: Any) -> str:
    """A spec of ``tier`` in the first ``count`` of LOCATIONS; ``options`` as for :func:`regions`."""
    return spec(tier, regions=regions(*LOCATIONS[:count], **options), extra=extra)


def tier4(count: int = 2, extra: str = "", **options: Any) -> str:
    """Tier 4 (Front Door in front of the regions) in the first ``count`` of LOCATIONS."""
    return regional_spec(4, count, extra, **options)


def tier5(count: int = 2, extra: str = "", **options: Any) -> str:
    """Tier 5 (API Management behind Front Door) in the first ``count`` of LOCATIONS."""
    return regional_spec(5, count, extra, **options)


@dataclass(frozen=True)
class Rendered:
    """A spec that validated and rendered: its design, its warnings and its files."""

    design: Any
    warnings: list
    files: dict[str, str]


def yaml_quote(text: str) -> str:
    """A YAML double-quoted scalar for any text, using escapes for everything but printable ASCII."""
    out = []
    for char in text:
        code = ord(char)
        if char in '\\"':
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return '"' + "".join(out) + '"'


def render_text(text: str, spec_name: str = "spec.yaml") -> Rendered:
    """Validate spec text (as if read from ``spec_name``) and render it."""
    from azoai_gen.pipeline import validate_text
    from azoai_gen.render import render

    validated = validate_text(text, spec_name)
    return Rendered(validated.design, validated.warnings, render(validated.design))


def render_path(path: Path) -> dict[str, str]:
    """Every file the spec at ``path`` renders to."""
    from azoai_gen.pipeline import validate_file
    from azoai_gen.render import render

    return render(validate_file(path).design)


def render_bytes(path: Path) -> dict[str, bytes]:
    """Every file the spec at ``path`` renders to, as the bytes written to disk."""
    return {name: text.encode("utf-8") for name, text in render_path(path).items()}


def render_files(text: str) -> dict[str, str]:
    """Every file the spec ``text`` renders to."""
    return render_text(text).files


def design_of(text: str) -> Any:
    """The design of a valid spec."""
    from azoai_gen.pipeline import validate_text

    return validate_text(text).design


def warnings_of(text: str) -> list[str]:
    """The formatted warnings of a valid spec."""
    from azoai_gen.pipeline import validate_text

    return [w.format() for w in validate_text(text).warnings]


def spec_problems(text: str) -> list[str]:
    """The formatted problems of an invalid spec (fails the test if it is valid)."""
    import pytest

    from azoai_gen.errors import SpecError
    from azoai_gen.pipeline import validate_text

    with pytest.raises(SpecError) as info:
        validate_text(text)
    return [p.format() for p in info.value.problems]


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (relative POSIX path -> bytes)."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def plain(text: str) -> str:
    """Terminal output without colour codes."""
    return _ANSI.sub("", text)


# --------------------------------------------------------------------------------------------------------------------
# Reference reader for Bicep single-quoted strings, literals and files.

_ESCAPES = {"\\": "\\", "'": "'", "$": "$", "n": "\n", "r": "\r", "t": "\t"}


def unescape_bicep_body(body: str) -> str:
    """The text a single-quoted Bicep string body stands for. Rejects anything Bicep would read otherwise:
    an unescaped quote (the string would end), an unescaped ``${`` (interpolation), a raw line break, an
    unknown escape."""
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            if i + 1 >= len(body):
                raise ValueError(f"dangling backslash in {body!r}")
            nxt = body[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            if nxt == "u":
                match = re.match(r"\{([0-9A-Fa-f]{1,6})\}", body[i + 2:])
                if not match:
                    raise ValueError(f"bad \\u escape in {body!r}")
                out.append(chr(int(match.group(1), 16)))
                i += 2 + match.end()
                continue
            raise ValueError(f"unknown escape \\{nxt} in {body!r}")
        if char == "'":
            raise ValueError(f"unescaped quote in {body!r}")
        if char == "$" and body[i + 1:i + 2] == "{":
            raise ValueError(f"interpolation in {body!r}")
        if char in "\r\n":
            raise ValueError(f"raw line break in {body!r}")
        out.append(char)
        i += 1
    return "".join(out)


def unescape_bicep_literal(literal: str) -> str:
    """The text of a complete single-quoted Bicep string literal such as ``'O\\'Brien'``."""
    if len(literal) < 2 or not literal.startswith("'") or not literal.endswith("'"):
        raise ValueError(f"not a string literal: {literal!r}")
    return unescape_bicep_body(literal[1:-1])


@dataclass(frozen=True)
class Reference:
    """A symbolic reference such as ``identity.outputs.principalId``, read where references are allowed."""

    path: str


@dataclass(frozen=True)
class Expression:
    """Bicep code read where ``expressions`` are allowed that is neither a literal nor a plain reference (a function
    call, an interpolated string, an indexed access): its text as written, up to the end of its line."""

    text: str


@dataclass(frozen=True)
class Loop:
    """A ``[for variable in items: body]`` loop, read where ``expressions`` are allowed."""

    variable: str
    items: str
    body: Any


class _Reader:
    """A small recursive-descent reader for Bicep literals: strings, integers, true/false/null, objects, arrays
    (and, with ``references``, dotted symbolic references; with ``expressions`` also loops and any other one-line
    expression)."""

    def __init__(self, text: str, references: bool = False, expressions: bool = False) -> None:
        self.text = text
        self.pos = 0
        self.references = references or expressions
        self.expressions = expressions

    def error(self, what: str) -> ValueError:
        line = self.text.count("\n", 0, self.pos) + 1
        return ValueError(f"{what} at line {line}: {self.text[self.pos:self.pos + 40]!r}")

    def skip_space(self, newlines: bool = True) -> None:
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in " \t" or (newlines and char in "\r\n"):
                self.pos += 1
            elif self.text.startswith("//", self.pos) or (newlines and self.text.startswith("#disable-next-line",
                                                                                              self.pos)):
                # Comments, and the linter's suppression directives, which stand on lines of their own.
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                break

    def string(self) -> str:
        assert self.text[self.pos] == "'"
        i = self.pos + 1
        while i < len(self.text):
            if self.text[i] == "\\":
                i += 2
                continue
            if self.text[i] == "'":
                literal = self.text[self.pos:i + 1]
                self.pos = i + 1
                return unescape_bicep_literal(literal)
            if self.text[i] in "\r\n":
                raise self.error("line break inside a string")
            i += 1
        raise self.error("unterminated string")

    def value(self) -> Any:
        self.skip_space()
        if self.pos >= len(self.text):
            raise self.error("value expected")
        char = self.text[self.pos]
        if char == "{":
            return self.obj()
        if char == "[":
            return self.loop() if self.expressions and self.text.startswith("[for ", self.pos) else self.array()
        if self.expressions:
            return self.scalar_or_expression()
        return self.scalar()

    def scalar_or_expression(self) -> Any:
        """A literal or reference that ends its item, or else the rest of the line as an :class:`Expression`."""
        start = self.pos
        try:
            value = self.scalar()
            self.end_of_item()
            return value
        except ValueError:
            end = self.text.find("\n", start)
            self.pos = len(self.text) if end < 0 else end
            return Expression(self.text[start:self.pos].rstrip())

    def loop(self) -> Loop:
        match = _LOOP.match(self.text, self.pos)
        if not match:
            raise self.error("loop expected")
        self.pos = match.end()
        body = self.value()
        self.skip_space()
        if not self.text.startswith("]", self.pos):
            raise self.error("']' expected after the loop body")
        self.pos += 1
        return Loop(match.group(1), match.group(2), body)

    def scalar(self) -> Any:
        char = self.text[self.pos]
        if char == "'":
            return self.string()
        match = re.compile(r"-?\d+\b|true\b|false\b|null\b").match(self.text, self.pos)
        if not match and self.references:
            reference = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*").match(self.text, self.pos)
            if reference:
                self.pos = reference.end()
                return Reference(reference.group(0))
        if not match:
            raise self.error("literal expected")
        self.pos = match.end()
        word = match.group(0)
        if word in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[word]
        return int(word)

    def end_of_item(self) -> None:
        """An item in a multi-line object or array ends at a line break."""
        self.skip_space(newlines=False)
        if self.pos < len(self.text) and self.text[self.pos] not in "\r\n}]":
            raise self.error("line break expected after an item")

    def obj(self) -> dict[str, Any]:
        self.pos += 1
        result: dict[str, Any] = {}
        while True:
            self.skip_space()
            if self.pos >= len(self.text):
                raise self.error("'}' expected")
            if self.text[self.pos] == "}":
                self.pos += 1
                return result
            if self.text[self.pos] == "'":
                key = self.string()
            else:
                match = re.compile(r"[A-Za-z_][A-Za-z0-9_]*").match(self.text, self.pos)
                if not match:
                    raise self.error("object key expected")
                key = match.group(0)
                self.pos = match.end()
            self.skip_space(newlines=False)
            if self.text[self.pos] != ":":
                raise self.error("':' expected")
            self.pos += 1
            if key in result:
                raise self.error(f"duplicate key {key!r}")
            result[key] = self.value()
            self.end_of_item()

    def array(self) -> list[Any]:
        self.pos += 1
        result: list[Any] = []
        while True:
            self.skip_space()
            if self.pos >= len(self.text):
                raise self.error("']' expected")
            if self.text[self.pos] == "]":
                self.pos += 1
                return result
            result.append(self.value())
            self.end_of_item()


def parse_bicep_literal(text: str) -> Any:
    reader = _Reader(text)
    value = reader.value()
    reader.skip_space()
    if reader.pos != len(text):
        raise reader.error("trailing text")
    return value


def bicep_var(text: str, name: str) -> tuple[Any, list[str]]:
    """The value of ``var name = ...`` in a Bicep file: a literal that may hold references, optionally wrapped as
    ``concat(<literal>, a, b)``; returns the literal and the names concatenated to it."""
    match = re.search(rf"^var {name} = ", text, re.M)
    if match is None:
        raise ValueError(f"no variable {name}")
    rest = text[match.end():]
    concatenated: list[str] = []
    if rest.startswith("concat("):
        rest = rest[len("concat("):]
    reader = _Reader(rest, references=True)
    value = reader.value()
    tail = re.match(r"((?:, [A-Za-z_]\w*)*)\)?\n", rest[reader.pos:])
    if tail is None:
        raise ValueError(f"unexpected text after var {name}: {rest[reader.pos:reader.pos + 40]!r}")
    concatenated = [word.strip() for word in tail.group(1).split(",") if word.strip()]
    if isinstance(value, Reference):
        return [], [value.path]
    return value, concatenated


READ_ENVIRONMENT = "readEnvironmentVariable("
#: ``[for item in items: ...]`` or, with the item's index, ``[for (item, index) in items: ...]``.
_LOOP = re.compile(r"\[for (\([A-Za-z_]\w*, [A-Za-z_]\w*\)|[A-Za-z_]\w*) in ([^:\n]+): ")


@dataclass(frozen=True)
class EnvironmentVariable:
    """``readEnvironmentVariable('NAME')`` in a parameter file: the value is read when the deployment runs."""

    name: str


def parse_bicepparam(text: str) -> dict[str, Any]:
    """``param name = <literal>`` statements of a .bicepparam file whose values are all literals."""
    reader = _Reader(text)
    params: dict[str, Any] = {}
    while True:
        reader.skip_space()
        if reader.pos >= len(text):
            return params
        rest = text[reader.pos:]
        using = re.match(r"using\s+'[^'\n]*'", rest)
        if using:
            reader.pos += using.end()
            continue
        match = re.match(r"param\s+([A-Za-z_][A-Za-z0-9_]*)\s*=", rest)
        if not match:
            raise reader.error("statement expected")
        reader.pos += match.end()
        if match.group(1) in params:
            raise reader.error("parameter assigned twice")
        reader.skip_space()
        if text.startswith(READ_ENVIRONMENT, reader.pos):  # the one call a parameter file holds: a secret's source
            reader.pos += len(READ_ENVIRONMENT)
            params[match.group(1)] = EnvironmentVariable(reader.value())
            if not text.startswith(")", reader.pos):
                raise reader.error("')' expected")
            reader.pos += 1
        else:
            params[match.group(1)] = reader.value()
        reader.end_of_item()


@dataclass(frozen=True)
class Declaration:
    """A ``resource`` or ``module`` statement: ``type`` is the resource type without its API version, or the module's
    path; ``body`` the object (or :class:`Loop`) after ``=``, read with references and expressions."""

    keyword: str
    symbol: str
    type: str
    existing: bool
    body: Any


_DECLARATION = re.compile(r"^(resource|module) (\w+) '([^'@]+)(?:@[^']+)?' (existing )?= ", re.M)


def bicep_declarations(text: str) -> dict[str, Declaration]:
    """Every resource and module statement of a Bicep file by symbol, in file order."""
    found: dict[str, Declaration] = {}
    for match in _DECLARATION.finditer(text):
        reader = _Reader(text, expressions=True)
        reader.pos = match.end()
        keyword, symbol, target, existing = match.groups()
        found[symbol] = Declaration(keyword, symbol, target, bool(existing), reader.value())
    return found


def bicep_resources(text: str, resource_type: str) -> list[Declaration]:
    """The resources of ``resource_type`` that a Bicep file deploys (not ``existing`` ones), in file order."""
    return [d for d in bicep_declarations(text).values()
            if d.keyword == "resource" and d.type == resource_type and not d.existing]


def bicep_code(text: str) -> str:
    """``text`` with every comment and the contents of every string literal blanked out, line breaks kept.

    What remains is what Bicep reads as code (interpolations ``${...}`` stay, being code). Raises ValueError for an
    unterminated string or a line break inside a single-line string, which would mean the escaping failed.
    """
    out: list[str] = []
    pos = _scan_code(text, 0, out, closing=None)
    assert pos == len(text)
    return "".join(out)


def _scan_code(text: str, pos: int, out: list[str], closing: str | None) -> int:
    depth = 0
    while pos < len(text):
        char = text[pos]
        if text.startswith("//", pos):
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            out.append(" " * (end - pos))
            pos = end
        elif text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            if end < 0:
                raise ValueError("unterminated block comment")
            out.append(re.sub(r"[^\n]", " ", text[pos:end + 2]))
            pos = end + 2
        elif text.startswith("'''", pos):
            end = text.find("'''", pos + 3)
            if end < 0:
                raise ValueError("unterminated multi-line string")
            out.append("'" + re.sub(r"[^\n]", " ", text[pos + 1:end + 2]) + "'")
            pos = end + 3
        elif char == "'":
            pos = _scan_string(text, pos, out)
        elif closing is not None and char == "{":
            depth += 1
            out.append(char)
            pos += 1
        elif closing is not None and char == "}":
            if depth == 0:
                return pos
            depth -= 1
            out.append(char)
            pos += 1
        else:
            out.append(char)
            pos += 1
    if closing is not None:
        raise ValueError("unterminated interpolation")
    return pos


def _scan_string(text: str, pos: int, out: list[str]) -> int:
    out.append("'")
    pos += 1
    while pos < len(text):
        char = text[pos]
        if char == "\\":
            out.append("  ")
            pos += 2
        elif char == "'":
            out.append("'")
            return pos + 1
        elif char in "\r\n":
            raise ValueError(f"line break inside a string near {text[max(0, pos - 40):pos]!r}")
        elif text.startswith("${", pos):
            out.append("${")
            pos = _scan_code(text, pos + 2, out, closing="}")
            out.append("}")
            pos += 1
        else:
            out.append(" ")
            pos += 1
    raise ValueError("unterminated string")


# --------------------------------------------------------------------------------------------------------------------
# An independent count of what the compiled template of main.bicep holds, read from the rendered text.

_RESOURCE = re.compile(r"^resource \w+ '[^']+' (existing )?= (\[for \w+ in (\w+):)?", re.M)
_MODULE = re.compile(r"^module \w+ '([^']+)' = ", re.M)
_PARAM = re.compile(r"^param \w+ ", re.M)
_OUTPUT = re.compile(r"^output \w+ ", re.M)


@dataclass(frozen=True)
class Usage:
    resources: int
    parameters: int
    outputs: int
    bicep_bytes: int


def _resources_in(text: str, loop_sizes: dict[str, int]) -> int:
    count = 0
    for match in _RESOURCE.finditer(text):
        if match.group(1):  # existing resources are not deployed
            continue
        count += loop_sizes[match.group(3)] if match.group(2) else 1
    return count


def _module_loop_sizes(main: str, call: str, params: dict[str, Any]) -> dict[str, int]:
    """Loop sizes inside one module call: its roleAssignments argument resolved against main.bicep."""
    sizes = {"modelDeployments": len(params.get("modelDeployments", []))}
    sizes.update({name: len(params.get(name, [])) for name in ("contentFilters", "contentBlocklists",
                                                                "contentBlocklistItems")})
    argument = re.search(r"^    roleAssignments: (\w+)$", call, re.M)
    if argument is None:
        sizes["roleAssignments"] = 0
    else:
        entries, concatenated = bicep_var(main, argument.group(1))
        sizes["roleAssignments"] = len(entries) + sum(len(params[name]) for name in concatenated)
    alerts = re.search(r"^    alerts: (\w+)$", call, re.M)
    sizes["alerts"] = len(bicep_var(main, alerts.group(1))[0]) if alerts else 0
    return sizes


def compiled_usage(files: dict[str, str], loop_sizes: dict[str, int] | None = None) -> Usage:
    """Resources (each module call is a nested deployment plus its module's resources; a loop counts once per item),
    parameters and outputs of main.bicep, and the Bicep's total size. Without ``loop_sizes``, each module call's loop
    sizes are read from the rendered files themselves: the parameter file and the call's arguments."""
    main = files["main.bicep"]
    params = parse_bicepparam(files["main.bicepparam"])
    resources = _resources_in(main, loop_sizes or {})
    size = len(main.encode("utf-8"))
    calls = list(_MODULE.finditer(main))
    for index, match in enumerate(calls):
        module = files[match.group(1).lstrip("./")]
        end = calls[index + 1].start() if index + 1 < len(calls) else len(main)
        # The alert rules differ from one module to the next, so they are always read from the call.
        found = _module_loop_sizes(main, main[match.start():end], params)
        sizes = {**loop_sizes, "alerts": found["alerts"]} if loop_sizes else found
        resources += 1 + _resources_in(module, sizes)
        size += len(module.encode("utf-8"))
    return Usage(resources, len(_PARAM.findall(main)), len(_OUTPUT.findall(main)), size)


# --------------------------------------------------------------------------------------------------------------------
# Reference readers for the other languages the generator writes: comments, Markdown, C# string literals.


def unescape_comment(text: str, xml: bool = False) -> str:
    """The text a Bicep or XML comment written by the generator stands for: ``\\\\`` is a backslash and
    ``\\u{..}`` a code point; any other backslash, a line break, or in XML ``--``, would mean the escaping failed."""
    if re.search(r"[\r\n\u2028\u2029]", text) or (xml and "--" in text):
        raise ValueError(f"not one comment line: {text!r}")
    out, i = [], 0
    while i < len(text):
        if text[i] != "\\":
            out.append(text[i])
            i += 1
        elif text.startswith("\\\\", i):
            out.append("\\")
            i += 2
        else:
            match = re.compile(r"\\u\{([0-9A-F]{1,6})\}").match(text, i)
            if not match:
                raise ValueError(f"bad escape in comment {text!r}")
            out.append(chr(int(match.group(1), 16)))
            i = match.end()
    return "".join(out)


def _markdown_reader():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def markdown_inline(source: str) -> list[tuple[str, str]]:
    """The inline tokens (type, content) of a Markdown document that must be one paragraph or one table; fails if
    the document has any other block."""
    tokens = _markdown_reader().parse(source)
    blocks = [t.type for t in tokens if t.nesting != -1 and t.type != "inline"]
    inline = [(c.type, c.content) for t in tokens if t.type == "inline" for c in (t.children or [])]
    return blocks, inline


def markdown_paragraph_text(source: str) -> str:
    """The text a one-line Markdown paragraph shows, read by a CommonMark reader. Fails on any markup other than
    text and code spans (emphasis, links, HTML, line breaks), which would mean a value became Markdown."""
    blocks, inline = markdown_inline(source)
    if blocks != ["paragraph_open"]:
        raise ValueError(f"not one paragraph: {blocks} from {source!r}")
    return _plain(inline, source)


def markdown_cells(source: str) -> list[str]:
    """The text of each cell of the only body row of a GitHub table, read by a CommonMark reader with tables."""
    tokens = _markdown_reader().parse(source)
    if [t.type for t in tokens][:1] != ["table_open"]:
        raise ValueError(f"not a table: {source!r}")
    body = [i for i, t in enumerate(tokens) if t.type == "tbody_open"]
    cells = [t for t in tokens[body[0]:] if t.type == "inline"]
    return [_plain([(c.type, c.content) for c in t.children or []], source) for t in cells]


def _plain(inline: list[tuple[str, str]], source: str) -> str:
    kinds = {kind for kind, _ in inline}
    if not kinds <= {"text", "code_inline"}:
        raise ValueError(f"markup {sorted(kinds)} in {source!r}")
    return "".join(content for _, content in inline)


_CSHARP = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r", "t": "\t", "0": "\0", "a": "\a", "b": "\b",
           "f": "\f", "v": "\v"}


def csharp_literal(literal: str) -> str:
    """The text of a C# regular string literal (``"..."``), read by the language's rules; fails on a raw line break,
    an unescaped quote or an unknown escape."""
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"':
        raise ValueError(f"not a string literal: {literal!r}")
    body, out, i = literal[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char in '"\r\n\u0085\u2028\u2029':
            raise ValueError(f"{char!r} inside a C# string literal")
        if char != "\\":
            out.append(char)
            i += 1
            continue
        nxt = body[i + 1:i + 2]
        if nxt in _CSHARP:
            out.append(_CSHARP[nxt])
            i += 2
        elif nxt in ("u", "U"):
            size = 4 if nxt == "u" else 8
            digits = body[i + 2:i + 2 + size]
            if not re.fullmatch(r"[0-9A-Fa-f]{%d}" % size, digits):
                raise ValueError(f"bad \\{nxt} escape in {literal!r}")
            out.append(chr(int(digits, 16)))
            i += 2 + size
        else:
            raise ValueError(f"unknown escape \\{nxt} in {literal!r}")
    return "".join(out)


def few_examples(count: int):
    """A hypothesis settings decorator for slow properties: ``count`` examples under the quick "ci" profile, the
    profile's own number under a longer one (tests/conftest.py registers both)."""
    from hypothesis import settings

    current = settings().max_examples
    return settings(max_examples=count if current <= 150 else current)


def spec_error_problems(text: str) -> list:
    """The problems of an invalid spec, as objects (spec_problems gives them formatted)."""
    import pytest
    from azoai_gen.errors import SpecError
    from azoai_gen.pipeline import validate_text
    with pytest.raises(SpecError) as info:
        validate_text(text)
    return info.value.problems


def one_problem(text: str):
    """The one problem of an invalid spec: fails if there are none or several."""
    found = spec_error_problems(text)
    assert len(found) == 1, [p.format() for p in found]
    return found[0]


# ---------------------------------------------------------------------------------------------------------------------
# Mermaid: the README's diagram, read back.

_MERMAID_ENTITY = re.compile(r"#([A-Za-z]+|[0-9]+);")
_MERMAID_NAMED = {"quot": '"', "amp": "&", "lt": "<", "gt": ">"}
_MERMAID_NODE = re.compile(r'^([a-z][a-z0-9_]*)(\(\[|\[\(|\{\{|\[|\()"([^"]*)"(\]\)|\)\]|\}\}|\]|\))$')
_MERMAID_EDGE = re.compile(r'^([a-z][a-z0-9_]*) (-->|-\.->|-\.-|<-->|---)(?:\|"([^"]*)"\|)? ([a-z][a-z0-9_]*)$')
_MERMAID_SUBGRAPH = re.compile(r'^subgraph ([a-z][a-z0-9_]*)\["([^"]*)"\]$')


def unescape_mermaid(text: str) -> str:
    """A Mermaid label as Mermaid draws it: entity codes decoded, ``<br/>`` a line break."""
    def entity(match: re.Match) -> str:
        code = match.group(1)
        return chr(int(code)) if code.isdigit() else _MERMAID_NAMED[code]
    return "\n".join(_MERMAID_ENTITY.sub(entity, line) for line in text.split("<br/>"))


@dataclass
class MermaidChart:
    """A flowchart as azoai-gen writes it: nodes and subgraphs by ID with their decoded labels, the subgraph each
    sits in, and the edges as (source, arrow, label, target)."""

    nodes: dict[str, str]
    subgraphs: dict[str, str]
    parent: dict[str, str | None]
    edges: list[tuple[str, str, str, str]]

    def ancestors(self, ident: str) -> list[str]:
        chain, current = [], self.parent.get(ident)
        while current is not None:
            chain.append(current)
            current = self.parent.get(current)
        return chain


def parse_mermaid(text: str) -> MermaidChart:
    """Read a diagram line by line; any line that is not a statement azoai-gen writes is an error."""
    lines = text.split("\n")
    assert lines[0] == "flowchart LR", lines[0]
    chart = MermaidChart({}, {}, {}, [])
    stack: list[str] = []
    for line in lines[1:]:
        stripped = line.strip()
        if stripped == "end":
            stack.pop()
        elif match := _MERMAID_SUBGRAPH.match(stripped):
            ident = match.group(1)
            assert ident not in chart.subgraphs and ident not in chart.nodes, ident
            chart.subgraphs[ident] = unescape_mermaid(match.group(2))
            chart.parent[ident] = stack[-1] if stack else None
            stack.append(ident)
        elif match := _MERMAID_NODE.match(stripped):
            ident = match.group(1)
            assert ident not in chart.nodes and ident not in chart.subgraphs, ident
            chart.nodes[ident] = unescape_mermaid(match.group(3))
            chart.parent[ident] = stack[-1] if stack else None
        elif match := _MERMAID_EDGE.match(stripped):
            source, arrow, edge_label, target = match.groups()
            chart.edges.append((source, arrow, unescape_mermaid(edge_label or ""), target))
        else:
            raise AssertionError(f"not a Mermaid statement: {line!r}")
    assert not stack, f"subgraphs never closed: {stack}"
    for source, _, _, target in chart.edges:
        assert {source, target} <= chart.nodes.keys() | chart.subgraphs.keys(), (source, target)
    return chart


def readme_mermaid(readme: str) -> str:
    """The text of the README's one ```mermaid block."""
    blocks = re.findall(r"^```mermaid\n(.*?)\n```$", readme, flags=re.S | re.M)
    assert len(blocks) == 1, len(blocks)
    return blocks[0]


def load_script(path: Path) -> Any:
    """A script of ``scripts/`` loaded as a module (the scripts are not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
