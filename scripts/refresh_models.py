#!/usr/bin/env python3
"""Rebuild ``azoai_gen/data/models.json`` from ``az cognitiveservices model list`` output.

One command refreshes the model data (after ``az login``, with the subscription whose offer you deploy to)::

    python scripts/refresh_models.py

That runs ``az cognitiveservices model list --location <region> -o json`` for every region the current data covers
and writes the file. Other ways to call it::

    python scripts/refresh_models.py --region swedencentral --region francecentral
    python scripts/refresh_models.py --from-dir saved/      # saved outputs, one <region>.json per region
    python scripts/refresh_models.py --from-dir saved/ --date 2026-11-29 --out /tmp/models.json

What it keeps (see ``docs/architecture.md``, Data files):

- items of kind ``OpenAI`` only (``--kind`` chooses another). The CLI lists each model once per account kind
  (``OpenAI``, ``AIServices``, ...); other kinds add models that an ``OpenAI`` account cannot deploy, so the data
  lists what an ``OpenAI`` account can deploy.
- availability: model, version, SKU (``skus[].name``), and the regions whose output lists them. A version whose
  ``skus`` list is empty is not deployable and gets no availability, only lifecycle data.
- lifecycle per model version: ``lifecycleStatus`` as ``status``; ``deprecation.inference`` as ``retirement`` (the
  date inference stops: Learn's retirement date); ``skus[].deprecationDate`` under ``skus`` where a SKU retires
  before the version does; ``replacementConfig`` as ``replacement``. Regions can disagree while a retirement rolls
  out: the most advanced status and the earliest date win.

The output is deterministic: sorted keys and regions, the same bytes for the same inputs and date. The script uses
the standard library only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "azoai_gen" / "data" / "models.json"

#: How far along its lifecycle a status is; regions that disagree keep the furthest one.
STATUS_RANK = {"Stable": 0, "GenerallyAvailable": 0, "Preview": 1, "Legacy": 2, "Deprecating": 3, "Deprecated": 4}


def day(value: Any) -> str | None:
    """The UTC calendar day of an ISO timestamp from the CLI (``2026-04-30T00:00:00Z``), or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return date.fromisoformat(text[:10]).isoformat()
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.date().isoformat()


def _earliest(current: str | None, new: str | None) -> str | None:
    return min(d for d in (current, new) if d) if (current or new) else None


def _merge_status(entry: dict, status: Any) -> None:
    if not isinstance(status, str) or not status:
        return
    old = entry.get("status")
    if old is None or (STATUS_RANK.get(status, 1), status) > (STATUS_RANK.get(old, 1), old):
        entry["status"] = status


def _merge_model(entry: dict, model: dict) -> dict[str, str | None]:
    """Fold one region's view of a model version into its lifecycle entry; return its SKUs' retirement dates."""
    _merge_status(entry, model.get("lifecycleStatus"))
    retirement = _earliest(entry.get("retirement"), day((model.get("deprecation") or {}).get("inference")))
    if retirement:
        entry["retirement"] = retirement
    replacement = model.get("replacementConfig") or {}
    if isinstance(replacement, dict) and replacement.get("targetModelName"):
        entry["replacement"] = {"model": str(replacement["targetModelName"]),
                                "version": str(replacement.get("targetModelVersion") or "")}
    skus: dict[str, str | None] = {}
    for sku in model.get("skus") or []:
        if isinstance(sku, dict) and sku.get("name"):
            skus[str(sku["name"])] = day(sku.get("deprecationDate"))
    return skus


def _sku_retirements(entry: dict, dates: dict[str, str]) -> None:
    """Keep a SKU's date only where that SKU retires before the version as a whole."""
    early = {sku: when for sku, when in dates.items() if not entry.get("retirement") or when < entry["retirement"]}
    if early:
        entry["skus"] = early


