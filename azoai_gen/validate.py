"""Validation: the JSON Schema first, then the rules a schema cannot express.

Every problem is collected, located by file, line, column and spec path, and raised
together as one :class:`SpecError`. Warnings (things that may fail at deploy time but
that the data cannot decide) are returned with the validated spec.
"""

from __future__ import annotations

import copy
import ipaddress
import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError

from . import naming, network, resources
from .errors import Problem, SpecError
from .loader import LoadedSpec, PathT, Positions, load_file, load_text
from .tiers import for_spec

_TYPE_WORDS = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
               "object": "a mapping of keys to values", "array": "a list", "null": "nothing"}

_WORKSPACE_ID = re.compile(
    r"^/subscriptions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"/resourcegroups/[-\w._()]{1,90}/providers/microsoft\.operationalinsights/workspaces/[a-z0-9][a-z0-9-]{2,61}[a-z0-9]$",
    re.IGNORECASE,
)


def _is_integer(checker: Any, instance: Any) -> bool:
    # JSON Schema counts 50.0 as an integer; in a spec it is a mistake that Bicep cannot print.
    return isinstance(instance, int) and not isinstance(instance, bool)


_Validator = validators.extend(
    Draft202012Validator,
    type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
)


@dataclass
class ValidatedSpec:
    """A spec that passed every check, with defaults filled in."""

    data: dict[str, Any]
    raw: bytes
    file: str
    warnings: list[Problem] = field(default_factory=list)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return "null"


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _schema_problems(error: ValidationError, positions: Positions) -> list[Problem]:
    path: PathT = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    kind = error.validator
    if "propertyNames" in error.schema_path:
        # The subschema's error is about a key of the mapping at ``path``.
        hint = _property_name_hint({kind: error.validator_value})
        return [positions.problem(path + (instance,), f"the key '{instance}' is not allowed here", hint,
                                  at_key=True)]
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        problems = []
        for key in sorted((k for k in instance if k not in allowed), key=str):
            hint = _suggest(str(key), allowed) or ("allowed keys: " + ", ".join(allowed) if allowed else "")
            problems.append(positions.problem(path + (key,), f"unknown key '{key}'", hint, at_key=True))
        return problems
    if kind == "required" and isinstance(instance, dict):
        return [positions.problem(path, f"missing required key '{key}'", _describe(schema, key))
                for key in error.validator_value if key not in instance]
    if kind == "type":
        expected = error.validator_value
        expected_list = expected if isinstance(expected, list) else [expected]
        words = " or ".join(_TYPE_WORDS.get(e, e) for e in expected_list)
        found = _kind(instance)
        hint = ""
        text = positions.texts.get(path)
        if "string" in expected_list and found in ("integer", "number", "boolean", "null"):
            shown = text if text is not None else str(instance)
            hint = f'quote it: "{shown}" (YAML reads {shown or "an empty value"} as {_TYPE_WORDS[found]})'
        return [positions.problem(path, f"expected {words}, found {_TYPE_WORDS.get(found, found)}", hint)]
    if kind == "enum":
        choices = [str(c) for c in error.validator_value]
        hint = _suggest(str(instance), choices) if isinstance(instance, str) else ""
        return [positions.problem(path, f"{_short(instance)} is not allowed; use one of: {', '.join(choices)}", hint)]
    if kind == "const":
        return [positions.problem(path, f"must be {error.validator_value!r}, found {_short(instance)}",
                                  schema.get("description", ""))]
    if kind == "pattern":
        return [positions.problem(path, f"{_short(instance)} is not valid here", schema.get("description", ""))]
    if kind in ("minLength", "maxLength"):
        bound = "at least" if kind == "minLength" else "at most"
        return [positions.problem(path, f"{_short(instance)} is {len(instance)} characters long; "
                                        f"{bound} {error.validator_value} allowed", schema.get("description", ""))]
    if kind in ("minimum", "maximum"):
        bound = "at least" if kind == "minimum" else "at most"
        return [positions.problem(path, f"{instance} is out of range: must be {bound} {error.validator_value}")]
    if kind in ("minItems", "maxItems"):
        bound = "at least" if kind == "minItems" else "at most"
        return [positions.problem(path, f"the list has {len(instance)} item{'s' if len(instance) != 1 else ''}; "
                                        f"{bound} {error.validator_value} allowed", schema.get("description", ""))]
    if kind == "maxProperties":
        return [positions.problem(path, f"{len(instance)} entries; at most {error.validator_value} allowed")]
    if kind == "uniqueItems":
        return [positions.problem(path, "the list has the same item twice")]
    return [positions.problem(path, error.message)]


