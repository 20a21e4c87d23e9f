"""``preflight``: what would fail the deployment, asked of the user's subscription through their Azure CLI.

It reads and never writes: quota (per region, usage name, model and SKU), the model catalogue (each model, version and
SKU offered in each region, and its lifecycle), soft-deleted resources that hold our names, the resource providers
the tier needs, and whether the caller can create the role assignments the tier makes. Each finding is located in the
spec like a rule's and carries its exact fix. The az commands come from :mod:`azoai_gen.az`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Callable, Iterable

from .az import Az, AzFailure, command, resource_group_missing, shown
from .design import Design
from .frozen import field, frozen, mutable
from .load import PathT, Positions, format_path
from .pipeline import Validated

#: A version or SKU that retires within this many days is reported (as a warning: it still deploys).
RETIRING_WITHIN_DAYS = 90

#: The checks, in the order they run and are reported.
CHECKS = ("catalogue", "quota", "names", "providers", "permissions")

#: Built-in roles that may create role assignments (they hold Microsoft.Authorization/roleAssignments/write).
ASSIGNING_ROLES = ("Owner", "User Access Administrator", "Role Based Access Control Administrator")

QUOTA_PAGE = "https://learn.microsoft.com/azure/ai-services/openai/how-to/quota"
QUOTA_PORTAL = "the Azure AI Foundry portal's Quotas page"

ERROR, WARNING = "error", "warning"

#: ``az account show``'s ``user.name`` after ``az login --identity``: a managed identity, whose object ID it does not give.
MANAGED_IDENTITY_NAMES = ("systemAssignedIdentity", "userAssignedIdentity")


@frozen
class Finding:
    """Something that would fail the deployment (``error``) or that will soon (``warning``), where the spec says it,
    with the exact fix (commands or edits, one per line)."""

    check: str
    severity: str
    file: str
    line: int
    column: int
    path: str
    message: str
    fix: tuple[str, ...]


@frozen
class Preflight:
    spec: str
    subscription: str
    subscription_name: str
    caller: str
    findings: tuple[Finding, ...]
    commands: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not any(f.severity == ERROR for f in self.findings)


@frozen
class _Existing:
    """A deployment that already exists in one of our accounts: its name, the usage its capacity counts in, and that
    capacity."""

    name: str
    usage: str
    capacity: int


@mutable
class _Context:
    validated: Validated
    az: Az
    today: date
    account: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    catalogues: dict[str, list[dict[str, Any]] | None] = field(default_factory=dict)
    #: Whether the design's resource group exists (``None``: not known, the look-up failed).
    group_exists: bool | None = None
    #: The deployments our accounts already hold, by location.
    existing: dict[str, list[_Existing]] = field(default_factory=dict)

    @property
    def design(self) -> Design:
        return self.validated.design

    @property
    def positions(self) -> Positions:
        return self.validated.positions or Positions(self.validated.file)

    def add(self, check: str, path: PathT, message: str, fix: Iterable[str], severity: str = ERROR) -> None:
        line, column = self.positions.of_value(path)
        self.findings.append(Finding(check, severity, self.validated.file, line, column, format_path(path), message,
                                     tuple(fix)))

    def ask(self, check: str, path: PathT, args: list[str]) -> Any:
        """Run one az command; a failure is a finding of ``check`` (the check could not be made) and ``None``."""
        try:
            return self.az.run(args)
        except AzFailure as failure:
            self.failed(check, path, failure)
            return None

    def failed(self, check: str, path: PathT, failure: AzFailure) -> None:
        self.add(check, path, f"could not check: {failure.line} failed: {failure.reason}",
                 [f"fix what az reports, then run preflight again (try it yourself: {failure.line})"])


def run(validated: Validated, az: Az, today: date | None = None) -> Preflight:
    """Every check of ``validated``'s design against the subscription az is logged in to."""
    account = az.account()
    ctx = _Context(validated, az, today or date.today(), account)
    usage_names = catalogue(ctx)
    existing(ctx)
    quota(ctx, usage_names)
    names(ctx)
    providers(ctx)
    permissions(ctx)
    user = account.get("user") or {}
    order = {check: i for i, check in enumerate(CHECKS)}
    found = sorted(ctx.findings, key=lambda f: (order.get(f.check, 0), f.line, f.column, f.message))
    return Preflight(validated.file, account["id"], str(account.get("name") or ""), str(user.get("name") or ""),
                     tuple(found), tuple(shown(args) for args in az.calls))


