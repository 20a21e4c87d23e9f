"""Benchmark: how long validation and rendering take.

Targets (on a 2-core machine): a typical spec validates and renders in under 100 ms, and the largest spec the schema
allows (8 regions, 32 deployments) in under 500 ms. Run: .venv/bin/python bench/render_bench.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from azoai_gen.render import render
from azoai_gen.pipeline import validate_text

ROOT = Path(__file__).resolve().parent.parent
TARGETS_MS = {"typical": 100.0, "largest": 500.0}


def largest_spec() -> str:
    regions = ["swedencentral", "francecentral", "germanywestcentral", "norwayeast", "switzerlandnorth",
               "uksouth", "westeurope", "northeurope"]
    lines = ["version: 1", "workload: bench", "environment: prod", "tier: 2", "regions:"]
    lines += [f"  - location: {r}" for r in regions]
    lines.append("deployments:")
    for i in range(32):
        lines += [f"  - name: deployment-{i}", "    model: gpt-5.4-mini", '    version: "2026-03-17"',
                  "    sku: GlobalStandard", "    capacity: 10"]
    return "\n".join(lines) + "\n"


def measure(text: str, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        render(validate_text(text).design)
        times.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    cases = {"typical": (ROOT / "examples" / "tier2.yaml").read_text(encoding="utf-8"), "largest": largest_spec()}
    failed = False
    for name, text in cases.items():
        times = measure(text, args.repeat)
        median = statistics.median(times)
        ok = median <= TARGETS_MS[name]
        failed |= not ok
        print(f"{name:8} median {median:7.1f} ms  min {min(times):7.1f} ms  target {TARGETS_MS[name]:.0f} ms  "
              f"{'ok' if ok else 'SLOW'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
