"""The design: every decision about the output, made once from the typed spec.

``design(spec)`` computes the posture, every name (through one :class:`~azoai_gen.naming.Namer`), the network plan,
the role grants, the files to write, what the manifest records (the facts that cannot change once deployed, and the
role assignments) and the number of resources deployed. Rules check the design; templates print it.
"""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import PurePath
from typing import Any

from .. import __version__, addressing, catalogue, resources
from ..addressing import Plan
from ..azure import API_VERSIONS, COMPUTED_SUFFIX_LENGTH, ROLES
from ..frozen import frozen
from ..model import Spec
from ..naming import Name, Namer
from ..posture import Callers, Posture, for_spec
from .alerts import alerts
from .apim import ApiManagement, api_management
from .core import (Region, Titles, account, grants, identity, key_vault, monitoring, notes, regions,
                   role_assignments, titles)
from .filters import ContentFilters, content_filters
from .frontdoor import FrontDoor, front_door
from .gateway_safety import SpillOver, content_safety, deployment_params, spill_overs
from .inventory import deployed_names, deployed_resources, files, fixed_facts, recorded_grants, resource_count
from .network import Network, network, region_network
from .workbook import Workbook, workbook_for
from .records import Alerts
from .records import (Account, DeployedResource, Fixed, Generator, Grant, Identity, KeyVault, Monitoring, NamingView,
                      RecordedGrant,
                      RoleAssignments, TierView)

#: The value of the generated tag managed-by.
MANAGED_BY = "azoai-gen"


def generated_tags(spec: Spec) -> dict[str, str]:
    """Tags azoai-gen puts on every resource; the spec's own tags come after and may override them (by the same name,
    in the same case: the rule tags-distinct-ignoring-case refuses one in another case)."""
    return {"environment": spec.environment, "managed-by": MANAGED_BY, "workload": spec.workload}


@frozen
class Design:
    spec: Spec
    posture: Posture
    plan: Plan | None
    generator: Generator
    spec_name: str
    workload: str
    environment: str
    resource_group: str
    titles: Titles
    tier: TierView
    naming: NamingView
    api: dict[str, str]
    roles: dict[str, str]
    regions: tuple[Region, ...]
    primary: Region
    account: Account
    network: Network | None
    front_door: FrontDoor | None
    api_management: ApiManagement | None
    deployments: list[dict[str, Any]]
    #: Provisioned deployments and the standard deployment each spills over to (spilloverDeploymentName).
    spill_overs: tuple[SpillOver, ...]
    deployments_count: str
    tags: dict[str, str]
    identity: Identity | None
    #: The spec's principals as the parameter file carries them, where they are granted a role.
    principals: list[dict[str, str]]
    monitoring: Monitoring
    key_vault: KeyVault | None
    grants: tuple[Grant, ...]
    #: What main.bicep hands each module that assigns roles (the vault's first, then the accounts', then the
    #: gateway's on the accounts).
    role_assignments: tuple[RoleAssignments, ...]
    notes: tuple[str, ...]
    #: The Azure Monitor workbook, unless monitoring.workbook is false.
    workbook: Workbook | None
    #: Every Azure name the output uses, as the namer handed them out.
    names: tuple[Name, ...]
    files: tuple[str, ...] = ()
    #: What cannot change once deployed, with the spec paths that control it; the manifest records it as ``names``.
    fixed: tuple[Fixed, ...] = ()
    deployed_names: dict[str, str] | None = None
    #: Every role assignment, as the manifest records it.
    recorded_grants: tuple[RecordedGrant, ...] = ()
    #: Every resource the deployment creates, as the manifest records it.
    azure_resources: tuple[DeployedResource, ...] = ()
    resource_count: int = 0
    #: The action group, the metric alert rules and the Key Vault expiry events; ``None`` when alerts are off.
    alerts: Alerts | None = None
    #: The RAI policies, blocklists and their items of every account; ``None`` when the spec defines none.
    content_filters: ContentFilters | None = None

    def template_context(self) -> dict[str, Any]:
        """The design as the templates see it: its fields by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _tier_view(posture: Posture) -> TierView:
    info = catalogue.TIERS[posture.tier]
    return TierView(posture.tier, info.title, info.summary, not posture.local_auth, posture.public_network,
                    posture.key_in_vault, posture.callers is Callers.KEY_VAULT_SECRET,
                    posture.callers is Callers.API_MANAGEMENT,
                    info.deploy_time)


def _networks(spec: Spec, posture: Posture, namer: Namer, shorts: dict[str, str]):
    """The address plan and each region's network, computed once."""
    if not posture.private_endpoints:
        return None, {}
    plan = addressing.plan(spec, posture.api_management)
    return plan, {p.location: region_network(namer, p.location, shorts[p.location], p) for p in plan.regions}


