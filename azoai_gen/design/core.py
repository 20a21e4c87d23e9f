"""What every tier has: the regional accounts, the caller identity, the Key Vault of tier 1, monitoring, the role
grants, and the plain-language notes on every weaker choice."""

from __future__ import annotations

from typing import Any

from ..frozen import frozen
from ..model import Spec
from ..naming import Name, Namer, bicep_symbol
from ..posture import Callers, Origin, Posture
from .network import RegionNetwork
from ..azure import ROLE_NAMES, ROLES
from .records import Account, GlobalName, Grant, Identity, KeyVault, Monitoring, Ref, RoleAssignments, Skip


@frozen
class Region:
    location: str
    display_name: str
    short: str
    primary: bool
    symbol: str
    module_name: str
    account_name: GlobalName
    key_secret_name: str
    network: RegionNetwork | None


@frozen
class Titles:
    """Metadata text of the generated files."""

    main_name: str
    main_description: str
    account_description: str


def global_name(name: Name, suffix: str | None) -> GlobalName:
    return GlobalName(name.stem, name.suffixed, name.example(suffix))


def regions(spec: Spec, posture: Posture, namer: Namer, known: dict[str, Any],
            nets: dict[str, RegionNetwork]) -> list[Region]:
    result = []
    for region in spec.regions:
        info = known[region.location]
        result.append(Region(
            location=region.location,
            display_name=info["displayName"],
            short=info["short"],
            primary=region.index == 0,
            symbol=bicep_symbol("openai", region.location),
            module_name=namer.module(f"openai-{region.location}").stem,
            account_name=global_name(namer.account(info["short"]), spec.naming_suffix),
            key_secret_name=namer.key_secret(region.location).stem if posture.key_in_vault else "",
            network=nets.get(region.location),
        ))
    return result


def titles(spec: Spec, posture: Posture) -> Titles:
    from ..catalogue import TIERS

    info = TIERS[posture.tier]
    return Titles(f"{spec.workload}-{spec.environment} Azure OpenAI", f"Tier {posture.tier}: {info.summary}",
                  "One regional Azure OpenAI account with its model deployments and diagnostics. "
                  f"Tier {posture.tier}: {info.title}.")


IDENTITY_DESCRIPTION = "Calling service of this workload (managed identity created by azoai-gen)."
GATEWAY_DESCRIPTION = "API Management gateway of this workload: the only caller of the account in tier 5."
CONTENT_SAFETY_DESCRIPTION = "API Management gateway of this workload: checks prompts with Content Safety."
#: Where each role is granted, and what the assignment says of the caller identity there.
SCOPES = {"account": ("cognitiveServicesOpenAIUser", IDENTITY_DESCRIPTION),
          "keyVault": ("keyVaultSecretsUser", IDENTITY_DESCRIPTION[:-1] + ": reads the API key.")}


def grants(spec: Spec, posture: Posture, with_identity: bool) -> tuple[Grant, ...]:
    """Every role assignment: the callers' role on the vault (tier 1) or on the accounts, or the gateway's."""
    if posture.callers is Callers.API_MANAGEMENT:
        # Granted on every account by modules/gateway-roles.bicep, which runs once both exist, so that the accounts
        # do not wait for API Management.
        gateway = (Grant("gateway", "apiManagement", "cognitiveServicesOpenAIUser", GATEWAY_DESCRIPTION,
                         Ref("apiManagement.outputs.principalId")),)
        if spec.api_management.content_safety is not None:
            # The gateway checks prompts with the Content Safety account (llm-content-safety) as itself.
            gateway += (Grant("contentSafety", "apiManagement", "cognitiveServicesUser", CONTENT_SAFETY_DESCRIPTION,
                              Ref("apiManagement.outputs.principalId")),)
        return gateway
    scope = "keyVault" if posture.callers is Callers.KEY_VAULT_SECRET else "account"
    role, description = SCOPES[scope]
    result = []
    if with_identity:
        result.append(Grant(scope, "identity", role, description, Ref("identity.outputs.principalId")))
    result += [Grant(scope, "principals", role, p.description, principal_type=p.type)
               for p in spec.access.principals]
    return tuple(result)


