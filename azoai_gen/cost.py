"""The monthly cost estimate of a design, from the dated price table ``azoai_gen/data/prices.json``.

``estimate(design)`` prices what the design deploys and nothing else: one line per billed item, each with the
assumption behind its quantity and price. Token usage is not in the total: it depends on traffic, and the notes give
each deployment's per-1,000-token rate where the table has one. ``scripts/refresh_prices.py`` rebuilds the table from
the Azure Retail Prices API.
"""

from __future__ import annotations

from typing import Any

from . import resources
from .azure import PROVISIONED_SKUS
from .frozen import frozen


@frozen
class CostLine:
    item: str
    resource_type: str
    quantity: float
    unit: str
    unit_price: float
    monthly: float
    assumption: str

    def as_dict(self) -> dict[str, Any]:
        return {"item": self.item, "resourceType": self.resource_type, "quantity": self.quantity, "unit": self.unit,
                "unitPrice": self.unit_price, "monthly": self.monthly, "assumption": self.assumption}


@frozen
class TokenRate:
    """What a deployment's tokens cost, where the table has the rate; ``None`` where it does not."""

    deployment: str
    model: str
    sku: str
    input_per_1k: float | None
    output_per_1k: float | None
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {"deployment": self.deployment, "model": self.model, "sku": self.sku,
                "inputPer1kTokens": self.input_per_1k, "outputPer1kTokens": self.output_per_1k, "note": self.note}


@frozen
class CostEstimate:
    lines: tuple[CostLine, ...]
    total: float
    currency: str
    table_date: str
    region_basis: str
    source: str
    approximate: bool
    token_rates: tuple[TokenRate, ...]
    notes: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {"currency": self.currency, "tableDate": self.table_date, "regionBasis": self.region_basis,
                "source": self.source, "approximate": self.approximate, "total": self.total,
                "lines": [line.as_dict() for line in self.lines],
                "tokenRates": [rate.as_dict() for rate in self.token_rates], "notes": list(self.notes)}


class _Table:
    """The price table, read once per estimate."""

    def __init__(self, data: dict[str, Any]):
        self.data = data
        self.hours = data["hoursPerMonth"]
        self.assumptions = data["assumptions"]

    def price(self, key: str, region: str | None = None) -> tuple[float, str, str]:
        """(price, unit of measure, where the price comes from) of an item, for ``region`` where the table has it."""
        item = self.data["items"][key]
        by_region = item.get("regions", {})
        if region in by_region:
            return by_region[region], item["unitOfMeasure"], f"list price in {region}"
        basis = next(iter(by_region), "the table's basis")
        where = f"list price in {basis}" + (f" (the table has no {region} price)" if region else "")
        return item["price"], item["unitOfMeasure"], where


def _line(item: str, resource_type: str, quantity: float, unit: str, unit_price: float, assumption: str) -> CostLine:
    return CostLine(item, resource_type, quantity, unit, unit_price, round(quantity * unit_price, 2), assumption)


def _hourly(table: _Table, key: str, item: str, resource_type: str, count: int, unit: str, region: str | None,
            why: str) -> CostLine:
    price, _, where = table.price(key, region)
    return _line(item, resource_type, count * table.hours, f"{unit}-hour", price,
                 f"{why}; {count} x {table.hours} hours a month, {where}")


def _api_management(design, table: _Table) -> list[CostLine]:
    apim = design.api_management
    if apim is None:
        return []
    return [_hourly(table, f"apiManagement.{apim.sku}", f"API Management {apim.sku} units in {g.location}",
                    "Microsoft.ApiManagement/service", apim.capacity, "unit", g.location,
                    f"{apim.capacity} unit(s) of classic {apim.sku} in this gateway region "
                    f"({'primary' if g.primary else 'additional'} location), billed every hour it exists")
            for g in apim.gateways]


def _public_ips(design, table: _Table) -> list[CostLine]:
    apim = design.api_management
    if apim is None:
        return []
    return [_hourly(table, "publicIp.Standard", f"Standard public IP of the gateway in {g.location}",
                    "Microsoft.Network/publicIPAddresses", 1, "IP", g.location,
                    "one static Standard IPv4 address per gateway region") for g in apim.gateways]


