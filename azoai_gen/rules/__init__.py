"""Every check beyond the schema, as a list of small named rules run by one loop.

A rule is a function that takes a :class:`Subject` and yields :class:`~azoai_gen.errors.Finding` objects; the
:func:`rule` decorator registers it under a name. Rules marked ``before_design`` run on the typed spec alone; when
one of those marked ``gate`` fails, no design is built (it could not be: an unknown region has no short code).
Every other rule also sees the design, so name checks walk the names the design deploys, and the ARM limits are
counted from its resources.

``azoai-gen validate`` and ``azoai-gen render`` call :func:`check` the same way, so they report the same problems
with the same messages.

Adding a rule: write a function in the module of its area, decorate it with ``@rule("area-what")``, and add a test
of a spec that passes and one that fails in ``tests/test_rules.py``.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from ..errors import Finding, Problem
from ..frozen import field, frozen, mutable
from ..load import Positions
from ..model import Spec
from ..posture import Posture, for_spec

if TYPE_CHECKING:
    from ..design import Design


@mutable
class Subject:
    """What a rule looks at: the typed spec, where its keys were written, its posture and (later) its design."""

    spec: Spec
    positions: Positions
    posture: Posture
    design: Design | None = None

    def written(self, *path: object) -> bool:
        """Whether the spec writes this key itself (rather than taking its default)."""
        return tuple(path) in self.positions.keys


Check = Callable[[Subject], Iterable[Finding]]


@frozen
class Rule:
    name: str
    check: Check
    before_design: bool = False
    gate: bool = False
    summary: str = field(default="", compare=False)


RULES: list[Rule] = []


def rule(name: str, *, before_design: bool = False, gate: bool = False) -> Callable[[Check], Check]:
    """Register ``check`` as the rule ``name``."""
    def register(check: Check) -> Check:
        if any(existing.name == name for existing in RULES):
            raise ValueError(f"two rules are named {name}")
        summary = (check.__doc__ or "").strip().splitlines()[0] if check.__doc__ else ""
        RULES.append(Rule(name, check, before_design, gate, summary))
        return check
    return register


def ignored(subject: Subject, section: str, why: str, region_keys: tuple[str, ...] = ()) -> Iterator[Finding]:
    """Warnings for settings the tier does not use: the top-level ``section`` where the spec writes it, and each
    region's ``region_keys`` where set."""
    if subject.written(section):
        yield Finding((section,), f"ignored: {why}", at_key=True, severity="warning")
    for region in subject.spec.regions:
        for key in region_keys:
            if getattr(region, key) is not None:
                yield Finding(region.path + (key,), f"ignored: {why}", at_key=True, severity="warning")


def repeats(keys: Iterable[object]) -> Iterator[tuple[int, int]]:
    """``(index, first)`` for each key that an earlier one already had (``first`` is that earlier index); ``None``
    keys never repeat. The uniqueness rules word their own findings."""
    first: dict[object, int] = {}
    for index, key in enumerate(keys):
        if key is None:
            continue
        if key in first:
            yield index, first[key]
        else:
            first[key] = index


def locate(findings: Iterable[Finding], positions: Positions, rule: str = "") -> list[Problem]:
    return [replace(positions.problem(f.path, f.message, f.hint, at_key=f.at_key, severity=f.severity), rule=rule)
            for f in findings]


def run(rules: Iterable[Rule], subject: Subject) -> dict[str, list[Problem]]:
    """The problems each rule finds, by rule name; each problem names its rule."""
    return {r.name: locate(r.check(subject), subject.positions, r.name) for r in rules}


@mutable
class Outcome:
    """The result of every rule: the design when one could be built, and every problem found."""

    subject: Subject
    problems: dict[str, list[Problem]]

    @property
    def errors(self) -> list[Problem]:
        return sorted({p for found in self.problems.values() for p in found if p.severity == "error"})

    @property
    def warnings(self) -> list[Problem]:
        return sorted({p for found in self.problems.values() for p in found if p.severity == "warning"})


def check(spec: Spec, positions: Positions, build: Callable[[Spec], Design]) -> Outcome:
    """Run every rule, building the design with ``build`` once the gating rules pass."""
    _load_rule_modules()
    subject = Subject(spec, positions, for_spec(spec))
    early = [r for r in RULES if r.before_design]
    problems = run(early, subject)
    if any(p.severity == "error" for r in early if r.gate for p in problems[r.name]):
        return Outcome(subject, problems)
    subject.design = build(spec)
    problems.update(run([r for r in RULES if not r.before_design], subject))
    return Outcome(subject, problems)


def registered() -> list[Rule]:
    """Every rule, in the order they run."""
    _load_rule_modules()
    return list(RULES)


def _load_rule_modules() -> None:
    # Importing the modules registers their rules.
    from . import (access, alerts, consumers, content_safety, edge, filters, limits, models, names,  # noqa: F401
                   network, regions, spillover, tags)