def build(outputs: dict[str, list], *, when: str, kind: str = "OpenAI") -> dict[str, Any]:
    """The models.json data for ``outputs`` (region -> the CLI's list for that region)."""
    availability: dict[str, dict[str, dict[str, set[str]]]] = {}
    lifecycle: dict[str, dict[str, dict]] = {}
    sku_dates: dict[tuple[str, str], dict[str, str]] = {}
    for region in sorted(outputs):
        for item in outputs[region]:
            if not isinstance(item, dict) or item.get("kind") != kind or not isinstance(item.get("model"), dict):
                continue
            model = item["model"]
            name, version = model.get("name"), model.get("version")
            if not name or version in (None, ""):
                continue
            name, version = str(name), str(version)
            entry = lifecycle.setdefault(name, {}).setdefault(version, {})
            for sku, when_retires in _merge_model(entry, model).items():
                availability.setdefault(name, {}).setdefault(version, {}).setdefault(sku, set()).add(region)
                if when_retires:
                    dates = sku_dates.setdefault((name, version), {})
                    dates[sku] = _earliest(dates.get(sku), when_retires)
    for (name, version), dates in sku_dates.items():
        _sku_retirements(lifecycle[name][version], dates)
    regions = sorted(outputs)
    source = f"az cognitiveservices model list, kind {kind}, {len(regions)} regions"
    return {
        "date": when,
        "source": source,
        "regions": regions,
        "lifecycle": {"date": when, "source": source, "models": lifecycle},
        "models": {name: {version: {sku: sorted(found) for sku, found in skus.items()}
                          for version, skus in versions.items()}
                   for name, versions in availability.items()},
    }


def dump(data: dict[str, Any]) -> str:
    """The file's text: sorted keys, two-space indent, a final newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_saved(folder: Path) -> dict[str, list]:
    """Saved CLI outputs: every ``<region>.json`` in ``folder``."""
    outputs = {}
    for path in sorted(folder.glob("*.json")):
        items = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(items, list):
            raise SystemExit(f"{path}: expected the JSON list that 'az cognitiveservices model list' prints")
        outputs[path.stem] = items
    if not outputs:
        raise SystemExit(f"{folder}: no <region>.json files")
    return outputs


def run_az(regions: Iterable[str]) -> dict[str, list]:
    """Run the CLI once per region; stop at the first failure, so that no region silently drops out."""
    outputs = {}
    for region in regions:
        command = ["az", "cognitiveservices", "model", "list", "--location", region, "-o", "json"]
        print(f"{' '.join(command)}", file=sys.stderr)
        try:
            done = subprocess.run(command, check=True, capture_output=True, text=True)
        except FileNotFoundError:
            raise SystemExit("the Azure CLI ('az') is not installed; use --from-dir with saved outputs")
        except subprocess.CalledProcessError as failure:
            raise SystemExit(f"az failed for {region}: {failure.stderr.strip()}")
        outputs[region] = json.loads(done.stdout)
    return outputs


def covered_regions(path: Path) -> list[str]:
    """The regions the current data file covers: the ones to ask again when none are given."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("regions"):
        return list(data["regions"])
    return sorted({r for versions in data["models"].values() for skus in versions.values()
                   for regions in skus.values() for r in regions})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--region", action="append", default=[], help="a region to list (repeatable)")
    parser.add_argument("--from-dir", type=Path, help="read saved outputs, one <region>.json per region")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the file to write")
    parser.add_argument("--date", default=None, help="the data's date (default: today, UTC)")
    parser.add_argument("--kind", default="OpenAI", help="the account kind whose models to keep")
    args = parser.parse_args(argv)
    when = date.fromisoformat(args.date).isoformat() if args.date else datetime.now(timezone.utc).date().isoformat()
    if args.from_dir:
        outputs = read_saved(args.from_dir)
    else:
        outputs = run_az(args.region or covered_regions(args.out))
    text = dump(build(outputs, when=when, kind=args.kind))
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out} ({len(outputs)} regions, dated {when})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
