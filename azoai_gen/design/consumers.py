"""Consumers of the tier 5 gateway (``apiManagement.consumers``): who may call, with what limit and quota, and how
their subscription keys are handed over.

A consumer without an Entra application ID is a *key consumer*: an API Management product with its own policy
(``policies/consumer-<name>.xml``: its tokens per minute and token quota) and one subscription scoped to that product,
whose key the consumer sends in ``api-key``. Product-scope policies run where the API policy says ``<base />``, first
in its inbound section.

A consumer with an Entra application ID is an *Entra consumer*: it sends a Microsoft Entra ID token and no key. API
Management runs product policies only for a call whose key resolves a product, so its limits are in the API policy: a
``validate-azure-ad-token`` that admits only the Entra consumers' application IDs, then a ``choose`` on the token's
``azp`` (``appid`` in v1.0 tokens) with each consumer's own ``azure-openai-token-limit``. The API then cannot require
a subscription (a keyless call would be refused before any policy runs), so the API policy refuses every call that no
consumer claims: no key of a consumer's product and no token of a listed application means 403. That also closes the
paths around the products' limits: the built-in all-access subscription, and a subscription of a product a previous
render made (product-scope policies do not run for them).

Each regional gateway keeps its own token counters and quotas (Learn: "Limit large language model API token
usage", gateway counts), so with ``apiManagement.tokenLimitAcrossRegions: split`` every limit and quota is divided by
the number of regions.
"""

from __future__ import annotations

from ..azure import API_VERSIONS
from ..frozen import frozen
from ..model import Spec
from ..naming import Namer

#: The policy variable that names the consumer of a call: set by the consumer's product policy or by the API
#: policy's Entra branch, read by the token metric's Consumer dimension and by the refusal of unknown callers.
CONSUMER_VARIABLE = "consumer"
#: The validated Entra token and the application ID read from it.
TOKEN_VARIABLE = "entra-token"
APP_ID_VARIABLE = "entra-app-id"
#: What the gateway without consumers deploys; a render with consumers leaves them in Azure.
DEFAULT_PRODUCT = "azure-openai"
DEFAULT_SUBSCRIPTION = "default"
#: The secrets written into ``apiManagement.consumerKeyVault`` expire after this long; every deployment writes a new
#: version. A subscription key itself does not expire.
KEY_SECRET_EXPIRY = "P365D"
POLICY_DIR = "policies"


@frozen
class Limits:
    """What each regional gateway allows a consumer: tokens per minute and, optionally, a token quota per period."""

    tokens_per_minute: int
    token_quota: int | None
    token_quota_period: str
    #: The limits the spec states (before any split between regions).
    spec_tokens_per_minute: int
    spec_token_quota: int | None


@frozen
class KeyConsumer:
    name: str
    product_name: str
    product_symbol: str
    product_api_symbol: str
    product_policy_symbol: str
    subscription_name: str
    subscription_symbol: str
    secret_name: str
    secret_symbol: str
    policy_file: str
    #: The policy file as the apim-api module loads it.
    policy_path: str
    limits: Limits
    #: The counter key: one counter per subscription, apart from any other policy's counters.
    counter_key: str
    #: What the product waits for (the previous consumer's subscription): products, their API links and
    #: subscriptions are created one at a time (PessimisticConcurrencyConflict otherwise).
    after: str


@frozen
class EntraConsumer:
    name: str
    application_id: str
    limits: Limits
    counter_key: str


@frozen
class ConsumerKeys:
    """The module that writes every key consumer's primary key into an existing Key Vault."""

    module_name: str
    vault_name: str
    #: ``None``: the deployment's resource group.
    resource_group: str | None
    expiry: str


@frozen
class Consumers:
    keyed: tuple[KeyConsumer, ...]
    entra: tuple[EntraConsumer, ...]
    #: The API requires a subscription key unless an Entra consumer calls without one.
    subscription_required: bool
    keys: ConsumerKeys | None
    variable: str
    token_variable: str
    app_id_variable: str
    #: The product and subscription a gateway without consumers deploys, which this render leaves in Azure.
    default_product: str
    default_subscription: str
    #: Where the README's az rest command reads a subscription's keys.
    list_secrets_api_version: str
    #: The API policy waits for the last operation before the first product links itself to the API.
    first_after: str

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.keyed) + tuple(c.name for c in self.entra)

    @property
    def policy_files(self) -> tuple[str, ...]:
        return tuple(c.policy_file for c in self.keyed)

    @property
    def last_symbol(self) -> str:
        return self.keyed[-1].subscription_symbol if self.keyed else self.first_after

    @property
    def quotas(self) -> bool:
        return any(c.limits.token_quota for c in self.keyed + self.entra)


def _limits(spec: Spec, tokens_per_minute: int | None, quota: int | None, period: str, regions: int) -> Limits:
    settings = spec.api_management
    tpm = tokens_per_minute if tokens_per_minute is not None else settings.tokens_per_minute
    divide = regions if settings.token_limit_across_regions == "split" else 1
    return Limits(max(1, tpm // divide), None if quota is None else max(1, quota // divide), period, tpm, quota)


def consumers(spec: Spec, namer: Namer, regions: int, first_after: str) -> Consumers | None:
    """The consumers of ``spec``'s gateway, or ``None`` when it lists none (one product, one ``default``
    subscription). ``regions``: how many gateways count tokens; ``first_after``: the symbol the first product waits
    for."""
    items = spec.api_management.consumers
    if not items:
        return None
    keyed, entra = [], []
    after = first_after
    for index, item in enumerate(items, start=1):
        limits = _limits(spec, item.tokens_per_minute, item.token_quota, item.token_quota_period, regions)
        if item.entra_application_id:
            entra.append(EntraConsumer(item.name, item.entra_application_id, limits,
                                       f'@("entra-{item.entra_application_id}")'))
            continue
        product = namer.apim_child(f"consumer-{item.name}").stem
        symbol = f"consumer{index}"
        policy_file = f"{POLICY_DIR}/consumer-{item.name}.xml"
        keyed.append(KeyConsumer(
            name=item.name, product_name=product, product_symbol=f"{symbol}Product",
            product_api_symbol=f"{symbol}ProductApi", product_policy_symbol=f"{symbol}ProductPolicy",
            subscription_name=product, subscription_symbol=f"{symbol}Subscription",
            secret_name=namer.consumer_key_secret(item.name).stem, secret_symbol=f"{symbol}Key", policy_file=policy_file,
            policy_path="../" + policy_file, limits=limits, counter_key='@("consumer-" + context.Subscription.Id)', after=after))
        after = keyed[-1].subscription_symbol
    vault = spec.api_management.consumer_key_vault
    keys = None
    if vault and keyed:
        keys = ConsumerKeys(namer.module("consumer-keys").stem, vault.name, vault.resource_group, KEY_SECRET_EXPIRY)
    return Consumers(tuple(keyed), tuple(entra), not entra, keys, CONSUMER_VARIABLE, TOKEN_VARIABLE,
                     APP_ID_VARIABLE, DEFAULT_PRODUCT, DEFAULT_SUBSCRIPTION, API_VERSIONS["apiManagement"],
                     first_after)


__all__ = ["Consumers", "KeyConsumer", "EntraConsumer", "ConsumerKeys", "Limits", "consumers", "CONSUMER_VARIABLE"]
