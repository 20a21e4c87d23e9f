"""scripts/refresh_prices.py rebuilds the price table from the Retail Prices API's response pages: recorded pages in
the API's documented shape (tests/recordings/prices/, whose README describes it) stand in for the live API."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from _support import load_script

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "refresh_prices.py"
RECORDINGS = Path(__file__).resolve().parent / "recordings" / "prices"
TABLE = ROOT / "azoai_gen" / "data" / "prices.json"


def _run(tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "prices.json"
    result = subprocess.run([sys.executable, str(SCRIPT), "--from", str(RECORDINGS), "--date", "2026-12-01",
                             "--out", str(out), *extra], capture_output=True, text=True, check=True)
    assert "wrote" in result.stdout
    return json.loads(out.read_text(encoding="utf-8"))


def _rows() -> list[dict]:
    return [row for page in sorted(RECORDINGS.glob("*.json"))
            for row in json.loads(page.read_text(encoding="utf-8"))["Items"]]


def _price(meter_name: str, region: str, **match) -> float:
    return next(r["retailPrice"] for r in _rows() if r["meterName"] == meter_name and r["armRegionName"] == region
                and r["type"] == "Consumption" and all(r.get(k) == v for k, v in match.items()))


def test_the_recordings_have_the_documented_shape():
    fields = {"currencyCode", "retailPrice", "unitPrice", "armRegionName", "meterName", "productName", "skuName",
              "serviceName", "unitOfMeasure", "effectiveStartDate", "type", "tierMinimumUnits"}
    pages = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(RECORDINGS.glob("*.json"))]
    assert len(pages) >= 2 and pages[-1]["NextPageLink"] is None and pages[0]["NextPageLink"]
    for page in pages:
        assert {"BillingCurrency", "CustomerEntityId", "CustomerEntityType", "Items", "NextPageLink", "Count"} <= set(page)
        assert page["Count"] == len(page["Items"])
        for row in page["Items"]:
            assert fields <= set(row)


def test_a_refresh_reads_every_item_and_region_and_dates_the_table(tmp_path):
    table = _run(tmp_path)
    old = json.loads(TABLE.read_text(encoding="utf-8"))
    assert table["date"] == "2026-12-01" and table["approximate"] is False
    assert "prices.azure.com/api/retail/prices" in table["source"] and "2026-12-01" in table["source"]
    assert set(table["items"]) == set(old["items"])
    apim = table["items"]["apiManagement.Premium"]
    assert apim["price"] == _price("Premium Unit", "eastus", productName="API Management")
    assert apim["regions"]["swedencentral"] == _price("Premium Unit", "swedencentral")
    assert table["items"]["frontDoor.Premium_AzureFrontDoor"]["price"] == _price("Premium Base Fees", "Zone 1")
    # the paid tier of a tiered meter, not the free first 5 GB
    assert table["items"]["logAnalytics.ingestion"]["price"] == \
        _price("Analytics Logs Data Ingestion", "eastus", tierMinimumUnits=5.0) > 0
    # what the file keeps from the old table
    for key in ("currency", "regionBasis", "hoursPerMonth", "assumptions"):
        assert table[key] == old[key]


def test_token_rates_become_per_1000_tokens_and_the_latest_version_wins(tmp_path):
    models = _run(tmp_path)["tokens"]["models"]
    assert models["gpt-4o"]["GlobalStandard"] == {"input": 0.0025, "output": 0.01}
    assert models["gpt-4o"]["DataZoneStandard"] == {"input": 0.00275, "output": 0.011}
    assert models["gpt-4o-mini"]["GlobalStandard"] == {"input": 0.00015, "output": 0.0006}
    assert models["gpt-4.1"]["GlobalStandard"] == {"input": 0.002, "output": 0.008}
    # a model the pages do not price gets no rate, rather than an old one
    assert "gpt-5" not in models


def test_items_without_rows_keep_their_old_price_and_the_table_stays_approximate(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    for page in RECORDINGS.glob("*.json"):
        data = json.loads(page.read_text(encoding="utf-8"))
        data["Items"] = [r for r in data["Items"] if r["meterName"] != "Standard Policy"]
        (pages / page.name).write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "prices.json"
    result = subprocess.run([sys.executable, str(SCRIPT), "--from", str(pages), "--date", "2026-12-01", "--out",
                             str(out)], capture_output=True, text=True, check=True)
    table = json.loads(out.read_text(encoding="utf-8"))
    old = json.loads(TABLE.read_text(encoding="utf-8"))
    assert "frontDoor.wafPolicy.Standard_AzureFrontDoor" in result.stderr
    assert table["approximate"] is True and "frontDoor.wafPolicy.Standard_AzureFrontDoor" in table["source"]
    assert table["items"]["frontDoor.wafPolicy.Standard_AzureFrontDoor"] == \
        old["items"]["frontDoor.wafPolicy.Standard_AzureFrontDoor"]


def test_the_output_is_deterministic(tmp_path):
    first = _run(tmp_path)
    second = _run(tmp_path)
    assert first == second


def test_fetch_filters_each_meter_and_follows_next_page_link():
    script = load_script(SCRIPT)
    table = json.loads(TABLE.read_text(encoding="utf-8"))
    pages = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(RECORDINGS.glob("*.json"))]
    asked: list[str] = []

    def opener(url: str) -> bytes:
        asked.append(url)
        if url == pages[0]["NextPageLink"]:
            return json.dumps(pages[1]).encode()
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
        assert url.startswith(script.API + "?") and list(query) == ["$filter"]
        return json.dumps(pages[0] if "Premium Unit" in query["$filter"][0] else
                          {"Items": [], "NextPageLink": None, "Count": 0}).encode()

    rows = script.fetch_items(table, opener)
    filters = [urllib.parse.parse_qs(urllib.parse.urlsplit(u).query)["$filter"][0] for u in asked if "?$filter=" in u]
    assert len(filters) == len(table["items"]) + 1
    assert ("serviceName eq 'API Management' and productName eq 'API Management' and skuName eq 'Premium' and "
            "meterName eq 'Premium Unit' and type eq 'Consumption'") in filters
    assert pages[0]["NextPageLink"] in asked
    assert len(rows) == len(pages[0]["Items"]) + len(pages[1]["Items"])


def test_a_quote_in_a_meter_is_escaped_for_odata():
    assert load_script(SCRIPT).quoted("O'Brien") == "'O''Brien'"


@pytest.mark.parametrize("flag", [[], ["--fetch", "--from", "x"]])
def test_exactly_one_source_is_required(flag, tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), *flag, "--out", str(tmp_path / "x.json")],
                            capture_output=True, text=True)
    assert result.returncode == 2
