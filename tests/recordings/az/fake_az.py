"""A stand-in for the Azure CLI that replays recorded output, for the preflight tests.

Run as ``az`` (tests put a wrapper named ``az`` first on PATH). ``AZ_FAKE_SCENARIO`` names a folder of this
directory; its ``commands.json`` maps each command line (the arguments after ``az``, joined by spaces) to what az
printed: ``{"file": "x.json"}`` (stdout from that file of the folder), ``{"stdout": "..."}``, and optionally
``"stderr"`` and ``"exit"``. ``"inherit": "other"`` looks a command line up in another scenario when this one lacks
it. A command line with no recording fails loudly: exit 97, the line on stderr, and the line appended to the file
``AZ_FAKE_UNKNOWN`` names (the tests fail when that file exists). Every command line is appended to ``AZ_FAKE_LOG``.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _find(scenario: str, line: str) -> tuple[Path, dict] | None:
    seen = set()
    while scenario and scenario not in seen:
        seen.add(scenario)
        folder = HERE / scenario
        table = json.loads((folder / "commands.json").read_text(encoding="utf-8"))
        if line in table.get("commands", {}):
            return folder, table["commands"][line]
        scenario = table.get("inherit", "")
    return None


def main(argv: list[str]) -> int:
    line = " ".join(argv)
    for variable in ("AZ_FAKE_LOG",):
        if os.environ.get(variable):
            with open(os.environ[variable], "a", encoding="utf-8") as log:
                log.write(json.dumps(argv) + "\n")
    found = _find(os.environ.get("AZ_FAKE_SCENARIO", ""), line)
    if found is None:
        if os.environ.get("AZ_FAKE_UNKNOWN"):
            with open(os.environ["AZ_FAKE_UNKNOWN"], "a", encoding="utf-8") as unknown:
                unknown.write(line + "\n")
        sys.stderr.write(f"fake az: no recording for: az {line}\n")
        return 97
    folder, entry = found
    if "file" in entry:
        sys.stdout.write((folder / entry["file"]).read_text(encoding="utf-8"))
    sys.stdout.write(entry.get("stdout", ""))
    sys.stderr.write(entry.get("stderr", ""))
    return int(entry.get("exit", 0))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
