"""The only module that writes to the disk: the output folder of ``render`` and the two files of ``init``.

A render happens in two phases. First a plan: every file is classified by comparing the folder with the new render
and with what the folder's manifest (and the journal of an interrupted render) records. Then, only if the plan has
no conflict, the folder is changed. What the writer guarantees (docs/architecture.md, "Determinism and safe
writing"):

* **Nothing outside the output folder.** The folder is opened once, and every path below it is reached one folder at
  a time without following symbolic links. A link anywhere on the way (a ``modules`` folder that points elsewhere, a
  generated file that is a link) stops the render before anything is written; a manifest entry that is absolute or
  climbs with ``..`` is not ours and is ignored. The output folder itself may not be a link, nor the root folder, a
  home folder or the top of the spec's git work tree (or a folder holding one), unless it holds our manifest already.
* **Never a file we did not write.** A file is ours when its bytes match a hash that the manifest (or the journal)
  records for its path. ``force`` overwrites or deletes a file the manifest lists but that was edited by hand; a file
  the manifest does not list, and the spec being rendered, are never overwritten or deleted.
* **Atomic files.** Every file is written to a temporary file created exclusively (``O_EXCL``) under an unpredictable
  name beside its target, fsynced, then renamed over the target; ``init`` uses the same writer. A render writes all
  its temporary files before it fsyncs the first (the file system then commits them together rather than one by
  one), and fsyncs them all before it renames the first.
* **Recoverable interruptions.** Before anything is staged or renamed, a journal beside the manifest records every
  hash the render may leave on disk, and the manifest of the last render that finished. Old files are deleted before
  the new manifest is renamed into place, and the journal is removed last. The next render reads the journal: it
  treats files with a recorded hash as its own (never as hand edits), removes the temporary files of ours, and takes
  the folder to the state of the spec it renders.
* **One writer at a time.** A render holds a lock file (``flock``) in the folder while it plans and writes; a second
  render waits up to :data:`LOCK_WAIT` seconds, then refuses. ``--check`` and ``--dry-run`` write nothing and take a
  shared lock only when a lock file is there.

POSIX only: the writer relies on ``openat``-style calls (``dir_fd``), ``O_NOFOLLOW`` and ``flock``.
"""

from __future__ import annotations

import difflib
import errno
import json
import os
import re
import stat
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from . import manifest
from .errors import AzoaiError, ConflictError, DriftError, OutputError
from .frozen import field, frozen, mutable
from .manifest import MANIFEST

CREATE = "create"
IDENTICAL = "identical"
UPDATE = "update"
CONFLICT = "conflict"
OVERWRITE = "overwrite"
DELETE = "delete"
#: A temporary file, journal or lock file that an interrupted render left in the folder.
REMOVE = "remove"

#: The journal of a render under way, beside the manifest. It exists only while a render writes (or after one was
#: interrupted).
JOURNAL = "azoai-gen.journal.json"
#: The lock file, present only while a render writes (or after one was killed; the next render removes it).
LOCK = ".azoai-gen.lock"
#: How long a render waits for another one writing the same folder, in seconds, before it refuses; the environment
#: variable AZOAI_GEN_LOCK_WAIT sets another time.
LOCK_WAIT = 5.0
#: The mode of a file the writer creates; a file it replaces keeps its mode.
NEW_FILE_MODE = 0o644
LEFT_BEHIND = "left by an interrupted render"
#: Why a file is in the way of a render and even ``force`` leaves it: it is not ours, or it is the spec itself.
NOT_OURS = "not written by azoai-gen"
THE_SPEC = "the spec being rendered"

_TEMP = re.compile(r"\.(?P<name>.+)\.azoai-gen-[0-9a-f]{16}\.tmp")
#: The temporary files of earlier versions (``tempfile.mkstemp``), recognised only beside a file of ours.
_OLD_TEMP = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}\.tmp")
# getattr: the package imports everywhere, and open_output says plainly where the writer cannot run.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIR = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW | _CLOEXEC
_READ = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | _CLOEXEC
_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
_RESERVED = {JOURNAL, LOCK}


def _checkpoint(step: str) -> None:
    """Called between any two disk operations of a write. Does nothing: the interruption tests replace it to stop or
    kill the process at every point of a render."""


@frozen
class Change:
    path: str
    action: str
    reason: str = ""
    #: Lines added and removed compared with the file on disk.
    added: int = 0
    removed: int = 0
    #: For a conflict: whether ``--force`` may overwrite or delete the file (only files the manifest lists).
    forceable: bool = True


@mutable
class Plan:
    out_dir: Path
    changes: list[Change]
    files: dict[str, str]
    force: bool = False
    #: Every hash each path may hold while it is still ours: the manifest's, and those a journal recorded.
    known: dict[str, frozenset[str]] = field(default_factory=dict)
    #: The manifest of the last render that finished (the journal keeps it while a render is under way).
    previous: str | None = None

    @property
    def conflicts(self) -> list[Change]:
        return [c for c in self.changes if c.action == CONFLICT]

    @property
    def pending(self) -> list[Change]:
        """Changes that would modify the folder."""
        return [c for c in self.changes if c.action != IDENTICAL]


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


