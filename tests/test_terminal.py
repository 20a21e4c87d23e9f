"""The command line's streams: plain text where no one sees colour, rich where a terminal or FORCE_COLOR asks."""

from __future__ import annotations

import io

import pytest

from azoai_gen.terminal import Stream


class _Fake(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.fixture
def stderr(monkeypatch):
    def install(tty: bool) -> _Fake:
        fake = _Fake(tty)
        monkeypatch.setattr("sys.stderr", fake)
        return fake
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    return install


def test_a_stream_that_is_not_a_terminal_gets_the_text_as_it_is(stderr):
    fake = stderr(False)
    Stream(stderr=True).print("spec.yaml:1:1: tier: [bold]not markup[/bold]", style="red", end="")
    Stream(stderr=True).print(" and the end")
    assert fake.getvalue() == "spec.yaml:1:1: tier: [bold]not markup[/bold] and the end\n"


def test_a_terminal_gets_the_style_from_rich_and_no_markup_is_read(stderr):
    fake = stderr(True)
    Stream(stderr=True).print("[bold]literal[/bold]", style="red")
    written = fake.getvalue()
    assert "\x1b[31m" in written and "[bold]literal[/bold]" in written


def test_force_colour_asks_for_rich_as_rich_itself_honours_it(stderr, monkeypatch):
    fake = stderr(False)
    monkeypatch.setenv("FORCE_COLOR", "1")
    Stream(stderr=True).print("coloured", style="green")
    assert "\x1b[32m" in fake.getvalue()


def test_what_only_rich_can_draw_goes_through_rich_even_in_a_pipeline(monkeypatch):
    from rich.table import Table

    fake = _Fake(False)
    monkeypatch.setattr("sys.stdout", fake)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    table = Table(title="t")
    table.add_column("Tier")
    table.add_row("1")
    Stream(stderr=False).print(table)
    assert "Tier" in fake.getvalue() and "1" in fake.getvalue()
