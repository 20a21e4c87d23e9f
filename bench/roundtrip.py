"""Long run of the property-based round-trip tests: every escaper against far more generated text than CI tries.

CI runs tests/test_roundtrip.py and tests/test_text_rules.py with the quick "ci" hypothesis profile (registered in
tests/conftest.py). This runs them with the "long" profile (10 000 cases per test, a fresh seed each run):

    .venv/bin/python bench/roundtrip.py [extra pytest arguments]

A failure prints the smallest text that breaks a round trip; add it to the test as an @example.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    env = dict(os.environ, AZOAI_GEN_HYPOTHESIS="long")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_roundtrip.py",
               "tests/test_text_rules.py", *sys.argv[1:]]
    return subprocess.call(command, cwd=ROOT, env=env)


if __name__ == "__main__":
    sys.exit(main())
