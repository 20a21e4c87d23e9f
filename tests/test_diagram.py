"""The README's Mermaid diagram: what each tier deploys, the numbered path a request takes, and escaped labels."""

from __future__ import annotations

import dataclasses
import re

import pytest

from _support import (
    EXAMPLES,
    design_of,
    parse_mermaid,
    readme_mermaid,
    render_files,
    spec,
    tier4,
    tier5,
    unescape_mermaid,
    regions,
)
from azoai_gen.diagram import label, mermaid, node_id
from azoai_gen.escape import mermaid as mermaid_text, mermaid_block
from fuzz.hostile import STRINGS

TWO = ["swedencentral", "francecentral"]


def chart_of(text: str):
    return parse_mermaid(mermaid(design_of(text)))


def path_edges(chart, start: str = "client") -> list[tuple[str, str, str]]:
    """The numbered edges, as (source, number, target)."""
    return [(s, lbl.split(" ", 1)[0], t) for s, _, lbl, t in chart.edges if re.match(r"^[0-9] ", lbl)]


def hops(chart, *route: str) -> bool:
    """Whether numbered edges lead along ``route``, numbered 1, 2, ... from the client."""
    numbered = set(path_edges(chart))
    return all((a, str(i), b) in numbered for i, (a, b) in enumerate(zip(route, route[1:]), 1))


# ---------------------------------------------------------------------------------------------------------------------
# The filter


def test_mermaid_text_keeps_plain_text_and_codes_the_rest():
    assert mermaid_text("oai-claims-prod-sdc-xxxxx") == "oai-claims-prod-sdc-xxxxx"
    assert mermaid_text("10.0.0.0/24 (Premium, 1)") == "10.0.0.0/24 (Premium, 1)"
    assert mermaid_text('a"b') == "a#quot;b"
    assert mermaid_text("#;") == "#35;#59;"
    assert mermaid_text("<b>&") == "#lt;b#gt;#amp;"
    assert mermaid_text("a|b:c`d") == "a#124;b#58;c#96;d"
    assert mermaid_text("[x]{y}") == "#91;x#93;#123;y#125;"
    assert mermaid_text("漢\n") == "#28450;#10;"


@pytest.mark.parametrize("text", [s for s in STRINGS if not re.search("[\ud800-\udfff]", s)], ids=repr)
def test_mermaid_text_reads_back_exactly_and_stays_inside_its_label(text):
    escaped = mermaid_text(text)
    assert unescape_mermaid(escaped) == text
    # Printable ASCII without anything that ends a label, starts HTML or Markdown, or a style rewrite.
    assert re.fullmatch(r"[ -~]*", escaped)
    assert not re.search(r'["|<>`:\[\]{}%\\\']', escaped)
    # Every # starts one of our entity codes and every ; ends one.
    assert re.sub(r"#([a-z]+|[0-9]+);", "", escaped).count("#") == 0
    assert ";" not in re.sub(r"#([a-z]+|[0-9]+);", "", escaped)


@pytest.mark.parametrize("text", ["\ud800", "a\udfffb"])
def test_mermaid_text_refuses_lone_surrogates(text):
    with pytest.raises(ValueError):
        mermaid_text(text)


def test_mermaid_block_refuses_what_could_end_the_fence_or_hide():
    assert mermaid_block("flowchart LR\n    a[\"x\"]") == "flowchart LR\n    a[\"x\"]"
    for bad in ["flowchart LR\n```", "flowchart LR\n  ~~~", "flowchart LR\n a[\"é\"]", "x\ty", "x\r"]:
        with pytest.raises(ValueError):
            mermaid_block(bad)
    with pytest.raises(TypeError):
        mermaid_block(3)


def test_node_ids_are_safe_words():
    assert node_id("acct", "swedencentral") == "acct_swedencentral"
    assert node_id("dns", "openai") == "dns_openai"
    assert node_id("pe", "North-Europe 2") == "pe_north_europe_2"
    for kind in ("end", "ops", "x", "1a", ""):
        with pytest.raises(ValueError):
            node_id(kind)
    assert label("a", 'b"') == '"a<br/>b#quot;"'


# ---------------------------------------------------------------------------------------------------------------------
# What each tier shows


def test_tier1_shows_the_key_vault_and_no_network_or_front_door():
    chart = chart_of(spec(1))
    assert "vault" in chart.nodes and "Key Vault" in chart.nodes["vault"]
    assert not {"frontdoor", "waf"} & chart.nodes.keys()
    assert not any(n.startswith(("pe_", "gw_", "dns_")) for n in chart.nodes)
    assert not any(s.startswith("vnet_") for s in chart.subgraphs)
    assert {("client", "1", "vault"), ("client", "2", "acct_swedencentral")} == set(path_edges(chart))
    assert chart.parent["acct_swedencentral"] == "region_swedencentral"
    assert ("acct_swedencentral", "-.->", "diagnostics", "logs") in chart.edges


def test_tier2_callers_go_straight_to_the_account_with_a_token():
    chart = chart_of(spec(2, regions=regions(*TWO)))
    assert "vault" not in chart.nodes and "frontdoor" not in chart.nodes
    for loc in TWO:
        assert ("client", "1", f"acct_{loc}") in path_edges(chart)


def test_tier3_shows_networks_private_endpoints_and_dns_in_every_region():
    chart = chart_of(spec(3, regions=regions(*TWO)))
    for loc in TWO:
        assert chart.ancestors(f"pe_{loc}") == [f"snet_pe_{loc}", f"vnet_{loc}", f"region_{loc}"]
        assert hops(chart, "client", f"work_{loc}", f"pe_{loc}", f"acct_{loc}")
        assert (f"pe_{loc}", "-.-", "A record", "dns_openai") in chart.edges
    assert chart.nodes["dns_openai"] == "Private DNS zone\nprivatelink.openai.azure.com"
    assert "frontdoor" not in chart.nodes


