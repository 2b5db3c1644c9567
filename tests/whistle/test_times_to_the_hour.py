"""Every time a reporter's act writes is kept to the hour: rows, history, sessions, mails."""

import re
from datetime import datetime
from email.utils import parsedate_to_datetime

import pytest
from django.apps import apps
from django.core import mail
from django.db import models

from cases import notifications
from tests.whistle.pages import form_data, jpeg_with_gps, open_mailbox, receipt_of, send_report

pytestmark = pytest.mark.django_db


def every_time_written() -> dict[tuple[str, object, str], datetime]:
    """Each date-time value in every table (history and sessions included)."""
    found = {}
    for model in apps.get_models():
        fields = [f.name for f in model._meta.get_fields() if isinstance(f, models.DateTimeField)]
        if not fields:
            continue
        for row in model.objects.values("pk", *fields):
            for name in fields:
                if row[name] is not None:
                    found[(model._meta.label, row["pk"], name)] = row[name]
    return found


def test_a_reporters_acts_write_no_time_finer_than_the_hour(client, coalition):
    before = every_time_written()
    sent = send_report(client, form_data(attachments=jpeg_with_gps()))
    open_mailbox(client, receipt_of(sent))
    client.post("/follow-up/case/", {"text": "The trucks came back."})
    notifications.deliver()  # what the outbox records when its slot comes
    written = {k: v for k, v in every_time_written().items() if before.get(k) != v}
    assert any(k[0] == "cases.Case" for k in written)  # the test sees the new rows
    assert any(k[0] == "sessions.Session" for k in written)
    fine = {k: v for k, v in written.items() if (v.minute, v.second, v.microsecond) != (0, 0, 0)}
    assert not fine


def test_notification_mails_carry_the_slots_time_and_no_case_reference(coalition, frozen, settings):
    frozen.to(frozen.now.replace(hour=14, minute=37, second=23))
    sent = send_report_quietly()
    notifications.deliver()
    assert mail.outbox
    for message in mail.outbox:
        headers = message.message()
        date = parsedate_to_datetime(headers["Date"])
        assert (date.minute % settings.LANTERNE_MAIL_SLOT_MINUTES, date.second) == (0, 0)
        assert date.astimezone(frozen.now.tzinfo).replace(tzinfo=None) <= frozen.now.replace(
            tzinfo=None
        )
        message_id = headers["Message-ID"]
        assert sent.reference not in message_id
        # Random and nothing else: no time, process id or host (a fixed "1437" search
        # would also match random hex now and then).
        domain = re.escape(settings.DEFAULT_FROM_EMAIL.split("@")[-1])
        assert re.fullmatch(rf"<[0-9a-f]{{32}}@{domain}>", message_id), message_id


def send_report_quietly():
    from tests.conftest import report

    return report().case
