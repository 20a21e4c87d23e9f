"""Safe YAML loading that remembers where every value came from.

PyYAML's loaders keep the last of duplicate keys, expand aliases without limit
and read plain scalars by YAML 1.1's rules (``no`` is false, ``0777`` octal,
``1:30`` the number 90). This loader composes the node graph with YAML 1.2's
core schema resolver, then builds plain Python values itself so that it can:

* read a plain scalar the way YAML 1.2 does, and refuse the forms that YAML 1.1
  tools would read otherwise (``0777``) or that no setting can hold (numbers of
  thousands of digits), with a hint;
* reject duplicate keys,
* stop alias bombs, huge files and deep nesting early with a clear message,
* record the line and column of every key and value by spec path.

The file itself is read only if it is a regular file, and never more than
:data:`MAX_BYTES` of it: a FIFO or a device given as the spec is refused
rather than read.
"""

from __future__ import annotations

import codecs
import datetime
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from .errors import Problem, SpecError, UsageError
from .frozen import field, mutable
from .ids import LazyPattern

MAX_BYTES = 256 * 1024
MAX_NODES = 20_000
MAX_DEPTH = 32
#: The most digits a number in a spec may have. The largest setting (tokens per minute) has 9; Python refuses to
#: print integers of more than 4300 digits, and no spec means one.
MAX_DIGITS = 30

PathT = tuple[Any, ...]


def format_path(path: PathT) -> str:
    """``("regions", 0, "location")`` -> ``regions[0].location``; the root is ``(spec)``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        elif text:
            text += f".{part}"
        else:
            text = str(part)
    return text or "(spec)"


@mutable
class Positions:
    """Line and column (1-based) of values and keys, by spec path."""

    file: str
    values: dict[PathT, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathT, tuple[int, int]] = field(default_factory=dict)
    texts: dict[PathT, str] = field(default_factory=dict)
    #: The quote (``'`` or ``"``) of each scalar written in quotes, so that a quoted number can be told apart.
    quotes: dict[PathT, str] = field(default_factory=dict)

    def of_value(self, path: PathT) -> tuple[int, int]:
        """Where the value at ``path`` is, or the nearest enclosing value."""
        path = tuple(path)
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, (1, 1))

    def of_key(self, path: PathT) -> tuple[int, int]:
        """Where the key naming ``path`` is, falling back to its value."""
        path = tuple(path)
        if path in self.keys:
            return self.keys[path]
        return self.of_value(path)

    def problem(self, path: PathT, message: str, hint: str = "", *, at_key: bool = False,
                severity: str = "error") -> Problem:
        line, column = self.of_key(path) if at_key else self.of_value(path)
        return Problem(self.file, line, column, format_path(path), message, hint, severity)


@mutable
class LoadedSpec:
    data: Any
    positions: Positions
    raw: bytes


_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_MERGE = "tag:yaml.org,2002:merge"

#: YAML 1.2's core schema (https://yaml.org/spec/1.2.2/#1023-core-schema), anchored at the very end of the text.
_CORE = [
    (_NULL, re.compile(r"(?:~|null|Null|NULL|)\Z")),
    (_BOOL, re.compile(r"(?:true|True|TRUE|false|False|FALSE)\Z")),
    (_INT, re.compile(r"(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)\Z")),
    (_FLOAT, re.compile(r"(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))\Z")),
    # Not YAML 1.2, but refused with a clear message rather than read as the key '<<'.
    (_MERGE, re.compile(r"<<\Z")),
]


_CORE_BY_TAG = dict(_CORE)
_WORDS = {_NULL: "nothing (null)", _BOOL: "true or false", _FLOAT: "a number"}


_KIND_OF_TAG = {_NULL: "null", _BOOL: "boolean", _INT: "integer", _FLOAT: "number"}


def plain_kind(text: str) -> str | None:
    """What YAML 1.2's core schema reads ``text`` as when it is written without quotes: ``"integer"``,
    ``"number"``, ``"boolean"`` or ``"null"``, or ``None`` for text."""
    for tag, pattern in _CORE:
        if tag in _KIND_OF_TAG and pattern.match(text):
            return _KIND_OF_TAG[tag]
    return None


class _CoreResolver(BaseResolver):
    """Resolves plain scalars by YAML 1.2's core schema: ``yes``, ``off``, ``1:30`` and ``2024-11-20`` are text."""


for _tag, _pattern in _CORE:
    _CoreResolver.add_implicit_resolver(_tag, _pattern, None)


