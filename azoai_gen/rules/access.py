"""Who may call, and from where: principals, IP rules, the Key Vault of tier 1, the monitoring workspace."""

from __future__ import annotations

from typing import Iterator

from ..errors import Finding
from ..ids import WORKSPACE_ID, WORKSPACE_ID_HINT, RangeError, non_public_part, parse_ipv4_range, single_address
from ..posture import Callers
from . import Subject, repeats, rule


@rule("access-principals-unique", before_design=True)
def principals_unique(subject: Subject) -> Iterator[Finding]:
    """Each principal is listed once (object IDs compare case-insensitively)."""
    principals = subject.spec.access.principals
    for index, first in repeats(principal.object_id for principal in principals):
        yield Finding(("access", "principals", index, "objectId"),
                      f"principal {principals[index].object_id} is already listed as access.principals[{first}]",
                      "each principal is granted once; remove the duplicate")


def _ip_rule_findings(path: tuple, value: str) -> Iterator[Finding]:
    try:
        network = parse_ipv4_range(value)
    except RangeError as error:
        if error.kind == "host":
            yield Finding(path, f"'{value}' has host bits set", f"did you mean '{error.suggestion}'?")
        else:
            yield Finding(path, f"'{value}' is not an IPv4 address or CIDR range",
                          "each octet is 0-255 and the prefix length 0-32, as in 203.0.113.0/24")
        return
    if network.prefixlen == 31:
        first, second = network
        yield Finding(path, f"'{value}': Azure network rules do not take /31 ranges",
                      f"list the two addresses instead: {first} and {second}")
        return
    blocked = non_public_part(network)
    if blocked is not None:
        block, what = blocked
        yield Finding(path, f"'{value}' includes {what} addresses ({block}); Azure network rules on a public "
                            "endpoint accept public internet addresses only",
                      "a caller with a private address reaches the service through a private endpoint (tier 3 and "
                      "above), not through an IP rule; list the public address its traffic leaves from instead")


@rule("access-ip-ranges", before_design=True)
def ip_ranges(subject: Subject) -> Iterator[Finding]:
    """IP rules are public IPv4 addresses or CIDR ranges (not /31) as Azure's network rules accept them."""
    spec = subject.spec
    ranges = [(("openai", "allowedIpRanges", i), v) for i, v in enumerate(spec.openai.allowed_ip_ranges)]
    ranges += [(("keyVault", "allowedIpRanges", i), v) for i, v in enumerate(spec.key_vault.allowed_ip_ranges)]
    first: dict[tuple[str, str], tuple] = {}
    for path, value in ranges:
        yield from _ip_rule_findings(path, value)
        key = (path[0], single_address(value))
        if key in first:
            yield Finding(path, f"'{value}' is the same rule as {path[0]}.allowedIpRanges[{first[key][2]}] "
                                "(a single address and its /32 are one rule)", "remove one of them")
        first.setdefault(key, path)


@rule("monitoring-workspace-id", before_design=True)
def workspace_id(subject: Subject) -> Iterator[Finding]:
    """An existing Log Analytics workspace is named by its full resource ID."""
    workspace = subject.spec.monitoring.workspace_id
    if workspace is not None and not WORKSPACE_ID.match(workspace):
        yield Finding(("monitoring", "logAnalyticsWorkspaceId"), "not a Log Analytics workspace resource ID",
                      WORKSPACE_ID_HINT)


@rule("access-someone-granted")
def someone_granted(subject: Subject) -> Iterator[Finding]:
    """Warn when nobody is granted access (tiers 1 to 4)."""
    access = subject.spec.access
    if not access.managed_identity and not access.principals:
        yield Finding(("access",), "nobody is granted access to the deployment",
                      "set access.managedIdentity to true or list principals", severity="warning")


@rule("access-ignored-behind-gateway")
def access_ignored(subject: Subject) -> Iterator[Finding]:
    """Warn that access is ignored in tier 5, where callers authenticate at API Management."""
    if subject.posture.callers is Callers.API_MANAGEMENT and subject.written("access"):
        yield Finding(("access",), "ignored: in tier 5 callers authenticate at API Management (subscription key, "
                                   "and an Entra ID token with apiManagement.oauth); only the gateway's identity "
                                   "calls Azure OpenAI", at_key=True, severity="warning")


@rule("key-vault-ignored")
def key_vault_ignored(subject: Subject) -> Iterator[Finding]:
    """Warn that keyVault settings are ignored when the tier keeps no key."""
    if not subject.posture.key_in_vault and subject.written("keyVault"):
        yield Finding(("keyVault",), f"keyVault settings are ignored: tier {subject.posture.tier} keeps no API key",
                      "remove the keyVault section", at_key=True, severity="warning")


@rule("openai-ip-ranges-ignored")
def ip_ranges_ignored(subject: Subject) -> Iterator[Finding]:
    """Warn that openai.allowedIpRanges is ignored where public network access is disabled."""
    if not subject.posture.public_network and subject.spec.openai.allowed_ip_ranges:
        yield Finding(("openai", "allowedIpRanges"),
                      f"ignored: tier {subject.posture.tier} disables public network access", at_key=True,
                      severity="warning")


@rule("openai-fqdns-ignored")
def fqdns_ignored(subject: Subject) -> Iterator[Finding]:
    """Warn that openai.allowedFqdns is ignored unless outbound access is restricted."""
    openai = subject.spec.openai
    if openai.allowed_fqdns and not openai.restrict_outbound:
        yield Finding(("openai", "allowedFqdns"), "ignored: restrictOutboundNetworkAccess is false",
                      "set openai.restrictOutboundNetworkAccess: true to lock the account's outbound calls",
                      at_key=True, severity="warning")
