from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, settings

from _support import TODAY, spec

#: Property-based tests: "ci" (the default) is quick and the same on every run, so the suite stays fast and a failure
#: reproduces; "long" explores far more cases, with a fresh seed each run. Choose one with AZOAI_GEN_HYPOTHESIS, for
#: example ``AZOAI_GEN_HYPOTHESIS=long python -m pytest tests/test_roundtrip.py`` (``bench/roundtrip.py`` runs them so).
settings.register_profile("ci", max_examples=150, deadline=None, derandomize=True, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=10_000, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("AZOAI_GEN_HYPOTHESIS", "ci"))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "wheel: builds the wheel, installs it into a fresh virtual environment and renders with it "
        "(slow; deselect with -m 'not wheel')",
    )


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lifecycle rules compare retirement dates with today: every test runs on TODAY unless it sets a day."""
    from azoai_gen.rules import models

    monkeypatch.setattr(models, "today", lambda: TODAY)


@pytest.fixture
def write_spec(tmp_path: Path) -> Callable[..., Path]:
    """Write spec text to a file in tmp_path and return its path."""

    def _write(text: str | bytes, name: str = "spec.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def spec_path(tmp_path: Path) -> Path:
    """The minimal tier 1 spec, written to tmp_path/spec.yaml."""
    path = tmp_path / "spec.yaml"
    path.write_text(spec(1), encoding="utf-8")
    return path
