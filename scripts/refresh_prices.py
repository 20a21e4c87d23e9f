#!/usr/bin/env python3
"""Rebuild ``azoai_gen/data/prices.json`` from the Azure Retail Prices API.

One command refreshes the price table (no login needed; the API is public)::

    python scripts/refresh_prices.py --fetch

That asks ``https://prices.azure.com/api/retail/prices`` once per priced item, with a ``$filter`` on the item's meter
(``serviceName``, ``productName``, ``skuName``, ``meterName``, ``type eq 'Consumption'``), follows ``NextPageLink``
until it is null, and writes the file. Other ways to call it::

    python scripts/refresh_prices.py --from saved/                   # saved response pages, *.json
    python scripts/refresh_prices.py --from saved/ --date 2026-11-29 --out /tmp/prices.json

What it keeps (see ``docs/architecture.md``, Data files):

- per item, the retail price of every region the API lists (``armRegionName``), and as the item's ``price`` the price
  in the region the current table prices it in (``eastus``, ``Zone 1`` for Front Door and DNS, ``Global`` for
  private endpoints). Tiered meters (Log Analytics ingestion, private endpoint data) keep their first paid tier: the
  lowest ``tierMinimumUnits`` with a price above zero.
- per model the tool knows (``models.json``) that the API prices in ``eastus``, input and output prices per 1,000 tokens by deployment type (``glbl``
  Global Standard, ``Dz`` Data Zone Standard, ``regnl`` Standard), converted from the meter's ``unitOfMeasure``
  (``1K`` or ``1M``); where several model versions have rows, the latest ``effectiveStartDate`` wins. A model
  without rows gets no rate: the cost estimate then says the table has none.
- the current file's currency, region basis, hours per month and assumptions. An item the API returned no row for
  keeps its old price, the script names it, and the table stays marked approximate.

The output is deterministic: sorted keys, the same bytes for the same inputs and date. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import urllib.parse
import urllib.request
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable

API = "https://prices.azure.com/api/retail/prices"
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "azoai_gen" / "data" / "prices.json"
MODELS = ROOT / "azoai_gen" / "data" / "models.json"
TOKEN_SERVICES = ("Foundry Models", "Cognitive Services")
#: Meter name suffixes of token meters and the deployment SKU they price.
TOKEN_SKUS = {"glbl": "GlobalStandard", "dz": "DataZoneStandard", "regnl": "Standard"}
TOKEN_UNITS = {"1K": 1, "1M": 1000}
MAX_PAGES = 200


def quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def meter_filter(meter: dict[str, str]) -> str:
    """The OData ``$filter`` that selects one item's rows."""
    terms = [f"{field} eq {quoted(meter[field])}" for field in ("serviceName", "productName", "skuName", "meterName")]
    return " and ".join(terms + ["type eq 'Consumption'"])


def token_filter() -> str:
    services = " or ".join(f"serviceName eq {quoted(s)}" for s in TOKEN_SERVICES)
    return f"({services}) and contains(productName, 'OpenAI') and type eq 'Consumption'"


def fetch_pages(url: str, opener: Callable[[str], bytes]) -> list[dict[str, Any]]:
    """Every page from ``url`` on, following ``NextPageLink``."""
    pages = []
    while url and len(pages) < MAX_PAGES:
        page = json.loads(opener(url))
        pages.append(page)
        url = page.get("NextPageLink") or ""
    return pages