def _front_door(design, table: _Table) -> list[CostLine]:
    door = design.front_door
    if door is None:
        return []
    price, _, where = table.price(f"frontDoor.{door.sku}", "Zone 1")
    lines = [_line(f"Front Door {door.sku} base fee", "Microsoft.Cdn/profiles", 1, "month", price,
                   f"one profile; the monthly base fee, {where}; requests and data transfer are extra "
                   f"and depend on traffic")]
    if door.waf.managed_rule_sets:
        return lines  # Premium: the managed rule sets are part of the base fee
    price, _, where = table.price(f"frontDoor.wafPolicy.{door.sku}", "Zone 1")
    lines.append(_line("Front Door WAF policy (Standard)", "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies",
                       1, "policy-month", price,
                       f"one WAF policy with no custom rules; Standard bills the policy (and each custom rule and "
                       f"its requests) on top of the base fee, {where}"))
    return lines


def _private_endpoints(design, table: _Table) -> list[CostLine]:
    if not design.account.private_endpoint:
        return []
    count = len(design.regions)
    gigabytes = table.assumptions["privateEndpointGbPerMonth"]
    return [
        _hourly(table, "privateEndpoint", "Private endpoints of the Azure OpenAI accounts",
                "Microsoft.Network/privateEndpoints", count, "endpoint", None,
                "one private endpoint per region's account"),
        _line("Data processed by the private endpoints", "Microsoft.Network/privateEndpoints", count * gigabytes,
              "GB", table.price("privateEndpoint.dataProcessed")[0],
              f"assumed {gigabytes} GB a month through each endpoint (prompts and completions are small); "
              f"ingress and egress are each billed at this first-tier rate"),
    ]


def _content_safety(design, table: _Table) -> list[CostLine]:
    """Tier 5's Content Safety account: its private endpoint (the account bills per use, in the notes)."""
    if design.api_management is None or design.api_management.content_safety is None:
        return []
    return [_hourly(table, "privateEndpoint", "Private endpoint of the Content Safety account",
                    "Microsoft.Network/privateEndpoints", 1, "endpoint", None,
                    "the account that checks prompts at the gateway, in the primary region")]


def _usage_notes(design) -> tuple[str, ...]:
    """Usage-billed parts the total leaves out: spilled requests and content safety checks."""
    notes = ()
    if design.spill_overs:
        notes += ("Spill-over is extra: requests a provisioned deployment spills over to its standard deployment "
                  "bill per 1,000 tokens at that deployment's rate, on top of the PTU-hours (Learn: \"Manage "
                  "traffic with spillover for provisioned deployments\", Spillover cost).",)
    if design.api_management and design.api_management.content_safety:
        notes += ("Content safety is extra: the Content Safety account (S0) bills each checked prompt per 1,000 "
                  "text records (a record is up to 1,000 characters), and Prompt Shields per 1,000 records as "
                  "well (Azure AI Content Safety pricing, https://azure.microsoft.com/pricing/details/"
                  "cognitive-services/content-safety/); it has no base fee.",)
    return notes


def _dns_zones(design, table: _Table) -> list[CostLine]:
    zones = design.network.created_zones if design.network else ()
    if not zones:
        return []
    price, _, where = table.price("privateDnsZone", "Zone 1")
    return [_line("Private DNS zones", "Microsoft.Network/privateDnsZones", len(zones), "zone-month", price,
                  f"{len(zones)} zone(s) created here; queries are extra and negligible, {where}")]


def _log_sources(design) -> int:
    """What sends diagnostics to the workspace: each account, the gateway and Front Door."""
    return len(design.regions) + (1 if design.api_management else 0) + (1 if design.front_door else 0)


def _log_analytics(design, table: _Table) -> list[CostLine]:
    per_day = table.assumptions["logAnalyticsGbPerDayPerSource"]
    sources = _log_sources(design)
    gigabytes = round(sources * per_day * 30, 2)
    price, _, where = table.price("logAnalytics.ingestion", design.primary.location)
    where_billed = "the workspace created here" if design.monitoring.create else "the spec's existing workspace"
    return [_line("Log Analytics ingestion", "Microsoft.OperationalInsights/workspaces", gigabytes, "GB", price,
                  f"assumed {per_day} GB a day from each of {sources} diagnostic source(s) over 30 days, billed in "
                  f"{where_billed}; the first 5 GB a month per billing account are free and not deducted; {where}")]


