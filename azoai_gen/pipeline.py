"""The pipeline up to the design: load, schema, model, design, rules.

``validate`` and ``render`` both go through :func:`validate_file`, so they refuse the same specs with the same
messages; ``render`` then prints the design (:mod:`azoai_gen.render`) and writes it (:mod:`azoai_gen.write`).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path, PurePath
from typing import Iterator

from . import model, rules, schema
from .design import Design, design
from .errors import YAML_RULE, Problem, SpecError, one_per_place
from .frozen import field, frozen
from .load import LoadedSpec, Positions, load_file, load_text


@frozen
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


def validate_loaded(loaded: LoadedSpec, strict: bool = False) -> Validated:
    """Check a parsed spec and design it. Raises :class:`SpecError` with every problem found.

    In strict mode (``strict``, or ``validation.strict: true`` in the spec) every warning is an error."""
    positions = loaded.positions
    problems = schema.problems(loaded.data, positions)
    if problems:
        raise SpecError(problems)
    spec = model.build(schema.with_defaults(loaded.data))
    spec_name = PurePath(positions.file).name or "spec.yaml"
    outcome = rules.check(spec, positions, lambda typed: design(typed, spec_name=spec_name))
    # One problem per place: where a value is wrong, a warning about it would only blur the error (a retired version
    # that the availability data no longer lists is one thing to fix).
    errors = one_per_place(outcome.errors)
    wrong = {_place(p) for p in errors}
    warnings = one_per_place([w for w in outcome.warnings if _place(w) not in wrong])
    if (strict or spec.strict) and warnings:
        promoted = [replace(w, severity="error") for w in warnings]
        raise SpecError(one_per_place(errors + promoted), _strict_hint(strict, len(warnings)))
    if errors:
        raise SpecError(errors)
    assert outcome.subject.design is not None
    return Validated(outcome.subject.design, positions.file, warnings, positions)


def _place(problem: Problem) -> tuple[str, int, int, str]:
    return problem.file, problem.line, problem.column, problem.path


def _strict_hint(strict: bool, count: int) -> str:
    """Why warnings failed the spec: which setting made them errors."""
    which = "--strict or AZOAI_GEN_STRICT=1" if strict else "validation.strict: true in the spec"
    if count == 1:
        return f"1 of these is a warning that strict mode ({which}) treats as an error"
    return f"{count} of these are warnings that strict mode ({which}) treats as errors"


def validate_file(path: Path, strict: bool = False) -> Validated:
    """Load, check and design the spec at ``path`` (every warning an error when ``strict``)."""
    with _read_as_yaml():
        loaded = load_file(path)
    return validate_loaded(loaded, strict)


def validate_text(text: str, file: str = "spec.yaml", strict: bool = False) -> Validated:
    """Load, check and design a spec given as text (for tests and tools)."""
    with _read_as_yaml():
        loaded = load_text(text.encode("utf-8"), file)
    return validate_loaded(loaded, strict)


@contextmanager
def _read_as_yaml() -> Iterator[None]:
    """Name the loader as what found the problems of a spec that cannot be read (reports show it)."""
    try:
        yield
    except SpecError as error:
        raise SpecError([replace(p, rule=p.rule or YAML_RULE) for p in error.problems]) from None
