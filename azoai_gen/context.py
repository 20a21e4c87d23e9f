"""Turn a validated spec into the render context: plain, sorted data that templates print.

This is the one place where the generator decides things: names, the tier's posture,
per-region values, which files exist, which scanner findings are accepted by design and
why. Templates only loop over and test what is here.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePath
from typing import Any

from . import __version__, naming, network, resources
from .azure import API_VERSIONS, COMPUTED_SUFFIX_LENGTH, ROLES
from .errors import TierNotAvailable
from .loader import Positions
from .tiers import TIERS, Tier, for_spec
from .validate import ValidatedSpec

#: Tags azoai-gen puts on every resource; the spec's own tags come after and may override them.
MANAGED_BY = "azoai-gen"


def spec_hash(spec: ValidatedSpec) -> str:
    """sha256 of the spec's content (after defaults), independent of comments and layout."""
    canonical = json.dumps(spec.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _name(name: naming.Name, suffix: str | None) -> dict[str, Any]:
    return {"stem": name.stem, "suffixed": name.suffixed, "example": name.example(suffix)}


def _skip(check: str, reason: str) -> dict[str, str]:
    return {"id": check, "reason": reason}


def _account_skips(tier: Tier) -> list[dict[str, str]]:
    skips = []
    if tier.local_auth:
        skips.append(_skip("CKV_AZURE_236", "Tier 1 authenticates callers with API keys by design; "
                                            "the key is kept in Key Vault. Tier 2 and above disable keys"))
    if tier.public_network:
        skips.append(_skip("CKV_AZURE_134", tier.public_reason))
    return skips


def _notes(tier: Tier, spec: dict[str, Any]) -> list[str]:
    """Plain-language explanations of every weaker choice in this output."""
    notes = []
    if tier.local_auth:
        notes.append("API keys are enabled (tier 1). Anyone holding a key can call the account until the key is "
                     "regenerated. Callers read the key from Key Vault with their managed identity; raise the tier "
                     "to 2 to disable keys and use Entra ID instead.")
    if tier.front_door_origin == "openai":
        notes.append("The accounts keep their public endpoints: Front Door cannot use an Azure OpenAI private "
                     "endpoint as an origin. Keys are disabled, so every call needs an Entra ID token, and the WAF "
                     "filters traffic at the edge; a client can still call a regional endpoint directly with a valid "
                     "token. Set frontDoor.origin: app to keep Azure OpenAI private behind your own regional apps.")
    elif tier.public_network:
        if spec["openai"]["allowedIpRanges"]:
            notes.append("The accounts answer on their public endpoint, but only to the addresses in "
                         "openai.allowedIpRanges.")
        else:
            notes.append(f"The accounts answer on their public endpoint from any address (tier {tier.number}); "
                         "authentication still applies. Set openai.allowedIpRanges to narrow this, or raise the "
                         "tier to 3 for private endpoints.")
    if tier.key_in_vault:
        notes.append("The Key Vault has a public endpoint with a deny-by-default firewall: only trusted Azure "
                     "services and keyVault.allowedIpRanges get through. Azure Resource Manager writes the secret, "
                     "so the deployment works without an exception.")
    if tier.front_door:
        fd = spec["frontDoor"]
        if fd["sku"] != "Premium_AzureFrontDoor":
            notes.append("Front Door Standard has no managed WAF rule sets (the default rule set and bot protection "
                         "need Premium); the WAF policy only enforces its mode. Set frontDoor.sku: "
                         "Premium_AzureFrontDoor for managed rules.")
        if fd["waf"]["mode"] != "Prevention":
            notes.append("The WAF runs in Detection mode: it logs matching requests but blocks nothing. Switch "
                         "frontDoor.waf.mode back to Prevention once the rules are tuned.")
        if not fd["waf"]["requestBodyCheck"]:
            notes.append("The WAF does not inspect request bodies (frontDoor.waf.requestBodyCheck: false), so "
                         "prompts are not checked by the managed rules.")
    return notes


def _available() -> str:
    numbers = [n for n in sorted(TIERS) if TIERS[n].available]
    return f"{numbers[0]} to {numbers[-1]}" if len(numbers) > 2 else " and ".join(map(str, numbers))


#: The Azure OpenAI data-plane operations the gateway exposes (method, URL template below /openai, display name).
OPENAI_OPERATIONS = [
    ("POST", "/deployments/{deployment-id}/chat/completions", "Chat completions"),
    ("POST", "/deployments/{deployment-id}/completions", "Completions"),
    ("POST", "/deployments/{deployment-id}/embeddings", "Embeddings"),
    ("POST", "/deployments/{deployment-id}/images/generations", "Image generations"),
    ("POST", "/deployments/{deployment-id}/audio/transcriptions", "Audio transcriptions"),
    ("POST", "/deployments/{deployment-id}/audio/translations", "Audio translations"),
    ("POST", "/deployments/{deployment-id}/audio/speech", "Text to speech"),
    ("POST", "/v1/chat/completions", "Chat completions (v1)"),
    ("POST", "/v1/responses", "Responses (v1)"),
    ("POST", "/v1/embeddings", "Embeddings (v1)"),
    ("GET", "/v1/models", "List models (v1)"),
]

#: Gateway ciphers turned off: everything but the AES-GCM suites of TLS 1.2 (PSRule Azure.APIM.Ciphers).
WEAK_CIPHERS = [
    "TripleDes168",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
]


def backend_pools(locations: list[str]) -> list[dict[str, Any]]:
    """One pool per gateway region: its own region's account first, then the others in list order.

    APIM backend pool priorities: the lowest number wins, and a backend whose circuit breaker tripped is skipped,
    so a region serves locally and spills over to the others in list order.
    """
    pools = []
    for home in locations:
        order = [home] + [loc for loc in locations if loc != home]
        pools.append({
            "name": f"pool-{home}",
            "location": home,
            "symbol": naming.bicep_symbol("pool", home),
            "services": [{"backend": f"openai-{loc}", "backend_symbol": naming.bicep_symbol("backend", loc),
                          "priority": rank + 1} for rank, loc in enumerate(order)],
        })
    return pools


def _api_management(data: dict[str, Any], regions: list[dict[str, Any]], suffix: str | None) -> dict[str, Any]:
    workload, environment = data["workload"], data["environment"]
    settings = data["apiManagement"]
    oauth = settings.get("oauth")
    locations = [r["location"] for r in regions]
    gateways = []
    for region in regions:
        gateways.append({
            "additional_index": region_index_of_additional(regions, region),
            "location": region["location"],
            "display_name": region["display_name"],
            "primary": region["primary"],
            "public_ip_name": naming.public_ip(workload, environment, region["short"], "apim").stem,
            "dns_label": _name(naming.apim_dns_label(workload, environment, region["short"]), suffix),
            "network_symbol": region["network"]["symbol"],
            "public_ip_symbol": naming.bicep_symbol("publicIp", region["location"]),
        })
    return {
        "name": _name(naming.api_management(workload, environment), suffix),
        "module_name": naming.module_deployment(workload, environment, "apim").stem,
        "api_module_name": naming.module_deployment(workload, environment, "apim-api").stem,
        "app_insights_name": naming.app_insights(workload, environment).stem,
        "sku": settings["sku"],
        "capacity": settings["capacity"],
        "publisher_name": settings.get("publisherName", f"{workload}-{environment}"),
        "publisher_email": settings.get("publisherEmail", f"apim-{workload}-{environment}@example.com"),
        "tokens_per_minute": settings["tokensPerMinute"],
        "oauth": {"tenant_id": oauth["tenantId"].lower(), "audiences": oauth["audiences"]} if oauth else None,
        "gateways": gateways,
        "additional": [g for g in gateways if not g["primary"]],
        "backends": [{"name": f"openai-{r['location']}", "symbol": naming.bicep_symbol("backend", r["location"]),
                      "location": r["location"], "account_symbol": r["symbol"]} for r in regions],
        "pools": [dict(pool, display_name=region["display_name"])
                  for pool, region in zip(backend_pools(locations), regions, strict=True)],
        "operations": [{"name": _operation_name(method, url), "method": method, "url": url, "display_name": title,
                        "deployment_parameter": "{deployment-id}" in url}
                       for method, url, title in OPENAI_OPERATIONS],
        "weak_ciphers": WEAK_CIPHERS,
        "checkov_skips": [_skip("CKV_AZURE_174", "Front Door reaches the gateway over its public address: the NSG "
                                                 "admits only the AzureFrontDoor.Backend service tag and the policy "
                                                 "accepts only this Front Door's X-Azure-FDID")],
        "policy_file": "policies/openai-api.xml",
        "api_name": "azure-openai",
        "api_path": "openai",
        "product_name": "azure-openai",
        "named_value_front_door_id": "front-door-id",
        # How a policy refers to a named value.
        "named_value_reference": "{{front-door-id}}",
    }


def region_index_of_additional(regions: list[dict[str, Any]], region: dict[str, Any]) -> int:
    """Position of a non-primary region in API Management's additionalLocations (-1 for the primary)."""
    return -1 if region["primary"] else regions.index(region) - 1


def _operation_name(method: str, url: str) -> str:
    words = [w for w in url.replace("{deployment-id}", "").split("/") if w]
    return "-".join([method.lower()] + words)


#: Front Door accepts origin priorities 1 to 5.
MAX_PRIORITY = 5
#: The regional Azure OpenAI gateway answers this path with 200 without authentication.
OPENAI_PROBE_PATH = "/status-0123456789abcdef"
APP_PROBE_PATH = "/health"


def origin_plan(routing: str, weights: list[int | None]) -> list[tuple[int, int]]:
    """(priority, weight) for each region in list order.

    priority: active/passive; region i gets priority i + 1 (capped at Front Door's 5), so traffic fails over in list
    order. weighted: active/active; every region has priority 1 and its weight (default 1000: equal shares).
    """
    if routing == "weighted":
        return [(1, weight or 1000) for weight in weights]
    return [(min(index + 1, MAX_PRIORITY), 1000) for index in range(len(weights))]


def _front_door(data: dict[str, Any], tier: Tier, regions: list[dict[str, Any]]) -> dict[str, Any]:
    workload, environment = data["workload"], data["environment"]
    settings = data["frontDoor"]
    premium = settings["sku"] == "Premium_AzureFrontDoor"
    mode = tier.front_door_origin
    plan = origin_plan(settings["routing"], [r.get("weight") for r in data["regions"]])
    origins = []
    for region, spec_region, (priority, weight) in zip(regions, data["regions"], plan, strict=True):
        app = spec_region.get("app")
        link = (app or {}).get("privateLink")
        origins.append({
            "name": f"origin-{region['location']}",
            "symbol": naming.bicep_symbol("origin", region["location"]),
            "openai_symbol": region["symbol"],
            "location": region["location"],
            "host_name": app["hostName"] if app else "",
            "apim": mode == "apim",
            "priority": priority,
            "weight": weight,
            "private_link": {
                "resource_id": link["resourceId"],
                "group_id": link["groupId"],
                "location": link.get("location", region["location"]),
                "request_message": f"Front Door {naming.front_door(workload, environment).stem}",
            } if link else None,
        })
    probe = settings["healthProbe"]
    # The rule-set action applies to the default rule set 2.x (anomaly scoring); the bot manager rules carry their own.
    managed = [{"type": "Microsoft_DefaultRuleSet", "version": "2.1", "action": "Block"},
               {"type": "Microsoft_BotManagerRuleSet", "version": "1.1", "action": ""}] if premium else []
    return {
        "module_name": naming.module_deployment(workload, environment, "frontdoor").stem,
        "profile_name": naming.front_door(workload, environment).stem,
        "endpoint_name": naming.front_door_endpoint(workload, environment).stem,
        "waf_name": naming.waf_policy(workload, environment).stem,
        "origin_group_name": "og-regions",
        "route_name": "route-all",
        "security_policy_name": "waf",
        "sku": settings["sku"],
        "mode": mode,
        "routing": settings["routing"],
        "probe": {
            # API Management documents /status-0123456789abcdef as its health endpoint; the Azure OpenAI regional
            # gateway answers it too.
            "path": probe.get("path") or (APP_PROBE_PATH if mode == "app" else OPENAI_PROBE_PATH),
            "method": probe["method"],
            "interval": probe["intervalInSeconds"],
        },
        "waf": {
            "mode": settings["waf"]["mode"],
            "request_body_check": "Enabled" if settings["waf"]["requestBodyCheck"] else "Disabled",
            "managed_rule_sets": managed,
        },
        "origins": origins,
        "private_link": any(o["private_link"] for o in origins),
    }


def _peerings(regions: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Every ordered pair of regional VNets: a full mesh, so that each region's gateway reaches every region's
    private endpoints. Peering is not transitive, and each direction is its own resource."""
    pairs = []
    for source in regions:
        for target in regions:
            if source is target:
                continue
            pairs.append({
                "symbol": naming.bicep_symbol(naming.bicep_symbol("peer", source["location"]) + "To",
                                              target["location"]),
                "name": f"peer-{source['location']}-to-{target['location']}",
                "source_symbol": source["network"]["symbol"],
                "target_location": target["location"],
            })
    return pairs


def _network(data: dict[str, Any], tier: Tier, regions: list[dict[str, Any]]) -> dict[str, Any]:
    """VNets, subnets, private endpoints and DNS zones. Adds a ``network`` entry to every region."""
    workload, environment = data["workload"], data["environment"]
    plans, problems = network.plan(data, Positions(""), tier.api_management)
    if problems:  # validation has already reported them; this is a programming error
        raise AssertionError(problems)
    settings = data["network"]
    delegation = settings["workloadSubnetDelegation"]
    for region, plan in zip(regions, plans, strict=True):
        short = region["short"]
        create = plan.existing_subnet_id is None
        region["network"] = {
            "create": create,
            "symbol": naming.bicep_symbol("network", region["location"]),
            "module_name": naming.module_deployment(workload, environment, f"network-{region['location']}").stem,
            "vnet_name": naming.vnet(workload, environment, short).stem if create else "",
            "address_space": str(plan.vnet) if create else "",
            "private_endpoint_subnet": str(plan.private_endpoint_subnet) if create else "",
            "workload_subnet": str(plan.workload_subnet) if create else "",
            "api_management_subnet": str(plan.api_management_subnet) if plan.api_management_subnet else "",
            "api_management_nsg": naming.nsg(workload, environment, short, "apim").stem,
            "private_endpoint_nsg": naming.nsg(workload, environment, short, "pe").stem,
            "workload_nsg": naming.nsg(workload, environment, short, "workload").stem,
            "existing_subnet_id": plan.existing_subnet_id or "",
            "existing_vnet_id": plan.existing_vnet_id or "",
            "private_endpoint_name": naming.private_endpoint(workload, environment, short).stem,
            "dns_link_name": naming.dns_link(workload, environment, region["location"]).stem,
        }
    zones = []
    for key in network.ZONES_BY_KIND[data["openai"]["kind"]]:
        existing = settings["privateDnsZoneIds"].get(key, "")
        symbol = naming.bicep_symbol("zone", key)
        zones.append({
            "key": key,
            "name": network.ZONES[key],
            "existing_id": existing,
            "symbol": symbol,
            "output": key + "ZoneId",
            "links": [{"symbol": naming.bicep_symbol(symbol + "Link", r["location"]),
                       "name": r["network"]["dns_link_name"],
                       "location": r["location"]} for r in regions],
        })
    created = [z for z in zones if not z["existing_id"]]
    return {
        "create_vnets": any(r["network"]["create"] for r in regions),
        "workload_subnet_delegation": "" if delegation == "none" else delegation,
        "subnet_names": {"private_endpoints": "snet-private-endpoints", "workload": "snet-workload",
                         "api_management": "snet-apim"},
        "api_management_subnet": tier.api_management,
        "peerings": _peerings(regions) if tier.api_management else [],
        "peering_module_name": naming.module_deployment(workload, environment, "peering").stem,
        "zones": zones,
        "created_zones": created,
        "central_zones": [z for z in zones if z["existing_id"]],
        "dns_module_name": naming.module_deployment(workload, environment, "dns").stem,
        "existing_vnets": [r for r in regions if not r["network"]["create"]],
        # Whether callers themselves reach the private accounts (in tier 5 only the gateway does).
        "callers_in_network": tier.caller_access != "api-management",
    }


def build_context(spec: ValidatedSpec, *, spec_name: str) -> dict[str, Any]:
    """The render context for ``spec``. Raises :class:`TierNotAvailable` for tiers not built yet."""
    data = spec.data
    tier = for_spec(data)
    if not tier.available:
        raise TierNotAvailable(
            f"tier {tier.number} ({tier.title}) cannot be rendered by azoai-gen {__version__} yet",
            f"the spec is valid; render it with one of tiers {_available()} for now, or run 'azoai-gen tiers' to compare")
    workload, environment = data["workload"], data["environment"]
    suffix = data["naming"].get("suffix")
    regions_data = resources.data("regions.json")["regions"]

    regions = []
    for index, region in enumerate(data["regions"]):
        location = region["location"]
        info = regions_data[location]
        regions.append({
            "location": location,
            "display_name": info["displayName"],
            "short": info["short"],
            "primary": index == 0,
            "symbol": naming.bicep_symbol("openai", location),
            "module_name": naming.module_deployment(workload, environment, f"openai-{location}").stem,
            "account_name": _name(naming.account(workload, environment, info["short"]), suffix),
            "key_secret_name": naming.key_secret(location).stem,
        })
    primary = regions[0]
    networking = _network(data, tier, regions) if tier.private_endpoints else None

    tags = {"environment": environment, "managed-by": MANAGED_BY, "workload": workload}
    tags.update(data["tags"])

    deployments = [{
        "name": d["name"],
        "model": d["model"],
        "version": d["version"],
        "format": d["format"],
        "sku": d["sku"],
        "capacity": d["capacity"],
        "raiPolicy": d["raiPolicy"],
        "versionUpgradeOption": d["versionUpgradeOption"],
    } for d in data["deployments"]]

    access = data["access"]
    principals = [{"objectId": p["objectId"].lower(), "principalType": p["type"], "description": p["description"]}
                  for p in access["principals"]]

    workspace_id = data["monitoring"].get("logAnalyticsWorkspaceId")
    monitoring = {
        "create": workspace_id is None,
        "workspace_id": workspace_id or "",
        "name": naming.log_analytics(workload, environment).stem,
        "module_name": naming.module_deployment(workload, environment, "monitoring").stem,
        "retention_in_days": data["monitoring"]["retentionInDays"],
    }

    key_vault = None
    if tier.key_in_vault:
        kv = data["keyVault"]
        key_vault = {
            "name": _name(naming.key_vault(workload, environment), suffix),
            "module_name": naming.module_deployment(workload, environment, "keyvault").stem,
            "sku": kv["sku"],
            "soft_delete_retention_in_days": kv["softDeleteRetentionInDays"],
            "allowed_ip_ranges": kv["allowedIpRanges"],
            "secret_expiry_days": kv["secretExpiryDays"],
            "grant_identity": access["managedIdentity"] and tier.caller_access == "key-vault-secret",
            "grant_principals": bool(principals) and tier.caller_access == "key-vault-secret",
            "grants_any": ((access["managedIdentity"] or bool(principals))
                           and tier.caller_access == "key-vault-secret"),
            "checkov_skips": [_skip("CKV_AZURE_189", "Tier 1 has no private network: callers read the key over the "
                                                     "public endpoint, behind a deny-by-default firewall")],
        }

    identity = None
    if access["managedIdentity"] and tier.caller_access != "api-management":
        identity = {
            "name": naming.identity(workload, environment).stem,
            "module_name": naming.module_deployment(workload, environment, "identity").stem,
        }

    api_management = _api_management(data, regions, suffix) if tier.api_management else None
    front_door = _front_door(data, tier, regions) if tier.front_door else None

    files = ["main.bicep", "main.bicepparam", "modules/openai.bicep", "README.md"]
    if front_door:
        files.append("modules/frontdoor.bicep")
    if api_management:
        files += ["modules/apim.bicep", "modules/apim-api.bicep", "modules/peering.bicep",
                  api_management["policy_file"]]
    if networking and networking["create_vnets"]:
        files.append("modules/network.bicep")
    if networking and networking["created_zones"]:
        files.append("modules/dns.bicep")
    if monitoring["create"]:
        files.append("modules/monitoring.bicep")
    if identity:
        files.append("modules/identity.bicep")
    if key_vault:
        files.append("modules/keyvault.bicep")

    # Names of what exists in Azure once deployed, recorded in the manifest so that a later render can refuse to
    # rename (and so duplicate) a resource. A computed suffix is recorded symbolically.
    def shown(name: dict[str, Any]) -> str:
        return name["stem"] + ((suffix or "<uniqueString(resourceGroup().id)>") if name["suffixed"] else "")

    deployed_names = {f"account/{r['location']}": shown(r["account_name"]) for r in regions}
    deployed_names["location/shared"] = primary["location"]
    for region in regions:
        if region.get("network") and region["network"]["create"]:
            deployed_names[f"vnet/{region['location']}"] = (
                f"{region['network']['vnet_name']} {region['network']['address_space']}")
    if monitoring["create"]:
        deployed_names["logAnalytics"] = monitoring["name"]
    if identity:
        deployed_names["identity"] = identity["name"]
    if key_vault:
        deployed_names["keyVault"] = shown(key_vault["name"])
    if api_management:
        deployed_names["apiManagement"] = shown(api_management["name"])
    if front_door:
        deployed_names["frontDoor"] = f"{front_door['profile_name']}/{front_door['endpoint_name']}"

    return {
        "generator": {"name": "azoai-gen", "version": __version__},
        "deployed_names": dict(sorted(deployed_names.items())),
        "spec_name": PurePath(spec_name).name,
        "workload": workload,
        "environment": environment,
        "tier": {
            "number": tier.number,
            "title": tier.title,
            "summary": tier.summary,
            "disable_local_auth": not tier.local_auth,
            "public_network": tier.public_network,
            "key_in_vault": tier.key_in_vault,
            "caller_access": tier.caller_access,
            "front_door_origin": tier.front_door_origin,
        },
        "naming": {
            "suffix": suffix,
            "suffix_length": len(suffix) if suffix else COMPUTED_SUFFIX_LENGTH,
        },
        "api": API_VERSIONS,
        "roles": ROLES,
        "account": {
            "kind": data["openai"]["kind"],
            "public_network_access": "Enabled" if tier.public_network else "Disabled",
            "private_endpoint": tier.private_endpoints,
            "network_bypass": "AzureServices" if tier.public_network else "None",
            "restrict_outbound": data["openai"]["restrictOutboundNetworkAccess"],
            "allowed_fqdns": data["openai"]["allowedFqdns"] if data["openai"]["restrictOutboundNetworkAccess"] else [],
            "network_default_action": ("Allow" if tier.public_network and not data["openai"]["allowedIpRanges"]
                                       else "Deny"),
            "grant_identity": bool(identity) and tier.caller_access == "openai-user-role",
            "grant_principals": bool(principals) and tier.caller_access == "openai-user-role",
            "grant_api_management": tier.api_management,
            "grants_callers": (bool(identity) or bool(principals)) and tier.caller_access == "openai-user-role",
            "grants_any": ((bool(identity) or bool(principals)) and tier.caller_access == "openai-user-role"
                           or tier.api_management),
            "allowed_ip_ranges": data["openai"]["allowedIpRanges"] if tier.public_network else [],
            "checkov_skips": _account_skips(tier),
        },
        "regions": regions,
        "network": networking,
        "front_door": front_door,
        "api_management": api_management,
        "primary": primary,
        "deployments": deployments,
        "deployments_count": f"{len(deployments)} model deployment{'s' if len(deployments) != 1 else ''}",
        "tags": dict(sorted(tags.items())),
        "identity": identity,
        "principals": principals,
        "monitoring": monitoring,
        "key_vault": key_vault,
        "notes": _notes(tier, data),
        "files": sorted(files),
    }