# ---------------------------------------------------------------------------------------------------------------------
# Catalogue


def _catalogue_of(ctx: _Context, index: int, location: str) -> list[dict[str, Any]] | None:
    if location not in ctx.catalogues:
        found = ctx.ask("catalogue", ("regions", index, "location"),
                        command("cognitiveservices model list", location=location))
        ctx.catalogues[location] = [m for m in found if isinstance(m, dict)] if isinstance(found, list) else None
    return ctx.catalogues[location]


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def catalogue(ctx: _Context) -> dict[tuple[str, int], str]:
    """Each deployment's model, version and SKU in each region, and its lifecycle. Returns the usage name of each
    (location, deployment index) the catalogue lists."""
    usage: dict[tuple[str, int], str] = {}
    kind = ctx.design.spec.openai.kind
    for region in ctx.design.spec.regions:
        items = _catalogue_of(ctx, region.index, region.location)
        if items is None:
            continue
        for deployment_index, deployment in enumerate(ctx.design.spec.deployments):
            sku = _offered(ctx, region.location, deployment_index, [
                m.get("model") or {} for m in items if m.get("kind") == kind])
            if sku is not None and isinstance(sku.get("usageName"), str):
                usage[(region.location, deployment_index)] = sku["usageName"]
    return usage


def _offered(ctx: _Context, location: str, index: int, models: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The catalogue's SKU entry for deployment ``index`` in ``location``, or ``None`` (with a finding)."""
    d = ctx.design.spec.deployments[index]
    at = ("deployments", index)
    relist = f"az cognitiveservices model list --location {location} -o table"
    same_name = [m for m in models if m.get("name") == d.model]
    if not same_name:
        ctx.add("catalogue", at + ("model",), f"{location} does not offer the model '{d.model}' to "
                f"{ctx.design.spec.openai.kind} accounts in this subscription",
                [f"choose a model that {location} offers (see: {relist}), or another region"])
        return None
    version = next((m for m in same_name if str(m.get("version")) == d.version), None)
    if version is None:
        versions = ", ".join(sorted({str(m.get("version")) for m in same_name}))
        ctx.add("catalogue", at + ("version",), f"{location} does not offer version '{d.version}' of "
                f"'{d.model}' (it offers: {versions})",
                [f"set deployments[{index}].version to one of: {versions}"])
        return None
    skus = [s for s in version.get("skus") or [] if isinstance(s, dict)]
    sku = next((s for s in skus if s.get("name") == d.sku), None)
    if sku is None:
        offered = ", ".join(sorted(str(s.get("name")) for s in skus)) or "none"
        ctx.add("catalogue", at + ("sku",), f"{location} does not offer '{d.model}' version '{d.version}' as "
                f"{d.sku} (SKUs offered: {offered})",
                [f"set deployments[{index}].sku to one of: {offered}" if skus else
                 f"choose another version or region (see: {relist})"])
        return None
    _lifecycle(ctx, location, index, version, sku)
    return sku


def _lifecycle(ctx: _Context, location: str, index: int, model: dict[str, Any], sku: dict[str, Any]) -> None:
    d = ctx.design.spec.deployments[index]
    at = ("deployments", index, "version")
    what = f"'{d.model}' version '{d.version}' ({d.sku}) in {location}"
    upgrade = [f"set deployments[{index}].version to a newer version (see: az cognitiveservices model list "
               f"--location {location} -o table)"]
    retires = [day for day in (_day((model.get("deprecation") or {}).get("inference")), _day(sku.get("deprecationDate")))
               if day is not None]
    when = min(retires) if retires else None
    status = model.get("lifecycleStatus")
    if status == "Deprecated" or (when is not None and when <= ctx.today):
        ctx.add("catalogue", at, f"{what} is retired" + (f" since {when.isoformat()}" if when else "")
                + ": new deployments fail", upgrade)
    elif when is not None and when <= ctx.today + timedelta(days=RETIRING_WITHIN_DAYS):
        ctx.add("catalogue", at, f"{what} retires on {when.isoformat()}, within {RETIRING_WITHIN_DAYS} days",
                upgrade, WARNING)
    elif status == "Deprecating":
        ctx.add("catalogue", at, f"{what} is being deprecated: only subscriptions that already deploy it may create "
                "new deployments", upgrade, WARNING)


# ---------------------------------------------------------------------------------------------------------------------
# Quota


def _unit(sku: str) -> str:
    """What a deployment's capacity counts: PTUs for provisioned SKUs, thousands of tokens per minute otherwise."""
    return "PTU" if "Provisioned" in sku else "K TPM"


def _usage_of(ctx: _Context, location: str, model: str, version: str, sku: str) -> str:
    """The usage name a deployment of ``model`` ``version`` as ``sku`` counts in, in ``location``: the catalogue's
    ``usageName``, or ``OpenAI.<SKU>.<model>`` when the catalogue does not list it."""
    kind = ctx.design.spec.openai.kind
    for item in ctx.catalogues.get(location) or []:
        found = item.get("model") or {}
        if item.get("kind") != kind or found.get("name") != model or str(found.get("version")) != version:
            continue
        for offered in found.get("skus") or []:
            if isinstance(offered, dict) and offered.get("name") == sku and isinstance(offered.get("usageName"), str):
                return offered["usageName"]
    return f"OpenAI.{sku}.{model}"


def _same_location(value: Any, location: str) -> bool:
    return str(value or "").replace(" ", "").lower() == location.lower()


def existing(ctx: _Context) -> None:
    """Our accounts that already exist in the resource group (matched by name as soft-deleted ones are), and the
    deployments they hold: a usage's ``currentValue`` already counts them, so quota compares only what a redeployment
    adds. A resource group that does not exist yet (``ResourceGroupNotFound``) holds nothing."""
    group = ctx.design.resource_group
    try:
        accounts = ctx.az.run(command("cognitiveservices account list", resource_group=group))
    except AzFailure as failure:
        if resource_group_missing(failure.reason):
            ctx.group_exists = False
        else:
            ctx.failed("quota", ("regions", 0, "location"), failure)
        return
    ctx.group_exists = True
    ours = _ours(ctx.design)["account"]
    for item in accounts if isinstance(accounts, list) else []:
        if not isinstance(item, dict):
            continue
        name = str(item.get("name", ""))
        for region, one in zip(ctx.design.spec.regions, ours):
            if not (_blocks(one, name, group, group) and _same_location(item.get("location"), region.location)):
                continue
            found = ctx.ask("quota", one.path, command("cognitiveservices account deployment list",
                                                       resource_group=group, name=name))
            for deployment in found if isinstance(found, list) else []:
                if isinstance(deployment, dict):
                    ctx.existing.setdefault(region.location, []).append(_existing(ctx, region.location, deployment))


def _existing(ctx: _Context, location: str, deployment: dict[str, Any]) -> _Existing:
    sku = deployment.get("sku") or {}
    model = (deployment.get("properties") or {}).get("model") or {}
    usage = _usage_of(ctx, location, str(model.get("name", "")), str(model.get("version", "")),
                      str(sku.get("name", "")))
    return _Existing(str(deployment.get("name", "")), usage, int(_number(sku.get("capacity"))))


def quota(ctx: _Context, usage_names: dict[tuple[str, int], str]) -> None:
    """Capacity summed per region and usage name, against the region's current usage and limit; where our account
    already holds a deployment of the same name and usage, only the capacity added counts."""
    spec = ctx.design.spec
    for region in spec.regions:
        needed: dict[str, list[int]] = {}
        for index, d in enumerate(spec.deployments):
            name = usage_names.get((region.location, index)) or f"OpenAI.{d.sku}.{d.model}"
            needed.setdefault(name, []).append(index)
        usages = ctx.ask("quota", ("regions", region.index, "location"),
                         command("cognitiveservices usage list", location=region.location))
        if not isinstance(usages, list):
            continue
        by_name = {str((u.get("name") or {}).get("value", "")).lower(): u for u in usages if isinstance(u, dict)}
        held = {e.name.lower(): e for e in ctx.existing.get(region.location, [])}
        for name, indexes in needed.items():
            holds = [e.capacity if e is not None and e.usage.lower() == name.lower() else 0
                     for e in (held.get(spec.deployments[i].name.lower()) for i in indexes)]
            _compare(ctx, region.location, name, indexes, by_name.get(name.lower()), holds)


def _number(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _added(capacities: list[int], holds: list[int]) -> int:
    """The most quota the deployments take at once beyond what they hold: they deploy one after another in spec order
    (``@batchSize(1)``), each needing its increase free when it deploys, and a lowered one frees its difference."""
    total = peak = 0
    for capacity, held in zip(capacities, holds):
        total += capacity - held
        peak = max(peak, total)
    return peak


def _compare(ctx: _Context, location: str, name: str, indexes: list[int], usage: dict[str, Any] | None,
             holds: list[int]) -> None:
    deployments = [ctx.design.spec.deployments[i] for i in indexes]
    unit = _unit(deployments[0].sku)
    wanted = sum(d.capacity for d in deployments)
    added = _added([d.capacity for d in deployments], holds)
    limit, used = (_number(usage.get("limit")), _number(usage.get("currentValue"))) if usage else (0.0, 0.0)
    free = max(0, int(limit - used))
    if added <= free:
        return
    short = added - free
    first = indexes[0]
    own = deployments[0]
    which = ", ".join(f"deployments[{i}] ({d.name}: {d.capacity})" for i, d in zip(indexes, deployments))
    found = (f"limit {limit:g}, in use {used:g}" if usage else "the subscription has no quota for it in this region")
    need = (f"need {wanted} {unit} ({which})" if not any(holds) else
            f"need {wanted} {unit} ({which}), of which their existing deployments hold {sum(holds)} {unit} (in use "
            f"already): {added} {unit} more")
    fix = [f"lower deployments[{first}].capacity (line {ctx.positions.of_value(('deployments', first, 'capacity'))[0]})"
           f" to {max(0, own.capacity - short)} {unit}" if own.capacity > short else
           f"lower the capacity of {which} by {short} {unit} in total",
           f"or request {short} {unit} more of {name} in {location}: {QUOTA_PAGE} ({QUOTA_PORTAL})"]
    ctx.add("quota", ("deployments", first, "capacity"),
            f"quota {name} in {location}: the deployments {need}, {free} {unit} free ({found}); short by {short} {unit}",
            fix)


# ---------------------------------------------------------------------------------------------------------------------
# Names held by soft-deleted resources


@frozen
class _Ours:
    """One of our globally unique names: its stem, its full name when the spec fixes the suffix, and where the spec
    makes it."""

    what: str
    stem: str
    full: str | None
    path: PathT


def _ours(design: Design) -> dict[str, list[_Ours]]:
    suffix = design.spec.naming_suffix
    full = (lambda stem: stem + suffix) if suffix else (lambda stem: None)
    accounts = [_Ours("Azure OpenAI account", r.account_name.stem, full(r.account_name.stem),
                      ("regions", i, "location")) for i, r in enumerate(design.regions)]
    vaults = [_Ours("Key Vault", design.key_vault.name.stem, full(design.key_vault.name.stem), ("workload",))] \
        if design.key_vault else []
    gateways = [_Ours("API Management instance", design.api_management.name.stem,
                      full(design.api_management.name.stem), ("workload",))] if design.api_management else []
    return {"account": accounts, "vault": vaults, "apim": gateways}


def _segment(resource_id: Any, key: str) -> str:
    """The value after ``/key/`` in a resource ID (case-insensitive), or ``''``."""
    parts = str(resource_id or "").split("/")
    lowered = [p.lower() for p in parts]
    return parts[lowered.index(key) + 1] if key in lowered and lowered.index(key) + 1 < len(parts) else ""


def _blocks(ours: _Ours, name: str, group: str, our_group: str) -> bool:
    """Whether a deleted resource named ``name`` in resource group ``group`` holds our name. With a fixed suffix the
    name must be ours; with the suffix computed from the resource group's ID, a name with our stem in our resource
    group is one the deployment will compute again."""
    if ours.full is not None:
        return name.lower() == ours.full.lower()
    return name.lower().startswith(ours.stem.lower()) and group.lower() == our_group.lower()


def _matched(ours: _Ours, group: str) -> str:
    if ours.full is not None:
        return f"the {ours.what} name '{ours.full}'"
    return (f"the {ours.what} name '{ours.stem}' + uniqueString(resourceGroup().id) (matched by its prefix, in the "
            f"same resource group {group}, where the suffix comes out the same)")


def names(ctx: _Context) -> None:
    """Soft-deleted accounts, vaults and API Management instances that hold a name this design deploys."""
    ours = _ours(ctx.design)
    group = ctx.design.resource_group
    checks: list[tuple[str, list[str], Callable[[dict[str, Any]], tuple[str, str, str]], Callable[..., list[str]]]] = [
        ("account", command("cognitiveservices account list-deleted"),
         lambda item: (str(item.get("name", "")), _segment(item.get("id"), "resourcegroups"),
                       _segment(item.get("id"), "locations") or str(item.get("location", ""))), _account_fix),
        ("vault", command("keyvault list-deleted", resource_type="vault"),
         lambda item: (str(item.get("name", "")), _segment((item.get("properties") or {}).get("vaultId"),
                                                           "resourcegroups"),
                       str((item.get("properties") or {}).get("location", ""))), _vault_fix),
        ("apim", command("apim deletedservice list"),
         lambda item: (str(item.get("name", "")), _segment((item.get("properties") or {}).get("serviceId"),
                                                           "resourcegroups"),
                       _segment(item.get("id"), "locations") or str(item.get("location", ""))), _apim_fix),
    ]
    for key, args, read, fix in checks:
        if not ours[key]:
            continue
        deleted = ctx.ask("names", ours[key][0].path, args)
        for item in deleted if isinstance(deleted, list) else []:
            if not isinstance(item, dict):
                continue
            name, their_group, location = read(item)
            for one in ours[key]:
                if _blocks(one, name, their_group, group):
                    ctx.add("names", one.path, f"a soft-deleted {one.what} '{name}' (resource group "
                            f"{their_group or 'unknown'}, {location or 'unknown location'}) holds "
                            f"{_matched(one, group)}: the deployment fails until it is recovered or purged",
                            fix(name, their_group, location, item))


def _account_fix(name: str, group: str, location: str, item: dict[str, Any]) -> list[str]:
    where = f"--location {location} --resource-group {group} --name {name}"
    return [f"recover it (within 48 hours of its deletion): az cognitiveservices account recover {where}",
            f"or purge it: az cognitiveservices account purge {where}"]


def _vault_fix(name: str, group: str, location: str, item: dict[str, Any]) -> list[str]:
    fixes = [f"recover it: az keyvault recover --name {name}"]
    if (item.get("properties") or {}).get("purgeProtectionEnabled"):
        purge_date = (item.get("properties") or {}).get("scheduledPurgeDate") or "its scheduled purge date"
        return fixes + [f"it has purge protection: it cannot be purged before {purge_date}; recover it, or set "
                        "naming.suffix to use other names"]
    return fixes + [f"or purge it: az keyvault purge --name {name}" + (f" --location {location}" if location else "")]


def _apim_fix(name: str, group: str, location: str, item: dict[str, Any]) -> list[str]:
    return [f"purge it: az apim deletedservice purge --service-name {name} --location {location}",
            "or recover it within 48 hours of its deletion by deploying it with restore: true (API Management soft "
            "delete, Learn: https://learn.microsoft.com/azure/api-management/soft-delete)"]


# ---------------------------------------------------------------------------------------------------------------------
# Resource providers and permissions


def namespaces(design: Design) -> list[str]:
    """The resource providers whose types the design deploys."""
    found = ["Microsoft.CognitiveServices", "Microsoft.Insights"]  # accounts and their diagnostic settings
    if design.monitoring.create:
        found.append("Microsoft.OperationalInsights")
    if design.identity is not None:
        found.append("Microsoft.ManagedIdentity")
    if design.key_vault is not None:
        found.append("Microsoft.KeyVault")
    if design.network is not None or design.front_door is not None or design.api_management is not None:
        found.append("Microsoft.Network")  # VNets, private endpoints and DNS, the WAF policy, public IPs
    if design.front_door is not None:
        found.append("Microsoft.Cdn")
    if design.api_management is not None:
        found.append("Microsoft.ApiManagement")
    if design.alerts is not None and design.alerts.key_vault is not None:
        found.append("Microsoft.EventGrid")  # the vault's system topic (action groups and rules are Insights)
    return sorted(found, key=str.lower)


def providers(ctx: _Context) -> None:
    for namespace in namespaces(ctx.design):
        state = ctx.ask("providers", ("tier",), command("provider show", namespace=namespace,
                                                        query="registrationState"))
        if state is None or state == "Registered":
            continue
        ctx.add("providers", ("tier",), f"the resource provider {namespace} is {state or 'not registered'} in "
                f"subscription {ctx.account['id']}: tier {ctx.design.spec.tier} deploys its resources",
                [f"az provider register --namespace {namespace}" + (" (registration is under way: wait for "
                 "Registered)" if state == "Registering" else "")])


def _caller(ctx: _Context, scope: str) -> str | None:
    """The object ID of a user, or the appId of a service principal, as --assignee takes them. A managed identity
    (``az login --identity``) has neither in ``az account show``: a warning says how to check by hand."""
    user = ctx.account.get("user") or {}
    name = str(user.get("name") or "")
    if name in MANAGED_IDENTITY_NAMES:
        _by_hand(ctx, name, scope)
        return None
    if user.get("type") == "servicePrincipal":
        return name or None
    found = ctx.ask("permissions", ("tier",), command("ad signed-in-user show", query="id"))
    return found if isinstance(found, str) and found else None


def _by_hand(ctx: _Context, name: str, scope: str) -> None:
    ctx.add("permissions", ("tier",), f"could not check permissions: az is logged in with a managed identity ({name}), "
            "and az account show does not give the object ID its role assignments are listed by; tier "
            f"{ctx.design.spec.tier} creates role assignments, which need one of {', '.join(ASSIGNING_ROLES)} on "
            f"{_where(ctx, scope)} or above",
            ["find the identity's object ID: az vm identity show --resource-group VM_GROUP --name VM --query "
             "principalId (a virtual machine's system-assigned identity) or az identity show --resource-group "
             "IDENTITY_GROUP --name IDENTITY --query principalId (a user-assigned identity)",
             f"then list its roles: az role assignment list --assignee OBJECT_ID --scope {scope} --include-inherited "
             "--include-groups --query \"[].roleDefinitionName\" -o tsv"], WARNING)


def _where(ctx: _Context, scope: str) -> str:
    if ctx.group_exists is False:
        return (f"subscription {ctx.account['id']} (resource group {ctx.design.resource_group} does not exist yet, "
                "so no role can be held on it)")
    return f"resource group {ctx.design.resource_group}"


def permissions(ctx: _Context) -> None:
    """Whether the caller may create the role assignments the design makes, on the resource group or above (on the
    subscription or above when the resource group does not exist yet)."""
    if not ctx.design.grants:
        return
    group_scope = f"/subscriptions/{ctx.account['id']}/resourceGroups/{ctx.design.resource_group}"
    scope = f"/subscriptions/{ctx.account['id']}" if ctx.group_exists is False else group_scope
    assignee = _caller(ctx, scope)
    if assignee is None:
        return
    found = ctx.ask("permissions", ("tier",), command("role assignment list", assignee=assignee, scope=scope,
                                                      include_inherited=True, include_groups=True))
    if not isinstance(found, list):
        return
    for item in found:
        held = str((item or {}).get("scope", "")).rstrip("/").lower()
        covers = held == "/" or scope.lower() == held or scope.lower().startswith(held + "/")
        if covers and item.get("roleDefinitionName") in ASSIGNING_ROLES:
            return
    create = (f"have an Owner assign one: az role assignment create --assignee {assignee} --role "
              f"\"Role Based Access Control Administrator\" --scope {scope}")
    fix = [create, "or deploy as an identity that holds Owner or User Access Administrator there"]
    if ctx.group_exists is False:
        fix.insert(1, f"or create the resource group (az group create --name {ctx.design.resource_group} --location "
                      f"{ctx.design.spec.regions[0].location}) and have one of them assigned on it: --scope "
                      f"{group_scope}")
    ctx.add("permissions", ("tier",), f"tier {ctx.design.spec.tier} creates role assignments, and "
            f"{(ctx.account.get('user') or {}).get('name') or assignee} holds none of "
            f"{', '.join(ASSIGNING_ROLES)} on {_where(ctx, scope)} or above", fix)
