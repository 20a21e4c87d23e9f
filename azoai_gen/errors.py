"""Exceptions raised by the library.

The library never prints and never exits. Every failure a user can cause is an
:class:`AzoaiError` carrying a message and, where one helps, a hint. The CLI maps
these to exit codes in one place.
"""

from __future__ import annotations

import unicodedata

from .frozen import field, frozen

_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def shown(text: str) -> str:
    """Text for a terminal: every control, bidirectional or other invisible character, line breaks and lone
    surrogates included, written as an escape (``\\n``, ``\\x1b``, ``\\u202e``). Messages quote the spec's keys,
    values and file name; an escape sequence in one must not rewrite the user's terminal, nor a line break fake a
    line of output."""
    out = []
    for char in str(text):
        category = unicodedata.category(char)
        if category[0] != "C" and (category[0] != "Z" or char == " "):
            out.append(char)
        elif char in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[char])
        elif ord(char) <= 0xFF:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return "".join(out)


#: The ids of the checks that are not registered rules, for reports that name what found a problem (``--output``).
YAML_RULE = "spec-yaml"
SCHEMA_RULE = "spec-schema"
TEXT_RULE = "spec-text"
UNCHANGEABLE_RULE = "render-unchangeable"
DRIFT_RULE = "render-drift"
OUTPUT_RULE = "render-output"


@frozen(order=True)
class Problem:
    """One problem found in a spec, located as precisely as the YAML allows."""

    file: str
    line: int
    column: int
    path: str
    message: str
    hint: str = ""
    severity: str = field(default="error", compare=False)
    #: What found it: a registered rule's name (:mod:`azoai_gen.rules`), or one of the ids below.
    rule: str = field(default="", compare=False)

    def format(self) -> str:
        """``file:line:column: path: message`` and the hint on a line of its own; text from the spec (the file name,
        keys in the path, values quoted in the message) is :func:`shown` safely."""
        text = f"{shown(self.file)}:{self.line}:{self.column}: {shown(self.path)}: {shown(self.message)}"
        if self.hint:
            text += f"\n    hint: {shown(self.hint)}"
        return text


def merged(found: list[Problem]) -> Problem:
    """Several problems at one place as one: each message and hint said once, an error if any of them is one."""
    messages = list(dict.fromkeys(p.message for p in found))
    hints = list(dict.fromkeys(p.hint for p in found if p.hint))
    first = next((p for p in found if p.severity == "error"), found[0])
    return Problem(first.file, first.line, first.column, first.path, "; ".join(messages), "; ".join(hints),
                   first.severity, first.rule)


def one_per_place(found: list[Problem]) -> list[Problem]:
    """At most one problem per value (or key) of the spec, sorted: one mistake is one thing to read."""
    places: dict[tuple[str, int, int, str], list[Problem]] = {}
    for problem in found:
        places.setdefault((problem.file, problem.line, problem.column, problem.path), []).append(problem)
    return sorted(group[0] if len(group) == 1 else merged(sorted(group)) for group in places.values())


@frozen
class Finding:
    """A problem found by a rule, before it is located: the spec path it concerns, and what to say.

    The rules loop turns findings into :class:`Problem` objects with the file, line and column of ``path``
    (of its key with ``at_key``).
    """

    path: tuple
    message: str
    hint: str = ""
    at_key: bool = False
    severity: str = "error"


class AzoaiError(Exception):
    """Base class: a failure the user can act on."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class SpecError(AzoaiError):
    """The spec is invalid. Carries every problem found, sorted."""

    def __init__(self, problems: list[Problem], hint: str = "") -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in the spec", hint)


class ConflictError(AzoaiError):
    """Generated files were edited by hand (or are not ours); nothing was written."""

    def __init__(self, message: str, paths: list[str], hint: str = "") -> None:
        super().__init__(message, hint)
        self.paths = paths


class RenameError(ConflictError):
    """A render would change what cannot change once deployed: rename a resource, move the shared resources to
    another region, change a VNet's range or the vault's soft-delete retention. Nothing was written.

    Carries the problems located in the spec, sorted, like :class:`SpecError`, and the resources that a changed
    part of their names (workload, environment, suffix) renames, as ``key: old -> new`` (``paths``)."""

    def __init__(self, problems: list[Problem], renames: list[str]) -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        super().__init__(
            f"{count} change{'s' if count != 1 else ''} to what cannot change once deployed; nothing was written",
            renames,
            "if nothing was deployed from this folder yet (or it was deleted), render again with --force",
        )


class DriftError(AzoaiError):
    """``render --check`` found the output folder out of date."""

    def __init__(self, message: str, changes: list[tuple[str, str]], hint: str = "") -> None:
        super().__init__(message, hint)
        self.changes = changes


class OutputError(AzoaiError):
    """The output folder cannot be written (not a folder, no permission, ...)."""


class ConfirmationError(AzoaiError):
    """A render would lower isolation, and nobody confirmed it. Carries the descriptions of the changes that lower it."""

    def __init__(self, message: str, lowering: list[str], hint: str = "") -> None:
        super().__init__(message, hint)
        self.lowering = lowering


class UsageError(AzoaiError):
    """A command-line option has an invalid value (exit code 2)."""
