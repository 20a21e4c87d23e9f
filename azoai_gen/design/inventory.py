"""What is read off a finished design: the files to write, what the manifest records (the facts that cannot change
once deployed, and the role assignments), and how many resources the compiled template deploys."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ..azure import ROLES
from ..naming import COMPUTED_SUFFIX_MARK, Name
from . import consumers as consumers_default
from .apim import OPENAI_OPERATIONS
from .records import DeployedModel, DeployedResource, Fixed, GlobalName, RecordedGrant

if TYPE_CHECKING:
    from . import Design


def files(design: Design) -> tuple[str, ...]:
    found = ["main.bicep", "main.bicepparam", "modules/openai.bicep", "README.md"]
    if design.account.private_endpoint:
        found.append("modules/private-endpoint.bicep")
    if design.front_door:
        found.append("modules/frontdoor.bicep")
    if design.api_management:
        found += ["modules/apim.bicep", "modules/apim-api.bicep", "modules/gateway-roles.bicep",
                  "modules/peering.bicep", design.api_management.policy_file]
        consumers = design.api_management.consumers
        if consumers:
            found += list(consumers.policy_files)
            found += ["modules/consumer-keys.bicep"] if consumers.keys else []
        if design.api_management.content_safety:
            found.append("modules/content-safety.bicep")
    if design.network and design.network.create_vnets:
        found.append("modules/network.bicep")
    if design.network and design.network.created_zones:
        found.append("modules/dns.bicep")
    if design.monitoring.create:
        found.append("modules/monitoring.bicep")
    if design.identity:
        found.append("modules/identity.bicep")
    if design.key_vault:
        found.append("modules/keyvault.bicep")
    if design.alerts:
        found.append("modules/action-group.bicep")
    if design.workbook:
        found.append("modules/workbook.bicep")
    return tuple(sorted(found))


#: The spec values every name is made of, as the manifest records them.
NAME_PARTS = ("naming/workload", "naming/environment")
SUFFIXED_NAME_PARTS = NAME_PARTS + ("naming/suffix",)

_FORCE = "or use --force if nothing was deployed yet"
_RENAME_HINT = ("Azure cannot rename a resource: a new name creates a second one beside the first. Keep workload, "
                f"environment and naming.suffix as they were, {_FORCE}")


def _naming_facts(design: Design) -> list[Fixed]:
    """The spec values that every deployed name is made of."""
    spec = design.spec
    reason = "every deployed name contains it, and Azure cannot rename a resource: a new name creates a second one " \
             "beside the first"
    return [
        Fixed("naming/workload", spec.workload, (("workload",),), "the workload",
              f"{reason}. Set workload back to {{old}}, {_FORCE}"),
        Fixed("naming/environment", spec.environment, (("environment",),), "the environment",
              f"{reason}. Set environment back to {{old}}, {_FORCE}"),
        Fixed("naming/suffix", spec.naming_suffix or COMPUTED_SUFFIX_MARK, (("naming", "suffix"), ("naming",)),
              f"the suffix of globally unique names ({COMPUTED_SUFFIX_MARK} when naming.suffix is not set)",
              "the globally unique names end with it, and Azure cannot rename a resource. Restore the previous "
              f"suffix, {{old}}, {_FORCE} (or if the new suffix is the one the deployed names already end with)"),
    ]


def _name(key: str, value: str, what: str, parts: tuple[str, ...] = NAME_PARTS) -> Fixed:
    """A deployed name: made of ``parts``, and located at the workload when no recorded part explains its change."""
    return Fixed(key, value, (("workload",),), what, _RENAME_HINT, parts)


def _recorded(name: GlobalName, suffix: str | None) -> str:
    return Name("", name.stem, name.suffixed).recorded(suffix)


def _regional_facts(design: Design) -> list[Fixed]:
    """Each region's account and VNet."""
    suffix = design.spec.naming_suffix
    found = []
    for index, region in enumerate(design.regions):
        found.append(_name(f"account/{region.location}", _recorded(region.account_name, suffix),
                           f"the Azure OpenAI account in {region.location}", SUFFIXED_NAME_PARTS))
        net = region.network
        if net is not None and net.create:
            own = design.spec.regions[index].network
            where = ((("regions", index, "network", "addressSpace"),) if own and own.address_space else ()) + \
                (("network", "addressSpace"), ("regions", index, "location"))
            found.append(Fixed(
                f"vnet/{region.location}", f"{net.vnet_name} {net.address_space}", where,
                f"the VNet in {region.location} (name and range)",
                "a VNet keeps its name, and subnets that hold private endpoints cannot move to another range: give "
                f"regions[{index}].network.addressSpace the deployed range (by default a region's range follows "
                f"its position in regions and network.addressSpace), {_FORCE}", NAME_PARTS))
    return found


