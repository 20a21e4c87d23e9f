"""What a render would change in Azure, before it is deployed: ``azoai-gen plan``.

Pure: :func:`plan` takes the design, its rendered files and the previous manifest's text (``None`` for a first
render) and returns a :class:`Plan`; nothing here reads the disk or prints.

A plan has sections. Each is a frozen dataclass with its own JSON form (``azoai_gen/planreport.py``):

* ``resources``: the Azure resources this render creates, keeps (updated in place) and leaves behind, by ARM type
  and name. Deployments are incremental, so a resource the template no longer names stays in Azure and keeps
  billing: each one left behind comes with the ``az`` commands that delete it, and a note when Azure keeps its name
  after deletion (soft delete). The role assignments left behind (:func:`azoai_gen.deployed.left_behind`) are here
  too. A manifest written before resources were recorded makes the previous resources unknown: the section then
  compares the generated modules only. The section also compares each account's model deployments (child
  resources): created, changed (capacity, SKU, model or version) and left behind. A deployment left behind keeps
  holding its quota, and on a provisioned SKU keeps billing per PTU-hour, until deleted.
* ``posture``: how the security posture changes, in words, the changes that lower isolation first.

Sections still to come (monthly cost, deploy time, diagram) are added as further optional fields of :class:`Plan`,
each with its own key in the JSON document.
"""

from __future__ import annotations

import json
import shlex

from . import cost as costing, deployed, diagram, manifest, timeline
from .azure import API_VERSIONS, COMPUTED_SUFFIX_LENGTH
from .cost import PROVISIONED_SKUS
from .deployed import LeftBehind
from .design import Design
from .design import inventory as types
from .frozen import frozen
from .naming import COMPUTED_SUFFIX_MARK
from .posture import POSTURES, Callers, Posture

CREATE = "create"
KEEP = "keep"
LEAVE = "leave"
CHANGE = "change"

#: Where the previous render's resources come from.
FIRST_RENDER = "none"
RECORDED = "recorded"
UNKNOWN = "unknown"


@frozen
class ResourceChange:
    """One Azure resource and what this render does to it."""

    action: str
    resource: manifest.Resource
    #: For a resource left behind: the commands that delete it, in order.
    commands: tuple[str, ...] = ()
    #: For a resource left behind: what Azure keeps after deletion (soft delete), and how to free the name.
    note: str = ""

    @property
    def shown_name(self) -> str:
        """The name as Azure will show it: ``xxxxx`` stands for a suffix computed at deployment time."""
        return self.resource.name.replace(COMPUTED_SUFFIX_MARK, "x" * COMPUTED_SUFFIX_LENGTH)


@frozen
class DeploymentChange:
    """One model deployment of one account and what this render does to it."""

    action: str
    #: The account the deployment belongs to, as recorded (a computed suffix written symbolically).
    account: manifest.Resource
    deployment: manifest.ModelDeployment
    #: For a deployment that changes: what the previous render deployed.
    previous: manifest.ModelDeployment | None = None
    #: For a deployment left behind: the command that deletes it.
    commands: tuple[str, ...] = ()
    #: What the change means: quota it needs or keeps holding, billing, what Azure may refuse.
    notes: tuple[str, ...] = ()

    @property
    def shown_account(self) -> str:
        return self.account.name.replace(COMPUTED_SUFFIX_MARK, "x" * COMPUTED_SUFFIX_LENGTH)

    @property
    def provisioned(self) -> bool:
        return self.deployment.sku in PROVISIONED_SKUS


@frozen
class Deployments:
    """The model deployments of the accounts this render keeps or creates."""

    #: ``none`` (a first render), ``recorded`` or ``unknown`` (the previous manifest does not list them).
    previous: str = FIRST_RENDER
    created: tuple[DeploymentChange, ...] = ()
    changed: tuple[DeploymentChange, ...] = ()
    left_behind: tuple[DeploymentChange, ...] = ()

    @property
    def changes(self) -> bool:
        return bool(self.created or self.changed or self.left_behind)


