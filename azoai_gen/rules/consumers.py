"""The gateway's consumers (``apiManagement.consumers``): names and applications once each, what an Entra consumer
needs, and what a multi-region gateway does to quotas."""

from __future__ import annotations

from typing import Iterator

from ..errors import Finding
from . import Subject, repeats, rule

CONSUMERS = ("apiManagement", "consumers")


@rule("api-management-consumers-unique", before_design=True)
def consumers_unique(subject: Subject) -> Iterator[Finding]:
    """Each consumer's name once, and each Entra application once.

    A name names a product, a subscription, a policy file and a secret; the policy tells Entra consumers apart by
    application ID."""
    consumers = subject.spec.api_management.consumers
    for index, first in repeats(consumer.name for consumer in consumers):
        yield Finding(CONSUMERS + (index, "name"), f"consumer name {consumers[index].name!r} is already used by "
                      f"apiManagement.consumers[{first}]", "give each consumer its own name")
    for index, first in repeats(consumer.entra_application_id for consumer in consumers):
        yield Finding(CONSUMERS + (index, "entraApplicationId"), f"application {consumers[index].entra_application_id} "
                      f"is already the consumer apiManagement.consumers[{first}]",
                      "an application is one consumer: give it one entry with its limits")


@rule("api-management-consumers-entra-needs-oauth", before_design=True)
def entra_needs_oauth(subject: Subject) -> Iterator[Finding]:
    """An Entra consumer's token is checked against the tenant and audiences of apiManagement.oauth."""
    settings = subject.spec.api_management
    if not subject.posture.api_management or settings.oauth is not None:
        return
    for index, consumer in enumerate(settings.consumers):
        if consumer.entra_application_id:
            yield Finding(CONSUMERS + (index, "entraApplicationId"),
                          "an Entra consumer needs apiManagement.oauth: the tenant that issues its tokens and the "
                          "audiences the gateway accepts",
                          "set apiManagement.oauth.tenantId and apiManagement.oauth.audiences (note that key "
                          "consumers then send a token too), or remove entraApplicationId to give it a key")


@rule("api-management-consumer-quotas-per-gateway", before_design=True)
def quotas_per_gateway(subject: Subject) -> Iterator[Finding]:
    """Warn that token counters and quotas are kept per regional gateway, unless the spec divides them (split)."""
    settings = subject.spec.api_management
    regions = len(subject.spec.regions)
    if not subject.posture.api_management or regions < 2:
        return
    if not any(consumer.token_quota for consumer in settings.consumers):
        return
    if settings.token_limit_across_regions == "split":
        return  # chosen in the spec: every limit and quota is divided between the gateways, as the README says
    how = f"a consumer whose calls reach all {regions} regions can use up to {regions} times its quota"
    yield Finding(CONSUMERS, f"each of the {regions} regional gateways counts tokens and quotas on its own: {how}",
                  "set apiManagement.tokenLimitAcrossRegions: split to divide every limit and quota between the "
                  "gateways, or route the consumer to one region",
                  at_key=True, severity="warning")


@rule("api-management-consumer-settings-ignored", before_design=True)
def consumer_settings_ignored(subject: Subject) -> Iterator[Finding]:
    """Warn about the consumers' Key Vault and chargeback rate where nothing uses them."""
    if not subject.posture.api_management:
        return
    settings = subject.spec.api_management
    keyed = [c for c in settings.consumers if c.entra_application_id is None]
    if settings.consumer_key_vault and not keyed:
        yield Finding(("apiManagement", "consumerKeyVault"), "ignored: no consumer has a subscription key to store",
                      "list a consumer without entraApplicationId, or remove consumerKeyVault", at_key=True,
                      severity="warning")
    if settings.chargeback_rate_per_1000_tokens is not None and not settings.consumers:
        yield Finding(("apiManagement", "chargeback"), "ignored: the chargeback query needs apiManagement.consumers",
                      "list the consumers, or remove chargeback", at_key=True, severity="warning")
