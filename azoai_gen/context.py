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
from .tiers import TIERS, Tier
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
        skips.append(_skip("CKV_AZURE_134", f"Tier {tier.number} serves a public endpoint by design; "
                                            "tier 3 and above disable public network access"))
    return skips


def _notes(tier: Tier, spec: dict[str, Any]) -> list[str]:
    """Plain-language explanations of every weaker choice in this output."""
    notes = []
    if tier.local_auth:
        notes.append("API keys are enabled (tier 1). Anyone holding a key can call the account until the key is "
                     "regenerated. Callers read the key from Key Vault with their managed identity; raise the tier "
                     "to 2 to disable keys and use Entra ID instead.")
    if tier.public_network:
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
    return notes


def _available() -> str:
    numbers = [n for n in sorted(TIERS) if TIERS[n].available]
    return f"{numbers[0]} to {numbers[-1]}" if len(numbers) > 2 else " and ".join(map(str, numbers))


def _network(data: dict[str, Any], tier: Tier, regions: list[dict[str, Any]]) -> dict[str, Any]:
    """VNets, subnets, private endpoints and DNS zones. Adds a ``network`` entry to every region."""
    workload, environment = data["workload"], data["environment"]
    plans, problems = network.plan(data, Positions(""))
    if problems:  # validation has already reported them; this is a programming error
        raise AssertionError(problems)
    settings = data["network"]
    delegation = settings["workloadSubnetDelegation"]
    for region, plan in zip(regions, plans):
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
        "subnet_names": {"private_endpoints": "snet-private-endpoints", "workload": "snet-workload"},
        "zones": zones,
        "created_zones": created,
        "central_zones": [z for z in zones if z["existing_id"]],
        "dns_module_name": naming.module_deployment(workload, environment, "dns").stem,
        "existing_vnets": [r for r in regions if not r["network"]["create"]],
    }


def build_context(spec: ValidatedSpec, *, spec_name: str) -> dict[str, Any]:
    """The render context for ``spec``. Raises :class:`TierNotAvailable` for tiers not built yet."""
    data = spec.data
    tier = TIERS[data["tier"]]
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
            "checkov_skips": [_skip("CKV_AZURE_189", "Tier 1 has no private network: callers read the key over the "
                                                     "public endpoint, behind a deny-by-default firewall")],
        }

    identity = None
    if access["managedIdentity"]:
        identity = {
            "name": naming.identity(workload, environment).stem,
            "module_name": naming.module_deployment(workload, environment, "identity").stem,
        }

    files = ["main.bicep", "main.bicepparam", "modules/openai.bicep", "README.md"]
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
            "allowed_ip_ranges": data["openai"]["allowedIpRanges"] if tier.public_network else [],
            "checkov_skips": _account_skips(tier),
        },
        "regions": regions,
        "network": networking,
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
