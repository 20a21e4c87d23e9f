"""The pipeline up to the design: load, schema, model, design, rules.

``validate`` and ``render`` both go through :func:`validate_file`, so they refuse the same specs with the same
messages; ``render`` then prints the design (:mod:`azoai_gen.render`) and writes it (:mod:`azoai_gen.write`).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePath
from typing import Iterator

from . import model, rules, schema
from .design import Design, design
from .errors import YAML_RULE, Problem, SpecError
from .load import LoadedSpec, Positions, load_file, load_text


@dataclass(frozen=True)
class Validated:
    """A spec that passed every rule: its design, the warnings to show, and where each value was written (so that a
    later finding, such as a change to what cannot change once deployed, is located like a rule's)."""

    design: Design
    file: str
    warnings: list[Problem] = field(default_factory=list)
    positions: Positions | None = None

    @property
    def spec(self) -> model.Spec:
        return self.design.spec


def validate_loaded(loaded: LoadedSpec) -> Validated:
    """Check a parsed spec and design it. Raises :class:`SpecError` with every problem found."""
    positions = loaded.positions
    problems = schema.problems(loaded.data, positions)
    if problems:
        raise SpecError(problems)
    spec = model.build(schema.with_defaults(loaded.data))
    spec_name = PurePath(positions.file).name or "spec.yaml"
    outcome = rules.check(spec, positions, lambda typed: design(typed, spec_name=spec_name))
    if outcome.errors:
        raise SpecError(outcome.errors)
    assert outcome.subject.design is not None
    return Validated(outcome.subject.design, positions.file, outcome.warnings, positions)


def validate_file(path: Path) -> Validated:
    """Load, check and design the spec at ``path``."""
    with _read_as_yaml():
        loaded = load_file(path)
    return validate_loaded(loaded)


def validate_text(text: str, file: str = "spec.yaml") -> Validated:
    """Load, check and design a spec given as text (for tests and tools)."""
    with _read_as_yaml():
        loaded = load_text(text.encode("utf-8"), file)
    return validate_loaded(loaded)


@contextmanager
def _read_as_yaml() -> Iterator[None]:
    """Name the loader as what found the problems of a spec that cannot be read (reports show it)."""
    try:
        yield
    except SpecError as error:
        raise SpecError([replace(p, rule=p.rule or YAML_RULE) for p in error.problems]) from None