@frozen
class Resources:
    #: ``none`` (a first render), ``recorded`` (the previous manifest lists its resources) or ``unknown`` (an older
    #: manifest that does not: only the modules are compared).
    previous: str
    created: tuple[ResourceChange, ...]
    kept: tuple[ResourceChange, ...]
    left_behind: tuple[ResourceChange, ...]
    role_assignments_left_behind: tuple[LeftBehind, ...]
    modules_added: tuple[str, ...]
    modules_removed: tuple[str, ...]
    #: Generated files this render adds, changes or removes (the manifest excluded).
    files_changed: tuple[str, ...]
    #: The accounts' model deployments created, changed and left behind.
    deployments: Deployments = Deployments()

    @property
    def changes(self) -> bool:
        return bool(self.created or self.left_behind or self.role_assignments_left_behind or self.modules_added
                    or self.modules_removed or self.files_changed or self.deployments.changes)


@frozen
class PostureChange:
    #: What changes: ``network``, ``authentication``, ``callers``, ``gateway``, ``edge`` or ``bypass``.
    aspect: str
    #: The change lowers isolation (render asks before writing it).
    lowers: bool
    message: str


@frozen
class PostureReport:
    tier: int
    previous_tier: int | None
    #: ``recorded`` (the manifest's posture flags), ``tier`` (an older manifest: the tier's default posture) or
    #: ``none`` (a first render).
    basis: str
    #: Lowering changes first, then role assignments that go around the gateway, then the rest.
    changes: tuple[PostureChange, ...]

    @property
    def lowers(self) -> tuple[PostureChange, ...]:
        return tuple(change for change in self.changes if change.lowers)


@frozen
class Plan:
    tier: int
    previous_tier: int | None
    resources: Resources
    posture: PostureReport
    #: What the spec's deployment costs a month, from the dated price table (whatever the previous render).
    cost: costing.CostEstimate | None = None
    #: How long a first deployment of the render takes, and the chain of modules that decides it.
    deploy_time: timeline.Timeline | None = None
    #: The Mermaid diagram of what the spec deploys: the one the generated README draws.
    diagram: str = ""

    @property
    def changes(self) -> bool:
        return self.resources.changes or bool(self.posture.changes)


# ---------------------------------------------------------------------------------------------------------------------
# Resources


def _name_word(group: list[str], resource: manifest.Resource) -> str:
    """The shell word for the resource's name: the name, or for a suffix computed at deployment time, the lookup of
    the one resource of the group whose name is the stem followed by that many characters. Left unquoted on purpose:
    if nothing is found it expands to nothing, and the delete command refuses the option without a value."""
    if COMPUTED_SUFFIX_MARK not in resource.name:
        return shlex.quote(resource.name)
    stem = resource.name.replace(COMPUTED_SUFFIX_MARK, "")
    select = f"[?starts_with(name, `{json.dumps(stem)}`) && length(name) == `{len(stem) + COMPUTED_SUFFIX_LENGTH}`].name"
    words = ["az", *group, "list", "--resource-group", resource.resource_group, "--query", select, "--output", "tsv"]
    return "$(" + " ".join(shlex.quote(word) for word in words) + ")"


def _simple(group: str, option: str = "--name", extra: tuple[str, ...] = ()):
    """A delete command of the form ``az <group> delete <option> N --resource-group G [extra]``."""
    def command(resource: manifest.Resource) -> tuple[str, ...]:
        words = ["az", *group.split(), "delete", option]
        tail = ["--resource-group", resource.resource_group, *extra]
        return (" ".join(words) + " " + _name_word(group.split(), resource) + " "
                + " ".join(shlex.quote(word) for word in tail),)
    return command


