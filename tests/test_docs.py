"""The documents that state facts the code owns are held against the code.

The table of spec defaults in docs/architecture.md is generated from the schema (the one home of defaults);
AZOAI_GEN_UPDATE_GOLDEN=1 rewrites it after an intended schema change.
"""

from __future__ import annotations

import json
import os

from _support import ROOT, SCHEMA

DOC = ROOT / "docs" / "architecture.md"
START, END = "<!-- defaults:start -->", "<!-- defaults:end -->"


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        target = schema
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _rows(schema: dict, node: dict, path: str) -> list[str]:
    rows = []
    for key, sub in node.get("properties", {}).items():
        sub = _resolve(schema, sub)
        here = f"{path}.{key}" if path else key
        if "default" in sub and sub["default"] not in ({}, []):
            rows.append(f"| `{here}` | `{json.dumps(sub['default'])}` |")
        rows += _rows(schema, sub, here)
        if sub.get("type") == "array" and "items" in sub:
            rows += _rows(schema, _resolve(schema, sub["items"]), here + "[]")
    return rows


def defaults_table() -> str:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    return "\n".join(["| Spec key | Default |", "| --- | --- |", *_rows(schema, schema, "")])


def test_the_defaults_table_is_the_schemas():
    text = DOC.read_text(encoding="utf-8")
    before, rest = text.split(START + "\n", 1)
    current, after = rest.split(END, 1)
    current = current.rstrip("\n")
    expected = defaults_table()
    if os.environ.get("AZOAI_GEN_UPDATE_GOLDEN") == "1" and current != expected:
        DOC.write_text(before + START + "\n" + expected + "\n" + END + after, encoding="utf-8")
        current = expected
    assert current == expected, "docs/architecture.md's defaults table is stale; rerun with AZOAI_GEN_UPDATE_GOLDEN=1"


def test_the_defaults_table_has_the_defaults():
    table = defaults_table()
    assert "| `network.addressSpace` | `\"10.100.0.0/16\"` |" in table
    assert "| `deployments[].raiPolicy` | `\"Microsoft.DefaultV2\"` |" in table
    assert "| `apiManagement.sku` | `\"Premium\"` |" in table


def test_every_test_the_architecture_document_cites_exists():
    import re

    text = DOC.read_text(encoding="utf-8")
    cited: list[tuple[str, str]] = []
    for match in re.finditer(r"`(tests/test_\w+\.py)::(test_\w+)`|`::(test_\w+)`", text):
        if match.group(1):
            current = match.group(1)
            cited.append((current, match.group(2)))
        else:
            cited.append((current, match.group(3)))
    assert len(cited) > 20
    missing = [(path, name) for path, name in cited
               if not re.search(rf"^def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.M)]
    assert missing == []
