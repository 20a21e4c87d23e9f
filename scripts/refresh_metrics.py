#!/usr/bin/env python3
"""Rebuild ``azoai_gen/data/metrics.json``: the metrics, dimensions and log tables the alerts and workbook may use.

Azure's own list of a resource type's metrics is what ``az monitor metrics list-definitions`` prints for a resource
of that type. Give the script one deployed resource of each type (any workload's will do, reading needs only the
Monitoring Reader role)::

    python scripts/refresh_metrics.py --fetch \\
        --resource /subscriptions/<id>/resourceGroups/<g>/providers/Microsoft.CognitiveServices/accounts/<name> \\
        --resource /subscriptions/<id>/resourceGroups/<g>/providers/Microsoft.Cdn/profiles/<name> \\
        --resource /subscriptions/<id>/resourceGroups/<g>/providers/Microsoft.ApiManagement/service/<name>

or saved output, one file per resource type (``az monitor metrics list-definitions --resource ID -o json > x.json``)::

    python scripts/refresh_metrics.py --from saved/ --date 2026-11-29 --out /tmp/metrics.json

Each metric keeps its unit, the aggregations Azure supports for it and its dimensions. The Learn page of the resource
type's supported metrics is recorded beside it as the citation. Metrics that Learn marks "Do not use for Azure OpenAI"
are kept out, so nothing can alert on them by mistake.

Two tables cannot be listed this way and are kept in this script, each with its source: the custom metrics that API
Management's ``azure-openai-emit-token-metric`` policy sends to Application Insights, and the Log Analytics tables (and
the columns we query) that the diagnostic settings fill.

The output is deterministic: sorted keys, the same bytes for the same inputs and date. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any, Iterable

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "azoai_gen" / "data" / "metrics.json"
LEARN = "https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/"

#: Resource types whose platform metrics are kept, with the Learn page that documents them.
NAMESPACES = {
    "Microsoft.CognitiveServices/accounts": LEARN + "microsoft-cognitiveservices-accounts-metrics",
    "Microsoft.Cdn/profiles": LEARN + "microsoft-cdn-profiles-metrics",
    "Microsoft.ApiManagement/service": LEARN + "microsoft-apimanagement-service-metrics",
}

#: Learn's Azure OpenAI monitoring reference marks these Cognitive Services metrics "Do not use for Azure OpenAI".
NOT_FOR_OPENAI = frozenset({"BlockedCalls", "ClientErrors", "DataIn", "DataOut", "Latency", "Ratelimit",
                            "ServerErrors", "SuccessfulCalls", "SuccessRate", "TotalCalls", "TotalErrors"})

#: Metrics sent by API Management's token metric policy to Application Insights (custom metrics).
CUSTOM = {
    "azure-openai-emit-token-metric": {
        "source": "https://learn.microsoft.com/azure/api-management/azure-openai-emit-token-metric-policy",
        "metrics": ["Completion Tokens", "Prompt Tokens", "Total Tokens"],
        "maxDimensions": 10,
    },
}

#: Log Analytics tables the workbook and log alerts query, with the columns they use.
TABLES = {
    "AzureDiagnostics": {
        "source": "https://learn.microsoft.com/azure/azure-monitor/reference/tables/azurediagnostics",
        "columns": ["Category", "DurationMs", "OperationName", "Resource", "ResourceId", "ResourceProvider",
                    "ResultSignature", "TimeGenerated", "properties_s"],
    },
    "ApiManagementGatewayLogs": {
        "source": "https://learn.microsoft.com/azure/azure-monitor/reference/tables/apimanagementgatewaylogs",
        "columns": ["ApiId", "BackendId", "BackendResponseCode", "LastErrorReason", "Region", "ResponseCode",
                    "TimeGenerated", "TotalTime"],
    },
    "AppMetrics": {
        "source": "https://learn.microsoft.com/azure/azure-monitor/reference/tables/appmetrics",
        "columns": ["ItemCount", "Name", "Properties", "Sum", "TimeGenerated"],
    },
}


def az_definitions(resource: str) -> list[dict[str, Any]]:
    """``az monitor metrics list-definitions`` of one resource, as az prints it with ``-o json``."""
    result = subprocess.run(["az", "monitor", "metrics", "list-definitions", "--resource", resource, "-o", "json"],
                            capture_output=True, text=True, check=False)
    if result.returncode:
        raise SystemExit(f"az failed for {resource}: {result.stderr.strip()}")
    return json.loads(result.stdout)


def metrics_of(definitions: Iterable[dict[str, Any]]) -> tuple[str, dict[str, dict[str, Any]]]:
    """The namespace and the kept metrics of one resource's metric definitions."""
    namespaces, kept = set(), {}
    for item in definitions:
        namespace = item["namespace"]
        namespaces.add(namespace)
        name = item["name"]["value"]
        if namespace == "Microsoft.CognitiveServices/accounts" and name in NOT_FOR_OPENAI:
            continue
        kept[name] = {
            "unit": item["unit"],
            "aggregations": sorted(a for a in item["supportedAggregationTypes"] if a != "None"),
            "dimensions": sorted(d["value"] for d in item.get("dimensions") or ()),
        }
    if len(namespaces) != 1:
        raise SystemExit(f"expected the metric definitions of one resource type, got {sorted(namespaces) or 'none'}")
    return namespaces.pop(), kept


def build(sets: Iterable[list[dict[str, Any]]], day: str) -> dict[str, Any]:
    platform: dict[str, Any] = {}
    for definitions in sets:
        namespace, metrics = metrics_of(definitions)
        if namespace not in NAMESPACES:
            raise SystemExit(f"{namespace} is not a resource type this table keeps: {sorted(NAMESPACES)}")
        platform[namespace] = {"source": NAMESPACES[namespace], "metrics": metrics}
    missing = sorted(set(NAMESPACES) - set(platform))
    if missing:
        raise SystemExit(f"no metric definitions given for {', '.join(missing)}")
    return {"date": day, "script": "scripts/refresh_metrics.py", "platform": platform, "custom": CUSTOM,
            "tables": TABLES}


def render(table: dict[str, Any]) -> str:
    return json.dumps(table, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--fetch", action="store_true", help="run az for each --resource")
    source.add_argument("--from", dest="saved", type=Path, help="a folder of saved list-definitions output (*.json)")
    parser.add_argument("--resource", action="append", default=[], help="a resource ID (with --fetch); repeatable")
    parser.add_argument("--date", default=date.today().isoformat(), help="the table's date (default today)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write (default %(default)s)")
    args = parser.parse_args(argv)
    if args.fetch:
        if not args.resource:
            parser.error("--fetch needs one --resource per resource type")
        sets = [az_definitions(resource) for resource in args.resource]
    else:
        sets = [json.loads(path.read_text("utf-8")) for path in sorted(args.saved.glob("*.json"))]
    args.out.write_text(render(build(sets, args.date)), "utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
