"""This render compared with what the previous render of the same folder recorded as deployed.

Azure deployments are incremental: they create and update what the template names and never delete what it leaves
out. Two consequences cannot be left to the deployment:

* **Facts that cannot change once deployed** (a deployed name, a VNet's range, the shared location, the vault's
  soft-delete retention): a change would create a second resource beside the first, or fail. :func:`refusals` turns
  each change into a :class:`~azoai_gen.errors.Problem` located at the spec value that controls it, one per cause (a
  new workload is one problem, not one per renamed resource).
* **Role assignments this render no longer makes** (moving to tier 5 drops the callers' roles on the accounts, and
  leaving tier 1 their roles on the vault): they stay in Azure, and their principals keep their access.
  :func:`left_behind` lists each one with the exact command that deletes it.

Pure: both take the previous manifest's text (``None`` when there is none) and touch no disk.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import replace

from . import manifest
from .azure import COMPUTED_SUFFIX_LENGTH, ROLE_NAMES, ROLES
from .design import Design
from .design.records import Fixed
from .errors import UNCHANGEABLE_RULE, Problem
from .frozen import frozen
from .load import Positions
from .naming import COMPUTED_SUFFIX_MARK


@frozen
class Refusals:
    """The changes to fixed facts: located problems, one per cause, and the resources a changed name part renames
    (``key: old -> new``)."""

    problems: list[Problem]
    renames: list[str]


def _located(fact: Fixed, positions: Positions, message: str, hint: str) -> Problem:
    """The problem at the first of the fact's spec paths that the spec writes (the first path when none is)."""
    written = [path for path in fact.where if path in positions.values or path in positions.keys]
    return replace(positions.problem((written or list(fact.where))[0], message, hint), rule=UNCHANGEABLE_RULE)


def refusals(design: Design, positions: Positions, previous: str | None) -> Refusals:
    """Every fixed fact the previous manifest recorded that this design would change."""
    old = manifest.names(previous)
    changed = {fact.key: (fact, old[fact.key]) for fact in design.fixed if fact.key in old and old[fact.key] != fact.value}
    problems, renames = [], []
    for key, (fact, before) in sorted(changed.items()):
        if any(part in changed for part in fact.derived_from):
            renames.append(f"{key}: {before} -> {fact.value}")  # a name: reported with the part that changed
            continue
        renamed = sum(1 for other, _ in changed.values() if key in other.derived_from)
        message = f"{fact.what} was rendered as {before}; this spec changes it to {fact.value}"
        if renamed:
            message += f", which renames {renamed} deployed resource{'s' if renamed != 1 else ''}"
        problems.append(_located(fact, positions, message, fact.hint.format(old=before, new=fact.value)))
    return Refusals(sorted(problems), renames)


@frozen
class LeftBehind:
    """A role assignment that the previous render made and this one does not: it stays in Azure until deleted."""

    role: str
    principal: str
    scope: str
    #: The ``az role assignment delete`` command that deletes exactly this assignment.
    command: str


def _quoted(words: list[str]) -> str:
    return " ".join(shlex.quote(word) for word in words)


def _lookup(group: list[str], name: str, resource_group: str, query: str) -> str:
    """``$(az <group> show ...)`` printing ``query`` of the resource ``name``. A name whose suffix Azure computes
    at deployment time is found as the resource of the group whose name is its stem followed by exactly that many
    characters: every globally unique name in a resource group ends with the same computed suffix.

    The substitution is left unquoted on purpose: if the resource is missing, it expands to nothing, and
    ``az role assignment delete`` then refuses the option that lacks its value instead of widening the deletion."""
    if name.endswith(COMPUTED_SUFFIX_MARK):
        stem = name[:-len(COMPUTED_SUFFIX_MARK)]
        select = f"[?starts_with(name, `{json.dumps(stem)}`) && length(name) == " \
                 f"`{len(stem) + COMPUTED_SUFFIX_LENGTH}`].{query}"
        words = ["az", *group, "list", "--resource-group", resource_group, "--query", select, "--output", "tsv"]
    else:
        words = ["az", *group, "show", "--name", name, "--resource-group", resource_group, "--query", query,
                 "--output", "tsv"]
    return f"$({_quoted(words)})"


#: How to find each kind of scope and principal the manifest names: the az command group, the JMESPath of the value
#: the delete command needs, and how to describe it.
_SCOPES = {"account": (["cognitiveservices", "account"], "id", "the Azure OpenAI account in {region}"),
           "keyVault": (["keyvault"], "id", "the Key Vault"),
           "contentSafety": (["cognitiveservices", "account"], "id", "the Content Safety account")}
_PRINCIPALS = {"identity": (["identity"], "principalId", "the managed identity {name}"),
               "apiManagement": (["apim"], "identity.principalId", "the API Management gateway {name}")}


def _resolve(key: str, table: dict, names: dict[str, str], resource_group: str) -> tuple[str, str] | None:
    """The shell word that yields the scope's ID or the principal's object ID, and its description."""
    kind, _, rest = key.partition("/")
    if kind == "principals" and rest:
        return shlex.quote(rest), f"the principal {rest}"
    if kind not in table or key not in names:
        return None
    group, query, description = table[kind]
    return _lookup(group, names[key], resource_group, query), description.format(region=rest, name=names[key])


def left_behind(design: Design, previous: str | None) -> list[LeftBehind]:
    """The role assignments the previous manifest recorded and this design no longer makes, each with the command
    that deletes it. The names, and the resource group of the README's commands, are the previous render's."""
    names = manifest.names(previous)
    resource_group = names.get("resourceGroup", design.resource_group)
    current = {manifest.Grant(g.scope, g.principal, g.role) for g in design.recorded_grants}
    role_names = {role_id: ROLE_NAMES[key] for key, role_id in ROLES.items()}
    found = []
    for grant in manifest.grants(previous):
        if grant in current:
            continue
        scope = _resolve(grant.scope, _SCOPES, names, resource_group)
        principal = _resolve(grant.principal, _PRINCIPALS, names, resource_group)
        if scope is None or principal is None:
            continue  # a manifest this version did not write: nothing exact to say
        command = f"az role assignment delete --assignee {principal[0]} --role {shlex.quote(grant.role)} " \
                  f"--scope {scope[0]}"
        found.append(LeftBehind(role_names.get(grant.role, grant.role), principal[1], scope[1], command))
    return found
