"""Azure facts the generator relies on: API versions, built-in role IDs and name rules.

Every API version is the newest stable one in Azure's published Bicep type
definitions at the time of writing; each resource body is checked against it.
"""

from __future__ import annotations

API_VERSIONS: dict[str, str] = {
    "cognitiveServices": "2026-07-01",
    "keyVault": "2026-02-01",
    "logAnalytics": "2026-03-01",
    "managedIdentity": "2024-11-30",
    "roleAssignments": "2022-04-01",
    "diagnosticSettings": "2021-05-01-preview",
    "network": "2025-09-01",
    "privateDns": "2024-06-01",
    "frontDoor": "2025-12-01",
    "frontDoorWaf": "2025-11-01",
    "apiManagement": "2024-05-01",
    "appInsights": "2020-02-02",
    "workbooks": "2023-06-01",
    "actionGroups": "2023-01-01",
    "metricAlerts": "2026-01-01",
    "eventGrid": "2025-02-15",
}

#: The deployment types (SKUs) of provisioned deployments: their capacity is PTUs, billed per PTU-hour instead of
#: per token.
PROVISIONED_SKUS = ("GlobalProvisionedManaged", "DataZoneProvisionedManaged", "ProvisionedManaged")

#: Oldest management API version API Management accepts from clients (apiVersionConstraint): older versions are
#: refused, which closes the retired ones that could read secrets in plain text.
APIM_MIN_API_VERSION = "2021-08-01"

#: Built-in role definition IDs (the same in every tenant).
ROLES: dict[str, str] = {
    "cognitiveServicesOpenAIUser": "5e0bd9bd-7b93-4f28-af87-19fc36ad61bd",
    "keyVaultSecretsUser": "4633458b-17de-408a-b874-0445c86b69e6",
    "monitoringMetricsPublisher": "3913510d-42f4-4e42-8a64-420c390055eb",
    "cognitiveServicesUser": "a97b65f3-24c7-4388-baec-2e87135dc908",
}

ROLE_NAMES: dict[str, str] = {
    "cognitiveServicesOpenAIUser": "Cognitive Services OpenAI User",
    "keyVaultSecretsUser": "Key Vault Secrets User",
    "monitoringMetricsPublisher": "Monitoring Metrics Publisher",
    "cognitiveServicesUser": "Cognitive Services User",
}

#: Length of the suffix taken from uniqueString(resourceGroup().id) for globally unique names.
COMPUTED_SUFFIX_LENGTH = 5


class NameRule:
    """Azure's length and character rules for one kind of resource name."""

    def __init__(self, kind: str, min_len: int, max_len: int, chars: str, description: str) -> None:
        self.kind = kind
        self.min_len = min_len
        self.max_len = max_len
        self.chars = chars  # regular expression the whole name must match
        self.description = description


#: Characters of most Microsoft.Network names: start with a letter or digit, end with one or '_'.
_NETWORK_CHARS = r"^[a-zA-Z0-9]([a-zA-Z0-9_.-]*[a-zA-Z0-9_])?\Z"

