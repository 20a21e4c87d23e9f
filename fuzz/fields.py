"""The spec's fields, found by walking the JSON Schema, and how to put a value into one.

Every leaf the schema describes is a :class:`Field`: properties, array items (``[]``), and for objects with free
keys (``tags``) both the key (``{key}``) and the value (``{value}``). A field added to the schema is fuzzed without
any change here; it needs a sample only when it has a pattern that no example satisfies (see :data:`SAMPLES`).
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass
from typing import Any, Iterator

ITEM = "[]"
KEY = "{key}"
VALUE = "{value}"

#: Valid values for fields that no example sets and that a pattern or a rule constrains. A field missing here and
#: in every example still gets hostile values; the report lists it as not reached if no benign value renders.
SAMPLES: dict[str, Any] = {
    "access.principals[].objectId": "5b2c6f1e-7d4a-4c1b-9e3f-2a8d0c6b4e71",
    "access.principals[].description": "Claims processing service",
    "openai.allowedIpRanges[]": "203.0.113.0/24",
    "openai.allowedFqdns[]": "claimsdata.blob.core.windows.net",
    "keyVault.allowedIpRanges[]": "198.51.100.7",
    "network.privateDnsZoneIds.openai": "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-hub-dns"
                                        "/providers/Microsoft.Network/privateDnsZones/privatelink.openai.azure.com",
    "network.privateDnsZoneIds.cognitiveServices": "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups"
                                                   "/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/"
                                                   "privatelink.cognitiveservices.azure.com",
    "network.privateDnsZoneIds.aiServices": "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups"
                                            "/rg-hub-dns/providers/Microsoft.Network/privateDnsZones/"
                                            "privatelink.services.ai.azure.com",
    "regions[].network.existingSubnetId": "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-spoke"
                                          "/providers/Microsoft.Network/virtualNetworks/vnet-spoke/subnets/snet-pe",
    "regions[].app.hostName": "app-claims-fuzz.azurewebsites.net",
    "regions[].app.privateLink.resourceId": "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups"
                                            "/rg-claims-app/providers/Microsoft.Web/sites/app-claims-fuzz",
    "regions[].app.privateLink.groupId": "sites",
    "regions[].app.privateLink.location": "swedencentral",
    "apiManagement.publisherName": "Contoso Claims Platform",
    "apiManagement.publisherEmail": "claims-platform@contoso.com",
    "apiManagement.oauth.tenantId": "33333333-3333-3333-3333-333333333333",
    "apiManagement.oauth.audiences[]": "api://claims-openai",
    "monitoring.logAnalyticsWorkspaceId": "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg-ops"
                                          "/providers/Microsoft.OperationalInsights/workspaces/log-central",
    "naming.suffix": "fz7",
    "monitoring.alerts.webhook.urlEnvironmentVariable": "ALERT_WEBHOOK_URL",
    "regions[].network.addressSpace": ["10.140.0.0/22", "10.141.0.0/24"],
    "regions[].network.privateEndpointSubnet": ["10.100.0.0/24", "10.120.0.0/24", "10.100.4.0/24", "10.100.0.0/26"],
    "regions[].network.workloadSubnet": ["10.100.1.0/24", "10.120.1.0/24", "10.100.5.0/24", "10.100.1.0/26"],
    "regions[].network.apiManagementSubnet": ["10.100.2.0/24", "10.120.2.0/24", "10.100.6.0/24", "10.120.6.0/24"],
    "frontDoor.healthProbe.path": "/healthz",
    "tags.{key}": "costCenter",
    "tags.{value}": "1234",
}


@dataclass(frozen=True)
class Field:
    """One leaf of the spec: its path (``ITEM``, ``KEY`` and ``VALUE`` stand for any item, key, value) and the
    schema that describes it."""

    path: tuple[str, ...]
    schema: dict

    @property
    def name(self) -> str:
        text = ""
        for part in self.path:
            text += part if part == ITEM else (f".{part}" if text else part)
        return text

    @property
    def kind(self) -> str:
        """``string`` (free text), ``pattern`` (text a pattern, an enum or a format constrains), ``integer``,
        ``boolean`` or ``other``."""
        schema = self.schema
        if "enum" in schema or "const" in schema:
            values = schema.get("enum", [schema.get("const")])
            return "pattern" if all(isinstance(v, str) for v in values) else "integer"
        kind = schema.get("type")
        if kind == "string":
            return "pattern" if "pattern" in schema or "format" in schema else "string"
        return kind if kind in ("integer", "boolean") else "other"

    @property
    def is_text(self) -> bool:
        return self.kind in ("string", "pattern")


def _resolve(node: dict, root: dict) -> dict:
    """``node`` with its ``$ref`` followed (the referring node's own keys, such as ``default``, kept)."""
    seen = set()
    while "$ref" in node:
        ref = node["$ref"]
        if ref in seen or not ref.startswith("#/"):
            raise ValueError(f"cannot follow $ref {ref!r}")
        seen.add(ref)
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def walk(root: dict) -> list[Field]:
    """Every leaf field of the schema ``root``, in schema order."""
    return list(_walk(root, root, ()))


def _walk(node: dict, root: dict, path: tuple[str, ...]) -> Iterator[Field]:
    node = _resolve(node, root)
    if len(path) > 16:
        raise ValueError(f"schema nests deeper than expected at {path}")
    branches = False
    for key, sub in node.get("properties", {}).items():
        branches = True
        yield from _walk(sub, root, path + (key,))
    if isinstance(node.get("items"), dict):
        branches = True
        yield from _walk(node["items"], root, path + (ITEM,))
    if isinstance(node.get("additionalProperties"), dict):
        branches = True
        yield Field(path + (KEY,), {"type": "string", **_resolve(node.get("propertyNames", {}), root)})
        yield from _walk(node["additionalProperties"], root, path + (VALUE,))
    if not branches and path:
        yield Field(path, node)


def values_at(data: Any, path: tuple[str, ...]) -> Iterator[Any]:
    """Every value at ``path`` in loaded spec data."""
    if not path:
        yield data
        return
    head, rest = path[0], path[1:]
    if head == ITEM and isinstance(data, list):
        for item in data:
            yield from values_at(item, rest)
    elif head == KEY and isinstance(data, dict):
        yield from data.keys()
    elif head == VALUE and isinstance(data, dict):
        for value in data.values():
            yield from values_at(value, rest)
    elif isinstance(data, dict) and head in data:
        yield from values_at(data[head], rest)


class Samples:
    """Benign valid values per field: what the examples write there, else :data:`SAMPLES`, else what the schema
    implies (a default, the first allowed value, a plain word)."""

    def __init__(self, fields: list[Field], examples: list[Any]) -> None:
        self.by_field: dict[str, list[Any]] = {}
        for field in fields:
            seen = [v for data in examples for v in values_at(data, field.path) if not isinstance(v, (dict, list))]
            listed = SAMPLES.get(field.name, [])
            seen += listed if isinstance(listed, list) else [listed]
            unique = list(dict.fromkeys(seen))
            self.by_field[field.name] = unique or self._implied(field)

    @staticmethod
    def _implied(field: Field) -> list[Any]:
        schema = field.schema
        for key in ("default", "const"):
            if key in schema and not isinstance(schema[key], (dict, list)):
                return [schema[key]]
        if schema.get("enum"):
            return [schema["enum"][0]]
        if field.kind == "integer":
            return [schema.get("minimum", 1)]
        if field.kind == "boolean":
            return [True]
        if field.kind == "string":
            return ["fuzz" + "z" * max(0, schema.get("minLength", 0) - 4)]
        return []

    def get(self, field: Field, rng: random.Random) -> Any:
        """A benign value for ``field`` (``None`` if none is known)."""
        found = self.by_field.get(field.name, [])
        return rng.choice(found) if found else None


def child(schema: dict, root: dict, part: str) -> dict:
    """The schema of ``part`` below ``schema``."""
    schema = _resolve(schema, root)
    if part == ITEM:
        return _resolve(schema.get("items", {}), root)
    if part in (KEY, VALUE):
        return _resolve(schema.get("additionalProperties", {}), root)
    return _resolve(schema.get("properties", {}).get(part, {}), root)


class Placer:
    """Puts a value at a field of spec data, creating what is missing on the way with benign values."""

    def __init__(self, root: dict, fields: list[Field], samples: Samples) -> None:
        self.root = root
        self.samples = samples
        self.fields = {f.name: f for f in fields}

    def minimal(self, schema: dict, prefix: tuple[str, ...], rng: random.Random) -> Any:
        """A new value for an object or array schema: required properties and at least one item, benign."""
        schema = _resolve(schema, self.root)
        if schema.get("type") == "array":
            return [self.benign(schema, prefix + (ITEM,), rng)] if schema.get("minItems", 0) else []
        return {name: self.benign(schema, prefix + (name,), rng) for name in schema.get("required", [])}

    def benign(self, parent: dict, path: tuple[str, ...], rng: random.Random) -> Any:
        """A benign value for ``path``: a sample for a leaf, a minimal object or array otherwise."""
        field = self.fields.get(Field(path, {}).name)
        if field is not None:
            return self.samples.get(field, rng)
        return self.minimal(child(parent, self.root, path[-1]), path, rng)

    def place(self, data: dict, field: Field, value: Any, rng: random.Random) -> tuple:
        """Set ``field`` to ``value`` in ``data`` (changed in place); returns the concrete path (list indexes and
        keys filled in)."""
        node: Any = data
        schema: dict = self.root
        concrete: list[Any] = []
        for depth, part in enumerate(field.path):
            last = depth == len(field.path) - 1
            parent, schema = schema, child(schema, self.root, part)
            if part == KEY:
                node[value] = self.benign(parent, field.path[:-1] + (VALUE,), rng)
                return tuple(concrete + [value])
            if part == ITEM:
                if not node or rng.random() < 0.2:
                    node.append(None)
                    key: Any = len(node) - 1
                else:
                    key = rng.randrange(len(node))
            else:
                key = "fuzzkey" if part == VALUE else part
            if last:
                node[key] = value
            elif part == ITEM and not isinstance(node[key], dict) or part != ITEM and not isinstance(
                    node.get(key), (dict, list)):
                node[key] = self.minimal(schema, field.path[:depth + 1], rng)
            node, concrete = node[key], concrete + [key]
        return tuple(concrete)


def with_value(data: dict, placer: Placer, field: Field, value: Any, seed: str) -> tuple[dict, tuple]:
    """A copy of ``data`` with ``field`` set to ``value``; the same ``seed`` gives the same placement."""
    copied = copy.deepcopy(data)
    path = placer.place(copied, field, value, random.Random(seed))
    return copied, path