class _Composer(Reader, Scanner, Parser, Composer, _CoreResolver):
    """PyYAML's reader, scanner, parser and composer with the core resolver; no constructor: the builder below
    makes every value itself."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _CoreResolver.__init__(self)


#: Characters that send a text to PyYAML's composer (see :func:`_compose`).
_PYYAML_ONLY = frozenset("\t!?|>&*")

try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML built without libyaml
    _FastComposer = None
else:
    class _FastComposer(CParser, _CoreResolver):  # type: ignore[misc,no-redef]
        """libyaml's parser and composer with the core resolver."""

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            _CoreResolver.__init__(self)


def _compose(text: str) -> Node | None:
    """The document's node graph: composed by libyaml when PyYAML has it (twenty times faster), else by PyYAML's own
    composer, which is the reference: every message is PyYAML's, and a text libyaml refuses is composed again by it.

    The two disagree only on constructs a spec has no use for: a tab after a colon (PyYAML refuses it), and tags,
    explicit ``?`` keys, block scalar headers and anchors, where the position of an empty value or the reading of a
    malformed header differs. A text holding any of those characters takes PyYAML's path, so both paths give the same
    values, positions and problems (``tests/test_load_fast.py``)."""
    if _FastComposer is not None and not _PYYAML_ONLY.intersection(text):
        fast = _FastComposer(text)
        try:
            return fast.get_single_node()
        except yaml.YAMLError:
            pass
        finally:
            fast.dispose()
    loader = _Composer(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _integer(text: str) -> int | None:
    """A YAML 1.2 core integer, or ``None`` when ``text`` is not one."""
    body = text.lstrip("+-")
    if re.fullmatch(r"[0-9]+", body):
        value = int(body)
    elif re.fullmatch(r"0o[0-7]+", text):
        value = int(text[2:], 8)
    elif re.fullmatch(r"0x[0-9a-fA-F]+", text):
        value = int(text[2:], 16)
    else:
        return None
    return -value if text.startswith("-") else value


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    def __init__(self, positions: Positions) -> None:
        self.positions = positions
        self.constructor = SafeConstructor()
        self.count = 0
        self.problems: list[Problem] = []

    def fail(self, node: Node, message: str, hint: str = "", path: PathT = ()) -> None:
        line, column = _mark(node)
        self.problems.append(Problem(self.positions.file, line, column, format_path(path), message, hint))

    def build(self, node: Node, path: PathT, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _Abort(node, f"the document expands to more than {MAX_NODES} values",
                         "a spec is small; this usually means an alias bomb (anchors referenced many times)", path)
        if depth > MAX_DEPTH:
            raise _Abort(node, f"nesting is deeper than {MAX_DEPTH} levels", "a spec needs only a few levels", path)
        self.positions.values.setdefault(path, _mark(node))
        if isinstance(node, MappingNode):
            return self.build_mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        self.positions.texts[path] = node.value
        if node.style in ("'", '"'):
            self.positions.quotes[path] = node.style
        return self.scalar(node, path)

    def scalar(self, node: ScalarNode, path: PathT) -> Any:
        """A plain or tagged scalar as YAML 1.2's core schema reads it."""
        text = node.value
        if node.tag == _STR:
            return text
        if node.tag == _INT:
            return self.integer(node, path)
        if node.tag in (_NULL, _BOOL, _FLOAT):
            if not _CORE_BY_TAG[node.tag].match(text):
                raise _Abort(node, f"cannot read {text!r} as {_WORDS[node.tag]}", "write it without a tag", path)
            if node.tag == _NULL:
                return None
            if node.tag == _BOOL:
                return text in ("true", "True", "TRUE")
            return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))
        try:
            value = self.constructor.construct_object(node, deep=True)
        except ConstructorError as exc:
            raise _Abort(node, f"cannot read this value: {exc.problem}", "", path) from None
        if isinstance(value, (datetime.date, datetime.datetime, bytes)):
            # Every spec value is text, a number or a boolean: an explicit !!timestamp or !!binary is kept as
            # the text the user wrote.
            return text
        raise _Abort(node, f"cannot read this value as {node.tag}", "write it without a tag", path)

    def integer(self, node: ScalarNode, path: PathT) -> int:
        text = node.value
        digits = len(text.lstrip("+-")) - (2 if text.startswith(("0o", "0x")) else 0)
        if digits > MAX_DIGITS:
            raise _Abort(node, f"this number has {digits} digits; a spec's numbers have at most {MAX_DIGITS}",
                         'quote it if it is text: "..."', path)
        if re.fullmatch(r"[-+]?0[0-9]+", text):
            plain = text.lstrip("+-").lstrip("0") or "0"
            raise _Abort(node, f"{text} has a leading zero: YAML 1.1 tools read it as an octal number, "
                               "YAML 1.2 as a decimal one",
                         f'write {plain} for the number, or quote it if it is text: "{text}"', path)
        value = _integer(text)
        if value is None:
            raise _Abort(node, f"cannot read {text!r} as an integer", "write a decimal number", path)
        return value

    def build_mapping(self, node: MappingNode, path: PathT, depth: int) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_seen: dict[Any, Node] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise _Abort(key_node, "merge keys (<<) are not supported in a spec",
                             "write the keys out; a spec is short", path)
            key = self.build(key_node, path + ("<key>",), depth + 1)
            if not isinstance(key_node, ScalarNode):
                self.fail(key_node, "a key must be a plain value", "", path)
                continue
            if not isinstance(key, str):
                self.fail(key_node, f"the key {key_node.value!r} is not text", f'quote it: "{key_node.value}"', path)
                continue
            if key in first_seen:
                line, _ = _mark(first_seen[key])
                self.fail(key_node, f"duplicate key '{key}' (first defined on line {line})",
                          "YAML keeps only the last one; remove one of them", path + (key,))
                continue
            first_seen[key] = key_node
            self.positions.keys[path + (key,)] = _mark(key_node)
            result[key] = self.build(value_node, path + (key,), depth + 1)
        self.positions.values.pop(path + ("<key>",), None)
        self.positions.texts.pop(path + ("<key>",), None)
        self.positions.quotes.pop(path + ("<key>",), None)
        return result


