"""The starting spec written by ``azoai-gen init``."""

from __future__ import annotations

from . import resources
from .catalogue import TIERS
from .posture import POSTURES

DEFAULT_REGIONS = ["swedencentral", "francecentral"]

#: The optional settings, commented out, with the schema's defaults (a test holds them against the schema).
OPTIONAL_SETTINGS = """# Optional settings, shown with their defaults:
#
# access:
#   managedIdentity: true          # a user-assigned identity for the calling service
#   principals: []                 # existing principals: - objectId: <guid>, type: Group
# openai:
#   kind: OpenAI                   # or AIServices
#   allowedIpRanges: []            # tiers 1 and 2: restrict the public endpoint
#   restrictOutboundNetworkAccess: false
#   allowedFqdns: []               # what the account may call when outbound access is restricted
# keyVault:                        # tier 1 only
#   sku: standard
#   softDeleteRetentionInDays: 90
#   allowedIpRanges: []
#   secretExpiryDays: 90
# network:                         # tiers 3 and above
#   addressSpace: 10.100.0.0/16    # each region gets the next /22 of it
#   workloadSubnetDelegation: none # or Microsoft.App/environments, Microsoft.Web/serverFarms
#   privateDnsZoneIds: {}          # central zones by resource ID: openai, cognitiveServices, aiServices
# (per region, under regions[].network: addressSpace, privateEndpointSubnet, workloadSubnet, or existingSubnetId)
# frontDoor:                       # tiers 4 and 5
#   sku: Premium_AzureFrontDoor    # managed WAF rules and Private Link need Premium
#   origin: openai                 # tier 4: openai (the accounts) or app (regions[].app.hostName)
#   routing: priority              # or weighted (regions[].weight)
#   healthProbe: {path: /status-0123456789abcdef, method: GET, intervalInSeconds: 30}
#   waf: {mode: Prevention, requestBodyCheck: true}
# apiManagement:                   # tier 5
#   sku: Premium                   # classic Premium: VNet injection and several regions in one instance
#   capacity: 1                    # scale units in every region
#   publisherName: Contoso
#   publisherEmail: platform@contoso.com
#   tokensPerMinute: 10000         # per subscription, counted by each regional gateway on its own
#   tokenLimitAcrossRegions: each  # or split: the regions share tokensPerMinute
#   oauth: {tenantId: <guid>, audiences: [api://my-openai]}
# monitoring:
#   logAnalyticsWorkspaceId: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>
#   retentionInDays: 90
# naming:
#   suffix: abc12                  # fixed suffix instead of uniqueString(resourceGroup().id)
# validation:
#   strict: false                  # true: every warning is an error, as with --strict
"""


def default_regions(tier: int) -> list[str]:
    return DEFAULT_REGIONS[: POSTURES[tier].min_regions]


def spec_text(*, tier: int, regions: list[str], workload: str, environment: str) -> str:
    """A commented spec. The values are checked by validating the result, not trusted."""
    info = TIERS.get(tier)
    title = info.title if info else "unknown tier"
    region_lines = "\n".join(f"  - location: {_yaml_word(r)}" for r in regions) or "  []"
    return f"""# yaml-language-server: $schema={resources.SCHEMA_FILE}
# azoai-gen spec: edit it, then run 'azoai-gen render {{this file}}'.
# Only the first six keys are required; every other setting has a secure default.
version: 1
workload: {_yaml_word(workload)}   # used in every resource name: do not change it once deployed
environment: {_yaml_word(environment)}
tier: {tier}   # {title}. 'azoai-gen tiers' compares the five tiers.
regions:   # the first is the primary; do not reorder once deployed
{region_lines}
deployments:   # created identically in every region
  - name: chat
    model: gpt-5.4-mini
    version: "2026-03-17"
    sku: GlobalStandard
    capacity: 10   # thousands of tokens per minute, per region
tags: {{}}

{OPTIONAL_SETTINGS}"""


def _yaml_word(value: str) -> str:
    """A plain YAML scalar when safe, else a double-quoted one (validation rejects it later anyway)."""
    if value and all(c.isalnum() or c == "-" for c in value) and value.isascii():
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
