"""The alert's lifecycle: the table of moves, who may act, escalation on schedule, e-mails."""

import pytest
from django.core import mail

from alerts import lifecycle, tasks
from alerts import mail as alert_mail
from alerts.models import Alert, Finding, Status
from cases.models import AuditEvent
from cases.permissions import NotAllowed
from tests.conftest import ANSWERS, report


@pytest.fixture
def alert(coalition, urgent_rule, django_capture_on_commit_callbacks) -> Alert:
    with django_capture_on_commit_callbacks(execute=True):
        report(urgent=True)
    return Alert.objects.get()


# (act, the state it starts from) → allowed? Every pair is listed.
MOVES = [
    ("acknowledge", Status.RAISED, True),
    ("acknowledge", Status.ACKNOWLEDGED, False),
    ("acknowledge", Status.ASSESSED, False),
    ("acknowledge", Status.CLOSED, False),
    ("assess", Status.RAISED, False),
    ("assess", Status.ACKNOWLEDGED, True),
    ("assess", Status.ASSESSED, True),
    ("assess", Status.CLOSED, False),
    ("close", Status.RAISED, False),
    ("close", Status.ACKNOWLEDGED, False),
    ("close", Status.ASSESSED, True),
    ("close", Status.CLOSED, False),
]


def do(act: str, alert: Alert, by):
    if act == "assess":
        return lifecycle.assess(alert, by=by, finding=Finding.CONFIRMED)
    return getattr(lifecycle, act)(alert, by=by)


@pytest.mark.parametrize(("act", "start", "allowed"), MOVES)
def test_the_allowed_moves(alert, coalition, act, start, allowed):
    Alert.objects.filter(pk=alert.pk).update(status=start, finding=Finding.CONFIRMED)
    amani = coalition["amani"].user
    if allowed:
        do(act, alert, amani)
        alert.refresh_from_db()
        assert alert.status == lifecycle.TRANSITIONS[act][1]
        assert AuditEvent.objects.filter(action=f"alert_{act}", actor="amani").exists()
    else:
        with pytest.raises(NotAllowed, match="cannot be done while the alert is"):
            do(act, alert, amani)


def test_the_table_lists_every_act_and_state():
    assert {(a, s) for a, s, _ok in MOVES} == {
        (a, s) for a in lifecycle.TRANSITIONS for s in Status.values
    }


def test_acknowledge_assess_close_records_who_and_when(alert, coalition, frozen):
    amani = coalition["amani"].user
    lifecycle.acknowledge(alert, by=amani)
    lifecycle.assess(alert, by=amani, finding=Finding.WATCHING)
    with pytest.raises(NotAllowed, match="confirmed or a false alarm before closing"):
        lifecycle.close(alert, by=amani)
    lifecycle.assess(alert, by=amani, finding=Finding.CONFIRMED)
    lifecycle.close(alert, by=amani)
    alert.refresh_from_db()
    assert (alert.acknowledged_by, alert.assessed_by, alert.closed_by) == (amani, amani, amani)
    assert alert.acknowledged_at == frozen.now  # staff acts keep their exact times
    assert alert.finding == Finding.CONFIRMED and alert.assessments.count() == 2


def test_an_officer_of_another_country_can_neither_see_nor_act(alert, coalition):
    from alerts import access

    sia, amani = coalition["sia"].user, coalition["amani"].user
    assert list(access.visible(amani)) == [alert]  # positive control
    assert not access.visible(sia).exists()
    with pytest.raises(access.NotFound, match="not one this person may see"):
        access.alert_for(sia, alert.pk)
    with pytest.raises(NotAllowed, match="not sent to you"):
        lifecycle.acknowledge(alert, by=sia)
    assert access.unacknowledged_count(amani) == 1 and access.unacknowledged_count(sia) == 0


def test_the_coordinator_of_the_region_sees_the_alert_but_cannot_act(alert, coalition):
    from alerts import access

    beatrice = coalition["beatrice"].user
    assert access.alert_for(beatrice, alert.pk) == alert
    with pytest.raises(NotAllowed, match="not sent to you"):
        lifecycle.acknowledge(alert, by=beatrice)


def test_an_unacknowledged_alert_escalates_on_schedule(alert, coalition, frozen):
    assert tasks.escalate_alerts() == 0  # not yet: the rule says 2 hours
    frozen.advance(hours=2, minutes=1)
    assert tasks.escalate_alerts() == 1
    alert.refresh_from_db()
    tiers = {r.user.username: r.tier for r in alert.recipients.select_related("user")}
    assert tiers == {"amani": 0, "beatrice": 1}
    assert tasks.escalate_alerts() == 0  # once per tier: the clock starts again
    frozen.advance(hours=2, minutes=1)
    assert tasks.escalate_alerts() == 1
    alert.refresh_from_db()
    assert {r.user.username for r in alert.recipients.all()} == {"amani", "beatrice", "chidi"}
    lifecycle.acknowledge(alert, by=coalition["chidi"].user)  # the new tier may act
    frozen.advance(hours=5)
    assert tasks.escalate_alerts() == 0
    assert AuditEvent.objects.filter(action="alert_escalated").count() == 2


def test_an_acknowledged_alert_does_not_escalate(alert, coalition, frozen):
    lifecycle.acknowledge(alert, by=coalition["amani"].user)
    frozen.advance(hours=3)
    assert tasks.escalate_alerts() == 0


def test_alert_mails_leave_from_the_outbox_and_say_nothing_of_the_alert(alert, coalition):
    assert mail.outbox == [] or all("alert" not in m.subject for m in mail.outbox)
    mail.outbox.clear()
    assert alert_mail.deliver() == 1
    assert alert_mail.deliver() == 0  # sent once
    (sent,) = mail.outbox
    assert sent.to == ["amani@coalition.example"]
    assert sent.subject == "[Lanterne] An alert needs attention"
    assert f"/alerts/{alert.pk}/" in sent.body
    canaries = [ANSWERS["what_happened"], ANSWERS["mine_site"], "CD", "Congo", "urgent", "P1"]
    canaries += [alert.rule.name, "NSAG", "EWS", "Kasa"]
    for canary in canaries:
        assert canary not in sent.subject + sent.body, canary