class _Abort(Exception):
    def __init__(self, node: Node, message: str, hint: str, path: PathT) -> None:
        super().__init__(message)
        self.node, self.message, self.hint, self.path = node, message, hint, path


def load_text(raw: bytes, file: str) -> LoadedSpec:
    """Parse ``raw`` YAML into plain values, raising :class:`SpecError` for any problem."""
    positions = Positions(file)

    def single(line: int, column: int, message: str, hint: str = "") -> SpecError:
        return SpecError([Problem(file, line, column, "(spec)", message, hint)])

    if len(raw) > MAX_BYTES:
        raise _too_large(file, len(raw))
    try:
        # What the utf-8-sig codec does (a byte order mark at the start is dropped), without loading that codec.
        text = raw.removeprefix(codecs.BOM_UTF8).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise single(1, 1, f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        root = _compose(text)
    except yaml.MarkedYAMLError as exc:
        raise SpecError([_invalid_yaml(exc, text, file)]) from None
    except yaml.YAMLError as exc:
        raise single(1, 1, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise single(1, 1, "nesting is too deep to read", "a spec needs only a few levels") from None
    if root is None:
        raise single(1, 1, "the spec is empty", "run 'azoai-gen init' to write a starting spec")
    builder = _Builder(positions)
    try:
        data = builder.build(root, (), 0)
    except _Abort as abort:
        line, column = _mark(abort.node)
        raise SpecError(builder.problems + [Problem(file, line, column, format_path(abort.path),
                                                    abort.message, abort.hint)]) from None
    except RecursionError:
        raise single(1, 1, "nesting is too deep to read", "a spec needs only a few levels") from None
    if builder.problems:
        raise SpecError(builder.problems)
    if data is None:
        raise single(1, 1, "the spec is empty", "run 'azoai-gen init' to write a starting spec")
    return LoadedSpec(data=data, positions=positions, raw=raw)


def _invalid_yaml(exc: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    """PyYAML's own words, located where the mistake is, with a hint that says what to change."""
    problem = exc.problem or exc.context or "invalid YAML"
    mark = exc.problem_mark or exc.context_mark
    # The reader notices a key without a colon, or a quote never closed, only lines later: point at where it began.
    if exc.context_mark is not None and (problem == "could not find expected ':'"
                                         or (exc.context or "").startswith("while scanning a quoted scalar")):
        mark = exc.context_mark
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    lines = text.splitlines()
    here = lines[line - 1] if 0 < line <= len(lines) else ""
    hint = _yaml_hint(exc, problem, here[:column - 1], lines[:line - 1], column)
    return Problem(file, line, column, "(spec)", f"invalid YAML: {problem}", hint)


#: A line whose first colon has no space after it (``capacity:50``): YAML reads the whole line as one text.
_NO_SPACE_AFTER_COLON = LazyPattern(r"\s*(?:- +)?[^\s:#'\"][^:#]*:[^\s:]")
_START = LazyPattern(r"found character '(.*)' that cannot start any token")


def _yaml_hint(exc: yaml.MarkedYAMLError, problem: str, before: str, above: list[str], column: int) -> str:
    """What to change, for the mistakes PyYAML's messages leave unexplained: tabs, indentation, missing spaces and
    quotes. ``before`` is the text of the line before the problem, ``above`` the lines above it."""
    start = _START.fullmatch(problem)
    if start and start.group(1) == "\\t":
        if not before.strip():
            return "YAML does not allow tabs for indentation: use spaces"
        return "replace the tab with a space: a tab cannot separate a key or a dash from its value here"
    if start:
        char = start.group(1)
        return f"quote the value: YAML reserves {char} at the start of a value, as in key: \"{char}...\""
    if problem == "mapping values are not allowed here":
        return _mapping_values_hint(before, above)
    if problem.startswith("expected <block end>") and exc.context_mark is not None:
        return _block_end_hint(exc.context or "", exc.context_mark, column)
    if problem == "could not find expected ':'":
        return ("a key needs a colon and a space after it (key: value); a text that runs on to the next line must "
                "be indented more than its key")
    if (exc.context or "").startswith("while scanning a quoted scalar"):
        return "this quote is never closed: end the value with the same quote on the same line"
    if problem.startswith("expected ',' or"):
        return "a [list] or {mapping} written on one line is not closed, or an item in it needs quotes"
    if problem.startswith("found undefined alias"):
        return "YAML reads a value that starts with * as an alias: quote it"
    if problem == "but found another document":
        return "a spec is one YAML document: remove the '---' line and what follows it"
    return ""


def _block_end_hint(context: str, start: yaml.Mark, column: int) -> str:
    line, first = start.line + 1, start.column + 1
    if "collection" in context and first == column:
        return (f"this line starts in the column of the dashes of the list on line {line}, without a dash: start "
                "it with '- ' for a new item, or indent it to line up with the keys of the item above")
    what = "keys" if "mapping" in context else "items"
    return (f"check the indentation: the {what} of the block that starts on line {line} are in column {first}, "
            f"and this line starts in column {column}; indent with spaces so that the keys of one mapping, and the "
            "dashes of one list, line up (a list item's keys line up after its '- ')")


def _mapping_values_hint(before: str, above: list[str]) -> str:
    if ": " in before.lstrip(" -"):
        return 'quote a value that contains ": ", as in description: "note: read me"'
    previous = next((line for line in reversed(above) if line.strip() and not line.lstrip().startswith("#")), "")
    if _NO_SPACE_AFTER_COLON.match(previous):
        return (f"the line above, {previous.strip()!r}, has no space after its colon, so YAML reads it as one text: "
                "write key: value")
    return ("check the indentation: this line is indented more than the key above it, and the keys of one mapping "
            "start in the same column")


def load_file(path: Path) -> LoadedSpec:
    """Read and parse a spec file. A missing, unreadable or irregular file is a :class:`UsageError`: the command
    line named something that is not a spec, so there is no line or column to show."""
    file = str(path)
    try:
        raw = _read_spec(path, file)
    except FileNotFoundError:
        raise UsageError(f"no such file: {file}", "give the path of a spec file, or run 'azoai-gen init' to write "
                                                  "a starting spec") from None
    except IsADirectoryError:
        raise _not_regular(path, "a folder") from None
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from None
    return load_text(raw, file)


def _read_spec(path: Path, file: str) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_BYTES`. Opening does not wait for a FIFO's writer
    (``O_NONBLOCK``), the file's kind is read from the open file itself, and at most one byte more than the limit
    is read, so that a FIFO or a device such as /dev/zero or /dev/urandom is refused without reading it."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise _not_regular(path, "a folder")
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path, _KINDS.get(stat.S_IFMT(info.st_mode), "a special file"))
        if info.st_size > MAX_BYTES:
            raise _too_large(file, info.st_size)
        chunks, size = [], 0
        while size <= MAX_BYTES:
            chunk = os.read(fd, MAX_BYTES + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    finally:
        os.close(fd)
    if size > MAX_BYTES:
        raise _too_large(file, size, exact=False)
    return b"".join(chunks)


_KINDS = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket"}


def _not_regular(path: Path, kind: str) -> UsageError:
    hint = "give the path of a spec file (YAML)"
    if kind == "a folder":
        inside = path / "azoai-gen.yaml"
        hint = f"did you mean {inside}?" if inside.is_file() else f"give the path of a spec file, such as {inside}"
    return UsageError(f"{path} is {kind}, not a spec file", hint)


def _too_large(file: str, size: int, exact: bool = True) -> SpecError:
    told = f"{size} bytes" if exact else f"more than {MAX_BYTES} bytes"
    return SpecError([Problem(file, 1, 1, "(spec)", f"the file is {told}; a spec may be at most {MAX_BYTES}",
                              "is this the right file?")])
