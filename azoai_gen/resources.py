"""Locate the files that ship with azoai-gen: templates, the JSON Schema and data files.

In a wheel, ``templates/`` and ``schemas/`` are packaged inside ``azoai_gen/``. In a
source checkout they sit beside the package; both layouts are supported.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

_PACKAGE = Path(__file__).resolve().parent

SCHEMA_FILE = "azoai-gen.schema.json"


def _shipped(name: str) -> Path:
    inside = _PACKAGE / name
    if inside.is_dir():
        return inside
    beside = _PACKAGE.parent / name
    if beside.is_dir():
        return beside
    raise FileNotFoundError(f"azoai-gen is installed without its {name}/ folder")


def templates_dir() -> Path:
    return _shipped("templates")


def compiled_dir() -> Path | None:
    """The templates compiled into the wheel at build time (``hatch_build.py``); a source checkout has none."""
    compiled = _PACKAGE / "_compiled"
    return compiled if compiled.is_dir() else None


def schema_path() -> Path:
    return _shipped("schemas") / SCHEMA_FILE


def output_schema_path(name: str) -> Path:
    """The JSON Schema of a command's ``--output json`` document: ``report``, ``tiers`` or ``schema``."""
    return _shipped("schemas") / "output" / f"{name}.schema.json"


@lru_cache(maxsize=None)
def schema_text() -> str:
    return schema_path().read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def schema() -> dict[str, Any]:
    return json.loads(schema_text())


@lru_cache(maxsize=None)
def data(name: str) -> dict[str, Any]:
    """A dated data file from ``azoai_gen/data``."""
    return json.loads((_PACKAGE / "data" / name).read_text(encoding="utf-8"))
