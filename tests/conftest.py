from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from _support import TODAY, spec


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
