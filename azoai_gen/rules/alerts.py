"""Alerts: settings that would leave a rule silent, make it fire at once, or are ignored."""

from __future__ import annotations

from typing import Iterator

from ..errors import Finding
from . import Subject, rule

ALERTS = ("monitoring", "alerts")
#: Days before a secret version's expiry that Key Vault raises SecretNearExpiry (Learn: "Azure Key Vault as Event
#: Grid source").
NEAR_EXPIRY_DAYS = 30


@rule("alerts-no-receivers", before_design=True)
def no_receivers(subject: Subject) -> Iterator[Finding]:
    """Warning: the alert rules exist but notify nobody (no email, no webhook)."""
    settings = subject.spec.monitoring.alerts
    if settings.enabled and not settings.emails and not settings.webhook_variable:
        yield Finding(ALERTS, "the alert rules notify nobody: the action group has no email and no webhook, so "
                      "alerts only show in Azure Monitor",
                      "add monitoring.alerts.emails (or monitoring.alerts.webhook), or set "
                      "monitoring.alerts.enabled: false to render no alerts", severity="warning")


@rule("alerts-settings-ignored", before_design=True)
def settings_ignored(subject: Subject) -> Iterator[Finding]:
    """Warning: receivers, severity or thresholds are set while monitoring.alerts.enabled is false."""
    if subject.spec.monitoring.alerts.enabled:
        return
    for key in ("emails", "webhook", "severity", "thresholds"):
        if subject.written(*ALERTS, key):
            yield Finding(ALERTS + (key,), "ignored: monitoring.alerts.enabled is false, so no alert is rendered",
                          "remove it, or set monitoring.alerts.enabled: true", at_key=True, severity="warning")


@rule("alerts-origin-thresholds-ordered", before_design=True)
def origin_thresholds(subject: Subject) -> Iterator[Finding]:
    """The every-origin-failing threshold (originGroupDownPercent) is below originHealthPercent.

    Every origin failing is a lower origin health than one origin failing."""
    settings = subject.spec.monitoring.alerts
    limits = settings.thresholds
    if not (settings.enabled and subject.posture.front_door):
        return
    if limits.origin_group_down_percent >= limits.origin_health_percent:
        yield Finding(ALERTS + ("thresholds", "originGroupDownPercent"),
                      f"originGroupDownPercent ({limits.origin_group_down_percent}) must be below originHealthPercent "
                      f"({limits.origin_health_percent}): the every-origin-failing alert would fire whenever one "
                      "origin fails",
                      "keep originGroupDownPercent low (the default is 10): it detects every origin of the group "
                      "failing at once")


@rule("alerts-secret-expiry-within-notice", before_design=True)
def expiry_within_notice(subject: Subject) -> Iterator[Finding]:
    """Warning: the API key secret expires within Key Vault's 30-day notice of its expiry.

    The expiry alert would then fire after every deployment."""
    spec = subject.spec
    if not (spec.monitoring.alerts.enabled and subject.posture.key_in_vault):
        return
    days = spec.key_vault.secret_expiry_days
    if days <= NEAR_EXPIRY_DAYS:
        yield Finding(("keyVault", "secretExpiryDays"),
                      f"the API key secret expires {days} days after each deployment, within the {NEAR_EXPIRY_DAYS} "
                      "days' notice of Key Vault's SecretNearExpiry event: the expiry alert fires after every "
                      "deployment",
                      f"set keyVault.secretExpiryDays above {NEAR_EXPIRY_DAYS} (the default is 90)", severity="warning")
