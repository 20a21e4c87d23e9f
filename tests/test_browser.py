"""The README's diagrams render: Mermaid's own library draws each one in headless Chromium.

``tests/browser/render.mjs`` (Node, playwright-core and mermaid pinned in ``tests/browser/package.json``) loads a local
page with ``mermaid.min.js``, parses and renders every diagram, and saves a PNG of each under the artefact folder
(``AZOAI_GEN_ARTEFACTS``, by default ``tests/artefacts``, which git ignores). The test is skipped when Node, Chromium
or the npm packages are missing, unless ``AZOAI_GEN_REQUIRE_BROWSER=1`` (as in CI), where it fails instead.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from _support import EXAMPLES, ROOT, design_of, parse_mermaid, readme_mermaid, render_files, tier5
from azoai_gen.diagram import mermaid

BROWSER = ROOT / "tests" / "browser"
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
ARTEFACTS = Path(os.environ.get("AZOAI_GEN_ARTEFACTS", ROOT / "tests" / "artefacts")) / "mermaid"


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not CHROMIUM.exists():
        return f"Chromium is not installed at {CHROMIUM}"
    for package in ("mermaid/dist/mermaid.min.js", "playwright-core/package.json"):
        if not (BROWSER / "node_modules" / package).exists():
            return f"run npm ci in tests/browser ({package} is missing)"
    return None


def _require_tools() -> None:
    missing = _missing()
    if missing and os.environ.get("AZOAI_GEN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"the browser test must run here: {missing}")
    if missing:
        pytest.skip(missing)


def _hostile_diagram() -> str:
    design = design_of(tier5())
    texts = ['"] --> evil["pwned', "end", "<img src=x onerror=alert(1)>", "a|b #quot; ; : `x`"]
    deployments = [dict(design.deployments[0], name=text) for text in texts]
    named = tuple(dataclasses.replace(r, display_name=texts[i]) for i, r in enumerate(design.regions))
    return mermaid(dataclasses.replace(design, deployments=deployments, regions=named, primary=named[0]))


def _diagrams() -> list[dict[str, str]]:
    diagrams = [{"name": path.stem, "text": readme_mermaid(render_files(path.read_text(encoding="utf-8"))["README.md"])}
                for path in sorted(EXAMPLES.glob("*.yaml"))]
    return diagrams + [{"name": "hostile-labels", "text": _hostile_diagram()}]


def _ids(found: list[str]) -> set[str]:
    """Mermaid's element IDs (``diagram3-flowchart-acct_x-12``, ``diagram3-vnet_x``) as the diagram's IDs."""
    out = set()
    for element in found:
        match = re.fullmatch(r"diagram[0-9]+-(?:flowchart-)?(.+?)(?:-[0-9]+)?", element)
        assert match, element
        out.add(match.group(1))
    return out


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[list[dict[str, str]], dict[str, dict]]:
    _require_tools()
    diagrams = _diagrams()
    work = tmp_path_factory.mktemp("mermaid")
    (work / "diagrams.json").write_text(json.dumps(diagrams), encoding="utf-8")
    result = subprocess.run(["node", str(BROWSER / "render.mjs"), str(work / "diagrams.json"), str(ARTEFACTS)],
                            capture_output=True, text=True, timeout=600,
                            env={**os.environ, "CHROMIUM": str(CHROMIUM)})
    assert result.returncode == 0, (result.stdout[-4000:], result.stderr[-4000:])
    reports = {report["name"]: report for report in json.loads(result.stdout)}
    return diagrams, reports


def test_every_diagram_renders_with_the_nodes_subgraphs_and_edges_it_declares(rendered):
    diagrams, reports = rendered
    assert {d["name"] for d in diagrams} == reports.keys()
    for diagram in diagrams:
        report, chart = reports[diagram["name"]], parse_mermaid(diagram["text"])
        assert report["ok"], (diagram["name"], report.get("error"))
        assert _ids(report["nodes"]) == chart.nodes.keys(), diagram["name"]
        assert _ids(report["clusters"]) == chart.subgraphs.keys(), diagram["name"]
        assert report["edges"] == len(chart.edges), diagram["name"]
        # Mermaid draws each label as the text the design holds, line for line.
        drawn = {" ".join(label.split()) for label in report["labels"]}
        for text in [*chart.nodes.values(), *chart.subgraphs.values()]:
            assert " ".join(text.split()) in drawn, (diagram["name"], text)


def test_hostile_labels_are_drawn_as_text(rendered):
    _, reports = rendered
    report = reports["hostile-labels"]
    assert not any("evil" in node or "pwned" in node for node in report["nodes"])
    drawn = "\n".join(report["labels"])
    for text in ('"] --> evil["pwned', "<img src=x onerror=alert(1)>", "a|b #quot; ; : `x`"):
        assert text in drawn, text


def test_a_screenshot_of_every_diagram_is_kept(rendered):
    diagrams, reports = rendered
    for diagram in diagrams:
        png = Path(reports[diagram["name"]]["screenshot"])
        assert png.parent == ARTEFACTS
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 2000, png
        # Wide enough to read: Mermaid drew it at its natural size, not shrunk to the page.
        assert reports[diagram["name"]]["width"] > 200
