"""A Mermaid flowchart of what a design deploys, and of the path a request takes through it.

``mermaid(design)`` is pure and deterministic. It decides everything the diagram shows; the README template prints
the text in a fenced ``mermaid`` block (GitHub and Azure DevOps draw it), and ``plan`` shows the same text. Node IDs
are made here from fixed words and Azure region names, never from spec text; every label passes through
:func:`azoai_gen.escape.mermaid`.

The request path is drawn with numbered edge labels: ``1`` from the client to the first hop, ``2`` onwards along
the same path in every region.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .escape import mermaid as label_text
from .frozen import field, mutable
from .posture import Origin

if TYPE_CHECKING:
    from .design import Design
    from .design.core import Region

_ID = re.compile(r"^[a-z][a-z0-9_]*\Z")
_NOT_IN_ID = re.compile(r"[^a-z0-9_]")
#: Words Mermaid reads as keywords, and first letters that turn ``---o``/``---x`` into another kind of edge.
_RESERVED = {"end", "graph", "flowchart", "subgraph", "style", "class", "classdef", "click", "linkstyle",
             "direction", "default", "call", "href"}


def node_id(kind: str, location: str = "") -> str:
    """A Mermaid node ID: ``kind`` (a fixed word) and, for a regional node, its region, lower case, with every
    other character an underscore."""
    raw = f"{kind}_{location}" if location else kind
    ident = _NOT_IN_ID.sub("_", raw.lower())
    if not _ID.match(ident) or ident in _RESERVED or ident[0] in "ox":
        raise ValueError(f"not a safe Mermaid node ID: {ident!r}")
    return ident


def label(*lines: str) -> str:
    """A quoted label of one or more lines, each escaped."""
    return '"' + "<br/>".join(label_text(line) for line in lines) + '"'


@mutable
class _Chart:
    lines: list[str] = field(default_factory=list)
    depth: int = 1

    def add(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)

    def node(self, ident: str, shape: str, *lines: str) -> None:
        opening, closing = shape.split("|")
        self.add(f"{ident}{opening}{label(*lines)}{closing}")

    def edge(self, source: str, arrow: str, target: str, text: str = "") -> None:
        self.add(f"{source} {arrow}|{label(text)}| {target}" if text else f"{source} {arrow} {target}")

    def begin(self, ident: str, *lines: str) -> None:
        self.add(f"subgraph {ident}[{label(*lines)}]")
        self.depth += 1

    def finish(self) -> None:
        self.depth -= 1
        self.add("end")


BOX, ROUND, STADIUM, DATABASE, HEXAGON = "[|]", "(|)", "([|])", "[(|)]", "{{|}}"


def _deployments(design: Design) -> list[str]:
    return [f"{d['name']} = {d['model']} {d['version']} ({d['sku']}, {d['capacity']})" for d in design.deployments]


def _account(chart: _Chart, design: Design, region: Region) -> None:
    chart.node(node_id("acct", region.location), BOX, "Azure OpenAI account", region.account_name.example,
               *_deployments(design))


def _private_endpoint(chart: _Chart, region: Region) -> None:
    net = region.network
    chart.node(node_id("pe", region.location), HEXAGON, "Private endpoint", net.private_endpoint_name)


def _network(chart: _Chart, design: Design, region: Region) -> None:
    """The region's VNet and its subnets, or the existing subnet the spec names, with what sits in each."""
    net, loc = region.network, region.location
    names = design.network.subnet_names
    if not net.create:
        chart.begin(node_id("snet_pe", loc), "Existing subnet", net.existing_subnet_id)
        _private_endpoint(chart, region)
        chart.finish()
        chart.node(node_id("work", loc), ROUND, "Callers in your network")
        return
    chart.begin(node_id("vnet", loc), "VNet " + net.vnet_name, net.address_space)
    chart.begin(node_id("snet_pe", loc), "Subnet " + names.private_endpoints, net.private_endpoint_subnet)
    _private_endpoint(chart, region)
    chart.finish()
    chart.begin(node_id("snet_work", loc), "Subnet " + names.workload, net.workload_subnet)
    chart.node(node_id("work", loc), ROUND, _workload_title(design))
    chart.finish()
    if net.api_management_subnet:
        chart.begin(node_id("snet_apim", loc), "Subnet " + names.api_management, net.api_management_subnet)
        chart.node(node_id("gw", loc), BOX, "API Management gateway", design.api_management.name.example)
        chart.finish()
    chart.finish()


def _workload_title(design: Design) -> str:
    if design.posture.origin is Origin.APP:
        return "Your application"
    if design.network.callers_in_network:
        return "Workload subnet for callers"
    return "Workload subnet, not admitted by the endpoints"


def _region(chart: _Chart, design: Design, region: Region) -> None:
    title = f"{region.display_name} ({region.location})" + (", primary" if region.primary else "")
    chart.begin(node_id("region", region.location), title)
    if region.network:
        _network(chart, design, region)
    _account(chart, design, region)
    chart.finish()


