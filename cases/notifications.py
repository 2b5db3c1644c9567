"""Content-free e-mails to a case's key holders, each sent at least once and, normally, once.

A mail crosses servers we do not control, so it carries the case reference and a link,
nothing else: no text, category, country, priority or reason. Whoever reads it learns that
a case exists, not what it is about. Each mail is recorded as a Notice *after* it is sent:
a crash in between sends it twice, which is better than never.

Notice kinds, unique per case:
    new_case                      the case arrived
    reporter_message:<n>          the reporter's n-th message arrived
    reminder:<deadline>:<ts>      a deadline (ack or feedback, due at epoch ts) is near
    overdue:<deadline>:<ts>       that deadline passed (cases.workflow.escalate_overdue)
and one that records an act rather than a mail:
    escalation:<deadline>:<ts>    the missed deadline was handled (escalated, or reported)
"""

from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.urls import reverse

from lib import clock

from .models import OPEN_STATUSES, Case, KeyWrap, Notice, Sender

# Notifications the on-commit queue may have lost (broker down) are sent by the periodic
# sweep if they are this recent; older ones are history, not news.
CATCH_UP_WINDOW = timedelta(days=7)


def recipients(case: Case) -> list[str]:
    """E-mail addresses of the active people holding a key to the case."""
    return sorted(
        set(
            KeyWrap.objects.filter(case=case, user__is_active=True)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def case_url(case: Case) -> str:
    return settings.LANTERNE_BASE_URL + reverse("admin:cases_case_change", args=[case.pk])


def build(case: Case, to: str) -> EmailMessage:
    """The one mail Lanterne sends: which case, and where to open it. Nothing more."""
    return EmailMessage(
        subject=f"[Lanterne] Case {case.reference} needs attention",
        body=(
            f"A case in your queue needs attention: {case.reference}.\n\n"
            f"Open it here (sign-in required):\n{case_url(case)}\n\n"
            "This e-mail says nothing about the case on purpose.\n"
        ),
        to=[to],
    )


def notice_kind(case: Case, kind: str) -> str:
    """The Notice kind for a notification: a new reporter message counts as a new event."""
    if kind == "reporter_message":
        return f"{kind}:{case.messages.filter(sender=Sender.REPORTER).count()}"
    return kind


def send(case: Case, kind: str) -> int:
    """Mail each key holder once per notice kind; return how many mails were sent.

    Raises OSError (smtplib.SMTPException included) if the mail server fails: the caller
    retries, and the Notice is not recorded until every mail has gone.
    """
    kind = notice_kind(case, kind)
    if Notice.objects.filter(case=case, kind=kind).exists():
        return 0  # already sent: running twice is harmless
    # One mail per person, so no one's address is shown to the others or to their servers.
    messages = [build(case, to) for to in recipients(case)]
    if messages:
        with get_connection() as connection:
            connection.send_messages(messages)
    Notice.objects.get_or_create(case=case, kind=kind)
    return len(messages)


def deadline_name(case: Case) -> str:
    return "ack" if case.acknowledged_at is None else "feedback"


def deadline_kind(prefix: str, case: Case) -> str:
    return f"{prefix}:{deadline_name(case)}:{int(case.next_due.timestamp())}"


def remind_at(case: Case) -> datetime:
    """When to remind: LANTERNE_REMINDER_HOURS before, or halfway for a short clock."""
    started = case.received_at if case.acknowledged_at is None else case.acknowledged_at
    lead = min(timedelta(hours=settings.LANTERNE_REMINDER_HOURS), (case.next_due - started) / 2)
    return case.next_due - lead


def due_notices(at: datetime | None = None) -> list[tuple[Case, str]]:
    """Reminders now due, and recent notifications whose mail never went (a lost queue)."""
    at = at or clock.now()
    open_cases = Case.objects.filter(status__in=OPEN_STATUSES, shredded_at=None)
    sent = {(n.case_id, n.kind) for n in Notice.objects.filter(case__in=open_cases)}
    due = []
    for case in open_cases.filter(next_due__gt=at):
        if remind_at(case) <= at:
            due.append((case, deadline_kind("reminder", case)))
    for case in open_cases.filter(received_at__gte=at - CATCH_UP_WINDOW):
        due.append((case, "new_case"))
    recent = open_cases.filter(
        messages__sender=Sender.REPORTER, messages__created_at__gte=at - CATCH_UP_WINDOW
    ).distinct()
    for case in recent:
        due.append((case, notice_kind(case, "reporter_message")))
    for case_id, kind in sent:  # an overdue escalation whose mail was lost
        if kind.startswith("escalation:"):
            due.append((open_cases.get(id=case_id), kind.replace("escalation:", "overdue:", 1)))
    return [(case, kind) for case, kind in due if (case.id, kind) not in sent]


def queue_due_notices(at: datetime | None = None) -> int:
    """Queue a notification task for each notice now due; return how many."""
    due = due_notices(at)
    for case, kind in due:
        # A full kind ("reporter_message:3") is sent as it is: the count it names is past.
        case_id = str(case.id)
        transaction.on_commit(lambda k=kind, c=case_id: notify.delay(k, c))
    return len(due)


def queue(kind: str, case: Case) -> None:
    """Queue a content-free notification to the case's key holders once the act commits."""
    case_id = str(case.id)
    transaction.on_commit(lambda: notify.delay(kind, case_id), robust=True)


# Backoff between tries of a failed mail: 30 s doubling to 15 min, for about a day. Kept
# well below the broker's visibility timeout, or a waiting retry would be delivered twice.
RETRY_FIRST, RETRY_LONGEST, RETRIES = 30, 900, 100


def backoff(retries: int) -> int:
    return min(RETRY_FIRST * 2 ** min(retries, 10), RETRY_LONGEST)


@shared_task(bind=True, max_retries=RETRIES)
def notify(self, kind: str, case_id: str) -> int:
    """Tell the case's key holders it needs attention, without a word of its content."""
    case = Case.objects.filter(id=case_id).first()
    if case is None:
        return 0
    try:
        return send(case, kind)
    except OSError as error:  # smtplib.SMTPException too: mail server down, try again later
        raise self.retry(exc=error, countdown=backoff(self.request.retries)) from None
