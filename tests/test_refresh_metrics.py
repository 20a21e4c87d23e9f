"""scripts/refresh_metrics.py rebuilds the metric table from ``az monitor metrics list-definitions`` output: files in
az's shape (tests/recordings/metric-definitions/, whose README describes it) stand in for live resources."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from _support import load_script

from azoai_gen import metrics

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "refresh_metrics.py"
RECORDINGS = Path(__file__).resolve().parent / "recordings" / "metric-definitions"
TABLE = ROOT / "azoai_gen" / "data" / "metrics.json"


def test_the_committed_table_is_what_the_script_builds(tmp_path: Path) -> None:
    out = tmp_path / "metrics.json"
    date = json.loads(TABLE.read_text("utf-8"))["date"]
    subprocess.run([sys.executable, str(SCRIPT), "--from", str(RECORDINGS), "--date", date, "--out", str(out)],
                   check=True, capture_output=True)
    assert out.read_bytes() == TABLE.read_bytes()


def test_each_metric_keeps_unit_aggregations_and_dimensions_and_each_type_its_learn_page() -> None:
    table = json.loads(TABLE.read_text("utf-8"))
    requests = table["platform"]["Microsoft.CognitiveServices/accounts"]["metrics"]["AzureOpenAIRequests"]
    assert requests == {"unit": "Count", "aggregations": ["Total"],
                        "dimensions": sorted(["ApiName", "OperationName", "Region", "StreamType", "ModelDeploymentName",
                                              "ModelName", "ModelVersion", "StatusCode", "IsSpillover",
                                              "ServiceTierRequest", "ServiceTierResponse"])}
    for namespace, entry in table["platform"].items():
        slug = namespace.lower().replace(".", "-").replace("/", "-")
        assert entry["source"].endswith(f"/supported-metrics/{slug}-metrics")


def test_metrics_learn_marks_not_for_azure_openai_are_left_out() -> None:
    recorded = json.loads((RECORDINGS / "cognitiveservices-accounts.json").read_text("utf-8"))
    assert "ClientErrors" in {item["name"]["value"] for item in recorded}
    kept = json.loads(TABLE.read_text("utf-8"))["platform"]["Microsoft.CognitiveServices/accounts"]["metrics"]
    assert "ClientErrors" not in kept and not set(kept) & load_script(SCRIPT).NOT_FOR_OPENAI


def test_a_mixture_of_resource_types_or_a_missing_type_is_refused() -> None:
    script = load_script(SCRIPT)
    oai = json.loads((RECORDINGS / "cognitiveservices-accounts.json").read_text("utf-8"))
    afd = json.loads((RECORDINGS / "cdn-profiles.json").read_text("utf-8"))
    with pytest.raises(SystemExit, match="one resource type"):
        script.build([oai + afd], "2026-11-29")
    with pytest.raises(SystemExit, match="no metric definitions given for Microsoft.ApiManagement/service"):
        script.build([oai, afd], "2026-11-29")


def test_lookups_refuse_names_the_table_does_not_hold() -> None:
    assert metrics.platform_metric("Microsoft.Cdn/profiles", "OriginHealthPercentage", "Average", ("OriginGroup",))
    with pytest.raises(LookupError, match="no documented metric 'OriginHealth'"):
        metrics.platform_metric("Microsoft.Cdn/profiles", "OriginHealth", "Average")
    with pytest.raises(LookupError, match="no Total aggregation"):
        metrics.platform_metric("Microsoft.Cdn/profiles", "OriginHealthPercentage", "Total")
    with pytest.raises(LookupError, match="no dimension 'StatusCode'"):
        metrics.platform_metric("Microsoft.CognitiveServices/accounts", "TokenTransaction", "Total", ("StatusCode",))
    with pytest.raises(LookupError, match="no column 'Foo'"):
        metrics.table("AppMetrics", "Name", "Foo")
    with pytest.raises(LookupError, match="emits no metric"):
        metrics.custom_metric("azure-openai-emit-token-metric", "Tokens")
