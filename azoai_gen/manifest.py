"""The manifest of an output folder: tool version, spec hash, what cannot change once deployed, the role assignments,
and the sha256 of every file.

This module owns its format: :func:`text` writes it, and the readers below parse it. It never touches the disk (the
writer reads the previous manifest and hands its text here). A manifest that is missing or unreadable reads as empty,
and so does a section that is missing or malformed.

Sections:

* ``names``: what cannot change once deployed, by key: the deployed names (a suffix computed at deployment time is
  written symbolically), each VNet's name and range, the shared location, the vault's soft-delete retention, and
  the spec values every name is made of (``naming/...``). A later render refuses to change any of them.
* ``grants``: every role assignment the deployment makes, as ``scope``, ``principal`` and ``role`` (a built-in role
  definition ID), sorted. Scopes and principals are keys of ``names`` or ``principals/<object ID>``; principal
  descriptions stay out. A later render lists the ones it no longer makes, because a deployment never deletes them.
* ``files``: the sha256 of every generated file, so that hand edits are found.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from . import __version__

MANIFEST = "azoai-gen.manifest.json"


@dataclass(frozen=True, order=True)
class Grant:
    """One recorded role assignment."""

    scope: str
    principal: str
    role: str


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text(files: dict[str, str], digest: str, tier: int, names: dict[str, str], grants: list[Grant]) -> str:
    """The manifest of ``files`` (no timestamps, sorted keys and grants: the same render gives the same bytes)."""
    manifest = {
        "generator": "azoai-gen",
        "version": __version__,
        "spec": {"sha256": digest, "tier": tier},
        "names": names,
        "grants": [{"scope": g.scope, "principal": g.principal, "role": g.role} for g in sorted(set(grants))],
        "files": {path: sha256(content.encode("utf-8")) for path, content in sorted(files.items())},
    }
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def _load(manifest_text: str | None) -> dict:
    if manifest_text is None:
        return {}
    try:
        loaded = json.loads(manifest_text)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def is_ours(manifest_text: str | None) -> bool:
    """Whether the text is a manifest that azoai-gen wrote (an output folder holding one is azoai-gen's)."""
    return _load(manifest_text).get("generator") == "azoai-gen"


def _section(manifest_text: str | None, key: str) -> dict[str, str]:
    section = _load(manifest_text).get(key)
    return {str(k): str(v) for k, v in section.items()} if isinstance(section, dict) else {}


def file_hashes(manifest_text: str | None) -> dict[str, str]:
    """sha256 of each generated file, by relative path."""
    return _section(manifest_text, "files")


def names(manifest_text: str | None) -> dict[str, str]:
    """What the render recorded as unable to change once deployed (deployed names and the like), by key."""
    return _section(manifest_text, "names")


def grants(manifest_text: str | None) -> list[Grant]:
    """The role assignments the render recorded; entries that are not well formed are left out."""
    section = _load(manifest_text).get("grants")
    if not isinstance(section, list):
        return []
    found = set()
    for entry in section:
        if isinstance(entry, dict) and all(isinstance(entry.get(k), str) for k in ("scope", "principal", "role")):
            found.add(Grant(entry["scope"], entry["principal"], entry["role"]))
    return sorted(found)