#: Azure's naming rules by kind (Learn: "Naming rules and restrictions for Azure resources").
NAME_RULES: dict[str, NameRule] = {
    "account": NameRule("Azure OpenAI account", 2, 64, r"^[a-zA-Z0-9][a-zA-Z0-9-]*\Z",
                        "letters, digits and hyphens, starting with a letter or digit"),
    "keyVault": NameRule("Key Vault", 3, 24, r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]\Z",
                         "letters, digits and single hyphens, starting with a letter"),
    "logAnalytics": NameRule("Log Analytics workspace", 4, 63, r"^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]\Z",
                             "letters, digits and hyphens"),
    "identity": NameRule("managed identity", 3, 128, r"^[a-zA-Z0-9][a-zA-Z0-9_-]*\Z",
                         "letters, digits, hyphens and underscores"),
    "secret": NameRule("Key Vault secret", 1, 127, r"^[a-zA-Z0-9-]+\Z", "letters, digits and hyphens"),
    "vnet": NameRule("virtual network", 2, 64, r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9_]\Z",
                     "letters, digits, '_', '.' and '-'"),
    "nsg": NameRule("network security group", 1, 80, r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9_]\Z",
                    "letters, digits, '_', '.' and '-'"),
    "privateEndpoint": NameRule("private endpoint", 2, 64, r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9_]\Z",
                                "letters, digits, '_', '.' and '-'"),
    "dnsLink": NameRule("private DNS zone link", 1, 80, r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9_]\Z",
                        "letters, digits, '_', '.' and '-'"),
    "frontDoor": NameRule("Front Door profile", 1, 260, r"^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]\Z",
                          "letters, digits and hyphens"),
    "frontDoorEndpoint": NameRule("Front Door endpoint", 2, 46, r"^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]\Z",
                                  "letters, digits and hyphens"),
    "wafPolicy": NameRule("WAF policy", 1, 128, r"^[a-zA-Z][a-zA-Z0-9]*\Z", "letters and digits"),
    "apiManagement": NameRule("API Management service", 1, 50, r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]\Z",
                              "letters, digits and single hyphens, starting with a letter"),
    "dnsLabel": NameRule("public IP DNS label", 3, 63, r"^[a-z][a-z0-9-]*[a-z0-9]\Z",
                         "lowercase letters, digits and hyphens, starting with a letter"),
    "publicIp": NameRule("public IP address", 1, 80, r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9_]\Z",
                         "letters, digits, '_', '.' and '-'"),
    "appInsights": NameRule("Application Insights component", 1, 260, r"^[^%&\\?/\x00-\x1f\x7f]+\Z", "no % & \\ ? /"),
    "deployment": NameRule("ARM deployment", 1, 64, r"^[-\w._()]+\Z", "letters, digits, '-', '_', '.', '(' and ')'"),
    "resourceGroup": NameRule("resource group", 1, 90, r"^[-\w._()]*[-\w_()]\Z",
                              "letters, digits, '-', '_', '.', '(' and ')', not ending with '.'"),
    "subnet": NameRule("subnet", 1, 80, _NETWORK_CHARS, "letters, digits, '_', '.' and '-'"),
    "networkInterface": NameRule("network interface", 1, 80, _NETWORK_CHARS, "letters, digits, '_', '.' and '-'"),
    "peering": NameRule("VNet peering", 1, 80, _NETWORK_CHARS, "letters, digits, '_', '.' and '-'"),
    "frontDoorChild": NameRule("Front Door origin group, origin, route or security policy", 1, 90,
                               r"^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\Z", "letters, digits and hyphens"),
    "actionGroup": NameRule("action group", 1, 260, r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*\Z",
                            "letters, digits, '_', '.' and '-'"),
    "actionGroupShortName": NameRule("action group short name", 1, 12, r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*\Z",
                                     "letters, digits, '_', '.' and '-'"),
    "metricAlert": NameRule("metric alert rule", 1, 260, r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*\Z",
                            "letters, digits, '_', '.' and '-'"),
    "eventGridTopic": NameRule("Event Grid system topic", 3, 128, r"^[a-zA-Z0-9-]+\Z", "letters, digits and hyphens"),
    "eventSubscription": NameRule("Event Grid event subscription", 3, 64, r"^[a-zA-Z0-9-]+\Z",
                                  "letters, digits and hyphens"),
    "raiPolicy": NameRule("content filter (RAI policy), blocklist or blocklist item", 1, 64,
                          r"^[a-zA-Z0-9][a-zA-Z0-9_.-]*\Z", "letters, digits, '_', '.' and '-'"),
    "apiManagementChild": NameRule("API Management backend, API, product or named value", 1, 80,
                                   r"^[a-zA-Z]([a-zA-Z0-9-]*[a-zA-Z0-9])?\Z",
                                   "letters, digits and hyphens, starting with a letter"),
}


#: Hosts the Bicep linter rule no-hardcoded-env-urls reports in a string (its default "disallowedhosts", Bicep docs:
#: "Linter rule - no hardcoded environment URL"), and the ones it exempts. A value from the spec may name one (an
#: allowed FQDN such as mystorage.blob.core.windows.net); the rule is then suppressed on that line.
BICEP_ENV_URL_HOSTS = ("api.loganalytics.io", "asazure.windows.net", "azuredatalakeanalytics.net",
                       "azuredatalakestore.net", "batch.core.windows.net", "core.windows.net", "database.windows.net",
                       "datalake.azure.net", "gallery.azure.com", "graph.windows.net", "login.microsoftonline.com",
                       "management.azure.com", "management.core.windows.net", "region.asazure.windows.net",
                       "trafficmanager.net", "vault.azure.net")
BICEP_ENV_URL_EXEMPT = ("schema.management.azure.com",)