#: What each scope of :func:`role_assignments` grants a role on.
SCOPE_TEXT = {"account": "every Azure OpenAI account", "gateway": "every Azure OpenAI account",
              "keyVault": "the Key Vault", "contentSafety": "the Content Safety account"}


def role_assignments(grant_list: tuple[Grant, ...], scope: str) -> RoleAssignments | None:
    """The role assignments main.bicep hands to the module of ``scope``, or ``None`` when it grants nothing."""
    mine = [g for g in grant_list if g.scope == scope]
    if not mine:
        return None
    role = mine[0].role
    entries = tuple(g for g in mine if g.principal != "principals")
    with_principals = len(entries) < len(mine)
    what = SCOPE_TEXT[scope]
    return RoleAssignments(f"{scope}RoleAssignments", ROLES[role], f"Role assignments on {what}: {ROLE_NAMES[role]}.",
                           entries, with_principals, with_principals and not entries)


def _account_skips(posture: Posture) -> tuple[Skip, ...]:
    skips = []
    if posture.local_auth:
        skips.append(Skip("CKV_AZURE_236", "Tier 1 authenticates callers with API keys by design; "
                                           "the key is kept in Key Vault. Tier 2 and above disable keys"))
    if posture.public_network:
        skips.append(Skip("CKV_AZURE_134", posture.public_reason))
    return tuple(skips)


def account(spec: Spec, posture: Posture, grant_list: tuple[Grant, ...]) -> Account:
    openai = spec.openai
    return Account(
        kind=openai.kind,
        public_network_access="Enabled" if posture.public_network else "Disabled",
        private_endpoint=posture.private_endpoints,
        network_bypass="AzureServices" if posture.public_network else "None",
        restrict_outbound=openai.restrict_outbound,
        allowed_fqdns=openai.allowed_fqdns if openai.restrict_outbound else (),
        network_default_action="Allow" if posture.public_network and not openai.allowed_ip_ranges else "Deny",
        role_assignments=role_assignments(grant_list, "account"),
        grants_callers=any(g.scope == "account" for g in grant_list),
        allowed_ip_ranges=openai.allowed_ip_ranges if posture.public_network else (),
        checkov_skips=_account_skips(posture),
    )


def identity(spec: Spec, posture: Posture, namer: Namer) -> Identity | None:
    if not spec.access.managed_identity or posture.callers is Callers.API_MANAGEMENT:
        return None
    return Identity(namer.identity().stem, namer.module("identity").stem)


def monitoring(spec: Spec, namer: Namer) -> Monitoring:
    existing = spec.monitoring.workspace_id
    create = existing is None
    return Monitoring(
        create=create,
        workspace_id=existing or "",
        name=namer.log_analytics().stem if create else "",
        module_name=namer.module("monitoring").stem if create else "",
        retention_in_days=spec.monitoring.retention_in_days,
        workspace=Ref("monitoring.outputs.workspaceId") if create else existing,
    )


def _vault_skips(narrowed: bool) -> tuple[Skip, ...]:
    """Tier 1 has no private network. Its callers (App Service and Functions Key Vault references among them) are not
    trusted services and have no fixed address, so the firewall admits every address unless the spec lists some;
    Azure RBAC decides who reads a secret."""
    skips = [Skip("CKV_AZURE_189", "Tier 1 has no private network: callers read the key over the public endpoint")]
    if not narrowed:
        skips.append(Skip("CKV_AZURE_109", "Tier 1's callers, such as App Service Key Vault references, are not trusted "
                                           "services and have no fixed address: Azure RBAC (Key Vault Secrets User) "
                                           "decides who reads the key; keyVault.allowedIpRanges narrows the firewall"))
    return tuple(skips)