def _describe(schema: dict[str, Any], key: str) -> str:
    sub = schema.get("properties", {}).get(key, {})
    if "$ref" in sub:
        sub = _resolve(sub["$ref"])
    return sub.get("description", "")


def _resolve(ref: str) -> dict[str, Any]:
    node: Any = resources.schema()
    for part in ref.lstrip("#/").split("/"):
        node = node[part]
    return node


def _property_name_hint(rule: dict[str, Any]) -> str:
    if "pattern" in rule:
        return "tag names cannot contain < > % & \\ ? /"
    if "maxLength" in rule:
        return f"at most {rule['maxLength']} characters"
    return ""


def apply_defaults(schema: dict[str, Any], value: Any) -> Any:
    """Fill in every ``default`` the schema declares, recursively. Returns a new value."""
    if "$ref" in schema:
        schema = _resolve(schema["$ref"])
    if isinstance(value, dict):
        result = {}
        properties = schema.get("properties", {})
        for key, sub in properties.items():
            if key in value:
                result[key] = apply_defaults(sub, value[key])
            elif "default" in sub:
                result[key] = apply_defaults(sub, copy.deepcopy(sub["default"]))
        for key, item in value.items():
            if key not in properties:
                result[key] = apply_defaults(schema.get("additionalProperties") or {}, item)
        return result
    if isinstance(value, list):
        return [apply_defaults(schema.get("items", {}), item) for item in value]
    return value


def _regions_data() -> dict[str, Any]:
    return resources.data("regions.json")


def _models_data() -> dict[str, Any]:
    return resources.data("models.json")


def _semantic_problems(spec: dict[str, Any], positions: Positions) -> list[Problem]:
    """Rules beyond the schema. ``spec`` has passed the schema and has its defaults."""
    problems: list[Problem] = []
    known = _regions_data()["regions"]
    tier = for_spec(spec)

    seen_regions: dict[str, int] = {}
    for index, region in enumerate(spec["regions"]):
        location = region["location"]
        where = ("regions", index, "location")
        if location not in known:
            hint = _suggest(location, sorted(known)) or "run 'az account list-locations -o table' for the names"
            problems.append(positions.problem(where, f"unknown Azure region '{location}'", hint))
        elif location in seen_regions:
            problems.append(positions.problem(where, f"region '{location}' is listed twice "
                                                     f"(first as regions[{seen_regions[location]}])"))
        else:
            seen_regions[location] = index
    if len(seen_regions) < tier.min_regions and not any(p.path.startswith("regions[") for p in problems):
        problems.append(positions.problem(
            ("regions",), f"tier {tier.number} needs at least {tier.min_regions} distinct regions; "
                          f"the spec has {len(seen_regions)}",
            "add a second region, ideally in the same geography for data residency"))

    seen_principals: dict[str, int] = {}
    for index, principal in enumerate(spec["access"]["principals"]):
        key = principal["objectId"].lower()
        if key in seen_principals:
            problems.append(positions.problem(
                ("access", "principals", index, "objectId"),
                f"principal {principal['objectId']} is already listed as access.principals[{seen_principals[key]}]",
                "each principal is granted once; remove the duplicate"))
        else:
            seen_principals[key] = index

    for path, value in _ip_ranges(spec):
        problems.extend(_ip_range_problems(value, path, positions))

    seen_names: dict[str, int] = {}
    for index, deployment in enumerate(spec["deployments"]):
        key = deployment["name"].lower()
        if key in seen_names:
            problems.append(positions.problem(
                ("deployments", index, "name"),
                f"deployment name '{deployment['name']}' is already used by deployments[{seen_names[key]}]",
                "deployment names are case-insensitive and must be unique in an account"))
        else:
            seen_names[key] = index

    workspace = spec["monitoring"].get("logAnalyticsWorkspaceId")
    if workspace is not None and not _WORKSPACE_ID.match(workspace):
        problems.append(positions.problem(
            ("monitoring", "logAnalyticsWorkspaceId"), "not a Log Analytics workspace resource ID",
            "expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.OperationalInsights/workspaces/<name>"))

    problems.extend(_front_door_problems(spec, positions, tier, known))
    problems.extend(_api_management_problems(spec, positions, tier))
    if tier.private_endpoints:
        _, network_problems = network.plan(spec, positions, tier.api_management)
        problems.extend(network_problems)
        problems.extend(network.zone_problems(spec, positions))
    problems.extend(_name_problems(spec, positions, known))
    return problems