def _shared_facts(design: Design) -> list[Fixed]:
    """The resources every region shares, and where they live."""
    suffix = design.spec.naming_suffix
    found = [
        _name("resourceGroup", design.resource_group, "the resource group of the README's commands"),
        Fixed("location/shared", design.primary.location, (("regions", 0, "location"),),
              "the primary region (home of the shared resources)",
              "a resource cannot move to another region by redeploying it: keep {old} first in regions, " + _FORCE),
    ]
    if design.monitoring.create:
        found.append(_name("logAnalytics", design.monitoring.name, "the Log Analytics workspace"))
    if design.identity:
        found.append(_name("identity", design.identity.name, "the managed identity"))
    if design.key_vault:
        vault = design.key_vault
        found.append(_name("keyVault", _recorded(vault.name, suffix), "the Key Vault", SUFFIXED_NAME_PARTS))
        found.append(Fixed(
            "keyVault/softDeleteRetentionInDays", str(vault.soft_delete_retention_in_days),
            (("keyVault", "softDeleteRetentionInDays"), ("keyVault",)), "the Key Vault's soft-delete retention in days",
            "Key Vault fixes the retention when the vault is created, and no deployment can change it: set "
            "keyVault.softDeleteRetentionInDays back to {old}, or use --force if the vault was never deployed"))
    if design.api_management:
        found.append(_name("apiManagement", _recorded(design.api_management.name, suffix),
                           "the API Management service", SUFFIXED_NAME_PARTS))
    if design.front_door:
        found.append(_name("frontDoor", f"{design.front_door.profile_name}/{design.front_door.endpoint_name}",
                           "the Front Door profile and endpoint"))
    safety = design.api_management.content_safety if design.api_management else None
    if safety:
        found.append(_name("contentSafety", _recorded(safety.name, suffix), "the Content Safety account",
                           SUFFIXED_NAME_PARTS))
    return found


def fixed_facts(design: Design) -> tuple[Fixed, ...]:
    """What cannot change once deployed, recorded in the manifest so that a later render can refuse to change it:
    the deployed names (a computed suffix recorded symbolically), the VNets' ranges, the shared location, the
    vault's soft-delete retention, and the spec values the names are made of. Sorted by key."""
    found = _naming_facts(design) + _regional_facts(design) + _shared_facts(design)
    return tuple(sorted(found, key=lambda fact: fact.key))


def deployed_names(design: Design) -> dict[str, str]:
    """The manifest's ``names``: every fixed fact by key."""
    return {fact.key: fact.value for fact in design.fixed}


def recorded_grants(design: Design) -> tuple[RecordedGrant, ...]:
    """Every role assignment the deployment makes, one per scope resource and principal, sorted."""
    spec_principals = [f"principals/{p.object_id}" for p in design.spec.access.principals]
    found = set()
    for grant in design.grants:
        # A grant to the spec's principals stands for one role assignment per principal and, on the accounts, per
        # region; the set keeps each assignment once.
        # The gateway's grants are on the accounts too, made by the gateway-roles modules.
        on_accounts = grant.scope in ("account", "gateway")
        scopes = [f"account/{r.location}" for r in design.regions] if on_accounts else [grant.scope]
        principals = spec_principals if grant.principal == "principals" else [grant.principal]
        found.update(RecordedGrant(scope, principal, ROLES[grant.role]) for scope in scopes for principal in principals)
    return tuple(sorted(found, key=lambda g: (g.scope, g.principal, g.role)))


#: The ARM types of the resources the manifest records.
ACCOUNT = "Microsoft.CognitiveServices/accounts"
KEY_VAULT = "Microsoft.KeyVault/vaults"
IDENTITY = "Microsoft.ManagedIdentity/userAssignedIdentities"
WORKSPACE = "Microsoft.OperationalInsights/workspaces"
VNET = "Microsoft.Network/virtualNetworks"
NSG = "Microsoft.Network/networkSecurityGroups"
PRIVATE_ENDPOINT = "Microsoft.Network/privateEndpoints"
DNS_ZONE = "Microsoft.Network/privateDnsZones"
FRONT_DOOR = "Microsoft.Cdn/profiles"
WAF_POLICY = "Microsoft.Network/FrontDoorWebApplicationFirewallPolicies"
API_MANAGEMENT = "Microsoft.ApiManagement/service"
PUBLIC_IP = "Microsoft.Network/publicIPAddresses"
APP_INSIGHTS = "Microsoft.Insights/components"
WORKBOOK = "Microsoft.Insights/workbooks"
#: How the workbook's name is made at deployment: a GUID of the resource group and a seed.
WORKBOOK_NAME = "guid(resourceGroup().id, '{seed}')"
ACTION_GROUP = "Microsoft.Insights/actionGroups"
METRIC_ALERT = "Microsoft.Insights/metricAlerts"
SYSTEM_TOPIC = "Microsoft.EventGrid/systemTopics"
#: API Management's products and subscriptions: children recorded apart from their service, because a render with
#: consumers stops deploying the default ones and a removed consumer's stay in Azure with a working key.
APIM_PRODUCT = "Microsoft.ApiManagement/service/products"
APIM_SUBSCRIPTION = "Microsoft.ApiManagement/service/subscriptions"


