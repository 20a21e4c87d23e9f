"""Azure's public regions (``azoai_gen/data/regions.json``): their names, and the name a user meant.

A spec names a region as Azure Resource Manager does (``swedencentral``); the portal shows its display name
(``Sweden Central``). Every place that reads a region (the schema pass, the rules, ``init``'s questions and its
``--region``) asks this module, so a display name, or a name with capitals, spaces or hyphens, gets the same answer
everywhere.
"""

from __future__ import annotations

import difflib

from . import resources
from .ids import LazyPattern

_NOT_NAME = LazyPattern(r"[^a-z0-9]")


def known() -> dict[str, dict[str, str]]:
    """Every public region by name, with its display name, geography and short code."""
    return resources.data("regions.json")["regions"]


def _squeezed(text: str) -> str:
    return _NOT_NAME.sub("", text.lower())


def lookup(text: str) -> str | None:
    """The name of the region that ``text`` names: the name itself, its display name, or either with other capitals,
    spaces, hyphens or underscores (``Sweden Central``, ``sweden-central``, ``SwedenCentral``). ``None`` if no region
    is named so. Every display name, squeezed to lower-case letters and digits, is its region's name."""
    name = _squeezed(text)
    return name if name in known() else None


def display_name(name: str) -> str:
    return known()[name]["displayName"]


def guess(text: str) -> str | None:
    """The region ``text`` most likely means: the one it names (:func:`lookup`), else the closest name."""
    name = lookup(text)
    if name is not None:
        return name
    close = difflib.get_close_matches(_squeezed(text) or text, sorted(known()), n=1, cutoff=0.6)
    return close[0] if close else None


def unknown(text: str) -> tuple[str, str]:
    """The message and hint for ``text``, which is not a region name."""
    message = f"unknown Azure region '{text}'"
    name = lookup(text)
    if name is not None and text.strip().lower() == display_name(name).lower():
        return message, f"did you mean '{name}'? '{text}' is the region's display name; the spec takes its name"
    if name is not None:
        return message, f"did you mean '{name}'? Region names are lower case, without spaces or hyphens"
    name = guess(text)
    if name is not None:
        return message, f"did you mean '{name}'?"
    return message, "run 'az account list-locations -o table' for the names"