def _parts(path: str) -> tuple[str, ...] | None:
    """The folders and the name of a relative path below the output folder, or ``None`` for one that could leave it
    (absolute, empty, ``.`` or ``..`` parts)."""
    parts = tuple(path.split("/"))
    if any(part in ("", ".", "..") or "\0" in part for part in parts):
        return None
    return parts


def _reason(exc: BaseException) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)


# ---------------------------------------------------------------------------------------------------------------------
# Files beside their target: the one atomic writer.


def _token() -> str:
    """Sixteen random hex digits from the operating system's generator (what ``secrets.token_hex`` reads)."""
    return os.urandom(8).hex()


def _temp_name(name: str) -> str:
    return f".{name}.azoai-gen-{_token()}.tmp"


def _create(folder: int, name: str, data: bytes, mode: int) -> tuple[str, int]:
    """Write ``data`` to a new temporary file beside ``name`` in the open folder ``folder``; return its name and its
    descriptor, still open and not yet fsynced. The file is created exclusively (never through a link or over an
    existing file); on failure it is removed."""
    temp = _temp_name(name)
    fd = os.open(temp, _NEW, 0o600, dir_fd=folder)
    try:
        _checkpoint(f"created {temp}")
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        _checkpoint(f"wrote {temp}")
        os.fchmod(fd, mode)
    except BaseException:
        os.close(fd)
        _unlink_quietly(folder, temp)
        raise
    return temp, fd


def _stage(folder: int, name: str, data: bytes, mode: int) -> str:
    """Write ``data`` to a new temporary file beside ``name`` (:func:`_create`), fsync it and return its name; on
    failure it is removed."""
    temp, fd = _create(folder, name, data, mode)
    try:
        os.fsync(fd)
    except BaseException:
        _unlink_quietly(folder, temp)
        raise
    finally:
        os.close(fd)
    _checkpoint(f"staged {temp}")
    return temp


def _unlink_quietly(folder: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=folder)
    except OSError:
        pass


