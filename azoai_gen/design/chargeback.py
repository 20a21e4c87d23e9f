"""Chargeback: tokens per consumer, model and region per month, and what they cost.

The gateway's token metric (``azure-openai-emit-token-metric``) lands in the workspace's ``AppMetrics`` table as the
custom metrics "Prompt Tokens" and "Completion Tokens", with the policy's dimensions in ``Properties``
(design/policy.py): Consumer (the consumer's name, for key and Entra callers alike), Deployment (the deployment the
call names) and Region (the gateway's region). The model is not a dimension: every account deploys the spec's
deployments, so the query maps a deployment to its model with a ``datatable`` printed from the spec.

The cost column multiplies the tokens by a per-1,000-token rate: ``apiManagement.chargeback.ratePer1000Tokens`` for
every deployment when the spec sets it, otherwise the price table's list rates (``data/prices.json`` ``tokens``: input
and output per model and deployment type), dated in the query. A deployment the table has no rate for, and a
provisioned one (billed per PTU-hour, not per token), has an empty cost.
"""

from __future__ import annotations

from .. import metrics, resources
from ..azure import PROVISIONED_SKUS
from ..frozen import frozen
from ..model import Spec
from .policy import CONSUMER, DEPLOYMENT, REGION

TABLE = "AppMetrics"
COLUMNS = ("TimeGenerated", "Name", "Sum", "Properties")
POLICY = "azure-openai-emit-token-metric"
PROMPT, COMPLETION = "Prompt Tokens", "Completion Tokens"


@frozen
class Chargeback:
    #: The KQL query of the workspace.
    query: str
    #: Where the rates come from, in words.
    pricing: str
    #: Deployments without a per-token rate (the cost is empty for them).
    unpriced: tuple[str, ...]
    table: str
    columns: tuple[str, ...]


def _kql_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _real(value: float | None) -> str:
    if value is None:
        return "real(null)"
    return "real(" + (f"{value:.10f}".rstrip("0").rstrip(".") or "0") + ")"


def _rates(spec: Spec) -> tuple[list[str], str, tuple[str, ...], str]:
    """The datatable's rows, the cost expression, the unpriced deployments and the pricing sentence."""
    rate = spec.api_management.chargeback_rate_per_1000_tokens
    if rate is not None:
        rows = [f"{_kql_str(d.name)}, {_kql_str(d.model)}, {_real(rate)}, {_real(rate)}" for d in spec.deployments]
        return rows, "", (), f"apiManagement.chargeback.ratePer1000Tokens: {rate:g} per 1,000 tokens, prompt and " \
                            "completion alike, for every deployment"
    prices = resources.data("prices.json")
    models = prices["tokens"]["models"]
    rows, unpriced = [], []
    for d in spec.deployments:
        found = None if d.sku in PROVISIONED_SKUS else models.get(d.model, {}).get(d.sku)
        if found is None:
            unpriced.append(d.name)
        rows.append(f"{_kql_str(d.name)}, {_kql_str(d.model)}, {_real(found and found['input'])}, "
                    f"{_real(found and found['output'])}")
    sentence = (f"the price table's per-1,000-token list rates ({prices['currency']}, dated {prices['date']}) of "
                "each deployment's model and deployment type")
    return rows, prices["date"], tuple(unpriced), sentence


def chargeback(spec: Spec) -> Chargeback:
    metrics.table(TABLE, *COLUMNS)
    for name in (PROMPT, COMPLETION):
        metrics.custom_metric(POLICY, name)
    rows, date, unpriced, pricing = _rates(spec)
    dated = f"list prices of {date}" if date else "apiManagement.chargeback.ratePer1000Tokens"
    lines = [
        "// Tokens per consumer, model (deployment) and gateway region per month, from the gateway's token metric.",
        f"// Cost: per-1,000-token rates ({dated}); empty where there is none.",
        "let rates = datatable(Deployment: string, Model: string, InputPer1k: real, OutputPer1k: real) [",
        ",\n".join("    " + row for row in rows),
        "];",
        TABLE,
        f'| where Name in ({_kql_str(PROMPT)}, {_kql_str(COMPLETION)})',
        f"| extend Consumer = tostring(Properties[{_kql_str(CONSUMER[0])}]), "
        f"Deployment = tostring(Properties[{_kql_str(DEPLOYMENT[0])}]), "
        f"Region = tostring(Properties[{_kql_str(REGION[0])}])",
        f"| summarize PromptTokens = sumif(Sum, Name == {_kql_str(PROMPT)}), "
        f"CompletionTokens = sumif(Sum, Name == {_kql_str(COMPLETION)}) "
        "by Month = startofmonth(TimeGenerated), Consumer, Deployment, Region",
        "| join kind=leftouter rates on Deployment",
        "| extend TotalTokens = PromptTokens + CompletionTokens, "
        "Cost = round(PromptTokens / 1000.0 * InputPer1k + CompletionTokens / 1000.0 * OutputPer1k, 2)",
        "| project Month, Consumer, Model, Deployment, Region, PromptTokens, CompletionTokens, TotalTokens, Cost",
        "| order by Month desc, Consumer asc, TotalTokens desc",
    ]
    return Chargeback("\n".join(lines), pricing, unpriced, TABLE, COLUMNS)


__all__ = ["Chargeback", "chargeback"]
