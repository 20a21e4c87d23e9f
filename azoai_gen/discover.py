"""Which files a command checks: the specs named on the command line, and the specs found in the folders named there.

A file named on the command line is a spec, whatever it holds. In a folder (searched with its subfolders, in name
order), a file is a spec when its name ends in ``.yaml`` or ``.yml`` and either its first line is the schema comment
that ``azoai-gen init`` writes (``# yaml-language-server: $schema=...azoai-gen.schema.json``) or it has both a
``version:`` and a ``tier:`` key at the start of a line (the top level of the spec). The test reads text and parses
no YAML, so a spec that is not valid YAML is still found and reported, not skipped. Hidden folders (``.git``) and
output folders (those holding ``azoai-gen.manifest.json``) are not searched, nor folders behind a symbolic link.

Reads files; writes nothing. Pure of any other state: the same tree gives the same list.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Iterable

from .errors import UsageError
from .load import MAX_BYTES
from .manifest import MANIFEST

SUFFIXES = (".yaml", ".yml")
_MODELINE = re.compile(r"#\s*yaml-language-server:\s*\$schema=\S*azoai-gen\.schema\.json\s*$")
_TOP_KEY = re.compile(r"^(version|tier)[ \t]*:", re.MULTILINE)


def looks_like_spec(path: Path) -> bool:
    """Whether a file found in a folder is a spec (see the module's description)."""
    if not path.name.endswith(SUFFIXES):
        return False
    try:
        with open(path, "rb") as handle:
            head = handle.read(MAX_BYTES)
    except OSError:
        return False
    text = head.decode("utf-8-sig", errors="replace")
    first = text.split("\n", 1)[0].rstrip("\r")
    return bool(_MODELINE.match(first)) or {m.group(1) for m in _TOP_KEY.finditer(text)} == {"version", "tier"}


def _searched(folder: Path) -> Iterable[Path]:
    for root, folders, files in os.walk(folder):
        here = Path(root)
        folders[:] = sorted(name for name in folders if not name.startswith(".")
                            and not (here / name / MANIFEST).exists() and not (here / name).is_symlink())
        for name in sorted(files):
            if looks_like_spec(here / name):
                yield here / name


def find_specs(paths: Iterable[Path]) -> list[Path]:
    """The specs to check, in the order given (each folder's in name order), each once.

    A folder that holds no spec is a :class:`UsageError`: a command that checks nothing should not pass."""
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            inside = list(_searched(path))
            if not inside:
                raise UsageError(f"{path}: no azoai-gen spec in this folder",
                                 "a spec is a .yaml or .yml file with version: and tier: at its top level "
                                 "(hidden folders and output folders are not searched)")
        else:
            inside = [path]
        for spec in inside:
            key = Path(os.path.abspath(spec))
            if key not in seen:
                seen.add(key)
                found.append(spec)
    return found