def _resource(design: Design, kind: str, name: str, location: str, group: str = "") -> DeployedResource:
    computed = COMPUTED_SUFFIX_MARK[1:-1] if COMPUTED_SUFFIX_MARK in name else ""
    return DeployedResource(kind, name, group or design.resource_group, location, computed)


def _regional_resources(design: Design) -> list[DeployedResource]:
    suffix = design.spec.naming_suffix
    # Every account deploys the spec's models (the same in every region).
    models = tuple(DeployedModel(d.name, d.model, d.version, d.sku, d.capacity) for d in design.spec.deployments)
    found = []
    for region in design.regions:
        account = _resource(design, ACCOUNT, _recorded(region.account_name, suffix), region.location)
        found.append(replace(account, deployments=models))
        net = region.network
        if net is None:
            continue
        if net.create:
            found.append(_resource(design, VNET, net.vnet_name, region.location))
            nsgs = (net.private_endpoint_nsg, net.workload_nsg, net.api_management_nsg)
            found += [_resource(design, NSG, nsg, region.location) for nsg in nsgs if nsg]
        scope = net.private_endpoint_scope
        found.append(_resource(design, PRIVATE_ENDPOINT, net.private_endpoint_name, region.location,
                               scope.resource_group if scope else ""))
    return found


def _shared_resources(design: Design) -> list[DeployedResource]:
    where = design.primary.location
    found = []
    if design.monitoring.create:
        found.append(_resource(design, WORKSPACE, design.monitoring.name, where))
    if design.identity:
        found.append(_resource(design, IDENTITY, design.identity.name, where))
    if design.key_vault:
        found.append(_resource(design, KEY_VAULT, _recorded(design.key_vault.name, design.spec.naming_suffix), where))
    if design.network:
        found += [_resource(design, DNS_ZONE, zone.name, "global") for zone in design.network.created_zones]
    if design.front_door:
        found.append(_resource(design, FRONT_DOOR, design.front_door.profile_name, "global"))
        found.append(_resource(design, WAF_POLICY, design.front_door.waf_name, "global"))
    apim = design.api_management
    if apim:
        found.append(_resource(design, API_MANAGEMENT, _recorded(apim.name, design.spec.naming_suffix), where))
        found += [_resource(design, PUBLIC_IP, gateway.public_ip_name, gateway.location) for gateway in apim.gateways]
        found.append(_resource(design, APP_INSIGHTS, apim.app_insights_name, where))
        found += _products(design, _recorded(apim.name, design.spec.naming_suffix), where)
        found += _content_safety_resources(design)
    if design.workbook:
        # Azure requires a GUID as the name, computed at deployment from the resource group's ID.
        name = WORKBOOK_NAME.format(seed=design.workbook.name_seed)
        found.append(DeployedResource(WORKBOOK, f"<{name}>", design.resource_group, where, name))
    return found + _alert_resources(design)


def _products(design: Design, service: str, where: str) -> list[DeployedResource]:
    """The gateway's products and subscriptions, named ``<service>/<name>``."""
    consumers = design.api_management.consumers
    if consumers is None:
        pairs = [(design.api_management.product_name, consumers_default.DEFAULT_SUBSCRIPTION)]
    else:
        pairs = [(c.product_name, c.subscription_name) for c in consumers.keyed]
    found = []
    for product, subscription in pairs:
        found.append(_resource(design, APIM_PRODUCT, f"{service}/{product}", where))
        found.append(_resource(design, APIM_SUBSCRIPTION, f"{service}/{subscription}", where))
    return found