def test_tier3_with_an_existing_subnet_shows_that_subnet():
    design = design_of(EXAMPLES.joinpath("tier3-byo-network.yaml").read_text())
    chart = parse_mermaid(mermaid(design))
    existing = [r for r in design.regions if not r.network.create]
    assert existing
    for region in existing:
        subnet = f"snet_pe_{region.location}"
        assert chart.subgraphs[subnet] == "Existing subnet\n" + region.network.existing_subnet_id
        assert chart.parent[f"pe_{region.location}"] == subnet


def test_tier4_routes_through_front_door_and_its_waf_to_every_account():
    chart = chart_of(tier4())
    assert chart.parent["frontdoor"] == chart.parent["waf"] == "global_edge"
    assert "WAF policy" in chart.nodes["waf"]
    assert ("waf", "-.-", "inspects every request", "frontdoor") in chart.edges
    assert not any(n.startswith("gw_") for n in chart.nodes)
    for loc in TWO:
        assert ("frontdoor", "2", f"acct_{loc}") in path_edges(chart)
        # Front Door reaches the accounts' public endpoints here: no Private Link on that hop.
        assert ("frontdoor", "-->", f"2 origin {loc}, HTTPS", f"acct_{loc}") in chart.edges
    assert [e for e in path_edges(chart) if e[1] == "1"] == [("client", "1", "frontdoor")]


def test_tier4_app_mode_routes_through_the_applications():
    chart = chart_of(EXAMPLES.joinpath("tier4-app.yaml").read_text())
    for loc in TWO:
        assert chart.nodes[f"work_{loc}"] == "Your application"
        assert hops(chart, "client", "frontdoor", f"work_{loc}", f"pe_{loc}", f"acct_{loc}")
        assert ("frontdoor", "-->", f"2 origin {loc}, Private Link", f"work_{loc}") in chart.edges


@pytest.mark.parametrize("count", [2, 6])
def test_tier5_request_path_runs_front_door_gateway_endpoint_account_in_every_region(count):
    design = design_of(tier5(count))
    chart = parse_mermaid(mermaid(design))
    locations = [r.location for r in design.regions]
    assert len(locations) == count
    for loc in locations:
        assert hops(chart, "client", "frontdoor", f"gw_{loc}", f"pe_{loc}", f"acct_{loc}"), loc
        assert chart.ancestors(f"gw_{loc}") == [f"snet_apim_{loc}", f"vnet_{loc}", f"region_{loc}"]
        assert chart.nodes[f"gw_{loc}"] == "API Management gateway\n" + design.api_management.name.example
    # Every pair of VNets is peered, once, as the design peers them in both directions.
    peered = {frozenset((s, t)) for s, a, lbl, t in chart.edges if lbl == "peering"}
    assert peered == {frozenset((f"vnet_{a}", f"vnet_{b}")) for i, a in enumerate(locations)
                      for b in locations[i + 1:]}
    assert "insights" in chart.nodes and "vault" not in chart.nodes


def test_the_diagram_is_deterministic_and_is_the_readme_block():
    text = tier5()
    first = mermaid(design_of(text))
    assert first == mermaid(design_of(text))
    assert readme_mermaid(render_files(text)["README.md"]) == first


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_every_example_readme_has_a_diagram_that_parses(name):
    readme = render_files(EXAMPLES.joinpath(f"{name}.yaml").read_text())["README.md"]
    chart = parse_mermaid(readme_mermaid(readme))
    assert "client" in chart.nodes and any(n.startswith("acct_") for n in chart.nodes)


# ---------------------------------------------------------------------------------------------------------------------
# Hostile text in every label


HOSTILE_LABELS = ['"] --> evil["pwned', "end\nsubgraph x", "a|b", "#quot;", "<img src=x onerror=alert(1)>",
                  "`**md**`", "style a fill:#f00;", "%%{init: {}}%%", "\u202eevil", "漢字 🙂", "ﬂ°°35¶ß"]


def test_hostile_text_in_the_design_stays_in_its_labels():
    design = design_of(tier5())
    ordinary = parse_mermaid(mermaid(design))
    hostile_regions = tuple(dataclasses.replace(r, display_name=HOSTILE_LABELS[i % len(HOSTILE_LABELS)])
                            for i, r in enumerate(design.regions))
    deployments = [dict(d, name=text) for d, text in zip(design.deployments * len(HOSTILE_LABELS), HOSTILE_LABELS)]
    hostile = dataclasses.replace(design, regions=hostile_regions, primary=hostile_regions[0],
                                  deployments=deployments)
    text = mermaid(hostile)
    mermaid_block(text)
    chart = parse_mermaid(text)
    # The same nodes, subgraphs and edges: nothing was added by the text.
    assert chart.nodes.keys() == ordinary.nodes.keys()
    assert chart.subgraphs.keys() == ordinary.subgraphs.keys()
    assert [(s, a, t) for s, a, _, t in chart.edges] == [(s, a, t) for s, a, _, t in ordinary.edges]
    for region in hostile_regions:
        assert chart.subgraphs[f"region_{region.location}"].startswith(region.display_name + " (")
        account = chart.nodes[f"acct_{region.location}"].split("\n")
        for d in deployments:
            assert f"{d['name']} = {d['model']} {d['version']} ({d['sku']}, {d['capacity']})" in \
                "\n".join(account), d["name"]
