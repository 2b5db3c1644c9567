"""The acts on an alert: one function each, and the one table of allowed moves.

raised → acknowledged (who, when) → assessed (confirmed, false alarm, keep watching) →
closed. Each act is atomic, takes the acting person as `by=`, checks who may act (a
recipient of the alert whose role may act on alerts) and from which state (TRANSITIONS),
and writes an audit event in the same transaction. Staff acts keep their exact times.
Nothing outside this module sets an alert's status (alerts.evaluate creates alerts).
"""

from collections.abc import Mapping
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext as _

from cases import audit, permissions
from cases.permissions import NotAllowed
from lib import clock

from . import mail, recipients
from .models import Alert, Assessment, AssessmentWrap, Finding, Recipient, Status, Tier

first_tiers = recipients.first_tiers

# For each act, the states it may start from and the state it leads to. An assessment
# that says "keep watching" may be followed by another assessment.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "acknowledge": ((Status.RAISED,), Status.ACKNOWLEDGED),
    "assess": ((Status.ACKNOWLEDGED, Status.ASSESSED), Status.ASSESSED),
    "close": ((Status.ASSESSED,), Status.CLOSED),
}


def is_recipient(alert: Alert, user) -> bool:
    return Recipient.objects.filter(alert=alert, user=user).exists()


def refusal(alert: Alert, by, act: str) -> str | None:
    """Why `by` may not do `act` on this alert now, in words; None when they may."""
    if not permissions.may(by, "act_on_alerts"):
        return _("Your role cannot do this.")
    if not is_recipient(alert, by):
        return _("This alert was not sent to you.")
    if alert.status not in TRANSITIONS[act][0]:
        return _("This cannot be done while the alert is “%(status)s”.") % {
            "status": alert.get_status_display()
        }
    if act == "close" and alert.finding == Finding.WATCHING:
        return _("Assess the alert as confirmed or a false alarm before closing it.")
    return None


def check(alert: Alert, by, act: str) -> None:
    reason = refusal(alert, by, act)
    if reason:
        raise NotAllowed(reason)


def locked(alert: Alert) -> Alert:
    return Alert.objects.select_for_update().get(pk=alert.pk)


def move(alert: Alert, act: str, *, by, detail: dict | None = None) -> None:
    old, alert.status = alert.status, TRANSITIONS[act][1]
    alert.save()
    audit.record(
        f"alert_{act}",
        by=by,
        detail={"alert": alert.pk, "from": old, "to": alert.status, **(detail or {})},
    )


@transaction.atomic
def acknowledge(alert: Alert, *, by) -> Alert:
    """Say that someone has seen the alert and is on it: escalation stops."""
    alert = locked(alert)
    check(alert, by, "acknowledge")
    alert.acknowledged_at, alert.acknowledged_by = clock.now(), by
    move(alert, "acknowledge", by=by)
    return alert


@transaction.atomic
def assess(
    alert: Alert, *, by, finding: str, sealed_text: bytes = b"", wraps: Mapping[int, bytes] = {}
) -> Assessment:
    """Record the finding; its text comes already sealed to the recipients (cases.alert_seal),
    with the key wrapped to each of them ({user id: wrap})."""
    alert = locked(alert)
    check(alert, by, "assess")
    if finding not in Finding.values:
        raise NotAllowed(_("Choose a finding."))
    if sealed_text and not wraps:
        raise NotAllowed(_("The assessment must be sealed to the alert's recipients."))
    at = clock.now()
    assessment = Assessment.objects.create(
        alert=alert, by=by, finding=finding, at=at, text=sealed_text
    )
    AssessmentWrap.objects.bulk_create(
        AssessmentWrap(assessment=assessment, user_id=user_id, wrapped=wrapped)
        for user_id, wrapped in wraps.items()
    )
    alert.finding, alert.assessed_at, alert.assessed_by = finding, at, by
    move(alert, "assess", by=by, detail={"finding": finding, "text": bool(sealed_text)})
    return assessment


@transaction.atomic
def close(alert: Alert, *, by) -> Alert:
    """End the alert: new matching reports raise a new one."""
    alert = locked(alert)
    check(alert, by, "close")
    alert.closed_at, alert.closed_by = clock.now(), by
    move(alert, "close", by=by)
    return alert


def add_tier(alert: Alert, tier: int) -> list[Recipient]:
    """Send the alert to the members of one tier it has not reached yet (mail via the outbox)."""
    known = set(Recipient.objects.filter(alert=alert).values_list("user_id", flat=True))
    now = clock.now()
    added = [
        Recipient(alert=alert, user=p.user, tier=tier, added_at=now)
        for p in recipients.at_tier(tier, alert.countries)
        if p.user_id not in known
    ]
    Recipient.objects.bulk_create(added, ignore_conflicts=True)
    mail.queue(alert, [r.user for r in added])
    if tier > alert.tier:
        alert.tier = tier
        alert.save(update_fields=["tier"])
    return added


def escalation_due(alert: Alert):
    """When the unacknowledged alert goes to the next tier, or None (never, or no tier left)."""
    hours = alert.rule.escalate_after_hours
    if alert.status != Status.RAISED or not hours or alert.tier >= Tier.STEERING:
        return None
    return alert.tier_since + timedelta(hours=hours)


@transaction.atomic
def escalate_unacknowledged(alert: Alert, *, by="system") -> bool:
    """Send an alert nobody acknowledged in time to the next tier; False if not due."""
    alert = Alert.objects.select_for_update().select_related("rule").get(pk=alert.pk)
    due = escalation_due(alert)
    if due is None or due > clock.now():
        return False
    tier = alert.tier + 1
    while tier <= Tier.STEERING and not recipients.at_tier(tier, alert.countries):
        tier += 1  # a tier with nobody in it is skipped, not waited on
    if tier > Tier.STEERING:
        tier = Tier.STEERING
    alert.tier_since = clock.now()
    alert.save(update_fields=["tier_since"])
    added = add_tier(alert, tier)
    audit.record(
        "alert_escalated",
        by=by,
        detail={"alert": alert.pk, "tier": tier, "recipients": len(added)},
    )
    return True
