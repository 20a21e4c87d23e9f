"""Safe YAML loading that remembers where every value came from.

PyYAML's loaders keep the last of duplicate keys and expand aliases without
limit. This loader composes the node graph with the safe resolver, then builds
plain Python values itself so that it can:

* reject duplicate keys,
* stop alias bombs, huge files and deep nesting early with a clear message,
* record the line and column of every key and value by spec path.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import Problem, SpecError

MAX_BYTES = 256 * 1024
MAX_NODES = 20_000
MAX_DEPTH = 32

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


@dataclass
class Positions:
    """Line and column (1-based) of values and keys, by spec path."""

    file: str
    values: dict[PathT, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathT, tuple[int, int]] = field(default_factory=dict)
    texts: dict[PathT, str] = field(default_factory=dict)

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


@dataclass
class LoadedSpec:
    data: Any
    positions: Positions
    raw: bytes


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
        try:
            value = self.constructor.construct_object(node, deep=True)
        except ConstructorError as exc:
            raise _Abort(node, f"cannot read this value: {exc.problem}", "", path) from None
        self.positions.texts[path] = node.value
        if isinstance(value, (datetime.date, datetime.datetime, bytes)):
            # Every spec value is text, a number or a boolean. YAML 1.1 reads 2024-11-20 as a
            # date; the spec means the text, so keep it.
            return node.value
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
        raise single(1, 1, f"the file is {len(raw)} bytes; a spec may be at most {MAX_BYTES}",
                     "is this the right file?")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise single(1, 1, f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        loader = yaml.SafeLoader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        message = exc.problem or exc.context or "invalid YAML"
        raise single(line, column, f"invalid YAML: {message}") from None
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


def load_file(path: Path) -> LoadedSpec:
    """Read and parse a spec file. A missing or unreadable file is a :class:`SpecError` too."""
    file = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SpecError([Problem(file, 1, 1, "(spec)",
                                     f"the file is {size} bytes; a spec may be at most {MAX_BYTES}",
                                     "is this the right file?")])
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SpecError([Problem(file, 1, 1, "(spec)", "no such file",
                                 "run 'azoai-gen init' to write a starting spec")]) from None
    except IsADirectoryError:
        raise SpecError([Problem(file, 1, 1, "(spec)", "this is a folder, not a spec file")]) from None
    except OSError as exc:
        raise SpecError([Problem(file, 1, 1, "(spec)", f"cannot read the file: {exc.strerror}")]) from None
    return load_text(raw, file)
