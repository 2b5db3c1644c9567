"""Celery's periodic sweeps: thin, idempotent, and given ids only — never case content.

Each loads what it needs from the database and calls one function. Acts queue no task:
their notifications wait in the outbox (cases.notifications) for deliver_notifications.
Tasks are acknowledged only when they finish (CELERY_TASK_ACKS_LATE), so one cut short by
a killed worker runs again.
"""

import logging
import uuid

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from lib import clock, counters

from . import checkpoints, claims, notifications, retention, storage, workflow
from .models import OPEN_STATUSES, Attachment, Case

logger = logging.getLogger(__name__)

SPOOL_LIFETIME = 24 * 3600
ORPHAN_GRACE = 3600


@shared_task
def purge_abandoned_uploads() -> int:
    """Delete sealed uploads of forms never sent, and files whose case was never committed."""
    removed = 0
    now = clock.now().timestamp()
    cutoff = now - SPOOL_LIFETIME
    for path in storage.spool_dir().iterdir():
        if path.stat().st_mtime < cutoff:
            storage.remove(path)
            removed += 1
    # Files are linked in before their transaction commits (ctime is the link time):
    # spare the young ones, which may belong to a submission still in flight.
    young = now - ORPHAN_GRACE
    candidates = {p.name: p for p in storage.files_dir().iterdir() if p.stat().st_ctime < young}
    ids = [uuid.UUID(hex=name) for name in candidates if len(name) == 32]
    known = {a.hex for a in Attachment.objects.filter(id__in=ids).values_list("id", flat=True)}
    for name, path in candidates.items():
        if name not in known:
            storage.remove(path)
            removed += 1
    return removed


# A database that is down is tried again this often, within the slot (the next slot's
# run takes over after that).
DATABASE_RETRY_SECONDS = 30


@shared_task(bind=True, max_retries=None)
def deliver_notifications(self) -> int:
    """Send the mails waiting in the outbox (beat runs this at each mail slot)."""
    try:
        return notifications.deliver()
    except DatabaseError as error:
        if (self.request.retries + 1) * DATABASE_RETRY_SECONDS >= slot_seconds():
            raise
        logger.warning(
            "the database is unavailable; delivering again in %d s", DATABASE_RETRY_SECONDS
        )
        raise self.retry(exc=error, countdown=DATABASE_RETRY_SECONDS) from None


def slot_seconds() -> int:
    return settings.LANTERNE_MAIL_SLOT_MINUTES * 60


@shared_task
def remind_deadlines() -> int:
    """Put reminders for deadlines coming up in the outbox."""
    return notifications.queue_due_reminders()


@shared_task
def forget_submission_claims() -> int:
    """Delete double-submit claims (and their sealed receipts) older than a day."""
    return claims.forget_old()


@shared_task
def purge_expired_cache() -> int:
    """Delete what expired in the local file cache: last hour's throttle key and counters."""
    return counters.purge_expired()


@shared_task
def escalate_overdue() -> int:
    """Escalate every open case past its deadline, once per missed deadline."""
    overdue = Case.objects.filter(
        status__in=OPEN_STATUSES, shredded_at=None, next_due__lte=clock.now()
    )
    acted = 0
    for case in overdue:
        try:
            acted += workflow.escalate_overdue(case, by="system")
        except Exception:  # one case failing must not hold back the others
            logger.exception("could not escalate overdue case %s", case.reference)
    return acted


@shared_task
def apply_retention() -> int:
    """Crypto-shred closed cases whose retention period is over."""
    return retention.apply()


@shared_task
def mail_audit_checkpoint() -> int:
    """E-mail a signed checkpoint of the audit chain to coordinators and steering members."""
    return checkpoints.mail()
