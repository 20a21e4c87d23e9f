"""This render compared with what the previous render of the same folder recorded as deployed.

Some facts cannot change once deployed (a deployed name, a VNet's range, the shared location, the vault's soft-delete
retention): a change would create a second resource beside the first, or fail. :func:`refusals` turns each change
into a :class:`~azoai_gen.errors.Problem` located at the spec value that controls it, one per cause (a new workload
is one problem, not one per renamed resource).

Pure: it takes the previous manifest's text (``None`` when there is none) and touches no disk.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import manifest
from .design import Design
from .design.records import Fixed
from .errors import Problem
from .load import Positions


@dataclass(frozen=True)
class Refusals:
    """The changes to fixed facts: located problems, one per cause, and the resources a changed name part renames
    (``key: old -> new``)."""

    problems: list[Problem]
    renames: list[str]


def _located(fact: Fixed, positions: Positions, message: str, hint: str) -> Problem:
    """The problem at the first of the fact's spec paths that the spec writes (the first path when none is)."""
    written = [path for path in fact.where if path in positions.values or path in positions.keys]
    return positions.problem((written or list(fact.where))[0], message, hint)


def refusals(design: Design, positions: Positions, previous: str | None) -> Refusals:
    """Every fixed fact the previous manifest recorded that this design would change."""
    old = manifest.names(previous)
    changed = {fact.key: (fact, old[fact.key]) for fact in design.fixed if fact.key in old and old[fact.key] != fact.value}
    problems, renames = [], []
    for key, (fact, before) in sorted(changed.items()):
        if any(part in changed for part in fact.derived_from):
            renames.append(f"{key}: {before} -> {fact.value}")  # a name: reported with the part that changed
            continue
        renamed = sum(1 for other, _ in changed.values() if key in other.derived_from)
        message = f"{fact.what} was rendered as {before}; this spec changes it to {fact.value}"
        if renamed:
            message += f", which renames {renamed} deployed resource{'s' if renamed != 1 else ''}"
        problems.append(_located(fact, positions, message, fact.hint.format(old=before, new=fact.value)))
    return Refusals(sorted(problems), renames)