def key_vault(spec: Spec, posture: Posture, namer: Namer, grant_list: tuple[Grant, ...]) -> KeyVault | None:
    if not posture.key_in_vault:
        return None
    settings = spec.key_vault
    return KeyVault(
        name=global_name(namer.key_vault(), spec.naming_suffix),
        module_name=namer.module("keyvault").stem,
        sku=settings.sku,
        soft_delete_retention_in_days=settings.soft_delete_retention_in_days,
        allowed_ip_ranges=settings.allowed_ip_ranges,
        secret_expiry_days=settings.secret_expiry_days,
        secret_expiry_duration=f"P{settings.secret_expiry_days}D",
        network_default_action="Deny" if settings.allowed_ip_ranges else "Allow",
        role_assignments=role_assignments(grant_list, "keyVault"),
        checkov_skips=_vault_skips(bool(settings.allowed_ip_ranges)),
    )


def _network_notes(spec: Spec, posture: Posture) -> list[str]:
    if posture.origin is Origin.OPENAI:
        return ["The accounts keep their public endpoints: Front Door cannot use an Azure OpenAI private "
                "endpoint as an origin. Keys are disabled, so every call needs an Entra ID token, and the WAF "
                "filters traffic at the edge; a client can still call a regional endpoint directly with a valid "
                "token. Set frontDoor.origin: app to keep Azure OpenAI private behind your own regional apps."]
    if not posture.public_network:
        return []
    if spec.openai.allowed_ip_ranges:
        return ["The accounts answer on their public endpoint, but only to the addresses in "
                "openai.allowedIpRanges."]
    return [f"The accounts answer on their public endpoint from any address (tier {posture.tier}); "
            "authentication still applies. Set openai.allowedIpRanges to narrow this, or raise the "
            "tier to 3 for private endpoints."]


def _front_door_notes(spec: Spec) -> list[str]:
    settings = spec.front_door
    found = []
    if settings.sku != "Premium_AzureFrontDoor":
        found.append("Front Door Standard has no managed WAF rule sets (the default rule set and bot protection "
                     "need Premium); the WAF policy only enforces its mode. Set frontDoor.sku: "
                     "Premium_AzureFrontDoor for managed rules.")
    if settings.waf.mode != "Prevention":
        found.append("The WAF runs in Detection mode: it logs matching requests but blocks nothing. Switch "
                     "frontDoor.waf.mode back to Prevention once the rules are tuned.")
    if not settings.waf.request_body_check:
        found.append("The WAF does not inspect request bodies (frontDoor.waf.requestBodyCheck: false), so "
                     "prompts are not checked by the managed rules.")
    return found


def _vault_note(spec: Spec) -> str:
    if spec.key_vault.allowed_ip_ranges:
        return ("The Key Vault's firewall admits only keyVault.allowedIpRanges (and trusted Azure services): every "
                "caller must reach it from one of those addresses. App Service and Functions are not trusted services "
                "and their outbound addresses can change, so their Key Vault references fail unless those addresses "
                "are listed; remove keyVault.allowedIpRanges to let Azure RBAC alone decide.")
    return ("The Key Vault answers on its public endpoint from any address, and Azure RBAC decides who reads the key "
            "(Key Vault Secrets User). Its callers, such as App Service and Functions Key Vault references, are not "
            "trusted services and have no fixed address, so a deny-by-default firewall would lock them out. List "
            "your callers' public addresses in keyVault.allowedIpRanges to narrow it, or raise the tier to 2 to keep "
            "no key at all.")


def notes(spec: Spec, posture: Posture) -> tuple[str, ...]:
    """Plain-language explanations of every weaker choice in this output."""
    found = []
    if posture.local_auth:
        found.append("API keys are enabled (tier 1). Anyone holding a key can call the account until the key is "
                     "regenerated. Callers read the key from Key Vault with their managed identity; raise the tier "
                     "to 2 to disable keys and use Entra ID instead.")
    found += _network_notes(spec, posture)
    if posture.key_in_vault:
        found.append(_vault_note(spec))
    if posture.front_door:
        found += _front_door_notes(spec)
    return tuple(found)
