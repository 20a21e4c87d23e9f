"""The metrics, dimensions and log tables that Azure documents, from the dated table ``data/metrics.json``.

The alert rules and the workbook name metrics only through :func:`platform_metric` and :func:`table`, which refuse a
name the table does not hold: a misspelt metric or dimension fails the render in development, never a deployment.
``scripts/refresh_metrics.py`` rebuilds the table; each resource type carries the Learn page it comes from.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from . import resources


@lru_cache(maxsize=1)
def data() -> dict[str, Any]:
    return resources.data("metrics.json")


def platform_metric(namespace: str, name: str, aggregation: str, dimensions: tuple[str, ...] = ()) -> dict[str, Any]:
    """The table's entry for a platform metric, after checking the aggregation and every dimension against it."""
    try:
        entry = data()["platform"][namespace]["metrics"][name]
    except KeyError:
        raise LookupError(f"{namespace} has no documented metric {name!r}") from None
    if aggregation not in entry["aggregations"]:
        raise LookupError(f"{namespace} {name} has no {aggregation} aggregation: {entry['aggregations']}")
    unknown = sorted(set(dimensions) - set(entry["dimensions"]))
    if unknown:
        raise LookupError(f"{namespace} {name} has no dimension {unknown[0]!r}: {entry['dimensions']}")
    return entry


def source(namespace: str) -> str:
    """The Learn page that documents a resource type's metrics."""
    return data()["platform"][namespace]["source"]


def custom_metric(policy: str, name: str) -> str:
    """A custom metric that an API Management policy emits; returns the policy's Learn page."""
    entry = data()["custom"][policy]
    if name not in entry["metrics"]:
        raise LookupError(f"{policy} emits no metric {name!r}: {entry['metrics']}")
    return entry["source"]


def table(name: str, *columns: str) -> str:
    """A Log Analytics table and the columns a query uses; returns the table's Learn page."""
    try:
        entry = data()["tables"][name]
    except KeyError:
        raise LookupError(f"no documented table {name!r}") from None
    unknown = sorted(set(columns) - set(entry["columns"]))
    if unknown:
        raise LookupError(f"{name} has no column {unknown[0]!r} in the table")
    return entry["source"]