def _zone(resource: manifest.Resource) -> tuple[str, ...]:
    """A private DNS zone goes after its virtual network links."""
    zone, group = shlex.quote(resource.name), shlex.quote(resource.resource_group)
    links = f"az network private-dns link vnet list --resource-group {group} --zone-name {zone} --query '[].name' " \
            "--output tsv"
    return (f"for link in $({links}); do az network private-dns link vnet delete --resource-group {group} "
            f"--zone-name {zone} --name \"$link\" --yes; done",
            f"az network private-dns zone delete --name {zone} --resource-group {group} --yes")


def _apim_child(resource: manifest.Resource) -> tuple[str, str, str]:
    """The shell words of an API Management child's service and resource group, and its own name."""
    service, _, child = resource.name.partition("/")
    parent = manifest.Resource(types.API_MANAGEMENT, service, resource.resource_group, resource.location,
                               resource.computed_by)
    return _name_word(["apim"], parent), shlex.quote(resource.resource_group), child


def _product(resource: manifest.Resource) -> tuple[str, ...]:
    """An API Management product, with the subscriptions scoped to it."""
    service, group, child = _apim_child(resource)
    return (f"az apim product delete --resource-group {group} --service-name {service} --product-id "
            f"{shlex.quote(child)} --delete-subscriptions true --yes",)


def _subscription(resource: manifest.Resource) -> tuple[str, ...]:
    """An API Management subscription: its key stops working once it is deleted."""
    service, group, child = _apim_child(resource)
    url = (f"https://management.azure.com/subscriptions/$(az account show --query id --output tsv)/resourceGroups/"
           f"{resource.resource_group}/providers/Microsoft.ApiManagement/service/{service}/subscriptions/{child}"
           f"?api-version={API_VERSIONS['apiManagement']}")
    return (f'az rest --method delete --url "{url}"',)


#: Per ARM type, in the order to delete them (what uses a resource goes before it): the delete commands.
_DELETE = {
    types.APIM_SUBSCRIPTION: _subscription,
    types.APIM_PRODUCT: _product,
    types.METRIC_ALERT: _simple("monitor metrics alert"),
    types.SYSTEM_TOPIC: _simple("eventgrid system-topic", extra=("--yes",)),
    types.ACTION_GROUP: _simple("monitor action-group"),
    types.API_MANAGEMENT: _simple("apim", extra=("--yes",)),
    types.FRONT_DOOR: _simple("afd profile", "--profile-name"),
    types.WAF_POLICY: _simple("network front-door waf-policy"),
    types.PRIVATE_ENDPOINT: _simple("network private-endpoint"),
    types.DNS_ZONE: _zone,
    types.PUBLIC_IP: _simple("network public-ip"),
    types.VNET: _simple("network vnet"),
    types.NSG: _simple("network nsg"),
    types.ACCOUNT: _simple("cognitiveservices account"),
    types.APP_INSIGHTS: _simple("monitor app-insights component", "--app"),
    types.KEY_VAULT: _simple("keyvault"),
    types.IDENTITY: _simple("identity"),
    types.WORKSPACE: _simple("monitor log-analytics workspace", "--workspace-name", ("--yes",)),
}
_ORDER = {kind: index for index, kind in enumerate(_DELETE)}


def _soft_delete(resource: manifest.Resource, previous: str | None) -> str:
    """What Azure keeps of a deleted resource, and how to free its name."""
    name = _name_word([], resource) if COMPUTED_SUFFIX_MARK not in resource.name else "<name>"
    where = f"--location {shlex.quote(resource.location)}"
    if resource.type == types.API_MANAGEMENT:
        return ("API Management soft-deletes the instance and keeps its name for 48 hours; to reuse the name "
                f"sooner: az apim deletedservice purge --service-name {name} {where}")
    if resource.type == types.ACCOUNT:
        return ("Azure OpenAI soft-deletes the account and keeps its name (its custom subdomain) for 48 hours; to "
                f"reuse it sooner: az cognitiveservices account purge --name {name} --resource-group "
                f"{shlex.quote(resource.resource_group)} {where}")
    if resource.type == types.WORKBOOK:
        return ("the workbook's name is a GUID made at deployment; it costs nothing, so keeping it is harmless. To "
                "delete it, open Monitor > Workbooks in the portal, or find its ID with az resource list "
                f"--resource-group {shlex.quote(resource.resource_group)} --resource-type {types.WORKBOOK} and run "
                "az resource delete --ids <ID>")
    if resource.type == types.KEY_VAULT:
        days = manifest.names(previous).get("keyVault/softDeleteRetentionInDays", "the retention")
        return (f"Key Vault soft-deletes the vault and keeps it, and its globally unique name, for {days} days; "
                "purge protection is on, so az keyvault purge cannot free the name before then")
    return ""


