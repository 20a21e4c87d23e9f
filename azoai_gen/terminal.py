"""Where the command line writes: standard output or standard error, in colour only where a reader sees colour.

rich draws colour and tables for a terminal. Imported on its own it costs more than a command that reads one spec
spends on its work, so a stream imports rich only when it is a terminal (or ``FORCE_COLOR`` or ``TTY_COMPATIBLE=1``
asks for colour, as rich itself honours) or when it is given something only rich can draw, such as a table. Elsewhere
(a pipeline, a file, another program) the text is written as it is: what rich writes there too, since every message
is one line of plain text with its control characters already escaped.
"""

from __future__ import annotations

import os
import sys
from typing import Any, TextIO


def _wants_colour(stream: TextIO) -> bool:
    if os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1":
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Stream:
    """A line writer on standard output or standard error, looked up at each write (tests replace them)."""

    def __init__(self, *, stderr: bool) -> None:
        self._stderr = stderr
        self._console: Any = None

    def _stream(self) -> TextIO:
        return sys.stderr if self._stderr else sys.stdout

    def _rich(self) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(stderr=self._stderr, highlight=False, soft_wrap=True, emoji=False)
        return self._console

    def print(self, value: Any, *, style: str | None = None, markup: bool = False, end: str = "\n") -> None:
        """Write ``value`` and ``end``: text as it is (never read as markup), in ``style`` on a terminal."""
        if isinstance(value, str) and not markup and not _wants_colour(self._stream()):
            stream = self._stream()
            stream.write(value + end)
            stream.flush()
            return
        self._rich().print(value, style=style, markup=markup, end=end)
