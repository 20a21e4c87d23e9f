"""The manifest of an output folder: tool version, spec hash, what cannot change once deployed, the role assignments,
and the sha256 of every file.

This module owns its format: :func:`text` writes it, and the readers below parse it. It never touches the disk (the
writer reads the previous manifest and hands its text here). A manifest that is missing or unreadable reads as empty,
and so does a section that is missing or malformed.

Sections:

* ``names``: what cannot change once deployed, by key: the deployed names (a suffix computed at deployment time is
  written symbolically), each VNet's name and range, the shared location, the vault's soft-delete retention, and
  the spec values every name is made of (``naming/...``). A later render refuses to change any of them.
* ``grants``: every role assignment the deployment makes, as ``scope``, ``principal`` and ``role`` (a built-in role
  definition ID), sorted. Scopes and principals are keys of ``names`` or ``principals/<object ID>``; principal
  descriptions stay out. A later render lists the ones it no longer makes, because a deployment never deletes them.
* ``resources``: every Azure resource the deployment creates (child resources go with their parent), as ``type``,
  ``name`` (a computed suffix written symbolically), ``resourceGroup``, ``location`` and, when part of the name is
  computed at deployment time, ``computedBy`` (``uniqueString(resourceGroup().id)``). Sorted. A later render, and
  ``plan``, tell from it what is created, kept and left behind. A manifest written before this section existed
  reads as "the previous resources are unknown" (``None``), never as "there were none". Each Azure OpenAI account
  also lists its model deployments (``deployments``: ``name``, ``model``, ``version``, ``sku``, ``capacity``), the
  child resources that hold quota; an account recorded without that list has unknown deployments (``None``).
* ``posture``: the tier's security posture as flags (:func:`posture_flags`), so that a later render can say how the
  posture changes. An older manifest without it has the tier in ``spec``; :func:`posture` then reads ``None`` and the
  caller falls back to the tier's default posture.
* ``files``: the sha256 of every generated file, so that hand edits are found.

Adding a section keeps older manifests readable (every reader treats a missing section as unknown), so the format
has no version number of its own: ``version`` is the tool's.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache

from . import __version__
from .frozen import field, frozen

MANIFEST = "azoai-gen.manifest.json"


@frozen(order=True)
class Grant:
    """One recorded role assignment."""

    scope: str
    principal: str
    role: str


@frozen(order=True)
class ModelDeployment:
    """One recorded model deployment of an Azure OpenAI account."""

    name: str
    model: str
    version: str
    sku: str
    capacity: int


@frozen(order=True)
class Resource:
    """One recorded Azure resource."""

    type: str
    name: str
    resource_group: str
    location: str
    computed_by: str = ""
    #: An account's model deployments; ``None`` for other resources and for an account recorded without them.
    deployments: tuple[ModelDeployment, ...] | None = field(default=None, compare=False)


def resource(record: object) -> Resource:
    """A resource of the design (``design.azure_resources``) as the manifest records it."""
    models = getattr(record, "deployments", None)
    return Resource(getattr(record, "type"), getattr(record, "name"), getattr(record, "resource_group"),
                    getattr(record, "location"), getattr(record, "computed_by"),
                    None if models is None else tuple(
                        ModelDeployment(m.name, m.model, m.version, m.sku, m.capacity) for m in models))


#: The posture flags the manifest records, by manifest key: the attribute of :class:`~azoai_gen.posture.Posture`.
POSTURE_FLAGS = {"localAuth": "local_auth", "keyInVault": "key_in_vault", "publicNetwork": "public_network",
                 "privateEndpoints": "private_endpoints", "frontDoor": "front_door", "apiManagement": "api_management"}


def posture_flags(posture: object) -> dict[str, object]:
    """A posture as the manifest records it: the tier, the flags, how callers authenticate, Front Door's origin."""
    flags: dict[str, object] = {key: bool(getattr(posture, attr)) for key, attr in POSTURE_FLAGS.items()}
    flags["tier"] = getattr(posture, "tier")
    flags["callers"] = getattr(posture, "callers").value
    flags["origin"] = getattr(posture, "origin").value
    return flags


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def text(files: dict[str, str], digest: str, tier: int, names: dict[str, str], grants: list[Grant],
         resources: list[Resource] | None = None, posture: dict[str, object] | None = None) -> str:
    """The manifest of ``files`` (no timestamps, sorted keys and grants: the same render gives the same bytes)."""
    manifest = {
        "generator": "azoai-gen",
        "version": __version__,
        "spec": {"sha256": digest, "tier": tier},
        "names": names,
        "grants": [{"scope": g.scope, "principal": g.principal, "role": g.role} for g in sorted(set(grants))],
        "resources": [_resource_data(r) for r in sorted(set(resources or []))],
        "posture": dict(posture or {}),
        "files": {path: sha256(content.encode("utf-8")) for path, content in sorted(files.items())},
    }
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def _resource_data(resource: Resource) -> dict[str, object]:
    data: dict[str, object] = {"type": resource.type, "name": resource.name,
                               "resourceGroup": resource.resource_group, "location": resource.location}
    if resource.computed_by:
        data["computedBy"] = resource.computed_by
    if resource.deployments is not None:
        data["deployments"] = [{"name": d.name, "model": d.model, "version": d.version, "sku": d.sku,
                                "capacity": d.capacity} for d in sorted(set(resource.deployments))]
    return data


