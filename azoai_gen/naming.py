"""Resource names.

Names depend only on the workload, the environment, the region and a suffix, never on
the tier or on a region's position in the list. Raising the tier or adding a region
therefore renders the same names for what already exists, and a redeployment updates
resources in place (an Azure OpenAI ``customSubDomainName`` can never change).

Globally unique names (the account, whose name is also its custom subdomain, and the
Key Vault) end with a suffix. By default it is computed at deployment time from the
resource group ID, so it is stable for every deployment to the same resource group;
``naming.suffix`` fixes it instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .azure import COMPUTED_SUFFIX_LENGTH, NAME_RULES


@dataclass(frozen=True)
class Name:
    """A resource name: ``stem`` followed, for globally unique names, by the suffix."""

    rule: str
    stem: str
    suffixed: bool = False

    def example(self, suffix: str | None) -> str:
        """The name as Azure will see it (``xxxxx`` stands for a computed suffix)."""
        if not self.suffixed:
            return self.stem
        return self.stem + (suffix if suffix else "x" * COMPUTED_SUFFIX_LENGTH)

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


def base(workload: str, environment: str) -> str:
    return f"{workload}-{environment}"


def account(workload: str, environment: str, short: str) -> Name:
    return Name("account", f"oai-{base(workload, environment)}-{short}-", suffixed=True)


def key_vault(workload: str, environment: str) -> Name:
    return Name("keyVault", f"kv-{base(workload, environment)}-", suffixed=True)


def log_analytics(workload: str, environment: str) -> Name:
    return Name("logAnalytics", f"log-{base(workload, environment)}")


def identity(workload: str, environment: str) -> Name:
    return Name("identity", f"id-{base(workload, environment)}")


def key_secret(location: str) -> Name:
    return Name("secret", f"openai-api-key-{location}")


def vnet(workload: str, environment: str, short: str) -> Name:
    return Name("vnet", f"vnet-{base(workload, environment)}-{short}")


def nsg(workload: str, environment: str, short: str, subnet: str) -> Name:
    return Name("nsg", f"nsg-{base(workload, environment)}-{short}-{subnet}")


def private_endpoint(workload: str, environment: str, short: str) -> Name:
    return Name("privateEndpoint", f"pep-oai-{base(workload, environment)}-{short}")


def dns_link(workload: str, environment: str, location: str) -> Name:
    return Name("dnsLink", f"link-{base(workload, environment)}-{location}")


def front_door(workload: str, environment: str) -> Name:
    return Name("frontDoor", f"afd-{base(workload, environment)}")


def front_door_endpoint(workload: str, environment: str) -> Name:
    return Name("frontDoorEndpoint", f"fde-{base(workload, environment)}")


def waf_policy(workload: str, environment: str) -> Name:
    """WAF policy names allow letters and digits only."""
    return Name("wafPolicy", "waf" + (workload + environment).replace("-", ""))


def api_management(workload: str, environment: str) -> Name:
    return Name("apiManagement", f"apim-{base(workload, environment)}-", suffixed=True)


def apim_dns_label(workload: str, environment: str, short: str) -> Name:
    return Name("dnsLabel", f"apim-{base(workload, environment)}-{short}-", suffixed=True)


def public_ip(workload: str, environment: str, short: str, purpose: str) -> Name:
    return Name("publicIp", f"pip-{purpose}-{base(workload, environment)}-{short}")


def app_insights(workload: str, environment: str) -> Name:
    return Name("appInsights", f"appi-{base(workload, environment)}")


def module_deployment(workload: str, environment: str, concern: str) -> Name:
    """Name of the nested ARM deployment of one module."""
    return Name("deployment", f"{base(workload, environment)}-{concern}")


def bicep_symbol(prefix: str, location: str) -> str:
    """A Bicep identifier for a per-region module, such as ``openaiSwedencentral``."""
    return prefix + location[:1].upper() + location[1:]
