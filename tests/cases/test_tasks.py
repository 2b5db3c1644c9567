"""Notifications, reminders and overdue escalation, with eager Celery and a stopped clock."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import translation

from cases import access, intake, notifications, taxonomy, workflow
from cases.models import AuditEvent, Case, Escalation, Level, Notice, Status
from cases.notifications import backoff, notify
from cases.tasks import escalate_overdue, remind_deadlines
from places import countries
from tests.conftest import ANSWERS, key_of, report

pytestmark = pytest.mark.django_db

# Words a mail must never carry: the report's own, its categories', its country's.
TELLTALES = (
    "Soldiers comptoir diamond Kasaï Tshikapa 40 Congo Smuggl Threats reprisal "
    "contrebande menaces DEF TRD CD P1"
).split()


@pytest.fixture
def people(coalition):
    """The coalition, each with an e-mail address."""
    for name, profile in coalition.items():
        profile.user.email = f"{name}@coalition.example"
        profile.user.save()
    return coalition


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run the on-commit callbacks (the queued tasks) as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def submitted(committed, **changes) -> intake.Submission:
    with committed():
        return report(**changes)


def words_of(codes) -> list[str]:
    labels = []
    for language in ("en", "fr"):
        with translation.override(language):
            labels += [str(taxonomy.CATEGORIES[code]) for code in codes]
            labels.append(str(countries.COUNTRIES["CD"]))
    return labels


def assert_content_free(message, case):
    assert case.reference in message.subject and case.reference in message.body
    assert notifications.case_url(case) in message.body
    # What is left once the reference and the link are taken out: fixed words only.
    text = (message.subject + "\n" + message.body).replace(case.reference, "")
    text = text.replace(notifications.case_url(case), "")
    for value in [*TELLTALES, *words_of(ANSWERS["categories"]), ANSWERS["what_happened"]]:
        assert value not in text, value


def to_whom(messages) -> list[str]:
    return sorted(address for m in messages for address in m.to)


def test_a_new_case_mails_the_officer_and_the_coordinator_once_without_content(people, committed):
    case = submitted(committed).case
    assert to_whom(mail.outbox) == ["amani@coalition.example", "beatrice@coalition.example"]
    for message in mail.outbox:
        assert len(message.to) == 1 and not message.cc and not message.bcc
        assert_content_free(message, case)


def test_running_the_notification_twice_sends_it_once(people, committed):
    case = submitted(committed).case
    assert notify.delay("new_case", str(case.id)).get() == 0
    assert len(mail.outbox) == 2
    assert Notice.objects.filter(case=case, kind="new_case").count() == 1


def test_each_reporter_message_is_notified_once(people, committed):
    submission = submitted(committed)
    case, case_key = access.case_for_receipt(submission.receipt)
    for text in ("They came back at night", "And again this morning"):
        with committed():
            intake.add_reporter_message(case, case_key=case_key, text=text)
    assert len(mail.outbox) == 2 + 2 + 2
    notify.delay("reporter_message", str(case.id))
    assert len(mail.outbox) == 6
    assert set(Notice.objects.filter(case=case).values_list("kind", flat=True)) == {
        "new_case",
        "reporter_message:1",
        "reporter_message:2",
    }
    for message in mail.outbox:
        assert_content_free(message, case)
        assert "night" not in message.body and "morning" not in message.body


def test_only_active_key_holders_with_an_address_are_mailed(people, committed):
    people["amani"].user.email = ""
    people["amani"].user.save()
    people["sia"].user.is_active = False  # holds no key to a CD case anyway
    people["sia"].user.save()
    submitted(committed)
    assert to_whom(mail.outbox) == ["beatrice@coalition.example"]


def test_a_reminder_goes_out_48_hours_before_the_acknowledgement_deadline(
    people, committed, frozen
):
    case = submitted(committed).case
    mail.outbox.clear()
    frozen.to(case.ack_due - timedelta(hours=49))
    remind_deadlines.delay()
    assert mail.outbox == []
    frozen.to(case.ack_due - timedelta(hours=47))
    with committed():
        remind_deadlines.delay()
    assert to_whom(mail.outbox) == ["amani@coalition.example", "beatrice@coalition.example"]
    assert_content_free(mail.outbox[0], case)
    frozen.advance(hours=1)
    with committed():
        remind_deadlines.delay()
    assert len(mail.outbox) == 2
    assert Notice.objects.filter(case=case, kind__startswith="reminder:ack:").count() == 1


def test_the_reminder_lead_is_configurable(people, committed, frozen, settings):
    settings.LANTERNE_REMINDER_HOURS = 72
    case = submitted(committed).case
    mail.outbox.clear()
    frozen.to(case.ack_due - timedelta(hours=71))
    with committed():
        remind_deadlines.delay()
    assert len(mail.outbox) == 2


def test_an_urgent_case_is_reminded_halfway_through_its_24_hours(people, committed, frozen):
    case = submitted(committed, urgent=True).case
    assert case.ack_due - case.received_at == timedelta(hours=24)
    mail.outbox.clear()
    with committed():
        remind_deadlines.delay()
    assert mail.outbox == []  # the new-case mail has just gone: no reminder on its heels
    frozen.to(case.ack_due - timedelta(hours=11))
    with committed():
        remind_deadlines.delay()
    assert len(mail.outbox) == 2


def test_a_reminder_goes_out_before_the_feedback_deadline(people, committed, frozen):
    case = submitted(committed).case
    case = workflow.acknowledge(
        case, by=people["amani"].user, case_key=key_of(case, people["amani"])
    )
    mail.outbox.clear()
    frozen.to(case.feedback_due - timedelta(hours=47))
    with committed():
        remind_deadlines.delay()
    assert len(mail.outbox) == 2
    assert Notice.objects.filter(case=case, kind__startswith="reminder:feedback:").exists()


def test_lost_notifications_are_sent_by_the_next_sweep(people, committed, monkeypatch, frozen):
    monkeypatch.setattr(notifications, "queue", lambda kind, case: None)  # broker down
    case = submitted(committed).case
    assert mail.outbox == []
    with committed():
        remind_deadlines.delay()
    assert to_whom(mail.outbox) == ["amani@coalition.example", "beatrice@coalition.example"]
    assert Notice.objects.filter(case=case, kind="new_case").exists()

    frozen.to(case.ack_due + timedelta(minutes=1))
    with committed():
        escalate_overdue.delay()
    assert len(mail.outbox) == 2
    with committed():
        remind_deadlines.delay()
    assert len(mail.outbox) == 4
    assert Notice.objects.filter(case=case, kind__startswith="overdue:ack:").exists()


def test_a_failing_mail_server_is_tried_again_and_nothing_is_recorded_before_sending(
    people, committed, monkeypatch
):
    failures = []
    send = EmailBackend.send_messages

    def flaky(self, messages):
        if len(failures) < 2:
            failures.append(1)
            assert not Notice.objects.exists()
            raise smtplib.SMTPServerDisconnected("connection lost")
        return send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    case = submitted(committed).case
    assert len(failures) == 2 and len(mail.outbox) == 2
    assert Notice.objects.filter(case=case, kind="new_case").exists()


def test_a_mail_server_that_stays_down_leaves_no_notice(people, committed, monkeypatch):
    tries, working = [], EmailBackend.send_messages

    def down(self, messages):
        tries.append(len(messages))
        raise ConnectionRefusedError("no server")

    monkeypatch.setattr(EmailBackend, "send_messages", down)
    monkeypatch.setattr(notify, "max_retries", 2)
    case = submitted(committed).case
    assert tries == [2, 2, 2]  # the first try and two retries, each for both key holders
    assert not Notice.objects.filter(case=case).exists() and not mail.outbox
    # Positive control: once the server is back, the sweep sends what was never recorded.
    monkeypatch.setattr(EmailBackend, "send_messages", working)
    with committed():
        remind_deadlines.delay()
    assert len(mail.outbox) == 2
    assert Notice.objects.filter(case=case, kind="new_case").exists()


def test_retries_back_off_from_30_seconds_to_15_minutes():
    assert [backoff(n) for n in range(7)] == [30, 60, 120, 240, 480, 900, 900]
    assert backoff(99) == 900


def test_an_overdue_case_is_escalated_once_to_regional_and_its_key_holders_told(
    people, committed, frozen
):
    case = submitted(committed).case
    mail.outbox.clear()
    frozen.to(case.ack_due + timedelta(minutes=1))
    with committed():
        assert escalate_overdue.delay().get() == 1
    case.refresh_from_db()
    assert case.level == Level.REGIONAL
    [escalation] = Escalation.objects.filter(case=case)
    assert escalation.automatic and escalation.by is None and escalation.level == Level.REGIONAL
    overdue = AuditEvent.objects.get(case_id=case.id, action="overdue")
    assert overdue.actor == "system"
    assert overdue.detail["reason"] == "ack_deadline_missed"
    assert overdue.detail["escalated_to"] == "regional"
    assert AuditEvent.objects.get(case_id=case.id, action="escalate").detail["automatic"]
    assert to_whom(mail.outbox) == ["amani@coalition.example", "beatrice@coalition.example"]
    assert_content_free(mail.outbox[0], case)

    frozen.advance(hours=3)
    with committed():
        assert escalate_overdue.delay().get() == 0
    assert Escalation.objects.filter(case=case).count() == 1 and len(mail.outbox) == 2


def test_the_system_escalates_no_higher_than_regional_but_keeps_telling(people, committed, frozen):
    case = submitted(committed).case
    frozen.to(case.ack_due + timedelta(minutes=1))
    with committed():
        escalate_overdue.delay()
    case = workflow.acknowledge(
        Case.objects.get(pk=case.pk),
        by=people["amani"].user,
        case_key=key_of(case, people["amani"]),
    )
    mail.outbox.clear()
    frozen.to(case.feedback_due + timedelta(minutes=1))
    with committed():
        assert escalate_overdue.delay().get() == 1
    case.refresh_from_db()
    assert case.level == Level.REGIONAL and Escalation.objects.filter(case=case).count() == 1
    detail = AuditEvent.objects.filter(case_id=case.id, action="overdue").last().detail
    assert detail == {**detail, "reason": "feedback_deadline_missed", "escalated_to": ""}
    assert len(mail.outbox) == 2


def test_a_concluded_case_is_not_escalated(people, committed, frozen):
    case = submitted(committed).case
    amani, key = people["amani"].user, key_of(case, people["amani"])
    workflow.acknowledge(case, by=amani, case_key=key)
    workflow.assess(case, by=amani, priority="P2", categories=["DEF"], admissible=True)
    workflow.conclude(case, by=amani, outcome="substantiated")
    mail.outbox.clear()
    frozen.advance(days=400)
    with committed():
        assert escalate_overdue.delay().get() == 0
        remind_deadlines.delay()
    case.refresh_from_db()
    assert case.status == Status.CONCLUDED and case.level == Level.NATIONAL
    assert not Escalation.objects.filter(case=case).exists() and mail.outbox == []
