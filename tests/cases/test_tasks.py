"""Notifications from the outbox, reminders and overdue escalation, with eager Celery
and a stopped clock."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import OperationalError, connection
from django.utils import translation

from cases import access, intake, notifications, taxonomy, workflow
from cases.models import AuditEvent, Case, Escalation, Level, Notice, PendingMail, Status
from cases.tasks import deliver_notifications, escalate_overdue, remind_deadlines
from config.celery import app as celery_app
from config.celery import mail_slots
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


def submitted(**changes) -> intake.Submission:
    return report(**changes)


def delivered() -> int:
    """Run the mail slot: what beat runs every LANTERNE_MAIL_SLOT_MINUTES."""
    return deliver_notifications.delay().get()


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


def test_a_new_case_mails_the_officer_and_the_coordinator_at_the_next_slot_without_content(
    people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = submitted().case
    assert mail.outbox == []  # nothing leaves when the act commits
    assert list(PendingMail.objects.values_list("kind", flat=True)) == ["new_case"]

    assert delivered() == 2
    assert to_whom(mail.outbox) == ["amani@coalition.example", "beatrice@coalition.example"]
    for message in mail.outbox:
        assert len(message.to) == 1 and not message.cc and not message.bcc
        assert_content_free(message, case)
    assert not PendingMail.objects.exists()


def test_running_the_slot_twice_sends_each_mail_once(people):
    case = submitted().case
    delivered()
    assert delivered() == 0
    assert len(mail.outbox) == 2
    assert Notice.objects.filter(case=case, kind="new_case").count() == 1


def test_a_notice_already_recorded_is_not_mailed_again(people):
    """A worker killed after sending but before deleting the row sends nothing more."""
    case = submitted().case
    Notice.objects.create(case=case, kind="new_case")
    assert delivered() == 0 and mail.outbox == []
    assert not PendingMail.objects.exists()


def test_each_reporter_message_is_notified_once(people):
    submission = submitted()
    case, case_key = access.case_for_receipt(submission.receipt)
    delivered()
    for text in ("They came back at night", "And again this morning"):
        intake.add_reporter_message(case, case_key=case_key, text=text)
        delivered()
    assert len(mail.outbox) == 2 + 2 + 2
    assert delivered() == 0
    assert set(Notice.objects.filter(case=case).values_list("kind", flat=True)) == {
        "new_case",
        "reporter_message:1",
        "reporter_message:2",
    }
    for message in mail.outbox:
        assert_content_free(message, case)
        assert "night" not in message.body and "morning" not in message.body


def test_what_a_slot_finds_for_one_case_goes_in_one_mail_per_person(people):
    submission = submitted()
    case, case_key = access.case_for_receipt(submission.receipt)
    intake.add_reporter_message(case, case_key=case_key, text="They came back at night")
    assert PendingMail.objects.count() == 2
    assert delivered() == 2
    assert to_whom(mail.outbox) == ["amani@coalition.example", "beatrice@coalition.example"]
    assert Notice.objects.filter(case=case).count() == 2


def test_only_active_key_holders_with_an_address_are_mailed(people):
    people["amani"].user.email = ""
    people["amani"].user.save()
    people["sia"].user.is_active = False  # holds no key to a CD case anyway
    people["sia"].user.save()
    submitted()
    delivered()
    assert to_whom(mail.outbox) == ["beatrice@coalition.example"]


def test_mails_leave_in_fixed_slots_every_ten_minutes_by_default(settings):
    entry = celery_app.conf.beat_schedule["deliver-notifications"]
    assert entry["task"] == "cases.tasks.deliver_notifications"
    assert settings.LANTERNE_MAIL_SLOT_MINUTES == 10
    assert sorted(entry["schedule"].minute) == [0, 10, 20, 30, 40, 50]
    assert entry["options"]["expires"] < 10 * 60  # a slot missed is not sent late
    settings.LANTERNE_MAIL_SLOT_MINUTES = 15
    assert sorted(mail_slots().minute) == [0, 15, 30, 45]


def test_a_reminder_goes_out_48_hours_before_the_acknowledgement_deadline(people, frozen):
    case = submitted().case
    delivered()
    mail.outbox.clear()
    frozen.to(case.ack_due - timedelta(hours=49))
    remind_deadlines.delay()
    delivered()
    assert mail.outbox == []
    frozen.to(case.ack_due - timedelta(hours=47))
    remind_deadlines.delay()
    delivered()
    assert to_whom(mail.outbox) == ["amani@coalition.example", "beatrice@coalition.example"]
    assert_content_free(mail.outbox[0], case)
    frozen.advance(hours=1)
    remind_deadlines.delay()
    delivered()
    assert len(mail.outbox) == 2
    assert Notice.objects.filter(case=case, kind__startswith="reminder:ack:").count() == 1


def test_the_reminder_lead_is_configurable(people, frozen, settings):
    settings.LANTERNE_REMINDER_HOURS = 72
    case = submitted().case
    delivered()
    mail.outbox.clear()
    frozen.to(case.ack_due - timedelta(hours=71))
    remind_deadlines.delay()
    delivered()
    assert len(mail.outbox) == 2


def test_an_urgent_case_is_reminded_halfway_through_its_24_hours(people, frozen):
    case = submitted(urgent=True).case
    assert case.ack_due - case.received_at == timedelta(hours=24)
    delivered()
    mail.outbox.clear()
    remind_deadlines.delay()
    delivered()
    assert mail.outbox == []  # the new-case mail has just gone: no reminder on its heels
    frozen.to(case.ack_due - timedelta(hours=11))
    remind_deadlines.delay()
    delivered()
    assert len(mail.outbox) == 2


def test_a_reminder_goes_out_before_the_feedback_deadline(people, frozen):
    case = submitted().case
    case = workflow.acknowledge(
        case, by=people["amani"].user, case_key=key_of(case, people["amani"])
    )
    delivered()
    mail.outbox.clear()
    frozen.to(case.feedback_due - timedelta(hours=47))
    remind_deadlines.delay()
    delivered()
    assert len(mail.outbox) == 2
    assert Notice.objects.filter(case=case, kind__startswith="reminder:feedback:").exists()


def test_a_failing_mail_server_leaves_the_mail_waiting_for_the_next_slot(people, monkeypatch):
    send = EmailBackend.send_messages

    def down(self, messages):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr(EmailBackend, "send_messages", down)
    case = submitted().case
    assert delivered() == 0
    assert PendingMail.objects.filter(case=case).exists() and not Notice.objects.exists()

    monkeypatch.setattr(EmailBackend, "send_messages", send)
    assert delivered() == 2
    assert Notice.objects.filter(case=case, kind="new_case").exists()
    assert not PendingMail.objects.exists()


def test_a_database_outage_during_the_slot_is_tried_again(people, caplog):
    """The first attempt meets a database that drops its connection; the retry delivers."""
    case = submitted().case
    outage = {"queries": 1}

    def drops_the_first_query(execute, sql, params, many, context):
        if outage["queries"]:
            outage["queries"] -= 1
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(drops_the_first_query):
        deliver_notifications.delay()
    assert outage["queries"] == 0
    assert "the database is unavailable; delivering again in 30 s" in caplog.text
    assert to_whom(mail.outbox) == ["amani@coalition.example", "beatrice@coalition.example"]
    assert Notice.objects.filter(case=case, kind="new_case").exists()


def test_a_database_outage_longer_than_the_slot_is_left_to_the_next_slot(people):
    submitted()
    attempts = []

    def down(execute, sql, params, many, context):
        attempts.append(sql)
        raise OperationalError("could not connect to server")

    with connection.execute_wrapper(down):
        deliver_notifications.delay()
    # Every 30 s for the 10 minutes of the slot, and no more: the next slot takes over.
    assert len(attempts) == 10 * 60 // 30
    assert mail.outbox == [] and PendingMail.objects.count() == 1
    assert delivered() == 2  # the next slot, with the database back


def test_an_overdue_case_is_escalated_once_to_regional_and_its_key_holders_told(people, frozen):
    case = submitted().case
    delivered()
    mail.outbox.clear()
    frozen.to(case.ack_due + timedelta(minutes=1))
    assert escalate_overdue.delay().get() == 1
    delivered()
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
    assert escalate_overdue.delay().get() == 0
    delivered()
    assert Escalation.objects.filter(case=case).count() == 1 and len(mail.outbox) == 2


def test_the_system_escalates_no_higher_than_regional_but_keeps_telling(people, frozen):
    case = submitted().case
    delivered()
    frozen.to(case.ack_due + timedelta(minutes=1))
    escalate_overdue.delay()
    delivered()
    case = workflow.acknowledge(
        Case.objects.get(pk=case.pk),
        by=people["amani"].user,
        case_key=key_of(case, people["amani"]),
    )
    mail.outbox.clear()
    frozen.to(case.feedback_due + timedelta(minutes=1))
    assert escalate_overdue.delay().get() == 1
    delivered()
    case.refresh_from_db()
    assert case.level == Level.REGIONAL and Escalation.objects.filter(case=case).count() == 1
    detail = AuditEvent.objects.filter(case_id=case.id, action="overdue").last().detail
    assert detail == {**detail, "reason": "feedback_deadline_missed", "escalated_to": ""}
    assert len(mail.outbox) == 2


def test_a_concluded_case_is_not_escalated(people, frozen):
    case = submitted().case
    delivered()
    amani, key = people["amani"].user, key_of(case, people["amani"])
    workflow.acknowledge(case, by=amani, case_key=key)
    workflow.assess(case, by=amani, priority="P2", categories=["DEF"], admissible=True)
    workflow.conclude(case, by=amani, outcome="substantiated")
    mail.outbox.clear()
    frozen.advance(days=400)
    assert escalate_overdue.delay().get() == 0
    remind_deadlines.delay()
    delivered()
    case.refresh_from_db()
    assert case.status == Status.CONCLUDED and case.level == Level.NATIONAL
    assert not Escalation.objects.filter(case=case).exists() and mail.outbox == []