def _shared(chart: _Chart, design: Design) -> None:
    """What serves every region: Front Door and its WAF, DNS zones, Key Vault, identity, monitoring."""
    fd = design.front_door
    if fd:
        chart.begin("global_edge", "Global edge")
        chart.node("frontdoor", BOX, f"Front Door {fd.sku}", fd.profile_name, "endpoint " + fd.endpoint_name)
        chart.node("waf", HEXAGON, f"WAF policy, {fd.waf.mode} mode", fd.waf_name)
        chart.finish()
        chart.edge("waf", "-.-", "frontdoor", "inspects every request")
    if design.network:
        for zone in design.network.zones:
            title = "Private DNS zone" if not zone.existing_id else "Central private DNS zone"
            chart.node(node_id("dns", zone.key), DATABASE, title, zone.existing_id or zone.name)
    if design.key_vault:
        chart.node("vault", DATABASE, "Key Vault", design.key_vault.name.example, "API key of each account")
    if design.identity:
        chart.node("identity", ROUND, "Managed identity for callers", design.identity.name)
    monitoring = design.monitoring
    chart.node("logs", DATABASE, "Log Analytics workspace",
               monitoring.name if monitoring.create else monitoring.workspace_id)
    if design.api_management:
        chart.node("insights", DATABASE, "Application Insights", design.api_management.app_insights_name)
        safety = design.api_management.content_safety
        if safety:
            chart.node("safety", BOX, "Azure AI Content Safety", safety.name.example, "private endpoint, no keys")
    if design.workbook:
        chart.node("workbook", BOX, "Azure Monitor workbook", design.workbook.display_name)


def _hops(design: Design, region: Region) -> list[tuple[str, str]]:
    """The numbered hops of a request served in ``region``, after the client's first hop to Front Door, if any."""
    fd, loc = design.front_door, region.location
    account, endpoint, worker = node_id("acct", loc), node_id("pe", loc), node_id("work", loc)
    if fd:
        origin = next(o for o in fd.origins if o.location == loc)
        via = f"2 origin {loc}" + (", Private Link" if origin.private_link else ", HTTPS")
        if design.api_management:
            return [(node_id("gw", loc), via), (endpoint, "3 managed identity token"), (account, "4 Private Link")]
        if fd.origins_are_accounts:
            return [(account, via)]
        return [(worker, via), (endpoint, "3 Entra ID token"), (account, "4 Private Link")]
    if region.network:
        return [(worker, "1 from the network"), (endpoint, "2 Entra ID token"), (account, "3 Private Link")]
    if design.key_vault:
        return [(account, "2 HTTPS, api-key header")]
    return [(account, "1 HTTPS, Entra ID token")]


def _entry(design: Design) -> str:
    """The client's first hop, to Front Door, and the credential it carries."""
    if design.api_management:
        return "1 HTTPS, subscription key"
    if design.posture.origin is Origin.APP:
        return "1 HTTPS"
    return "1 HTTPS, Entra ID token"


def _request_path(chart: _Chart, design: Design) -> None:
    """The numbered path a request takes, in every region."""
    chart.node("client", STADIUM, "Client")
    start = "client"
    if design.key_vault:
        chart.edge("client", "-->", "vault", "1 read the API key")
    if design.front_door:
        chart.edge("client", "-->", "frontdoor", _entry(design))
        start = "frontdoor"
    for region in design.regions:
        source = start
        for target, text in _hops(design, region):
            chart.edge(source, "-->", target, text)
            source = target


def _links(chart: _Chart, design: Design) -> None:
    """Peerings, DNS links, and diagnostics."""
    net = design.network
    if net:
        vnets = {r.network.symbol: r.location for r in design.regions if r.network and r.network.create}
        done = set()
        for peering in net.peerings:
            pair = tuple(sorted((vnets[peering.source_symbol], peering.target_location)))
            if pair not in done:
                done.add(pair)
                chart.edge(node_id("vnet", pair[0]), "<-->", node_id("vnet", pair[1]), "peering")
        for zone in net.zones:
            for region in design.regions:
                chart.edge(node_id("pe", region.location), "-.-", node_id("dns", zone.key), "A record")
    for region in design.regions:
        chart.edge(node_id("acct", region.location), "-.->", "logs", "diagnostics")
    if design.api_management:
        chart.edge(node_id("gw", design.primary.location), "-.->", "insights", "token metrics")
        if design.api_management.content_safety:
            chart.edge(node_id("gw", design.primary.location), "-.->", "safety", "prompt checks, managed identity")
    if design.workbook:
        chart.edge("workbook", "-.->", "logs", "metrics and queries")


def mermaid(design: Design) -> str:
    """The diagram of ``design``, as Mermaid flowchart text (no fence)."""
    chart = _Chart(["flowchart LR"])
    _shared(chart, design)
    for region in design.regions:
        _region(chart, design, region)
    _request_path(chart, design)
    _links(chart, design)
    return "\n".join(chart.lines)


__all__ = ["mermaid", "node_id", "label"]