#: Why each API Management SKU cannot carry tier 5, by SKU.
APIM_SKU_RULES = {
    "Developer": "Developer cannot span regions (additionalLocations needs classic Premium) and has no SLA",
    "Standard": "classic Standard can neither be injected into a VNet nor span regions; both need classic Premium",
    "Basic": "classic Basic can neither be injected into a VNet nor span regions; both need classic Premium",
    "StandardV2": "Standard v2 cannot span regions in one instance, uses outbound VNet integration instead of "
                  "injection, and does not allow cipher changes; tier 5 needs classic Premium",
    "BasicV2": "Basic v2 has no VNet injection and cannot span regions; tier 5 needs classic Premium",
}


def _api_management_problems(spec: dict[str, Any], positions: Positions, tier: Any) -> list[Problem]:
    if not tier.api_management:
        return []
    sku = spec["apiManagement"]["sku"]
    if sku in APIM_SKU_RULES:
        return [positions.problem(("apiManagement", "sku"), f"API Management {sku} cannot carry tier 5: "
                                                            f"{APIM_SKU_RULES[sku]}", "set apiManagement.sku: Premium")]
    return []


_RESOURCE_ID = re.compile(
    r"^/subscriptions/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/resourcegroups/[-\w._()]{1,90}"
    r"/providers/[a-z0-9.]+/[a-z0-9]+/[^/]+(/[a-z0-9]+/[^/]+)*$", re.IGNORECASE)