def _content_safety(spec: Spec, namer: Namer, primary: Region, the_network: Any, the_grants: Any) -> Any:
    """The gateway's Content Safety account, when the spec enables it."""
    zone = the_network.content_safety_zone if the_network else None
    return content_safety(spec, namer, primary, zone.id if zone else "", role_assignments(the_grants, "contentSafety"))


def _gateway_after(the_network: Network | None) -> tuple[str, ...]:
    """The modules that update the VNets API Management is injected into: it starts once they are done."""
    if the_network is None:
        return ()
    return ("peering",) + (("dns",) if the_network.created_zones else ())


def design(spec: Spec, *, spec_name: str = "spec.yaml") -> Design:
    """Every decision for ``spec``. The spec has passed the spec rules (known, distinct regions)."""
    posture = for_spec(spec)
    namer = Namer(spec.workload, spec.environment, spec.naming_suffix)
    known = resources.data("regions.json")["regions"]
    shorts = {r.location: known[r.location]["short"] for r in spec.regions}
    plan, nets = _networks(spec, posture, namer, shorts)
    region_list = regions(spec, posture, namer, known, nets)
    the_network = network(spec, posture, namer, [(r.location, r.network) for r in region_list]) if nets else None
    the_identity = identity(spec, posture, namer)
    the_monitoring = monitoring(spec, namer)
    the_grants = grants(spec, posture, the_identity is not None)
    gateway_roles = role_assignments(the_grants, "gateway")
    apim = api_management(spec, namer, [(r.location, r.display_name, r.short) for r in region_list],
                          gateway_roles, _gateway_after(the_network),
                          _content_safety(spec, namer, region_list[0], the_network, the_grants)) \
        if posture.api_management and gateway_roles else None
    the_account = account(spec, posture, the_grants)
    the_vault = key_vault(spec, posture, namer, the_grants)
    tags = generated_tags(spec)
    tags.update(dict(spec.tags))
    result = Design(
        spec=spec, posture=posture, plan=plan,
        generator=Generator("azoai-gen", __version__),
        spec_name=PurePath(spec_name).name,
        workload=spec.workload, environment=spec.environment,
        resource_group=namer.resource_group().stem,
        titles=titles(spec, posture),
        tier=_tier_view(posture),
        naming=NamingView(spec.naming_suffix, len(spec.naming_suffix) if spec.naming_suffix
                          else COMPUTED_SUFFIX_LENGTH),
        api=API_VERSIONS, roles=ROLES,
        regions=tuple(region_list), primary=region_list[0],
        account=the_account,
        network=the_network,
        front_door=front_door(spec, posture, namer) if posture.front_door else None,
        api_management=apim,
        deployments=deployment_params(spec.deployments),
        spill_overs=spill_overs(spec.deployments),
        deployments_count=f"{len(spec.deployments)} model deployment{'s' if len(spec.deployments) != 1 else ''}",
        tags=dict(sorted(tags.items())),
        identity=the_identity,
        principals=[{"principalId": p.object_id, "principalType": p.type, "description": p.description}
                    for p in spec.access.principals] if any(g.principal == "principals" for g in the_grants) else [],
        monitoring=the_monitoring,
        key_vault=the_vault,
        grants=the_grants,
        role_assignments=tuple(r for r in (the_vault.role_assignments if the_vault else None,
                                           the_account.role_assignments, gateway_roles,
                                           apim.content_safety.role_assignments
                                           if apim and apim.content_safety else None) if r is not None),
        notes=notes(spec, posture),
        workbook=workbook_for(spec, posture, namer),
        names=(),
        alerts=alerts(spec, posture, namer, [(r.location, r.short, r.symbol) for r in region_list]),
        content_filters=content_filters(spec, namer),
    )
    return _complete(result, namer)


def _complete(result: Design, namer: Namer) -> Design:
    """Add what is read off the finished design: the files, what the manifest records, the resource count."""
    with_names = replace(result, names=tuple(namer.used))
    with_facts = replace(with_names, files=files(with_names), fixed=fixed_facts(with_names),
                         recorded_grants=recorded_grants(with_names), azure_resources=deployed_resources(with_names),
                         resource_count=resource_count(with_names))
    return replace(with_facts, deployed_names=deployed_names(with_facts))


__all__ = ["Design", "design", "generated_tags", "MANAGED_BY"]
