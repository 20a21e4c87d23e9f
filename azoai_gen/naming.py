"""Every Azure name the output uses, from one namer that also records what it handed out.

Names depend only on the workload, the environment, the region and a suffix, never on the tier or on a region's
position in the list. Raising the tier or adding a region therefore renders the same names for what already exists,
and a redeployment updates resources in place (an Azure OpenAI ``customSubDomainName`` can never change).

Globally unique names (the account, whose name is also its custom subdomain, the Key Vault, API Management and the
gateway's DNS labels) end with a suffix. By default it is computed at deployment time from the resource group ID, so
it is stable for every deployment to the same resource group; ``naming.suffix`` fixes it instead.

The namer keeps every name it was asked for: that list is exactly what the design deploys, and the name rule checks
walk it, so a name is checked if and only if it is used.
"""

from __future__ import annotations

import re

from .azure import COMPUTED_SUFFIX_LENGTH, NAME_RULES
from .frozen import frozen
from .load import PathT

#: How the manifest records a suffix that is computed at deployment time.
COMPUTED_SUFFIX_MARK = "<uniqueString(resourceGroup().id)>"


@frozen
class Name:
    """A resource name: ``stem`` followed, for globally unique names, by the suffix."""

    rule: str
    stem: str
    suffixed: bool = False
    #: The spec value to point at when the name breaks its rule.
    blame: PathT = ("workload",)

    def example(self, suffix: str | None) -> str:
        """The name as Azure will see it (``xxxxx`` stands for a computed suffix)."""
        if not self.suffixed:
            return self.stem
        return self.stem + (suffix if suffix else "x" * COMPUTED_SUFFIX_LENGTH)

    def recorded(self, suffix: str | None) -> str:
        """The name as the manifest records it; a computed suffix is written symbolically."""
        if not self.suffixed:
            return self.stem
        return self.stem + (suffix or COMPUTED_SUFFIX_MARK)

    def problem(self, suffix: str | None) -> str | None:
        """Why this name breaks Azure's rules, or ``None``."""
        rule = NAME_RULES[self.rule]
        name = self.example(suffix)
        if not rule.min_len <= len(name) <= rule.max_len:
            return (f"the {rule.kind} name '{name}' would be {len(name)} characters; "
                    f"Azure allows {rule.min_len} to {rule.max_len}")
        if not re.match(rule.chars, name):
            return f"the {rule.kind} name '{name}' is not valid: Azure allows {rule.description}"
        return None


def bicep_symbol(prefix: str, location: str) -> str:
    """A Bicep identifier for a per-region resource or module, such as ``openaiSwedencentral``."""
    return prefix + location[:1].upper() + location[1:]