def _close_quietly(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


def _mode_of(folder: int, name: str) -> int:
    """The mode a rewritten ``name`` keeps (a new file gets :data:`NEW_FILE_MODE`)."""
    try:
        info = os.stat(name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return NEW_FILE_MODE
    return stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else NEW_FILE_MODE


def _install_new(folder: int, temp: str, name: str) -> bool:
    """Give the staged ``temp`` the name ``name`` unless something already has it; False if something has."""
    try:
        os.link(temp, name, src_dir_fd=folder, dst_dir_fd=folder, follow_symlinks=False)
    except FileExistsError:
        return False
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        # The file system has no hard links: the check and the rename are then two steps.
        try:
            os.stat(name, dir_fd=folder, follow_symlinks=False)
            return False
        except FileNotFoundError:
            os.replace(temp, name, src_dir_fd=folder, dst_dir_fd=folder)
            return True
    os.unlink(temp, dir_fd=folder)
    return True


# ---------------------------------------------------------------------------------------------------------------------
# The output folder, walked one folder at a time and never through a link.


class _Tree:
    """A folder opened once; every path below it is reached one component at a time, never through a link."""

    def __init__(self, fd: int, path: Path) -> None:
        self.path = path
        self.root = fd
        #: The process that holds the folder's lock, as its lock file says, when another render holds it.
        self.holder = ""
        self._fds: dict[tuple[str, ...], int] = {(): fd}

    def close(self) -> None:
        for fd in self._fds.values():
            os.close(fd)
        self._fds.clear()

    def where(self, parts: tuple[str, ...]) -> Path:
        return self.path.joinpath(*parts)

    def refusal(self, parts: tuple[str, ...], exc: OSError, folder: bool) -> OutputError:
        """The error for ``parts``, which could not be opened as a folder (``folder``) or a file."""
        parent = self._fds.get(parts[:-1])
        try:
            info = os.stat(parts[-1], dir_fd=parent, follow_symlinks=False) if parent is not None else None
        except OSError:
            info = None
        where = self.where(parts)
        if info is not None and stat.S_ISLNK(info.st_mode):
            return OutputError(f"{where} is a symbolic link; azoai-gen never reads, writes or deletes through a link",
                               "remove the link (or render into another folder): azoai-gen writes only inside the "
                               "output folder")
        if info is not None:
            return OutputError(f"{where} exists and is not a {'folder' if folder else 'file'}",
                               "move it out of the output folder")
        return OutputError(f"cannot open {where}: {_reason(exc)}", "check the folder's permissions")

    def folder(self, parts: tuple[str, ...], create: bool = False) -> int | None:
        """The open folder ``parts`` below the root (``None`` if it is missing and not ``create``)."""
        if parts in self._fds:
            return self._fds[parts]
        parent = self.folder(parts[:-1], create)
        if parent is None:
            return None
        try:
            fd = os.open(parts[-1], _DIR, dir_fd=parent)
        except FileNotFoundError:
            if not create:
                return None
            try:
                os.mkdir(parts[-1], 0o777, dir_fd=parent)
            except FileExistsError:
                pass
            return self.folder(parts, create=False)
        except OSError as exc:
            raise self.refusal(parts, exc, folder=True) from None
        self._fds[parts] = fd
        return fd

    def read(self, path: str) -> tuple[bytes, tuple[int, int]] | None:
        """The bytes and the identity (device, inode) of the regular file at ``path``; ``None`` if it is missing.
        A link or anything but a regular file is refused."""
        parts = _parts(path)
        assert parts is not None, path
        folder = self.folder(parts[:-1])
        if folder is None:
            return None
        try:
            fd = os.open(parts[-1], _READ, dir_fd=folder)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self.refusal(parts, exc, folder=False) from None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            raise OutputError(f"{self.where(parts)} exists and is not a file", "move it out of the output folder")
        with os.fdopen(fd, "rb") as handle:
            try:
                return handle.read(), (info.st_dev, info.st_ino)
            except OSError as exc:
                raise OutputError(f"cannot read {self.where(parts)}: {_reason(exc)}") from None

    def names(self, parts: tuple[str, ...], wanted: Callable[[str], bool]) -> list[str]:
        """The regular files directly in the folder ``parts`` (none if it is missing) whose names are ``wanted``. Only
        those are looked at: the folder's other entries cost no ``stat``."""
        folder = self.folder(parts)
        if folder is None:
            return []
        found = []
        for name in sorted(filter(wanted, os.listdir(folder))):
            try:
                if stat.S_ISREG(os.stat(name, dir_fd=folder, follow_symlinks=False).st_mode):
                    found.append(name)
            except FileNotFoundError:
                continue
        return found

    def sync(self, parts: tuple[str, ...]) -> None:
        folder = self.folder(parts)
        if folder is not None:
            os.fsync(folder)


def _open_root(out_dir: Path, create: bool) -> _Tree | None:
    """Open the output folder (creating it when ``create``); ``None`` when it is missing. The folder itself may not
    be a link; the folders above it are the user's and are used as they are."""
    try:
        info = os.lstat(out_dir)
    except FileNotFoundError:
        info = None
    except (OSError, ValueError) as exc:
        raise OutputError(f"cannot use {out_dir} as the output folder: {_reason(exc)}") from None
    if info is not None and stat.S_ISLNK(info.st_mode):
        raise OutputError(f"{out_dir} is a symbolic link; azoai-gen never writes through a link",
                          "give the folder itself as --out")
    if info is not None and not stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{out_dir} exists and is not a folder", "choose another --out")
    if info is None and not create:
        return None
    try:
        if info is None:
            os.makedirs(out_dir, exist_ok=True)
        fd = os.open(out_dir, _DIR)
    except OSError as exc:
        raise OutputError(f"cannot create or open {out_dir}: {_reason(exc)}",
                          "check the folder's permissions, or choose another --out") from None
    return _Tree(fd, out_dir)


# ---------------------------------------------------------------------------------------------------------------------
# Folders that are never an output folder.


def _work_tree_top(spec: Path) -> Path | None:
    """The top of the git work tree that holds the spec, if any."""
    folder = Path(os.path.realpath(spec)).parent
    for candidate in (folder, *folder.parents):
        if os.path.lexists(candidate / ".git"):
            return candidate
    return None


def _homes(owner: int) -> list[Path]:
    homes = []
    try:
        homes.append(Path.home())
    except (RuntimeError, KeyError):
        pass
    try:
        import pwd

        homes += [Path(pwd.getpwuid(uid).pw_dir) for uid in {os.getuid(), owner}]
    except (ImportError, KeyError):
        pass
    return homes


def _special(tree: _Tree, spec: Path | None) -> str | None:
    """What makes the output folder one that azoai-gen must not fill, if anything: the root folder, a home folder, the
    top of the spec's git work tree, or a folder that holds one of these."""
    here = os.fstat(tree.root)
    places = [("the root folder", Path("/"))] + [("a home folder", home) for home in _homes(here.st_uid)]
    top = _work_tree_top(spec) if spec is not None else None
    if top is not None:
        places.append(("the top of the git work tree that holds the spec", top))
    for what, place in places:
        real = Path(os.path.realpath(place))
        for depth, folder in enumerate((real, *real.parents)):
            try:
                info = os.stat(folder)
            except (OSError, ValueError):
                continue
            if (info.st_dev, info.st_ino) == (here.st_dev, here.st_ino):
                return what if depth == 0 else f"a folder that holds {what} ({real})"
    return None


def _refuse_special(tree: _Tree, spec: Path | None) -> None:
    what = _special(tree, spec)
    if what is None:
        return
    found = tree.read(MANIFEST)
    if found is not None and manifest.is_ours(found[0].decode("utf-8", "replace")):
        return
    raise OutputError(f"{tree.path} is {what}; azoai-gen renders only into a folder of its own",
                      "choose an output folder for the generated files, for example --out infra")


# ---------------------------------------------------------------------------------------------------------------------
# The lock.


def _lock_once(tree: _Tree, shared: bool) -> int | None | bool:
    """Try to lock the folder: the lock file's descriptor, ``None`` if a reader finds no lock file, ``False`` if
    another process holds the lock."""
    import fcntl

    flags = (os.O_RDONLY if shared else os.O_RDWR | os.O_CREAT) | _READ
    try:
        fd = os.open(LOCK, flags, NEW_FILE_MODE, dir_fd=tree.root)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise tree.refusal((LOCK,), exc, folder=False) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OutputError(f"{tree.where((LOCK,))} exists and is not a file", "move it out of the output folder")
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            tree.holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            return False
        try:
            now = os.stat(LOCK, dir_fd=tree.root, follow_symlinks=False)
        except FileNotFoundError:
            now = None
    except BaseException:
        os.close(fd)
        raise
    if now is None or (now.st_dev, now.st_ino) != (info.st_dev, info.st_ino):
        os.close(fd)  # the render that held it removed it: lock the file that is there now
        return _lock_once(tree, shared)
    if not shared:
        # Only a lock file left by a killed render holds a number already. Truncating an empty one is not free: some
        # file systems (ext4) then flush the file when it is closed.
        if now.st_size:
            os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
    return fd


def _lock(tree: _Tree, shared: bool) -> int | None:
    """Hold the folder's lock: exclusive for a render that writes, shared (and only if a lock file is there) for one
    that reads. Waits up to :data:`LOCK_WAIT` seconds for another render, then refuses."""
    try:
        wait = max(0.0, float(os.environ.get("AZOAI_GEN_LOCK_WAIT", LOCK_WAIT)))
    except ValueError:
        wait = LOCK_WAIT
    deadline = time.monotonic() + wait
    while True:
        fd = _lock_once(tree, shared)
        if fd is not False:
            _checkpoint("locked")
            return fd
        if time.monotonic() >= deadline:
            holder = tree.holder
            who = f" (process {holder})" if holder.isdigit() else ""
            raise OutputError(f"another azoai-gen render{who} is writing {tree.path}; nothing was "
                              f"{'read' if shared else 'written'}",
                              f"wait for it to finish, then run again (azoai-gen waited {wait:g} seconds)")
        time.sleep(0.05)


def _unlock(tree: _Tree, fd: int, remove: bool) -> None:
    if remove:
        _unlink_quietly(tree.root, LOCK)
    os.close(fd)


# ---------------------------------------------------------------------------------------------------------------------
# The journal.


def _journal_text(previous: str | None, known: dict[str, frozenset[str]]) -> str:
    entries = {path: sorted(hashes) for path, hashes in sorted(known.items())}
    return json.dumps({"generator": "azoai-gen", "journal": 1, "previous": previous, "known": entries},
                      indent=2, sort_keys=True) + "\n"


def _parse_journal(tree: _Tree, data: bytes) -> tuple[str | None, dict[str, frozenset[str]]]:
    """The manifest of the last render that finished, and the hashes an interrupted render recorded."""
    try:
        loaded = json.loads(data.decode("utf-8"))
        assert loaded["generator"] == "azoai-gen" and loaded["journal"] == 1
        previous = loaded["previous"]
        assert previous is None or isinstance(previous, str)
        known = {str(path): frozenset(str(h) for h in hashes) for path, hashes in loaded["known"].items()}
    except (ValueError, KeyError, TypeError, AttributeError, AssertionError):
        raise OutputError(f"{tree.where((JOURNAL,))} is not a journal that azoai-gen wrote",
                          "move it out of the output folder") from None
    return previous, known


def _add(known: dict[str, frozenset[str]], entries: dict[str, str] | dict[str, frozenset[str]]) -> None:
    for path, hashes in entries.items():
        if _parts(path) is None or path in _RESERVED:
            continue
        known[path] = known.get(path, frozenset()) | (frozenset([hashes]) if isinstance(hashes, str) else hashes)


# ---------------------------------------------------------------------------------------------------------------------
# An output folder, opened for a render.


class Output:
    """The output folder of one render: opened, checked, locked while writing, and its previous state read."""

    def __init__(self, path: Path, tree: _Tree | None, writing: bool, spec: Path | None, lock: int | None) -> None:
        self.path = path
        self.tree = tree
        self.writing = writing
        self.lock = lock
        self.spec = _identity(spec)
        self.journal: tuple[str | None, dict[str, frozenset[str]]] | None = None
        self._manifest: str | None = None
        if tree is not None:
            found = tree.read(JOURNAL)
            self.journal = _parse_journal(tree, found[0]) if found is not None else None
            found = tree.read(MANIFEST)
            self._manifest = found[0].decode("utf-8", "replace") if found is not None else None

    def previous_manifest(self) -> str | None:
        """The manifest of the last render that finished: the journal's while an interrupted render is pending."""
        return self.journal[0] if self.journal is not None else self._manifest

    def known(self) -> dict[str, frozenset[str]]:
        """Every hash each path may hold while it is ours."""
        known: dict[str, frozenset[str]] = {}
        _add(known, manifest.file_hashes(self._manifest))
        if self.journal is not None:  # otherwise the previous manifest is the one on disk, read above
            _add(known, manifest.file_hashes(self.journal[0]))
            _add(known, self.journal[1])
        return known

    def plan(self, files: dict[str, str], *, force: bool = False, counts: bool = True) -> Plan:
        """Classify every file: create, identical, update, conflict (or overwrite with force), delete, remove.
        ``counts``: count the lines each change adds and removes (for showing the plan)."""
        known = self.known()
        changes = [self._classify(path, text, known.get(path), force, counts) for path, text in sorted(files.items())]
        for path in sorted(set(known) - set(files)):
            change = self._classify_old(path, known[path], force)
            if change is not None:
                changes.append(change)
        changes += self._left_behind(files, known)
        return Plan(self.path, changes, files, force, known, self.previous_manifest())

    def _read(self, path: str) -> tuple[bytes, bool] | None:
        """The bytes of ``path`` and whether it is the spec being rendered."""
        found = self.tree.read(path) if self.tree is not None else None
        return None if found is None else (found[0], found[1] == self.spec)

    def _classify(self, path: str, text: str, hashes: frozenset[str] | None, force: bool, counts: bool) -> Change:
        if _parts(path) is None or path in _RESERVED:
            raise AzoaiError(f"cannot write {path!r}: it is not a path inside the output folder")
        new = text.encode("utf-8")
        found = self._read(path)
        if found is None:
            return Change(path, CREATE, added=len(text.splitlines()))
        current, is_spec = found
        if current == new:
            return Change(path, IDENTICAL)
        added, removed = _line_counts(current, new) if counts else (0, 0)
        if is_spec:
            return Change(path, CONFLICT, THE_SPEC, added, removed, forceable=False)
        if path == MANIFEST or manifest.sha256(current) in (hashes or ()):
            return Change(path, UPDATE, added=added, removed=removed)
        if hashes is not None:
            return Change(path, OVERWRITE if force else CONFLICT, "edited by hand since the last render", added,
                          removed)
        return Change(path, CONFLICT, NOT_OURS, added, removed, forceable=False)

    def _classify_old(self, path: str, hashes: frozenset[str], force: bool) -> Change | None:
        found = self._read(path)
        if found is None or found[1]:
            return None  # gone already, or the spec itself: never deleted
        current = found[0]
        removed = len(current.decode("utf-8", "replace").splitlines())
        if manifest.sha256(current) in hashes:
            return Change(path, DELETE, "no longer generated", removed=removed)
        if force:
            return Change(path, DELETE, "no longer generated; edited by hand", removed=removed)
        return Change(path, CONFLICT, "no longer generated, but edited by hand since the last render")

    def _left_behind(self, files: dict[str, str], known: dict[str, frozenset[str]]) -> list[Change]:
        """Temporary files of ours, and the journal and lock file of an interrupted render."""
        if self.tree is None:
            return []
        ours: dict[tuple[str, ...], set[str]] = {(): {JOURNAL}}
        for path in (*files, *known):
            parts = _parts(path)
            ours.setdefault(parts[:-1], set()).add(parts[-1])
        found = []
        for folder, names in sorted(ours.items()):
            for name in self.tree.names(folder, lambda entry: _is_temporary(entry, names)):
                found.append(Change("/".join((*folder, name)), REMOVE, LEFT_BEHIND))
        if self.journal is not None:
            found.append(Change(JOURNAL, REMOVE, LEFT_BEHIND))
        if self.lock is not None and not self.writing:
            found.append(Change(LOCK, REMOVE, LEFT_BEHIND))
        return found

    def check(self, files: dict[str, str]) -> Plan:
        """Raise :class:`DriftError` unless the folder holds exactly what would be rendered."""
        result = self.plan(files, counts=False)
        if result.pending:
            count = len(result.pending)
            # The hint leads to a render that succeeds: it first says what a plain render would stop on.
            raise DriftError(f"{self.path} is out of date with the spec ({count} file{'s' if count != 1 else ''})",
                             [(c.path, c.action) for c in result.pending],
                             conflict_advice(result.conflicts, self.path, "run 'azoai-gen render'")
                             + " and commit the result")
        return result

    def apply(self, plan: Plan) -> None:
        """Carry out a plan. Raises :class:`ConflictError` if it has conflicts; writes nothing then."""
        assert self.writing and self.tree is not None, "open the output folder for writing"
        _refuse_conflicts(plan)
        _Apply(self.tree, plan, had_journal=self.journal is not None).run()
        self.journal = None


def _is_temporary(name: str, ours: set[str]) -> bool:
    """Whether ``name`` is a temporary file of ours, in a folder where the files named ``ours`` are generated."""
    old = _OLD_TEMP.fullmatch(name)
    return bool(_TEMP.fullmatch(name) or (old and old["name"] in ours))


def _identity(path: Path | None) -> tuple[int, int] | None:
    try:
        info = os.stat(path) if path is not None else None
    except (OSError, ValueError):
        return None
    return (info.st_dev, info.st_ino) if info is not None else None


def _refuse_conflicts(plan: Plan) -> None:
    refusal = conflict_error(plan)
    if refusal is not None:
        raise refusal


def conflict_error(plan: Plan) -> ConflictError | None:
    """The error that applying ``plan`` raises, or ``None`` when it has no conflict (``--dry-run`` shows it too)."""
    conflicts = plan.conflicts
    if not conflicts:
        return None
    paths = [c.path for c in conflicts]
    advice = conflict_advice(conflicts, plan.out_dir, "render again")
    if all(c.forceable for c in conflicts):
        return ConflictError(
            f"{len(paths)} generated file{'s were' if len(paths) != 1 else ' was'} changed outside azoai-gen; "
            "nothing was written", paths, advice)
    return ConflictError(
        f"{len(paths)} file{'s are' if len(paths) != 1 else ' is'} in the way of the render; nothing was written",
        paths, advice)


def conflict_advice(conflicts: list[Change], folder: Path, render: str) -> str:
    """The steps after which ``render`` (the command that writes ``folder``) succeeds: first the files that even
    ``--force`` leaves (never an invitation to ``--force`` for those), then the hand edits, which ``--force``
    overwrites, then ``render`` itself."""
    theirs = [c.path for c in conflicts if not c.forceable and c.reason != THE_SPEC]
    spec = [c.path for c in conflicts if not c.forceable and c.reason == THE_SPEC]
    edited = [c.path for c in conflicts if c.forceable]
    steps = []
    if theirs:
        steps.append(f"{_listed(theirs)} {'is' if len(theirs) == 1 else 'are'} {NOT_OURS}: choose another --out, "
                     f"or move {'it' if len(theirs) == 1 else 'them'} out of {folder}")
    if spec:
        steps.append(f"{_listed(spec)} is the spec being rendered: choose another --out, or move the spec out of "
                     f"{folder}")
    then = "then " if steps else ""
    if edited:
        steps.append(f"{then}{_listed(edited)} {'was' if len(edited) == 1 else 'were'} edited by hand since the last "
                     f"render: move the change into the spec, then {render} with --force to overwrite "
                     f"{'it' if len(edited) == 1 else 'them'}")
    else:
        steps.append(f"{then}{render}")
    return "; ".join(steps)


def _listed(paths: list[str], most: int = 5) -> str:
    shown = ", ".join(paths[:most])
    return shown + (f" and {len(paths) - most} more" if len(paths) > most else "")


class _Apply:
    """The writes of one plan, in the order that keeps every interruption recoverable."""

    def __init__(self, tree: _Tree, plan: Plan, had_journal: bool) -> None:
        self.tree = tree
        self.plan = plan
        self.had_journal = had_journal
        self.wrote_journal = False
        self.staged: list[tuple[tuple[str, ...], str]] = []  # (parts, temp name)

    def run(self) -> None:
        plan, tree = self.plan, self.tree
        for change in plan.changes:
            if change.action == REMOVE and change.path not in _RESERVED:
                parts = _parts(change.path)
                _unlink_quietly(tree.folder(parts[:-1]), parts[-1])
                _checkpoint(f"removed {change.path}")
        writes = [c.path for c in plan.changes if c.action in (CREATE, UPDATE, OVERWRITE)]
        deletes = [c.path for c in plan.changes if c.action == DELETE]
        if writes or deletes:
            # The manifest goes last, so that the folder's record changes only when every file is in place.
            writes.sort(key=lambda path: path == MANIFEST)
            self._stage(writes)
            self._install(deletes)
        if self.had_journal or self.wrote_journal:
            try:
                os.unlink(JOURNAL, dir_fd=tree.root)
                tree.sync(())
            except OSError as exc:
                raise OutputError(f"cannot remove {tree.where((JOURNAL,))}: {_reason(exc)}",
                                  "every file is in place; render again to remove the journal") from None
            _checkpoint("journal removed")

    def _stage(self, writes: list[str]) -> None:
        """Record the journal, then write every file to a temporary file beside it. A failure removes what was
        staged, and the folder is as it was."""
        known = dict(self.plan.known)
        _add(known, {path: manifest.sha256(text.encode("utf-8")) for path, text in self.plan.files.items()})
        unsynced: list[tuple[str, int]] = []  # (temp name, open descriptor)
        try:
            journal = _stage(self.tree.root, JOURNAL, _journal_text(self.plan.previous, known).encode("utf-8"),
                             NEW_FILE_MODE)
            self.staged.append(((JOURNAL,), journal))
            os.replace(journal, JOURNAL, src_dir_fd=self.tree.root, dst_dir_fd=self.tree.root)
            self.staged.pop()
            self.wrote_journal = True
            self.tree.sync(())
            _checkpoint("journal written")
            for path in writes:
                parts = _parts(path)
                folder = self.tree.folder(parts[:-1], create=True)
                temp, fd = _create(folder, parts[-1], self.plan.files[path].encode("utf-8"),
                                   _mode_of(folder, parts[-1]))
                unsynced.append((temp, fd))
                self.staged.append((parts, temp))
            # Every file is written before the first is fsynced: the file system then commits them in fewer
            # journal transactions than when each write waits for its own.
            for temp, fd in unsynced:
                os.fsync(fd)
                _checkpoint(f"staged {temp}")
        except BaseException as exc:  # an error, or Ctrl-C: no temporary file stays behind
            self._undo(renamed=0)
            if not isinstance(exc, OSError):
                raise
            raise OutputError(f"cannot write to {self.tree.path}: {_reason(exc)}",
                              "nothing was changed; check the folder's permissions and free space") from None
        finally:
            for _, fd in unsynced:
                _close_quietly(fd)  # fsynced already, or its file removed: the close has nothing left to report

    def _install(self, deletes: list[str]) -> None:
        """Rename the files into place and delete the old ones; then, once all of that is on disk, rename the
        manifest."""
        tail = [(parts, temp) for parts, temp in self.staged if parts == (MANIFEST,)]
        body = [("rename", parts, temp) for parts, temp in self.staged if parts != (MANIFEST,)]
        body += [("delete", _parts(path), "") for path in deletes]
        done = 0
        try:
            for kind, parts, temp in body + [("rename", parts, temp) for parts, temp in tail]:
                if (parts, temp) in tail:
                    for touched in sorted({p[:-1] for _, p, _ in body}):
                        self.tree.sync(touched)
                folder = self.tree.folder(parts[:-1])
                if kind == "rename":
                    os.replace(temp, parts[-1], src_dir_fd=folder, dst_dir_fd=folder)
                    self.staged.remove((parts, temp))
                else:
                    os.unlink(parts[-1], dir_fd=folder)
                done += 1
                _checkpoint(f"{kind}d {'/'.join(parts)}")
            self.tree.sync(())
        except BaseException as exc:
            self._undo(done)
            if not isinstance(exc, OSError):
                raise
            raise OutputError(f"writing {self.tree.path} failed part way: {_reason(exc)}",
                              "render again: files already written are recognised as azoai-gen's own") from None

    def _undo(self, renamed: int) -> None:
        """Remove the temporary files; and the journal too while nothing was renamed, if there was none before."""
        for parts, temp in self.staged:
            folder = self.tree.folder(parts[:-1])
            if folder is not None:
                _unlink_quietly(folder, temp)
        self.staged.clear()
        if not renamed and self.wrote_journal and not self.had_journal:
            _unlink_quietly(self.tree.root, JOURNAL)
            self.wrote_journal = False


@contextmanager
def open_output(out_dir: Path, *, spec: Path | None = None, writing: bool = True) -> Iterator[Output]:
    """Open the output folder of a render. ``writing`` creates it if missing and holds its lock until the block
    ends; otherwise nothing is created. ``spec`` is the spec being rendered: it is never overwritten or deleted, and
    the top of its git work tree is never an output folder."""
    if not _NOFOLLOW or os.open not in os.supports_dir_fd:
        raise OutputError("azoai-gen writes output folders only on POSIX systems (Linux, macOS)",
                          "render under Linux, macOS or WSL")
    tree = _open_root(Path(out_dir), create=writing)
    lock = None
    try:
        if tree is not None:
            _refuse_special(tree, spec)
            lock = _lock(tree, shared=not writing)
        yield Output(Path(out_dir), tree, writing, spec, lock)
    except OSError as exc:
        raise OutputError(f"cannot use {out_dir}: {_reason(exc)}", "check the folder's permissions") from None
    finally:
        if lock is not None:
            _unlock(tree, lock, remove=writing)
        if tree is not None:
            tree.close()


def previous_manifest(out_dir: Path) -> str | None:
    """The manifest of the last render of ``out_dir`` that finished, or ``None``."""
    with open_output(out_dir, writing=False) as output:
        return output.previous_manifest()


def plan(out_dir: Path, files: dict[str, str], *, force: bool = False, spec: Path | None = None) -> Plan:
    """The plan of writing ``files`` into ``out_dir`` (nothing is written)."""
    with open_output(out_dir, spec=spec, writing=False) as output:
        return output.plan(files, force=force)


def check(out_dir: Path, files: dict[str, str], spec: Path | None = None) -> Plan:
    """Raise :class:`DriftError` unless ``out_dir`` holds exactly ``files``."""
    with open_output(out_dir, spec=spec, writing=False) as output:
        return output.check(files)


def apply(result: Plan, spec: Path | None = None) -> None:
    """Carry out a plan, planned again under the folder's lock (the folder may have changed since)."""
    with open_output(result.out_dir, spec=spec) as output:
        output.apply(output.plan(result.files, force=result.force))


# ---------------------------------------------------------------------------------------------------------------------
# init


def check_init(files: list[tuple[Path, str | None]], *, force: bool = False,
               keep_identical: frozenset[Path] = frozenset()) -> None:
    """Refuse now what :func:`write_init` would refuse for these files, and write nothing: ``init`` asks this before
    its first question, so that an existing spec is reported before the answers, not after them. A text of ``None``
    is not known yet (the spec's, which the answers make); such a file is refused whenever it exists."""
    _check_posix()
    for path, text in files:
        _refuse_folder_name(path)
        try:
            folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except FileNotFoundError:
            continue  # nothing is there yet
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
        try:
            data = text.encode("utf-8") if text is not None else None
            _init_needs_writing(folder, path, data, force, path in keep_identical and data is not None)
        finally:
            os.close(folder)


def write_init(files: list[tuple[Path, str]], *, force: bool = False, keep_identical: frozenset[Path] = frozenset()
               ) -> None:
    """Write ``init``'s files, each atomically beside where it goes, with the writer of ``render``. Without
    ``force`` nothing is written if any of them exists already (one in ``keep_identical`` that holds exactly its text
    is left as it is); with ``force`` existing files are replaced (a link is replaced, never written through).
    Anything but a file or a link is refused.

    All or nothing: every file is staged before any is renamed into place, and on any failure (an error, a file
    that appeared meanwhile, Ctrl-C) the temporary files, the files this call created and the folders it created are
    removed again. A file that ``force`` replaced stays replaced."""
    _check_posix()
    made: list[Path] = []
    folders: dict[Path, int] = {}
    done = False
    try:
        todo = []
        for path, text in files:
            if path.parent not in folders:
                folders[path.parent] = _open_init_folder(path, made)
            if _init_needs_writing(folders[path.parent], path, text.encode("utf-8"), force, path in keep_identical):
                todo.append((path, text.encode("utf-8")))
        _InitWrite(folders, force).run(todo)
        done = True
    finally:
        for fd in folders.values():
            os.close(fd)
        if not done:
            for folder in made:  # deepest first; only while empty
                try:
                    os.rmdir(folder)
                except OSError:
                    pass


def _check_posix() -> None:
    if not _NOFOLLOW or os.open not in os.supports_dir_fd:
        raise OutputError("azoai-gen writes files only on POSIX systems (Linux, macOS)", "run it under WSL")


class _InitWrite:
    """Stage every file of ``init``, then rename each into place; undo all of it on any failure."""

    def __init__(self, folders: dict[Path, int], force: bool) -> None:
        self.folders = folders
        self.force = force
        self.staged: list[tuple[Path, str]] = []
        self.created: list[tuple[Path, tuple[int, int]]] = []  # new files: path, (device, inode)

    def run(self, todo: list[tuple[Path, bytes]]) -> None:
        path = None
        try:
            for path, data in todo:
                folder = self.folders[path.parent]
                self.staged.append((path, _stage(folder, path.name, data, _mode_of(folder, path.name))))
            for path, temp in list(self.staged):
                self._install(path, temp)
            for folder in set(self.folders.values()):
                os.fsync(folder)
        except BaseException as exc:
            self._undo()
            if isinstance(exc, OSError) and path is not None:
                raise OutputError(f"cannot write {path}: {_reason(exc)}") from None
            raise

    def _install(self, path: Path, temp: str) -> None:
        folder = self.folders[path.parent]
        if self.force:
            os.replace(temp, path.name, src_dir_fd=folder, dst_dir_fd=folder)
        elif not _install_new(folder, temp, path.name):
            raise AzoaiError(f"{path} already exists", "use --force to replace it, or name another file")
        else:
            info = os.stat(path.name, dir_fd=folder, follow_symlinks=False)
            self.created.append((path, (info.st_dev, info.st_ino)))
        self.staged.remove((path, temp))
        _checkpoint(f"installed {path.name}")

    def _undo(self) -> None:
        """Remove the temporary files, and the files this write created while they are still the ones it created."""
        for path, temp in self.staged:
            _unlink_quietly(self.folders[path.parent], temp)
        for path, identity in self.created:
            folder = self.folders[path.parent]
            try:
                info = os.stat(path.name, dir_fd=folder, follow_symlinks=False)
            except OSError:
                continue
            if (info.st_dev, info.st_ino) == identity:
                _unlink_quietly(folder, path.name)


def _refuse_folder_name(path: Path) -> None:
    if not path.name or path.name in (".", "..") or os.path.isdir(path):
        raise OutputError(f"{path} is a folder", "name the spec file, for example azoai-gen.yaml")


def _open_init_folder(path: Path, made: list[Path]) -> int:
    """Open the folder ``path`` goes in, creating it (and its missing parents, recorded in ``made``, deepest first)."""
    _refuse_folder_name(path)
    missing = []
    folder = path.parent
    while folder != folder.parent and not os.path.lexists(folder):
        missing.append(folder)
        folder = folder.parent
    try:
        os.makedirs(path.parent, exist_ok=True)
        made.extend(missing)
        return os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {_reason(exc)}") from None


def _init_needs_writing(folder: int, path: Path, data: bytes | None, force: bool, keep_identical: bool) -> bool:
    try:
        info = os.stat(path.name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return True
    if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
        raise OutputError(f"{path} exists and is not a file", "name another file")
    if keep_identical and stat.S_ISREG(info.st_mode):
        with os.fdopen(os.open(path.name, _READ, dir_fd=folder), "rb") as handle:
            if handle.read() == data:
                return False
    if not force:
        raise AzoaiError(f"{path} already exists" + (" and differs from this version's" if keep_identical else ""),
                         "use --force to replace it" + ("" if keep_identical else ", or name another file"))
    return True


# ---------------------------------------------------------------------------------------------------------------------
# One generated file outside an output folder: a CI pipeline.


def write_generated(path: Path, text: str, *, force: bool, ours: Callable[[bytes], bool]) -> str:
    """Write ``path`` atomically with the writer of ``init``, creating its folders: create it, leave it if it holds
    ``text`` already, replace it if ``ours`` recognises its bytes (written by azoai-gen, unchanged since), and replace
    anything else only with ``force``; never through a link. Returns what was done: CREATE, IDENTICAL, UPDATE or
    OVERWRITE. On any failure the folders it created are removed again."""
    _check_posix()
    data = text.encode("utf-8")
    made: list[Path] = []
    folder = _open_init_folder(path, made)
    done = False
    try:
        current = _current_bytes(folder, path)
        action = IDENTICAL if current == data else CREATE if current is None else \
            UPDATE if current and ours(current) else OVERWRITE
        if action == OVERWRITE and not force:
            raise ConflictError(f"{path} exists and azoai-gen did not write it, or it was edited since", [str(path)],
                                "move your changes elsewhere, or run again with --force to replace it (version "
                                "control shows what it replaced)")
        if action != IDENTICAL:
            _InitWrite({path.parent: folder}, force=action != CREATE).run([(path, data)])
        done = True
        return action
    finally:
        os.close(folder)
        for created in made if not done else ():  # deepest first; only while empty
            try:
                os.rmdir(created)
            except OSError:
                pass


def _current_bytes(folder: int, path: Path) -> bytes | None:
    """The bytes of ``path``, ``None`` if nothing has its name, and ``b""`` for a link (never followed); anything but
    a file or a link is refused."""
    try:
        info = os.stat(path.name, dir_fd=folder, follow_symlinks=False)
    except FileNotFoundError:
        return None
    if stat.S_ISLNK(info.st_mode):
        return b""
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"{path} exists and is not a file", "move it out of the way")
    with os.fdopen(os.open(path.name, _READ, dir_fd=folder), "rb") as handle:
        return handle.read()
