"""The only module that writes generated files.

Writing happens in two phases. First a plan: every file is classified by comparing the
folder with the new render and with the manifest of the previous render. Then, only if
the plan has no conflict (or ``force`` is set), the files are written: each new text
goes to a temporary file beside its target, and only when all are on disk are they
moved into place with atomic renames, the manifest last. A failure before the renames
leaves the folder as it was; an interruption during them leaves files that the next
render recognises as identical.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from . import manifest
from .errors import ConflictError, DriftError, OutputError
from .manifest import MANIFEST

CREATE = "create"
IDENTICAL = "identical"
UPDATE = "update"
CONFLICT = "conflict"
OVERWRITE = "overwrite"
DELETE = "delete"


@dataclass(frozen=True)
class Change:
    path: str
    action: str
    reason: str = ""
    #: Lines added and removed compared with the file on disk.
    added: int = 0
    removed: int = 0


@dataclass
class Plan:
    out_dir: Path
    changes: list[Change]
    files: dict[str, str]

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.action == CONFLICT]

    @property
    def pending(self) -> list[Change]:
        """Changes that would modify the folder."""
        return [c for c in self.changes if c.action != IDENTICAL]


def previous_manifest(out_dir: Path) -> str | None:
    """The text of the manifest that the previous render left in ``out_dir``, or ``None``."""
    try:
        return (out_dir / MANIFEST).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None


def _line_counts(old: bytes, new: bytes) -> tuple[int, int]:
    old_lines = old.decode("utf-8", "replace").splitlines()
    new_lines = new.decode("utf-8", "replace").splitlines()
    added = removed = 0
    for line in difflib.unified_diff(old_lines, new_lines, lineterm="", n=0):
        if line.startswith("+") and not line.startswith("+++"):
            added += 1
        elif line.startswith("-") and not line.startswith("---"):
            removed += 1
    return added, removed


def _safe_relative(path: str) -> bool:
    parts = Path(path).parts
    return bool(parts) and not Path(path).is_absolute() and ".." not in parts


def plan(out_dir: Path, files: dict[str, str], *, force: bool = False, previous_text: str | None = None) -> Plan:
    """Classify every file: create, identical, update, conflict (or overwrite with force), delete.

    ``previous_text`` is the previous manifest when the caller has read it already."""
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"{out_dir} exists and is not a folder", "choose another --out")
    if previous_text is None:
        previous_text = previous_manifest(out_dir)
    previous = manifest.file_hashes(previous_text)
    changes: list[Change] = []
    for path, text in sorted(files.items()):
        target = out_dir / path
        new = text.encode("utf-8")
        if not target.exists():
            changes.append(Change(path, CREATE, added=len(text.splitlines())))
            continue
        if not target.is_file():
            raise OutputError(f"{target} exists and is not a file", "move it out of the output folder")
        try:
            current = target.read_bytes()
        except OSError as exc:
            raise OutputError(f"cannot read {target}: {exc.strerror}") from None
        if current == new:
            changes.append(Change(path, IDENTICAL))
            continue
        added, removed = _line_counts(current, new)
        if path == MANIFEST or previous.get(path) == manifest.sha256(current):
            changes.append(Change(path, UPDATE, added=added, removed=removed))
        else:
            reason = "edited by hand since the last render" if path in previous else "not written by azoai-gen"
            changes.append(Change(path, OVERWRITE if force else CONFLICT, reason, added, removed))
    for path in sorted(set(previous) - set(files)):
        if not _safe_relative(path):
            continue
        target = out_dir / path
        if not target.is_file():
            continue
        current = target.read_bytes()
        removed = len(current.decode("utf-8", "replace").splitlines())
        if previous[path] == manifest.sha256(current):
            changes.append(Change(path, DELETE, "no longer generated", removed=removed))
        elif force:
            changes.append(Change(path, DELETE, "no longer generated; edited by hand", removed=removed))
        else:
            changes.append(Change(path, CONFLICT, "no longer generated, but edited by hand since the last render"))
    return Plan(out_dir=out_dir, changes=changes, files=files)


def check(out_dir: Path, files: dict[str, str], previous_text: str | None = None) -> Plan:
    """Raise :class:`DriftError` unless the folder holds exactly what would be rendered."""
    result = plan(out_dir, files, previous_text=previous_text)
    if result.pending:
        raise DriftError(
            f"{out_dir} is out of date with the spec ({len(result.pending)} file"
            f"{'s' if len(result.pending) != 1 else ''})",
            [(c.path, c.action) for c in result.pending],
            "run 'azoai-gen render' and commit the result",
        )
    return result


def apply(result: Plan) -> None:
    """Carry out a plan. Raises :class:`ConflictError` if it has conflicts; writes nothing then."""
    if result.conflicts:
        paths = [c.path for c in result.conflicts]
        raise ConflictError(
            f"{len(paths)} generated file{'s were' if len(paths) != 1 else ' was'} changed outside azoai-gen; "
            "nothing was written",
            paths,
            "move the change into the spec, or run again with --force to overwrite",
        )
    out_dir = result.out_dir
    writes = [c for c in result.changes if c.action in (CREATE, UPDATE, OVERWRITE)]
    # The manifest goes last, so an interrupted run never records hashes of files it did not write.
    writes.sort(key=lambda c: c.path == MANIFEST)
    staged: list[tuple[Path, Path]] = []
    try:
        for change in writes:
            target = out_dir / change.path
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((Path(temp), target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(result.files[change.path].encode("utf-8"))
                handle.flush()
                os.fsync(handle.fileno())
            mode = target.stat().st_mode & 0o777 if target.exists() else 0o644
            os.chmod(temp, mode)
    except OSError as exc:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise OutputError(f"cannot write to {out_dir}: {exc.strerror or exc}",
                          "nothing was changed; check the folder's permissions and free space") from None
    try:
        for temp, target in staged:
            os.replace(temp, target)
        for change in result.changes:
            if change.action == DELETE:
                (out_dir / change.path).unlink(missing_ok=True)
    except OSError as exc:
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise OutputError(f"writing {out_dir} failed part way: {exc.strerror or exc}",
                          "render again: files already written are recognised as up to date") from None
