"""Content-free e-mails to a case's key holders, sent from an outbox in fixed slots.

A mail crosses servers we do not control, so it carries the case reference and a link,
nothing else: no text, category, country, priority or reason. Whoever reads it learns that
a case exists, not what it is about.

Acts never send. They write a PendingMail row in their own transaction (`queue`), so a
notification exists exactly when its act committed, whatever the broker, the cache or the
worker does. At fixed minutes of the hour (every LANTERNE_MAIL_SLOT_MINUTES, default 10:
:00, :10, :20 ...) beat runs cases.tasks.deliver_notifications, which sends what waits,
one mail per person and case, records a Notice per kind and deletes the rows; a mail
server or database that fails leaves the rows for the next slot. A crash between sending
and recording sends the mail again at the next slot, which is better than never.
Urgent (P1) cases pay for the slots with up to one slot's delay before the first mail
(10 minutes against their 24-hour acknowledgement clock, while they already head every
queue); in exchange no mail's time tells when a report or message arrived.

Notice kinds, unique per case:
    new_case                      the case arrived
    reporter_message:<n>          the reporter's n-th message arrived
    reminder:<deadline>:<ts>      a deadline (ack, feedback or update, due at epoch ts) is near
    overdue:<deadline>:<ts>       that deadline passed (cases.workflow.escalate_overdue)
and one that records an act rather than a mail:
    escalation:<deadline>:<ts>    the missed deadline was handled (escalated, or reported)
"""

import logging
import secrets
from datetime import datetime, timedelta
from email.utils import formatdate

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from lib import clock

from .models import OPEN_STATUSES, Case, KeyWrap, Notice, PendingMail, Sender

logger = logging.getLogger(__name__)


def recipients(case: Case) -> list[tuple[str, str]]:
    """(e-mail address, chosen language) of the active people holding a key to the case."""
    return sorted(
        set(
            KeyWrap.objects.filter(case=case, user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", "user__staff__language")
        ),
        key=lambda pair: pair[0],
    )


def case_url(case: Case) -> str:
    return settings.LANTERNE_BASE_URL + reverse("admin:cases_case_change", args=[case.pk])


def slot_time(at: datetime | None = None) -> datetime:
    """The start of the mail slot we are in: the only time a notification carries."""
    at = at or clock.now()
    step = settings.LANTERNE_MAIL_SLOT_MINUTES
    return at.replace(minute=at.minute - at.minute % step, second=0, microsecond=0)


def mail_headers() -> dict[str, str]:
    """Date and Message-ID that tell the mail servers on the way only the slot's time.

    Python's own Message-ID holds the exact time, the process id and the host name; ours is
    random, under the sender's domain.
    """
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "lanterne.invalid"
    return {
        "Date": formatdate(slot_time().timestamp(), usegmt=True),
        "Message-ID": f"<{secrets.token_hex(16)}@{domain}>",
    }


def build(case: Case, to: str, language: str = "") -> EmailMessage:
    """The one mail Lanterne sends: which case, and where to open it, in her language."""
    with translation.override(language or settings.LANGUAGE_CODE):
        words = {"reference": case.reference, "url": case_url(case)}
        return EmailMessage(
            headers=mail_headers(),
            subject=_("[Lanterne] Case %(reference)s needs attention") % words,
            body=_(
                "A case in your queue needs attention: %(reference)s.\n\n"
                "Open it here (sign-in required):\n%(url)s\n\n"
                "This e-mail says nothing about the case on purpose.\n"
            )
            % words,
            to=[to],
        )


def notice_kind(case: Case, kind: str) -> str:
    """The Notice kind for a notification: a new reporter message counts as a new event."""
    if kind == "reporter_message":
        return f"{kind}:{case.messages.filter(sender=Sender.REPORTER).count()}"
    return kind


def queue(kind: str, case: Case) -> None:
    """Put a content-free notification in the outbox, inside the caller's transaction."""
    PendingMail.objects.get_or_create(case=case, kind=notice_kind(case, kind))


def send(case: Case, kinds: list[str]) -> int:
    """Mail each key holder once about these notice kinds; return how many mails went.

    Raises OSError (smtplib.SMTPException included) if the mail server fails; nothing is
    recorded then. Kinds already noticed are not mailed again.
    """
    done = set(Notice.objects.filter(case=case, kind__in=kinds).values_list("kind", flat=True))
    todo = [kind for kind in kinds if kind not in done]
    # One mail per person, so no one's address is shown to the others or to their servers.
    messages = [build(case, to, lang or "") for to, lang in recipients(case)] if todo else []
    if messages:
        with get_connection() as connection:
            connection.send_messages(messages)
    Notice.objects.bulk_create([Notice(case=case, kind=k) for k in todo], ignore_conflicts=True)
    return len(messages)


def deliver() -> int:
    """Send everything waiting in the outbox, case by case; return how many mails went.

    A mail server that fails stops the round: what is left waits for the next slot.
    """
    waiting: dict[Case, list[PendingMail]] = {}
    for row in PendingMail.objects.select_related("case"):
        waiting.setdefault(row.case, []).append(row)
    sent = 0
    for case, rows in waiting.items():
        # No transaction around the mail server: SQLite would hold its write lock meanwhile.
        try:
            sent += send(case, [row.kind for row in rows])
        except OSError:  # smtplib.SMTPException too
            logger.warning("the mail server failed; the outbox waits for the next slot")
            break
        PendingMail.objects.filter(id__in=[row.id for row in rows]).delete()
    return sent


def deadline_name(case: Case) -> str:
    """Which clock next_due is: acknowledgement, first feedback, or an ongoing case's next."""
    if case.acknowledged_at is None:
        return "ack"
    return "feedback" if case.first_feedback_at is None else "update"


def deadline_kind(prefix: str, case: Case) -> str:
    return f"{prefix}:{deadline_name(case)}:{int(case.next_due.timestamp())}"


def remind_at(case: Case) -> datetime:
    """When to remind: LANTERNE_REMINDER_HOURS before, or halfway for a short clock."""
    started = {
        "ack": case.received_at,
        "feedback": case.acknowledged_at,
        "update": case.last_feedback_at or case.first_feedback_at,
    }[deadline_name(case)]
    lead = min(timedelta(hours=settings.LANTERNE_REMINDER_HOURS), (case.next_due - started) / 2)
    return case.next_due - lead


@transaction.atomic
def queue_due_reminders(at: datetime | None = None) -> int:
    """Put in the outbox a reminder for each deadline coming up; return how many."""
    at = at or clock.now()
    open_cases = Case.objects.filter(status__in=OPEN_STATUSES, shredded_at=None, next_due__gt=at)
    queued = 0
    for case in open_cases:
        kind = deadline_kind("reminder", case)
        if remind_at(case) <= at and not case.notices.filter(kind=kind).exists():
            queued += PendingMail.objects.get_or_create(case=case, kind=kind)[1]
    return queued
