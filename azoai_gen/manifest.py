"""The manifest of an output folder: tool version, spec hash, deployed names and the sha256 of every file.

This module owns its format: :func:`text` writes it, and the readers below parse it. A manifest that is missing or
unreadable reads as empty.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from . import __version__

MANIFEST = "azoai-gen.manifest.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text(files: dict[str, str], digest: str, tier: int, names: dict[str, str]) -> str:
    """The manifest of ``files`` (no timestamps, sorted keys: the same render gives the same bytes)."""
    manifest = {
        "generator": "azoai-gen",
        "version": __version__,
        "spec": {"sha256": digest, "tier": tier},
        "names": names,
        "files": {path: sha256(content.encode("utf-8")) for path, content in sorted(files.items())},
    }
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def read(out_dir: Path) -> str | None:
    """The manifest's text in ``out_dir``, or ``None``."""
    try:
        return (out_dir / MANIFEST).read_text(encoding="utf-8")
    except (OSError, ValueError):
        return None


def _section(manifest_text: str | None, key: str) -> dict[str, str]:
    if manifest_text is None:
        return {}
    try:
        section = json.loads(manifest_text)[key]
        return {str(k): str(v) for k, v in section.items()} if isinstance(section, dict) else {}
    except (ValueError, KeyError, TypeError, AttributeError):
        return {}


def file_hashes(manifest_text: str | None) -> dict[str, str]:
    """sha256 of each generated file, by relative path."""
    return _section(manifest_text, "files")


def names(manifest_text: str | None) -> dict[str, str]:
    """The deployed names the render recorded."""
    return _section(manifest_text, "names")