def _front_door_problems(spec: dict[str, Any], positions: Positions, tier: Any,
                         known: dict[str, Any]) -> list[Problem]:
    """Origin settings only where they belong, and the combinations Front Door cannot do."""
    problems: list[Problem] = []
    if not tier.front_door:
        return problems
    settings = spec["frontDoor"]
    app_mode = tier.front_door_origin == "app"
    weighted = settings["routing"] == "weighted"
    with_link = []
    for index, region in enumerate(spec["regions"]):
        base: PathT = ("regions", index)
        if "app" in region and not app_mode:
            why = ("tier 5 routes Front Door to API Management" if tier.front_door_origin == "apim"
                   else "frontDoor.origin is openai")
            problems.append(positions.problem(base + ("app",), f"app is only used with frontDoor.origin: app; {why}",
                                              "remove it, or set frontDoor.origin: app", at_key=True))
        if app_mode and "app" not in region:
            problems.append(positions.problem(
                base, f"frontDoor.origin is app, so {region['location']} needs app.hostName",
                "the host name of the regional application Front Door routes to"))
        if "weight" in region and not weighted:
            problems.append(positions.problem(base + ("weight",), "weight is only used with frontDoor.routing: weighted",
                                              "remove it, or set frontDoor.routing: weighted", at_key=True))
        link = region.get("app", {}).get("privateLink")
        if link is not None and app_mode:
            with_link.append(index)
            if not _RESOURCE_ID.match(link["resourceId"]):
                problems.append(positions.problem(base + ("app", "privateLink", "resourceId"),
                                                  "not a resource ID", "expected /subscriptions/<id>/resourceGroups/"
                                                  "<group>/providers/<namespace>/<type>/<name>"))
            if "location" in link and link["location"] not in known:
                problems.append(positions.problem(base + ("app", "privateLink", "location"),
                                                  f"unknown Azure region '{link['location']}'",
                                                  _suggest(link["location"], sorted(known))))
            if settings["sku"] != "Premium_AzureFrontDoor":
                problems.append(positions.problem(
                    base + ("app", "privateLink"), "Private Link origins need the Premium Front Door SKU",
                    "set frontDoor.sku: Premium_AzureFrontDoor, or reach the apps over their public endpoints",
                    at_key=True))
    if app_mode and with_link and len(with_link) != len(spec["regions"]):
        missing = [i for i in range(len(spec["regions"])) if i not in with_link]
        for index in missing:
            problems.append(positions.problem(
                ("regions", index, "app"), "an origin group cannot mix public and Private Link origins: "
                                           f"regions[{with_link[0]}] uses Private Link, this region does not",
                "give every region app.privateLink, or none", at_key=True))
    if app_mode:
        seen: dict[str, int] = {}
        for index, region in enumerate(spec["regions"]):
            host = region.get("app", {}).get("hostName", "").lower()
            if host and host in seen:
                problems.append(positions.problem(("regions", index, "app", "hostName"),
                                                  f"the same host name as regions[{seen[host]}]",
                                                  "each region needs its own origin"))
            seen.setdefault(host, index)
    if tier.front_door_origin == "openai" and spec["openai"]["allowedIpRanges"]:
        problems.append(positions.problem(
            ("openai", "allowedIpRanges"), "would block Front Door: with frontDoor.origin openai, Front Door calls "
                                           "the accounts from its own addresses, and Azure OpenAI network rules "
                                           "cannot allow the AzureFrontDoor.Backend service tag",
            "remove openai.allowedIpRanges; the WAF protects the edge, or use frontDoor.origin: app", at_key=True))
    return problems


def _ip_ranges(spec: dict[str, Any]) -> list[tuple[PathT, str]]:
    ranges = [(("openai", "allowedIpRanges", i), v) for i, v in enumerate(spec["openai"]["allowedIpRanges"])]
    ranges += [(("keyVault", "allowedIpRanges", i), v) for i, v in enumerate(spec["keyVault"]["allowedIpRanges"])]
    return ranges


def _ip_range_problems(value: str, path: PathT, positions: Positions) -> list[Problem]:
    """An IPv4 address or CIDR range as Azure's IP rules accept it: valid octets, prefix 0-32, no host bits."""
    try:
        ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        try:
            loose = ipaddress.IPv4Network(value, strict=False)
            return [positions.problem(path, f"'{value}' has host bits set", f"did you mean '{loose}'?")]
        except ValueError:
            return [positions.problem(path, f"'{value}' is not an IPv4 address or CIDR range",
                                      "each octet is 0-255 and the prefix length 0-32, as in 203.0.113.0/24")]
    return []