def _changes(design: Design, previous: str | None) -> tuple[list[ResourceChange], ...]:
    current = [manifest.resource(r) for r in design.azure_resources]
    before = manifest.resources(previous)
    old = {(r.type, r.name): r for r in before or []}
    new = {(r.type, r.name) for r in current}
    created = [ResourceChange(CREATE, r) for r in current if (r.type, r.name) not in old]
    kept = [ResourceChange(KEEP, r) for r in current if (r.type, r.name) in old]
    left = [ResourceChange(LEAVE, r, _DELETE[r.type](r) if r.type in _DELETE else (), _soft_delete(r, previous))
            for key, r in old.items() if key not in new]
    left.sort(key=lambda c: (_ORDER.get(c.resource.type, len(_ORDER)), c.resource.name))
    return created, kept, left


def _resources(design: Design, files: dict[str, str], previous: str | None) -> Resources:
    hashes = manifest.file_hashes(previous)
    generated = {path: text for path, text in files.items() if path != manifest.MANIFEST}
    before = {path for path in hashes if path.startswith("modules/")}
    after = {path for path in generated if path.startswith("modules/")}
    changed = sorted(set(hashes) ^ set(generated) | {
        path for path, text in generated.items()
        if path in hashes and hashes[path] != manifest.sha256(text.encode("utf-8"))})
    if previous is None or not manifest.is_ours(previous):
        state, before = FIRST_RENDER, set()
    else:
        state = RECORDED if manifest.resources(previous) is not None else UNKNOWN
    created, kept, left = _changes(design, previous)
    if state == UNKNOWN:
        created, kept = [], []
    return Resources(state, tuple(created), tuple(kept), tuple(left),
                     tuple(deployed.left_behind(design, previous)),
                     tuple(sorted(after - before)), tuple(sorted(before - after)), tuple(changed),
                     _deployments(design, previous, state))


# ---------------------------------------------------------------------------------------------------------------------
# Model deployments


def _quota(account: manifest.Resource, d: manifest.ModelDeployment) -> str:
    """The quota a deployment draws on: per region, per deployment type, and per model except for provisioned
    throughput, whose quota is shared by every model."""
    model = "" if d.sku in PROVISIONED_SKUS else f" for {d.model}"
    return f"{d.sku} quota{model} in {account.location}"


def _left_note(account: manifest.Resource, d: manifest.ModelDeployment) -> str:
    """What a deployment left behind keeps: its quota, and on a provisioned SKU its hourly bill."""
    if d.sku in PROVISIONED_SKUS:
        return (f"keeps holding {d.capacity} PTUs of {_quota(account, d)}, and keeps billing per PTU-hour for "
                "them, until deleted")
    return (f"keeps holding capacity {d.capacity} of {_quota(account, d)} (for most models a unit is 1,000 tokens "
            "per minute) until deleted")