def _load(manifest_text: str | None) -> dict:
    return _parsed(manifest_text) if manifest_text is not None else {}


@lru_cache(maxsize=1)
def _parsed(manifest_text: str) -> dict:
    """The manifest's JSON (empty when it is not an object). The last one is kept: a render reads several sections of
    the previous manifest, which would otherwise be parsed once for each. The readers never change it."""
    try:
        loaded = json.loads(manifest_text)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def is_ours(manifest_text: str | None) -> bool:
    """Whether the text is a manifest that azoai-gen wrote (an output folder holding one is azoai-gen's)."""
    return _load(manifest_text).get("generator") == "azoai-gen"


def _section(manifest_text: str | None, key: str) -> dict[str, str]:
    section = _load(manifest_text).get(key)
    return {str(k): str(v) for k, v in section.items()} if isinstance(section, dict) else {}


def file_hashes(manifest_text: str | None) -> dict[str, str]:
    """sha256 of each generated file, by relative path."""
    return _section(manifest_text, "files")


def names(manifest_text: str | None) -> dict[str, str]:
    """What the render recorded as unable to change once deployed (deployed names and the like), by key."""
    return _section(manifest_text, "names")


def grants(manifest_text: str | None) -> list[Grant]:
    """The role assignments the render recorded; entries that are not well formed are left out."""
    section = _load(manifest_text).get("grants")
    if not isinstance(section, list):
        return []
    found = set()
    for entry in section:
        if isinstance(entry, dict) and all(isinstance(entry.get(k), str) for k in ("scope", "principal", "role")):
            found.add(Grant(entry["scope"], entry["principal"], entry["role"]))
    return sorted(found)


def tier(manifest_text: str | None) -> int | None:
    """The tier the render recorded, or ``None``."""
    spec = _load(manifest_text).get("spec")
    value = spec.get("tier") if isinstance(spec, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def resources(manifest_text: str | None) -> list[Resource] | None:
    """The Azure resources the render recorded, or ``None`` when the manifest has no such list (there is no
    manifest, or an older version wrote it): then what the previous render deployed is unknown. Entries that are
    not well formed are left out."""
    section = _load(manifest_text).get("resources")
    if not isinstance(section, list):
        return None
    found = set()
    keys = ("type", "name", "resourceGroup", "location")
    for entry in section:
        if isinstance(entry, dict) and all(isinstance(entry.get(k), str) for k in keys):
            computed = entry.get("computedBy")
            found.add(Resource(*(entry[k] for k in keys), computed if isinstance(computed, str) else "",
                               _deployments(entry.get("deployments"))))
    return sorted(found)


def _deployments(section: object) -> tuple[ModelDeployment, ...] | None:
    """An account's recorded model deployments, or ``None`` when it has no such list; entries that are not well
    formed are left out."""
    if not isinstance(section, list):
        return None
    found = set()
    for entry in section:
        if not isinstance(entry, dict):
            continue
        words = [entry.get(k) for k in ("name", "model", "version", "sku")]
        capacity = entry.get("capacity")
        if all(isinstance(w, str) for w in words) and isinstance(capacity, int) and not isinstance(capacity, bool):
            found.add(ModelDeployment(*words, capacity))
    return tuple(sorted(found))


def posture(manifest_text: str | None) -> dict[str, object] | None:
    """The posture flags the render recorded (:func:`posture_flags`), or ``None`` when the manifest lacks them."""
    section = _load(manifest_text).get("posture")
    if not isinstance(section, dict) or not isinstance(section.get("tier"), int):
        return None
    return dict(section)