def _content_safety_resources(design: Design) -> list[DeployedResource]:
    """Tier 5's Content Safety account (it deploys no models) and its private endpoint."""
    safety = design.api_management.content_safety if design.api_management else None
    if safety is None:
        return []
    account = _resource(design, ACCOUNT, _recorded(safety.name, design.spec.naming_suffix), safety.location)
    return [replace(account, deployments=()),
            _resource(design, PRIVATE_ENDPOINT, safety.private_endpoint_name, safety.location)]


def _alert_resources(design: Design) -> list[DeployedResource]:
    """The action group, every metric alert rule and, in tier 1, the vault's Event Grid system topic."""
    found = design.alerts
    if found is None:
        return []
    result = [_resource(design, ACTION_GROUP, found.action_group.name, "global")]
    result += [_resource(design, METRIC_ALERT, rule.name, "global") for rule in found.rules]
    if found.key_vault:
        result.append(_resource(design, SYSTEM_TOPIC, found.key_vault.topic_name, design.primary.location))
    return result


def deployed_resources(design: Design) -> tuple[DeployedResource, ...]:
    """Every resource the deployment creates (child resources go with their parent), sorted by type and name."""
    found = _regional_resources(design) + _shared_resources(design)
    return tuple(sorted(found, key=lambda r: (r.type, r.name)))


def _grant_count(design: Design, scope: str) -> int:
    """Role assignments in one module: one per grant (the spec's principals are one grant each)."""
    return sum(1 for grant in design.grants if grant.scope == scope)


def _account_module(design: Design) -> int:
    """One regional openai.bicep: account, model deployments, diagnostics, the key secret, role assignments, and
    the content filters, blocklists and blocklist items."""
    count = 1 + len(design.deployments) + 1
    count += design.content_filters.resources_per_account if design.content_filters else 0
    count += 1 if design.key_vault else 0
    return count + _grant_count(design, "account")


def _regional_modules(design: Design) -> int:
    """Per region, the modules beside the account's: private-endpoint.bicep (call, endpoint, zone group) and
    gateway-roles.bicep (call, the gateway's role assignment; the account it reads is ``existing``)."""
    count = 1 + 2 if design.account.private_endpoint else 0
    count += 1 + _grant_count(design, "gateway") if design.api_management else 0
    return count


def _network_modules(design: Design) -> int:
    net = design.network
    if net is None:
        return 0
    per_vnet = 1 + 3 + (1 if net.api_management_subnet else 0)  # module call, two NSGs, VNet, the gateway's NSG
    count = per_vnet * sum(1 for r in design.regions if r.network and r.network.create)
    if net.created_zones:
        count += 1 + sum(1 + len(zone.links) for zone in net.created_zones)
    if net.peerings:
        count += 1 + len(net.peerings)
    return count


def _gateway_modules(design: Design) -> int:
    count = 0
    regions = len(design.regions)
    if design.front_door:
        count += 1 + 7 + regions  # WAF, profile, endpoint, origin group, route, security policy, diagnostics
    if design.api_management:
        # public IPs, App Insights and its role assignment, the service, the logger, diagnostics twice
        count += 1 + regions + 6
        count += 1 + 6 + 2 * regions + len(OPENAI_OPERATIONS)  # named value, API, policy, product (+API), subscription
        count += _consumer_resources(design)
        count += 1 if design.api_management.content_safety else 0  # the content-safety backend
    return count



def _consumer_resources(design: Design) -> int:
    """With consumers, each key consumer's product, API link, policy and subscription replace the one product, its
    API link and the default subscription; the Key Vault module is a call and a secret per key consumer."""
    consumers = design.api_management.consumers if design.api_management else None
    if consumers is None:
        return 0
    keyed = len(consumers.keyed)
    return 4 * keyed - 3 + (1 + keyed if consumers.keys else 0)


def _content_safety_module(design: Design) -> int:
    """modules/content-safety.bicep: call, account, diagnostics, private endpoint, zone group, role assignments."""
    if design.api_management is None or design.api_management.content_safety is None:
        return 0
    return 1 + 4 + _grant_count(design, "contentSafety")


def resource_count(design: Design) -> int:
    """Resources in the compiled template: every module call is a nested deployment (one resource) plus the
    resources of the module, and a loop counts once per item, as Azure Resource Manager counts them."""
    count = len(design.regions) * (1 + _account_module(design) + _regional_modules(design))
    count += 2 if design.monitoring.create else 0
    count += 2 if design.identity else 0
    if design.key_vault:
        count += 1 + 2 + _grant_count(design, "keyVault")
    count += _network_modules(design)
    count += 2 if design.workbook else 0  # module call, workbook
    count += design.alerts.resource_count if design.alerts else 0
    return count + _gateway_modules(design) + _content_safety_module(design)