def _urlopen(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - a fixed https endpoint
        return response.read()


def fetch_items(table: dict[str, Any], opener: Callable[[str], bytes] = _urlopen) -> list[dict[str, Any]]:
    """The API's rows for every item of ``table`` and for the token meters."""
    filters = [meter_filter(item["meter"]) for item in table["items"].values()] + [token_filter()]
    rows = []
    for expression in filters:
        url = API + "?$filter=" + urllib.parse.quote(expression, safe="'()")
        for page in fetch_pages(url, opener):
            rows.extend(page.get("Items", []))
    return rows


def read_items(folder: Path) -> list[dict[str, Any]]:
    """The rows of every saved response page (``*.json``) in ``folder``."""
    rows = []
    for path in sorted(folder.glob("*.json")):
        rows.extend(json.loads(path.read_text(encoding="utf-8")).get("Items", []))
    return rows


def _matches(row: dict[str, Any], meter: dict[str, str]) -> bool:
    return row.get("type") == "Consumption" and all(row.get(k) == v for k, v in meter.items())


def _first_paid(rows: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    paid = [r for r in rows if r.get("retailPrice", 0) > 0]
    return min(paid, key=lambda r: (r.get("tierMinimumUnits", 0), r.get("effectiveStartDate", "")), default=None)


def item_prices(rows: list[dict[str, Any]], meter: dict[str, str]) -> dict[str, float]:
    """region -> price of one meter's first paid tier."""
    by_region: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        if _matches(row, meter):
            by_region.setdefault(row["armRegionName"], []).append(row)
    found = {region: _first_paid(group) for region, group in by_region.items()}
    return {region: row["retailPrice"] for region, row in sorted(found.items()) if row is not None}


def _token_meter(model: str) -> re.Pattern[str]:
    words = re.escape(model.replace("-", " ")).replace(r"\ ", " ")
    return re.compile(rf"^{words}(?: \d{{4}})? (inp|outp) (glbl|dz|regnl) tokens$", re.I)


def token_rates(rows: list[dict[str, Any]], models: Iterable[str], region: str) -> dict[str, Any]:
    """model -> SKU -> {input, output} per 1,000 tokens in ``region``, for the models named."""
    rates: dict[str, Any] = {}
    for model in models:
        pattern = _token_meter(model)
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        for row in rows:
            match = pattern.match(row.get("meterName", ""))
            if not match or row.get("armRegionName") != region or row.get("type") != "Consumption":
                continue
            if row.get("unitOfMeasure") not in TOKEN_UNITS:
                continue
            key = (TOKEN_SKUS[match.group(2).lower()], "input" if match.group(1).lower() == "inp" else "output")
            if key not in latest or row["effectiveStartDate"] > latest[key]["effectiveStartDate"]:
                latest[key] = row
        for (sku, direction), row in sorted(latest.items()):
            per_1k = row["retailPrice"] / TOKEN_UNITS[row["unitOfMeasure"]]
            rates.setdefault(model, {}).setdefault(sku, {})[direction] = round(per_1k, 8)
    return {m: {s: r for s, r in skus.items() if set(r) == {"input", "output"}} for m, skus in rates.items()}


def rebuild(current: dict[str, Any], rows: list[dict[str, Any]], today: str, origin: str) -> tuple[dict, list[str]]:
    """The new table and the items the rows held no price for."""
    result = json.loads(json.dumps(current))
    missing = []
    for key, item in result["items"].items():
        basis = next(iter(item.get("regions", {})), "eastus")
        prices = item_prices(rows, item["meter"])
        if basis not in prices:
            missing.append(key)
            continue
        item["regions"], item["price"] = prices, prices[basis]
    # The token rates of every model the tool knows (models.json) that the API prices in eastus; a model it does
    # not price gets no rate, and the cost estimate says the table has none.
    known = json.loads(MODELS.read_text(encoding="utf-8"))["models"] if MODELS.exists() else {}
    result["tokens"]["models"] = token_rates(rows, sorted(set(known) | set(current["tokens"]["models"])), "eastus")
    result["date"] = today
    result["approximate"] = bool(missing)
    result["source"] = (f"Azure Retail Prices API, {API} (type Consumption, retail list prices), {origin} on "
                        f"{today}" + (f"; not found there, kept from the previous table: {', '.join(missing)}"
                                      if missing else ""))
    return result, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rebuild azoai_gen/data/prices.json from the Azure Retail Prices API.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--fetch", action="store_true", help="query the API (needs network access)")
    source.add_argument("--from", dest="folder", type=Path, metavar="DIR", help="read saved response pages, *.json")
    parser.add_argument("--date", help="the table's date (default: today, UTC)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="FILE", help="where to write")
    parser.add_argument("--table", type=Path, default=DEFAULT_OUT, metavar="FILE",
                        help="the current table: its items, meters and assumptions are kept")
    args = parser.parse_args(argv)
    current = json.loads(args.table.read_text(encoding="utf-8"))
    if args.folder is not None:
        rows, origin = read_items(args.folder), "read from saved responses"
    else:
        rows, origin = fetch_items(current), "queried"
    today = args.date or datetime.now(timezone.utc).date().isoformat()
    date.fromisoformat(today)
    table, missing = rebuild(current, rows, today, origin)
    args.out.write_text(json.dumps(table, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    for key in missing:
        print(f"no price found for {key}: kept the previous one", file=sys.stderr)
    print(f"wrote {args.out} ({len(table['items'])} items, {len(rows)} rows read)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