def _key_vault(design, table: _Table) -> list[CostLine]:
    if design.key_vault is None:
        return []
    operations = table.assumptions["keyVaultOperationsPerMonth"]
    price, _, where = table.price("keyVault.operations", design.primary.location)
    return [_line("Key Vault operations", "Microsoft.KeyVault/vaults", operations / 10000, "10K operations", price,
                  f"negligible: assumed {operations} secret reads a month; the vault itself has no fee, {where}")]


def _provisioned(design, table: _Table) -> list[CostLine]:
    lines = []
    for deployment in design.spec.deployments:
        if deployment.sku not in PROVISIONED_SKUS:
            continue
        for region in design.regions:
            lines.append(_hourly(table, f"ptu.{deployment.sku}",
                                 f"Provisioned throughput of {deployment.name} in {region.location}",
                                 "Microsoft.CognitiveServices/accounts/deployments", deployment.capacity, "PTU",
                                 region.location,
                                 f"{deployment.capacity} PTU of {deployment.sku} ({deployment.model}) in this "
                                 f"region's account, hourly (no reservation)"))
    return lines


def _token_rates(design, data: dict[str, Any]) -> tuple[TokenRate, ...]:
    models = data["tokens"]["models"]
    rates = []
    for deployment in design.spec.deployments:
        if deployment.sku in PROVISIONED_SKUS:
            rates.append(TokenRate(deployment.name, deployment.model, deployment.sku, None, None,
                                   "provisioned: billed per PTU-hour (priced above), not per token"))
            continue
        rate = models.get(deployment.model, {}).get(deployment.sku)
        if rate is None:
            rates.append(TokenRate(deployment.name, deployment.model, deployment.sku, None, None,
                                   f"the table has no per-token rate for {deployment.model} ({deployment.sku})"))
        else:
            rates.append(TokenRate(deployment.name, deployment.model, deployment.sku, rate["input"],
                                   rate["output"], "per 1,000 tokens, list price; cached input is cheaper"))
    return tuple(rates)


def _free_notes(design, data: dict[str, Any]) -> tuple[str, ...]:
    """What the design deploys at no charge, with why the table says so."""
    free = data.get("free", {})
    notes: tuple[str, ...] = ()
    if design.workbook is not None and "Microsoft.Insights/workbooks" in free:
        notes += (f"The Azure Monitor workbook costs nothing: {free['Microsoft.Insights/workbooks']}.",)
    filters = "Microsoft.CognitiveServices/accounts/raiPolicies"
    if design.content_filters is not None and filters in free:
        notes += (f"The content filters and blocklists cost nothing: {free[filters]}.",)
    return notes


def estimate(design, table: dict[str, Any] | None = None) -> CostEstimate:
    """The monthly cost of what ``design`` deploys; ``table`` replaces the shipped price table (tests)."""
    data = table if table is not None else resources.data("prices.json")
    prices = _Table(data)
    lines = [line for part in (_api_management, _public_ips, _front_door, _private_endpoints, _content_safety,
                               _dns_zones, _log_analytics, _key_vault, _provisioned)
             for line in part(design, prices)]
    notes = ("Token usage is extra: Standard, Global Standard and Data Zone deployments bill per 1,000 tokens at "
             "the model's rate (token rates below, where the table has them).",
             "Azure OpenAI accounts have no base fee; VNets, subnets, peerings' data transfer, Front Door requests "
             "and egress depend on traffic and are not priced.",
             f"Prices are {data['currency']} list prices of {data['date']} ({data['regionBasis']}); your agreement, "
             f"region and reservations change them.") + _free_notes(design, data) + _usage_notes(design)
    if design.alerts:
        notes += (f"Not in the total: the {len(design.alerts.rules)} metric alert rules are billed per monitored "
                  "time series a month (each deployment, status code, origin group or gateway region a rule splits "
                  "by is one); the action group's emails and webhook calls and the Key Vault expiry events fall in "
                  "the free monthly grants at alert volumes (Azure Monitor pricing, "
                  "https://azure.microsoft.com/pricing/details/monitor/; Event Grid pricing).",)
    return CostEstimate(lines=tuple(lines), total=round(sum(line.monthly for line in lines), 2),
                        currency=data["currency"], table_date=data["date"], region_basis=data["regionBasis"],
                        source=data["source"], approximate=bool(data.get("approximate")),
                        token_rates=_token_rates(design, data), notes=notes)


__all__ = ["CostEstimate", "CostLine", "TokenRate", "estimate", "PROVISIONED_SKUS"]