def _name_problems(spec: dict[str, Any], positions: Positions, known: dict[str, Any]) -> list[Problem]:
    workload, environment = spec["workload"], spec["environment"]
    tier = for_spec(spec)
    suffix = spec["naming"].get("suffix")
    names = [naming.key_vault(workload, environment), naming.log_analytics(workload, environment),
             naming.identity(workload, environment)]
    names += [naming.account(workload, environment, known[r["location"]]["short"])
              for r in spec["regions"] if r["location"] in known]
    names += [naming.key_secret(r["location"]) for r in spec["regions"]]
    names += [naming.module_deployment(workload, environment, f"openai-{r['location']}") for r in spec["regions"]]
    if tier.api_management:
        names.append(naming.api_management(workload, environment))
        names += [naming.apim_dns_label(workload, environment, known[r["location"]]["short"])
                  for r in spec["regions"] if r["location"] in known]
    if tier.private_endpoints:
        for region in spec["regions"]:
            if region["location"] not in known:
                continue
            short = known[region["location"]]["short"]
            names += [naming.vnet(workload, environment, short), naming.private_endpoint(workload, environment, short),
                      naming.nsg(workload, environment, short, "workload"),
                      naming.module_deployment(workload, environment, f"network-{region['location']}")]
    problems = []
    for name in names:
        reason = name.problem(suffix)
        if reason:
            problems.append(positions.problem(
                ("workload",), reason,
                "shorten workload or environment" + (", or naming.suffix" if name.suffixed else "")))
    return problems


