"""Azure identifiers the spec carries: GUIDs, resource IDs and IPv4 ranges, parsed in one place.

Every rule that reads an ID uses these patterns, so a subnet ID means the same thing to the network plan, the
rules and the design.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from typing import Iterator

GUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
#: A resource's name in an ID: anything but a slash or a control character.
_NAME = r"[^/\x00-\x1f\x7f]+"
_GROUP = r"/subscriptions/" + GUID + r"/resourcegroups/[-\w._()]{1,90}"


class LazyPattern:
    """A regular expression compiled when first used, for a pattern that most runs never need: most specs carry no
    resource ID, and compiling these patterns (case-insensitive, with large classes) costs more than the checks that
    need them; other modules use it for the patterns of error messages and hints."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern, self.flags = pattern, flags

    @functools.cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(self.pattern, self.flags)

    def match(self, text: str) -> re.Match[str] | None:
        return self.compiled.match(text)

    def fullmatch(self, text: str) -> re.Match[str] | None:
        return self.compiled.fullmatch(text)

    def search(self, text: str) -> re.Match[str] | None:
        return self.compiled.search(text)

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(text)

    def sub(self, replacement: str, text: str) -> str:
        return self.compiled.sub(replacement, text)


#: The same segments, captured: the subscription ID and the resource group name.
_SCOPE = LazyPattern(rf"^/subscriptions/(?P<subscription>{GUID})/resourcegroups/(?P<group>[-\w._()]{{1,90}})/",
                     re.IGNORECASE)

#: Any resource ID below a resource group: /subscriptions/<id>/resourceGroups/<g>/providers/<ns>/<type>/<name>...
RESOURCE_ID = LazyPattern(rf"^{_GROUP}/providers/[a-z0-9.]+/[a-z0-9]+/{_NAME}(/[a-z0-9]+/{_NAME})*\Z",
                          re.IGNORECASE)
SUBNET_ID = LazyPattern(
    rf"^(?P<vnet>{_GROUP}/providers/microsoft\.network/virtualnetworks/[\w.-]{{2,64}})/subnets/[\w.-]{{1,80}}\Z",
    re.IGNORECASE)
ZONE_ID = LazyPattern(rf"^{_GROUP}/providers/microsoft\.network/privatednszones/(?P<zone>[a-z0-9.-]+)\Z",
                      re.IGNORECASE)
WORKSPACE_ID = LazyPattern(
    rf"^{_GROUP}/providers/microsoft\.operationalinsights/workspaces/[a-z0-9][a-z0-9-]{{2,61}}[a-z0-9]\Z",
    re.IGNORECASE)

RESOURCE_ID_HINT = "expected /subscriptions/<id>/resourceGroups/<group>/providers/<namespace>/<type>/<name>"
SUBNET_ID_HINT = ("expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/"
                  "virtualNetworks/<vnet>/subnets/<subnet>")
WORKSPACE_ID_HINT = ("expected /subscriptions/<id>/resourceGroups/<group>/providers/"
                     "Microsoft.OperationalInsights/workspaces/<name>")


def vnet_of_subnet(subnet_id: str) -> str | None:
    """The VNet resource ID of a subnet resource ID, or ``None`` when it is not one."""
    match = SUBNET_ID.match(subnet_id)
    return match.group("vnet") if match else None


def resource_group_of(resource_id: str) -> tuple[str, str] | None:
    """The subscription ID and resource group name of a resource ID below a resource group, as written, or ``None``
    when it is not one."""
    match = _SCOPE.match(resource_id) if RESOURCE_ID.match(resource_id) else None
    return (match.group("subscription"), match.group("group")) if match else None


def zone_of(zone_id: str) -> str | None:
    """The zone name of a private DNS zone resource ID, or ``None`` when it is not one."""
    match = ZONE_ID.match(zone_id)
    return match.group("zone").lower() if match else None


class RangeError(ValueError):
    """Why a text is not an IPv4 range: ``kind`` is ``prefix``, ``host`` (``suggestion`` is the range the text
    probably meant) or ``syntax`` (``detail`` says what is wrong)."""

    def __init__(self, kind: str, suggestion: str = "", detail: str = "") -> None:
        super().__init__(kind)
        self.kind = kind
        self.suggestion = suggestion
        self.detail = detail


def parse_ipv4_range(text: str) -> ipaddress.IPv4Network:
    """An IPv4 address or CIDR range with no host bits set. Raises :class:`RangeError`."""
    try:
        return ipaddress.IPv4Network(text, strict=True)
    except ipaddress.NetmaskValueError:
        raise RangeError("prefix") from None
    except ValueError as exc:
        try:
            loose = ipaddress.IPv4Network(text, strict=False)
        except ValueError:
            raise RangeError("syntax", detail=str(exc)) from None
        raise RangeError("host", str(loose)) from None


#: Address blocks that never reach a public endpoint from the internet, and what each is. Azure's network rules on
#: a public endpoint (Azure AI services, Key Vault) accept public addresses only.
NON_PUBLIC_BLOCKS = tuple((ipaddress.IPv4Network(block), what) for block, what in (
    ("0.0.0.0/8", "'this network' (RFC 1122)"),
    ("10.0.0.0/8", "private (RFC 1918)"),
    ("100.64.0.0/10", "shared address space (RFC 6598)"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private (RFC 1918)"),
    ("192.168.0.0/16", "private (RFC 1918)"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
))


def non_public_part(network: ipaddress.IPv4Network) -> tuple[ipaddress.IPv4Network, str] | None:
    """The first non-public block ``network`` overlaps, with what it is, or ``None`` for a public range."""
    for block, what in NON_PUBLIC_BLOCKS:
        if network.overlaps(block):
            return block, what
    return None


def single_address(text: str) -> str:
    """An IPv4 rule as Azure's network rules take it: a single address without the /32 prefix."""
    return text[:-3] if text.endswith("/32") else text


#: The blocks a VNet's address space is meant to come from: RFC 1918 and the shared address space.
PRIVATE_BLOCKS = tuple(block for block, what in NON_PUBLIC_BLOCKS if what.startswith(("private", "shared")))


def is_private_range(network: ipaddress.IPv4Network) -> bool:
    """Inside RFC 1918 or the shared address space (RFC 6598)."""
    return any(network.subnet_of(block) for block in PRIVATE_BLOCKS)