def _change_notes(account: manifest.Resource, old: manifest.ModelDeployment,
                  new: manifest.ModelDeployment) -> tuple[str, ...]:
    notes = []
    if old.model != new.model or old.version != new.version:
        notes.append(f"the model changes from {old.model} {old.version} to {new.model} {new.version}, in place")
    if old.sku != new.sku:
        notes.append(f"the SKU changes from {old.sku} to {new.sku}: Azure may refuse to change the SKU of an "
                     "existing deployment (a provisioned deployment moves to another deployment type only through "
                     "a new deployment); if it does, deploy under a new name, move the callers, then delete this "
                     "one")
    if old.sku != new.sku:
        notes.append(f"the {new.sku} deployment needs {new.capacity} units of free {_quota(account, new)}; check it "
                     "with azoai-gen preflight")
    elif new.capacity > old.capacity:
        notes.append(f"capacity {old.capacity} -> {new.capacity}: the {new.capacity - old.capacity} more units need "
                     f"free {_quota(account, new)}; check it with azoai-gen preflight")
    elif new.capacity < old.capacity:
        notes.append(f"capacity {old.capacity} -> {new.capacity} frees {old.capacity - new.capacity} units of "
                     f"{_quota(account, new)}")
    if new.sku in PROVISIONED_SKUS and new.capacity > old.capacity:
        notes.append("a provisioned deployment bills per PTU-hour for every deployed PTU")
    return tuple(notes)


def _delete_deployment(account: manifest.Resource, d: manifest.ModelDeployment) -> str:
    """``az cognitiveservices account deployment delete``; the account's computed suffix is looked up."""
    return ("az cognitiveservices account deployment delete --resource-group "
            f"{shlex.quote(account.resource_group)} --name {_name_word(['cognitiveservices', 'account'], account)} "
            f"--deployment-name {shlex.quote(d.name)}")


def _account_deployments(account: manifest.Resource, before: tuple[manifest.ModelDeployment, ...],
                         found: dict[str, list[DeploymentChange]]) -> None:
    old = {d.name: d for d in before}
    now = {d.name: d for d in account.deployments or ()}
    for name, d in sorted(now.items()):
        if name not in old:
            found[CREATE].append(DeploymentChange(CREATE, account, d))
        elif old[name] != d:
            found[CHANGE].append(DeploymentChange(CHANGE, account, d, old[name],
                                                  notes=_change_notes(account, old[name], d)))
    for name, d in sorted(old.items()):
        if name not in now:
            found[LEAVE].append(DeploymentChange(LEAVE, account, d, commands=(_delete_deployment(account, d),),
                                                 notes=(_left_note(account, d),)))


def _deployments(design: Design, previous: str | None, state: str) -> Deployments:
    """The model deployments of every account this render deploys, against the ones the previous render recorded
    on the same account. An account left behind keeps its deployments; deleting it deletes them."""
    accounts = [manifest.resource(r) for r in design.azure_resources if r.type == types.ACCOUNT]
    old = {r.name: r for r in manifest.resources(previous) or [] if r.type == types.ACCOUNT}
    if state == FIRST_RENDER:
        old = {}
    elif state == UNKNOWN or any(r.deployments is None for r in old.values()):
        return Deployments(UNKNOWN)
    found: dict[str, list[DeploymentChange]] = {CREATE: [], CHANGE: [], LEAVE: []}
    for account in accounts:
        before = old[account.name].deployments if account.name in old else ()
        _account_deployments(account, before or (), found)
    return Deployments(state, tuple(found[CREATE]), tuple(found[CHANGE]), tuple(found[LEAVE]))


# ---------------------------------------------------------------------------------------------------------------------
# Posture

_AUTH = {Callers.KEY_VAULT_SECRET: "the API key they read from Key Vault, sent to the accounts",
         Callers.OPENAI_USER_ROLE: "a Microsoft Entra ID token sent to the accounts (role Cognitive Services OpenAI "
                                   "User)",
         Callers.API_MANAGEMENT: "an API Management subscription key sent to the gateway through Front Door"}


def _previous_posture(previous: str | None) -> tuple[dict[str, object] | None, str]:
    recorded = manifest.posture(previous)
    if recorded is not None:
        return recorded, RECORDED
    tier = manifest.tier(previous)
    if tier in POSTURES:
        return manifest.posture_flags(POSTURES[tier]), "tier"
    return None, FIRST_RENDER