def _warnings(spec: dict[str, Any], positions: Positions) -> list[Problem]:
    warnings: list[Problem] = []
    tier = for_spec(spec)
    models = _models_data()
    date = models.get("date", "unknown")
    for index, deployment in enumerate(spec["deployments"]):
        versions = models["models"].get(deployment["model"])
        if versions is None:
            warnings.append(positions.problem(
                ("deployments", index, "model"),
                f"model '{deployment['model']}' is not in the availability data of {date}",
                "check the Azure OpenAI model availability tables before deploying", severity="warning"))
            continue
        skus = versions.get(deployment["version"])
        if skus is None:
            warnings.append(positions.problem(
                ("deployments", index, "version"),
                f"version '{deployment['version']}' of {deployment['model']} is not in the availability data of {date}",
                "known versions: " + ", ".join(sorted(versions)), severity="warning"))
            continue
        offered = skus.get(deployment["sku"])
        if offered is None:
            warnings.append(positions.problem(
                ("deployments", index, "sku"),
                f"the availability data of {date} does not list {deployment['model']} {deployment['version']} "
                f"with SKU {deployment['sku']}",
                "listed SKUs: " + ", ".join(sorted(skus)), severity="warning"))
            continue
        for region_index, region in enumerate(spec["regions"]):
            if region["location"] not in offered:
                warnings.append(positions.problem(
                    ("deployments", index, "sku"),
                    f"{deployment['model']} {deployment['version']} ({deployment['sku']}) is not offered in "
                    f"{region['location']} (regions[{region_index}]) according to the availability data of {date}",
                    "pick a region or SKU that offers it, or check the current availability tables",
                    severity="warning"))

    access = spec["access"]
    if not access["managedIdentity"] and not access["principals"]:
        warnings.append(positions.problem(
            ("access",), "nobody is granted access to the deployment",
            "set access.managedIdentity to true or list principals", severity="warning"))
    if not tier.key_in_vault and ("keyVault",) in positions.keys:
        warnings.append(positions.problem(
            ("keyVault",), f"keyVault settings are ignored: tier {tier.number} keeps no API key",
            "remove the keyVault section", at_key=True, severity="warning"))
    if not tier.public_network and spec["openai"]["allowedIpRanges"]:
        warnings.append(positions.problem(
            ("openai", "allowedIpRanges"), f"ignored: tier {tier.number} disables public network access",
            at_key=True, severity="warning"))
    if spec["openai"]["allowedFqdns"] and not spec["openai"]["restrictOutboundNetworkAccess"]:
        warnings.append(positions.problem(
            ("openai", "allowedFqdns"), "ignored: restrictOutboundNetworkAccess is false",
            "set openai.restrictOutboundNetworkAccess: true to lock the account's outbound calls",
            at_key=True, severity="warning"))
    if tier.api_management:
        if ("access",) in positions.keys:
            warnings.append(positions.problem(
                ("access",), "ignored: in tier 5 callers authenticate at API Management (subscription key, and an "
                             "Entra ID token with apiManagement.oauth); only the gateway's identity calls Azure OpenAI",
                at_key=True, severity="warning"))
        if "publisherEmail" not in spec["apiManagement"]:
            warnings.append(positions.problem(
                ("apiManagement",) if ("apiManagement",) in positions.keys else ("tier",),
                "apiManagement.publisherEmail is not set: API Management notifications go to a placeholder address",
                "set apiManagement.publisherEmail to a mailbox your team reads", severity="warning"))
    elif ("apiManagement",) in positions.keys:
        warnings.append(positions.problem(
            ("apiManagement",), f"ignored: tier {tier.number} has no API Management", at_key=True, severity="warning"))
    if not tier.front_door:
        if ("frontDoor",) in positions.keys:
            warnings.append(positions.problem(
                ("frontDoor",), f"ignored: tier {tier.number} has no Front Door", at_key=True, severity="warning"))
        for index, region in enumerate(spec["regions"]):
            for key in ("app", "weight"):
                if key in region:
                    warnings.append(positions.problem(
                        ("regions", index, key), f"ignored: tier {tier.number} has no Front Door", at_key=True,
                        severity="warning"))
    if tier.private_endpoints:
        needed = network.ZONES_BY_KIND[spec["openai"]["kind"]]
        for key in sorted(spec["network"]["privateDnsZoneIds"]):
            if key not in needed:
                warnings.append(positions.problem(
                    ("network", "privateDnsZoneIds", key),
                    f"ignored: an account of kind {spec['openai']['kind']} does not use {network.ZONES[key]}",
                    at_key=True, severity="warning"))
        plans, _ = network.plan(spec, positions, tier.api_management)
        for plan in plans:
            if plan.vnet is not None and not network.is_private_range(plan.vnet.network):
                warnings.append(positions.problem(
                    plan.vnet.path, f"the VNet range {plan.vnet} of {plan.location} is not a private (RFC 1918) range",
                    "public ranges used inside a VNet hide the real owners of those addresses",
                    severity="warning"))
    else:
        if ("network",) in positions.keys:
            warnings.append(positions.problem(
                ("network",), f"ignored: tier {tier.number} has no private network", at_key=True,
                severity="warning"))
        for index, region in enumerate(spec["regions"]):
            if "network" in region:
                warnings.append(positions.problem(
                    ("regions", index, "network"), f"ignored: tier {tier.number} has no private network",
                    at_key=True, severity="warning"))
    return sorted(warnings)


def validate_loaded(loaded: LoadedSpec) -> ValidatedSpec:
    """Validate a parsed spec. Raises :class:`SpecError` with every problem found."""
    positions = loaded.positions
    schema = resources.schema()
    validator = _Validator(schema)
    problems: list[Problem] = []
    for error in validator.iter_errors(loaded.data):
        problems.extend(_schema_problems(error, positions))
    if problems:
        raise SpecError(_unique(problems))
    spec = apply_defaults(schema, loaded.data)
    problems = _semantic_problems(spec, positions)
    if problems:
        raise SpecError(_unique(problems))
    return ValidatedSpec(data=spec, raw=loaded.raw, file=positions.file, warnings=_warnings(spec, positions))


def _unique(problems: list[Problem]) -> list[Problem]:
    return sorted(set(problems))


def validate_file(path: Path) -> ValidatedSpec:
    """Load and validate the spec at ``path``."""
    return validate_loaded(load_file(path))


def validate_text(text: str, file: str = "spec.yaml") -> ValidatedSpec:
    """Load and validate a spec given as text (for tests and tools)."""
    return validate_loaded(load_text(text.encode("utf-8"), file))
