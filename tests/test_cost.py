"""The monthly cost estimate: a line exactly for each billed thing the design deploys, each with its assumption, figures
that add up, the table's date in the result, and a document valid against its shipped schema."""

from __future__ import annotations

import json
import math
import re

import pytest
from jsonschema import Draft202012Validator

from azoai_gen import cost, resources
from _support import design_of, spec, tier4, tier5

PTU_DEPLOYMENT = """deployments:
  - name: chat
    model: gpt-4o
    version: "2024-11-20"
    sku: GlobalProvisionedManaged
    capacity: 15
  - name: mini
    model: gpt-4o-mini
    version: "2024-07-18"
    sku: GlobalStandard
    capacity: 10
"""


MINIMAL_DEPLOYMENTS = """deployments:
  - name: chat
    model: gpt-5.4-mini
    version: "2026-03-17"
    sku: GlobalStandard
    capacity: 50
"""


def with_deployments(text: str, deployments: str = PTU_DEPLOYMENT) -> str:
    """``text`` with its one deployment replaced by ``deployments``."""
    assert MINIMAL_DEPLOYMENTS in text
    return text.replace(MINIMAL_DEPLOYMENTS, deployments)


def _validator() -> Draft202012Validator:
    document = json.loads(resources.output_schema_path("cost").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(document)
    return Draft202012Validator(document)


def _types(estimate: cost.CostEstimate) -> list[str]:
    return [line.resource_type for line in estimate.lines]


@pytest.mark.parametrize("text", [spec(1), spec(2), spec(3), tier4(), tier5(), tier5(3), with_deployments(spec(1))],
                         ids=["t1", "t2", "t3", "t4", "t5", "t5x3", "t1-ptu"])
def test_the_figures_add_up_every_line_has_its_assumption_and_the_schema_holds(text):
    estimate = cost.estimate(design_of(text))
    for line in estimate.lines:
        assert line.assumption.strip()
        assert math.isclose(line.monthly, round(line.quantity * line.unit_price, 2))
    assert math.isclose(estimate.total, round(sum(line.monthly for line in estimate.lines), 2))
    table = resources.data("prices.json")
    assert (estimate.table_date, estimate.currency, estimate.source) == (table["date"], "USD", table["source"])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", estimate.table_date)
    assert any("Token usage is extra" in note for note in estimate.notes)
    assert list(_validator().iter_errors(estimate.as_dict())) == []


def test_tier_1_has_no_gateway_front_door_network_or_provisioned_lines():
    types = _types(cost.estimate(design_of(spec(1))))
    assert types == ["Microsoft.OperationalInsights/workspaces", "Microsoft.KeyVault/vaults"]


def test_tier_2_has_no_key_vault_line():
    assert _types(cost.estimate(design_of(spec(2)))) == ["Microsoft.OperationalInsights/workspaces"]


def test_tier_3_prices_one_private_endpoint_per_region_and_the_dns_zone():
    design = design_of(spec(3))
    estimate = cost.estimate(design)
    endpoints = [line for line in estimate.lines if line.unit == "endpoint-hour"]
    assert len(endpoints) == 1 and endpoints[0].quantity == len(design.regions) * 730
    assert "Microsoft.Network/privateDnsZones" in _types(estimate)
    assert "Microsoft.ApiManagement/service" not in _types(estimate)


def test_tier_5_prices_api_management_units_in_every_region_and_a_public_ip_each():
    design = design_of(tier5(3))
    estimate = cost.estimate(design)
    units = [line for line in estimate.lines if line.resource_type == "Microsoft.ApiManagement/service"]
    assert len(units) == len(design.regions) == 3
    assert {line.quantity for line in units} == {design.api_management.capacity * 730}
    assert all(line.unit_price == resources.data("prices.json")["items"]["apiManagement.Premium"]["price"]
               for line in units)
    ips = [line for line in estimate.lines if line.resource_type == "Microsoft.Network/publicIPAddresses"]
    assert len(ips) == 3
    assert sum(1 for t in _types(estimate) if t == "Microsoft.Cdn/profiles") == 1


def test_api_management_capacity_multiplies_the_units():
    one = cost.estimate(design_of(tier5()))
    two = cost.estimate(design_of(tier5(extra="apiManagement:\n  capacity: 2\n")))
    first = [l.monthly for l in one.lines if l.resource_type == "Microsoft.ApiManagement/service"]
    second = [l.monthly for l in two.lines if l.resource_type == "Microsoft.ApiManagement/service"]
    assert [round(2 * m, 2) for m in first] == second


def test_front_door_standard_pays_for_its_waf_policy_and_premium_includes_it():
    premium = cost.estimate(design_of(tier4()))
    standard = cost.estimate(design_of(tier4(extra="frontDoor:\n  sku: Standard_AzureFrontDoor\n")))
    waf = "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies"
    assert waf not in _types(premium) and waf in _types(standard)
    base = {l.item: l.monthly for l in standard.lines}
    assert base["Front Door Standard_AzureFrontDoor base fee"] < \
        {l.item: l.monthly for l in premium.lines}["Front Door Premium_AzureFrontDoor base fee"]


def test_a_provisioned_deployment_has_a_ptu_line_per_region_and_no_token_rate():
    design = design_of(with_deployments(tier4()))
    estimate = cost.estimate(design)
    ptu = [line for line in estimate.lines if line.unit == "PTU-hour"]
    assert len(ptu) == len(design.regions)
    price = resources.data("prices.json")["items"]["ptu.GlobalProvisionedManaged"]["price"]
    assert all(line.quantity == 15 * 730 and line.unit_price == price for line in ptu)
    rates = {rate.deployment: rate for rate in estimate.token_rates}
    assert rates["chat"].input_per_1k is None and "PTU-hour" in rates["chat"].note
    assert rates["mini"].input_per_1k is not None and rates["mini"].output_per_1k is not None


def test_every_deployment_gets_a_token_rate_or_a_note_that_the_table_has_none():
    design = design_of(with_deployments(spec(1), PTU_DEPLOYMENT.replace("gpt-4o-mini", "gpt-4.1-nano")
                                        .replace('"2024-07-18"', '"2025-04-14"')))
    rates = cost.estimate(design).token_rates
    assert [r.deployment for r in rates] == [d.name for d in design.spec.deployments]
    assert "the table has no per-token rate for gpt-4.1-nano" in rates[1].note


def test_a_replaced_table_is_used_whole():
    table = json.loads(json.dumps(resources.data("prices.json")))
    table["date"] = "2030-01-01"
    table["items"]["apiManagement.Premium"]["regions"]["swedencentral"] = 5.0
    estimate = cost.estimate(design_of(tier5()), table)
    assert estimate.table_date == "2030-01-01"
    line = next(l for l in estimate.lines if l.item == "API Management Premium units in swedencentral")
    assert line.unit_price == 5.0 and "list price in swedencentral" in line.assumption
    other = next(l for l in estimate.lines if l.item == "API Management Premium units in francecentral")
    assert "the table has no francecentral price" in other.assumption


def test_the_price_table_states_its_date_currency_basis_and_source():
    table = resources.data("prices.json")
    assert table["currency"] == "USD"
    assert "prices.azure.com/api/retail/prices" in table["source"]
    assert table["regionBasis"] and re.fullmatch(r"\d{4}-\d{2}-\d{2}", table["date"])
    for key, item in table["items"].items():
        assert set(item["meter"]) == {"serviceName", "productName", "skuName", "meterName"}, key
        assert item["unitOfMeasure"] in ("1 Hour", "1/Month", "1 GB", "10K"), key
