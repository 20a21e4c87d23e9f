"""Benchmark: whole azoai-gen processes, each paired with its floor.

Every command runs as a fresh process, as a user runs it, and is compared with a floor run the same way in
alternating runs (A B A B ..., after warm-up): render and validate with importing their five dependencies
(``python -c 'import typer, rich, jinja2, yaml, jsonschema'``; ``render-tier5-alike`` also against that import with
the command line's garbage-collector settings, without a target), ``--help`` with the ``--help`` of a bare typer app
that has the same commands and options (``bench/bare_app.py`` writes it). Per case it reports the median ratio A/B
with its min and max, and the medians of wall time, CPU time (user + system) and peak memory (ru_maxrss) of each
side, read from ``os.wait4``. It also reports how render time scales with regions and deployments up to the
schema's limits, and what validating many specs costs in one process against one process each.

The targets (below) are compared and reported, pass or miss; the exit code is 0 either way. Run from the
repository (the checked-out package is the one measured; with --installed, the one installed in --python):

    python bench/whole_process.py [--quick] [--json results.json] [--python VENV/bin/python --installed]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
FLOOR = "import typer, rich, jinja2, yaml, jsonschema"
#: The floor with the command line's garbage-collector settings (``azoai_gen/__main__.py``: the first threshold raised
#: before anything is imported, every object frozen at the end), which also spare the dependencies' imports and the
#: interpreter's shutdown most collections. The issue's floor is FLOOR; this one, reported beside it without a
#: target, shows the share of the render's own work when both sides collect alike.
FROZEN_FLOOR = "import gc; gc.set_threshold(100000); " + FLOOR + "; gc.freeze()"
LARGE = ROOT / "examples" / "tier5-large.yaml"
SMALL = ROOT / "examples" / "tier1.yaml"
#: The schema's limits (schemas/azoai-gen.schema.json: regions maxItems, deployments maxItems).
MAX_REGIONS, MAX_DEPLOYMENTS = 8, 32
LOCATIONS = ["swedencentral", "francecentral", "germanywestcentral", "norwayeast", "switzerlandnorth", "uksouth",
             "westeurope", "italynorth"]
#: The issue's targets: a ratio to the floor, or (scaling) milliseconds added from 1 to 8 regions at 32 deployments.
TARGETS = {"render-tier5": 1.3, "validate-tier5": 1.15, "help": 1.1}
SCALING_TARGET_MS = 50.0


@dataclass
class Sample:
    """One finished process: wall and CPU seconds, peak resident memory in MiB."""

    wall: float
    cpu: float
    rss: float


@dataclass
class Command:
    """A command to time. ``argv`` is called before each run (render gets a fresh output folder each time);
    ``after`` removes what the run left."""

    label: str
    argv: Callable[[], list[str]]
    after: Callable[[], None] = lambda: None


#: Where the commands run: the repository, so that ``python -m azoai_gen`` runs the checked-out package; with
#: --installed, a temporary folder, so that it runs the package installed in the interpreter (a wheel, say).
HERE = {"cwd": ROOT}


def run(argv: list[str]) -> Sample:
    """Run ``argv`` and measure it: wall time around the child, its own rusage from wait4."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, cwd=HERE["cwd"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        failed = subprocess.run(argv, cwd=HERE["cwd"], capture_output=True, text=True)
        raise SystemExit(f"{' '.join(argv)} exited {child.returncode}:\n{failed.stdout}{failed.stderr}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def measure(command: Command) -> Sample:
    try:
        return run(command.argv())
    finally:
        command.after()


def median(samples: list[Sample], key: str) -> float:
    return statistics.median(getattr(sample, key) for sample in samples)


@dataclass
class Pair:
    """A command and its floor, timed in alternating runs."""

    name: str
    a: Command
    b: Command
    a_runs: list[Sample] = field(default_factory=list)
    b_runs: list[Sample] = field(default_factory=list)

    def ratios(self) -> list[float]:
        return [a.wall / b.wall for a, b in zip(self.a_runs, self.b_runs)]

    def result(self) -> dict:
        ratios = self.ratios()
        return {"name": self.name, "command": self.a.label, "floor": self.b.label, "pairs": len(ratios),
                "ratios": [round(r, 3) for r in ratios], "ratio": round(statistics.median(ratios), 3),
                "ratio_min": round(min(ratios), 3), "ratio_max": round(max(ratios), 3),
                "cpu_ratio": round(statistics.median(a.cpu / b.cpu for a, b in zip(self.a_runs, self.b_runs)), 3),
                **{f"{side}_{key}": round(median(runs, key), 4 if key != "rss" else 1)
                   for side, runs in (("command", self.a_runs), ("floor", self.b_runs))
                   for key in ("wall", "cpu", "rss")}}


def time_pair(pair: Pair, pairs: int, warmup: int) -> dict:
    for _ in range(warmup):
        measure(pair.a), measure(pair.b)
    for _ in range(pairs):
        pair.a_runs.append(measure(pair.a))
        pair.b_runs.append(measure(pair.b))
    return pair.result()


class Workspace:
    """A temporary folder for specs, the bare app and output folders; each render writes into a fresh one."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="azoai-gen-bench-"))
        self._count = itertools.count()
        self._outs: list[Path] = []

    def out(self) -> str:
        path = self.path / f"out-{next(self._count)}"
        self._outs.append(path)
        return str(path)

    def clean_outs(self) -> None:
        while self._outs:
            shutil.rmtree(self._outs.pop(), ignore_errors=True)

    def write(self, name: str, text: str) -> Path:
        path = self.path / name
        path.write_text(text, encoding="utf-8")
        return path


def scaled_spec(regions: int, deployments: int, tier: int = 5) -> str:
    """A spec of ``tier`` in the first ``regions`` of LOCATIONS with ``deployments`` model deployments."""
    lines = ["version: 1", "workload: bench", "environment: prod", f"tier: {tier}", "regions:"]
    lines += [f"  - location: {location}" for location in LOCATIONS[:regions]]
    lines.append("deployments:")
    for index in range(deployments):
        lines += [f"  - name: deployment-{index}", "    model: gpt-5.4-mini", '    version: "2026-03-17"',
                  "    sku: GlobalStandard", "    capacity: 10"]
    return "\n".join(lines) + "\n"


class Commands:
    """The commands under test and their floors, all run with one interpreter."""

    def __init__(self, python: str, workspace: Workspace) -> None:
        self.python, self.workspace = python, workspace

    def floor(self) -> Command:
        return Command(f"python -c '{FLOOR}'", lambda: [self.python, "-c", FLOOR])

    def frozen_floor(self) -> Command:
        return Command(f"python -c '{FROZEN_FLOOR}'", lambda: [self.python, "-c", FROZEN_FLOOR])

    def render(self, spec: Path) -> Command:
        return Command(f"azoai-gen render {spec.name} --out <fresh folder>",
                       lambda: [self.python, "-m", "azoai_gen", "render", str(spec), "--out", self.workspace.out()],
                       self.workspace.clean_outs)

    def validate(self, *specs: Path) -> Command:
        label = f"azoai-gen validate {specs[0].name}" if len(specs) == 1 else f"azoai-gen validate <{len(specs)} specs>"
        return Command(label, lambda: [self.python, "-m", "azoai_gen", "validate", *map(str, specs)])

    def help(self) -> Command:
        return Command("azoai-gen --help", lambda: [self.python, "-m", "azoai_gen", "--help"])

    def bare_help(self) -> Command:
        script = self.workspace.path / "bare_app.py"
        subprocess.run([self.python, str(ROOT / "bench" / "bare_app.py"), str(script)], cwd=HERE["cwd"], check=True)
        return Command("bare typer app --help", lambda: [self.python, str(script), "--help"])


#: Tiers 4 and 5 need two regions, so the one-region points render tier 3, the highest tier that takes one.
ONE_REGION_TIER = 3


def scale_points(region_points: list[int], deployment_points: list[int]) -> dict[str, list[tuple[int, int, int]]]:
    """The (tier, regions, deployments) points of each series: regions at the most deployments (tier 3, and tier 5
    from two regions), deployments at one region."""
    most = max(deployment_points)
    return {"regions": [(ONE_REGION_TIER, r, most) for r in region_points],
            "regions-tier5": [(5, r, most) for r in region_points if r >= 2],
            "deployments": [(ONE_REGION_TIER, 1, d) for d in deployment_points]}


def _added(runs: dict, series: list[tuple[int, int, int]]) -> dict:
    """Milliseconds added from the first point of ``series`` to its last, the median of the rounds' differences."""
    first, last = series[0], series[-1]
    added = [(b.wall - a.wall) * 1000 for a, b in zip(runs[first], runs[last])]
    return {"tier": first[0], "from": first[1], "to": last[1], "deployments": first[2],
            "ms": round(statistics.median(added), 1), "ms_min": round(min(added), 1), "ms_max": round(max(added), 1)}


def scaling(commands: Commands, region_points: list[int], deployment_points: list[int], rounds: int,
            warmup: int) -> dict:
    """Render time at each point of each series. Rounds run every point once, in turn, so that the machine's drift
    reaches every point alike."""
    series = scale_points(region_points, deployment_points)
    keys = list(dict.fromkeys(key for points in series.values() for key in points))
    renders = {key: commands.render(commands.workspace.write("scale-t{}-{}r-{}d.yaml".format(*key),
                                                             scaled_spec(key[1], key[2], key[0]))) for key in keys}
    for _ in range(warmup):
        for command in renders.values():
            measure(command)
    runs: dict[tuple[int, int, int], list[Sample]] = {key: [] for key in keys}
    for _ in range(rounds):
        for key, command in renders.items():
            runs[key].append(measure(command))
    point = lambda key: {"tier": key[0], "regions": key[1], "deployments": key[2],  # noqa: E731
                         "wall": round(median(runs[key], "wall"), 4), "cpu": round(median(runs[key], "cpu"), 4),
                         "rss": round(median(runs[key], "rss"), 1)}
    return {"rounds": rounds, **{name: [point(key) for key in points] for name, points in series.items()},
            "added": _added(runs, series["regions"]),
            "added-tier5": _added(runs, series["regions-tier5"]) if len(series["regions-tier5"]) > 1 else None}


def many_specs(commands: Commands, count: int, rounds: int) -> dict:
    """Validating ``count`` specs (the examples, copied in turn) in one process against one process each."""
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    specs = [commands.workspace.write(f"many-{index:02}.yaml", examples[index % len(examples)].read_text("utf-8"))
             for index in range(count)]
    together, apart = commands.validate(*specs), [commands.validate(spec) for spec in specs]
    one, each = [], []
    for _ in range(rounds):
        one.append(measure(together).wall)
        each.append(sum(measure(command).wall for command in apart))
    return {"specs": count, "rounds": rounds, "one_process": round(statistics.median(one), 3),
            "one_process_each": round(statistics.median(each), 3),
            "ratio": round(statistics.median(e / o for o, e in zip(one, each)), 2)}


def verdicts(pairs: list[dict], scale: Optional[dict]) -> list[dict]:
    """Each target the issue sets, with the measured figure and pass or miss."""
    found = []
    for result in pairs:
        if result["name"] in TARGETS:
            target = TARGETS[result["name"]]
            found.append({"target": f"{result['name']}: ratio <= {target}", "measured": result["ratio"],
                          "pass": result["ratio"] <= target})
    if scale:
        added = scale["added"]
        found.append({"target": f"render (tier {added['tier']}) {added['from']} -> {added['to']} regions at {added['deployments']} "
                                f"deployments: <= +{SCALING_TARGET_MS:.0f} ms",
                      "measured": added["ms"], "pass": added["ms"] <= SCALING_TARGET_MS})
    return found


def show(results: dict) -> None:
    """Print the results as readable tables."""
    print("\ncommand vs floor (median of alternating pairs: ratio of wall times with min and max, ratio of CPU "
          "times; wall and CPU in ms, peak memory in MiB)")
    print(f"{'case':18} {'ratio':>6} {'min':>6} {'max':>6} {'cpu':>6} {'wall':>7} {'floor':>7} {'cpu':>7} {'floor':>7} "
          f"{'MiB':>6} {'floor':>6}")
    for r in results["pairs"]:
        print(f"{r['name']:18} {r['ratio']:6.2f} {r['ratio_min']:6.2f} {r['ratio_max']:6.2f} {r['cpu_ratio']:6.2f} "
              f"{r['command_wall'] * 1000:7.0f} {r['floor_wall'] * 1000:7.0f} {r['command_cpu'] * 1000:7.0f} "
              f"{r['floor_cpu'] * 1000:7.0f} {r['command_rss']:6.1f} {r['floor_rss']:6.1f}")
    scale = results.get("scaling")
    if scale:
        print(f"\nrender at scale (median wall ms and peak MiB over {scale['rounds']} rounds)")
        for name in ("regions", "regions-tier5", "deployments"):
            for point in scale[name]:
                print(f"  tier {point['tier']}, {point['regions']:2} regions, {point['deployments']:2} deployments "
                      f"{point['wall'] * 1000:7.0f} ms {point['rss']:6.1f} MiB")
        for added in (scale["added"], scale["added-tier5"]):
            if added:
                print(f"  tier {added['tier']}, {added['from']} -> {added['to']} regions at {added['deployments']} "
                      f"deployments: {added['ms']:+.0f} ms (min {added['ms_min']:+.0f}, max {added['ms_max']:+.0f})")
    many = results.get("many")
    if many:
        print(f"\nvalidate {many['specs']} specs: one process {many['one_process'] * 1000:.0f} ms, one process each "
              f"{many['one_process_each'] * 1000:.0f} ms ({many['ratio']:.1f}x)")
    print("\ntargets")
    for verdict in results["targets"]:
        print(f"  {'pass' if verdict['pass'] else 'MISS'}  {verdict['target']} (measured {verdict['measured']})")


def numbers(text: str) -> list[int]:
    return [int(item) for item in text.split(",") if item.strip()]


CASES = ("render", "validate", "help", "scaling", "many")


def arguments(argv: Optional[list[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke test: 2 pairs, 1 warm-up, fewer points")
    parser.add_argument("--pairs", type=int, help="alternating pairs per case (default 15; 2 with --quick)")
    parser.add_argument("--warmup", type=int, help="warm-up runs of each side (default 2; 1 with --quick)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter to run (default: this one)")
    parser.add_argument("--installed", action="store_true",
                        help="measure the package installed in --python (a wheel), not the checked-out one")
    parser.add_argument("--large", type=Path, default=LARGE, help="the six-region spec (default %(default)s)")
    parser.add_argument("--small", type=Path, default=SMALL, help="the tier 1 spec (default %(default)s)")
    parser.add_argument("--regions", type=numbers, help="region counts to render (default 1 to 8; tier 5 from 2)")
    parser.add_argument("--deployments", type=numbers, help="deployment counts to render (default 1 to 32)")
    parser.add_argument("--many", type=int, help="specs validated in one process vs one each (default 50)")
    parser.add_argument("--only", default=",".join(CASES), help=f"cases to run, of {','.join(CASES)}")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    quick = args.quick
    args.pairs = args.pairs or (2 if quick else 15)
    args.warmup = args.warmup if args.warmup is not None else (1 if quick else 2)
    args.regions = args.regions or ([1, 2, MAX_REGIONS] if quick else list(range(1, MAX_REGIONS + 1)))
    args.deployments = args.deployments or ([1, MAX_DEPLOYMENTS] if quick else [1, 2, 4, 8, 16, 32])
    args.many = args.many or (5 if quick else 50)
    args.only = set(args.only.split(","))
    return args


def pairs_of(args: argparse.Namespace, commands: Commands) -> list[Pair]:
    large, small = args.large.resolve(), args.small.resolve()
    pairs = []
    if "render" in args.only:
        pairs += [Pair("render-tier5", commands.render(large), commands.floor()),
                  Pair("render-tier1", commands.render(small), commands.floor()),
                  Pair("render-tier5-alike", commands.render(large), commands.frozen_floor())]
    if "validate" in args.only:
        pairs.append(Pair("validate-tier5", commands.validate(large), commands.floor()))
    if "help" in args.only:
        pairs.append(Pair("help", commands.help(), commands.bare_help()))
    return pairs


def main(argv: Optional[list[str]] = None) -> int:
    args = arguments(argv)
    workspace = Workspace()
    commands = Commands(args.python, workspace)
    HERE["cwd"] = workspace.path if args.installed else ROOT
    version = subprocess.run([args.python, "-c", "import platform; print(platform.python_version())"],
                             capture_output=True, text=True, check=True).stdout.strip()
    results: dict = {"machine": {"cpus": os.cpu_count(), "python": version, "platform": platform.platform(),
                                 "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")},
                     "settings": {"installed": args.installed, "pairs": args.pairs, "warmup": args.warmup, "large": args.large.name,
                                  "small": args.small.name}}
    try:
        results["pairs"] = [time_pair(pair, args.pairs, args.warmup) for pair in pairs_of(args, commands)]
        if "scaling" in args.only:
            results["scaling"] = scaling(commands, args.regions, args.deployments, args.pairs, args.warmup)
        if "many" in args.only:
            results["many"] = many_specs(commands, args.many, max(1, min(args.pairs, 3)))
    finally:
        shutil.rmtree(workspace.path, ignore_errors=True)
    results["targets"] = verdicts(results["pairs"], results.get("scaling"))
    machine = results["machine"]
    print(f"{machine['cpus']} CPUs, Python {machine['python']}, {machine['date']}; {args.pairs} pairs after "
          f"{args.warmup} warm-up")
    show(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