class Namer:
    """Hands out names for one workload and environment, and remembers each one."""

    def __init__(self, workload: str, environment: str, suffix: str | None) -> None:
        self.base = f"{workload}-{environment}"
        self.workload = workload
        self.environment = environment
        self.suffix = suffix
        self._used: dict[tuple[str, str], Name] = {}

    @property
    def used(self) -> list[Name]:
        """Every name handed out, in the order first asked for."""
        return list(self._used.values())

    def _name(self, rule: str, stem: str, suffixed: bool = False, blame: PathT = ("workload",)) -> Name:
        name = Name(rule, stem, suffixed, blame)
        return self._used.setdefault((rule, stem), name)

    # Shared resources
    def resource_group(self) -> Name:
        return self._name("resourceGroup", f"rg-{self.base}")

    def log_analytics(self) -> Name:
        return self._name("logAnalytics", f"log-{self.base}")

    def identity(self) -> Name:
        return self._name("identity", f"id-{self.base}")

    def key_vault(self) -> Name:
        return self._name("keyVault", f"kv-{self.base}-", suffixed=True)

    def module(self, concern: str) -> Name:
        """The nested ARM deployment of one module call."""
        return self._name("deployment", f"{self.base}-{concern}")

    # Per region
    def account(self, short: str) -> Name:
        return self._name("account", f"oai-{self.base}-{short}-", suffixed=True)

    def content_safety(self, short: str) -> Name:
        """The Azure AI Content Safety account (tier 5); its name is also its custom subdomain."""
        return self._name("account", f"cs-{self.base}-{short}-", suffixed=True)

    def content_safety_private_endpoint(self, short: str) -> Name:
        return self._name("privateEndpoint", f"pep-cs-{self.base}-{short}")

    def content_safety_private_endpoint_nic(self, short: str) -> Name:
        return self._name("networkInterface", f"nic-pep-cs-{self.base}-{short}")

    def key_secret(self, location: str) -> Name:
        return self._name("secret", f"openai-api-key-{location}")

    def vnet(self, short: str) -> Name:
        return self._name("vnet", f"vnet-{self.base}-{short}")

    def subnet(self, purpose: str) -> Name:
        return self._name("subnet", f"snet-{purpose}")

    def nsg(self, short: str, subnet: str) -> Name:
        return self._name("nsg", f"nsg-{self.base}-{short}-{subnet}")

    def private_endpoint(self, short: str) -> Name:
        return self._name("privateEndpoint", f"pep-oai-{self.base}-{short}")

    def private_endpoint_nic(self, short: str) -> Name:
        """The NIC the private endpoint names with ``customNetworkInterfaceName``."""
        return self._name("networkInterface", f"nic-pep-oai-{self.base}-{short}")

    def dns_link(self, location: str) -> Name:
        return self._name("dnsLink", f"link-{self.base}-{location}")

    def peering(self, source: str, target: str) -> Name:
        return self._name("peering", f"peer-{source}-to-{target}")

    # Front Door
    def front_door(self) -> Name:
        return self._name("frontDoor", f"afd-{self.base}")

    def front_door_endpoint(self) -> Name:
        return self._name("frontDoorEndpoint", f"fde-{self.base}")

    def waf_policy(self) -> Name:
        """WAF policy names allow letters and digits only."""
        return self._name("wafPolicy", "waf" + (self.workload + self.environment).replace("-", ""))

    def front_door_child(self, stem: str) -> Name:
        """Origin group, origin, route or security policy."""
        return self._name("frontDoorChild", stem)

    # API Management
    def api_management(self) -> Name:
        return self._name("apiManagement", f"apim-{self.base}-", suffixed=True)

    def apim_dns_label(self, short: str) -> Name:
        return self._name("dnsLabel", f"apim-{self.base}-{short}-", suffixed=True)

    def public_ip(self, short: str, purpose: str) -> Name:
        return self._name("publicIp", f"pip-{purpose}-{self.base}-{short}")

    def app_insights(self) -> Name:
        return self._name("appInsights", f"appi-{self.base}")

    def apim_child(self, stem: str) -> Name:
        """Backend, pool, API, product or named value."""
        return self._name("apiManagementChild", stem)

    # Content filters
    def rai(self, stem: str, blame: PathT) -> Name:
        """A content filter (RAI policy), blocklist or blocklist item of the accounts: ``stem`` is the spec's name
        (or an item's name made of its term), ``blame`` the spec path that sets it."""
        return self._name("raiPolicy", stem, blame=blame)
    def consumer_key_secret(self, consumer: str) -> Name:
        """The Key Vault secret holding a gateway consumer's subscription key."""
        return self._name("secret", f"apim-{consumer}-key")

    # Alerts
    def action_group(self) -> Name:
        return self._name("actionGroup", f"ag-{self.base}")

    def action_group_short_name(self) -> Name:
        """At most 12 characters: the workload cut short enough for the environment to fit."""
        workload = self.workload[:max(1, 11 - len(self.environment))].rstrip("-")
        return self._name("actionGroupShortName", f"{workload}-{self.environment}")

    def metric_alert(self, concern: str) -> Name:
        """A metric alert rule: ``concern`` names the resource (``oai-<region short code>``, ``afd``, ``apim``) and
        what the rule watches, never the tier or a region's position, so raising the tier or adding a region keeps
        the names of the rules that exist."""
        return self._name("metricAlert", f"alert-{self.base}-{concern}")

    def event_grid_topic(self, concern: str) -> Name:
        return self._name("eventGridTopic", f"evgt-{self.base}-{concern}")

    def event_subscription(self, stem: str) -> Name:
        return self._name("eventSubscription", stem)