#: Each posture flag the manifest records: its aspect, the posture's attribute, whether turning it on lowers
#: isolation, and what turning it on and off means, in words.
_FLAGS = (
    ("publicNetwork", "network", "public_network", True,
     "Public network access is enabled: the Azure OpenAI accounts answer on their public endpoint, to anyone who "
     "holds a credential",
     "Public network access is disabled: the accounts answer only through their private endpoints, so callers must "
     "run in the network"),
    ("localAuth", "authentication", "local_auth", True,
     "API keys are enabled: anyone who holds an account key can call the accounts, without Microsoft Entra ID",
     "API keys are disabled: the accounts accept only Microsoft Entra ID tokens, and the keys in Key Vault stop "
     "working"),
    ("apiManagement", "gateway", "api_management", False,
     "API Management stands between callers and the accounts; only the gateway's identity calls them",
     "API Management no longer stands between callers and the accounts: its token limits, subscription keys and "
     "logging no longer apply"),
    ("frontDoor", "edge", "front_door", False,
     "Front Door with a web application firewall stands in front of the service",
     "Front Door and its web application firewall no longer stand in front of the service"),
)


def _flag_changes(old: dict[str, object], new: Posture) -> list[PostureChange]:
    """A change for each recorded flag that the new posture turns on or off; it lowers isolation when it turns on
    what exposes the accounts, or off what protects them."""
    found = []
    for key, aspect, attribute, exposes, turned_on, turned_off in _FLAGS:
        now = bool(getattr(new, attribute))
        if old.get(key) is (not now):
            found.append(PostureChange(aspect, now == exposes, turned_on if now else turned_off))
    return found


def _callers(old: dict[str, object], new: Posture) -> list[PostureChange]:
    before = next((c for c in Callers if c.value == old.get("callers")), None)
    if before is None or before is new.callers:
        return []
    return [PostureChange("callers", False, f"Callers must change how they authenticate: from {_AUTH[before]}, to "
                                            f"{_AUTH[new.callers]}")]


def _bypass(design: Design, left: tuple[LeftBehind, ...]) -> list[PostureChange]:
    on_accounts = [a for a in left if "Azure OpenAI account" in a.scope]
    if design.posture.callers is not Callers.API_MANAGEMENT or not on_accounts:
        return []
    count = len(on_accounts)
    several = count != 1
    text = (f"{count} role assignment{'s' if several else ''} on the accounts stay{'' if several else 's'} in Azure "
            f"and let {'their' if several else 'its'} principal{'s' if several else ''} call the accounts around "
            "the gateway until deleted (the commands are under Resources)")
    return [PostureChange("bypass", False, text)]


def _posture(design: Design, previous: str | None, left: tuple[LeftBehind, ...]) -> PostureReport:
    old, basis = _previous_posture(previous)
    tier = design.posture.tier
    if old is None:
        return PostureReport(tier, None, basis, ())
    found = _flag_changes(old, design.posture) + _callers(old, design.posture) + _bypass(design, left)
    order = sorted(found, key=lambda c: (not c.lowers, c.aspect != "bypass"))
    previous_tier = old.get("tier")
    return PostureReport(tier, previous_tier if isinstance(previous_tier, int) else None, basis, tuple(order))


def plan(design: Design, files: dict[str, str], previous: str | None) -> Plan:
    """What rendering ``design`` (its ``files``) into a folder whose last render recorded ``previous`` changes."""
    resources = _resources(design, files, previous)
    posture = _posture(design, previous, resources.role_assignments_left_behind)
    return Plan(design.posture.tier, posture.previous_tier, resources, posture, costing.estimate(design),
                timeline.estimate(files), diagram.mermaid(design))


def lowering(design: Design, previous: str | None) -> tuple[PostureChange, ...]:
    """The changes of posture that lower isolation, for render to confirm before it writes them."""
    return _posture(design, previous, ()).lowers
