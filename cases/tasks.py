"""Celery tasks: thin, idempotent, and given ids only — never case content."""

import time
import uuid

from celery import shared_task

from . import storage
from .models import Attachment

SPOOL_LIFETIME = 24 * 3600
ORPHAN_GRACE = 3600


@shared_task
def purge_abandoned_uploads() -> int:
    """Delete sealed uploads of forms never sent, and files whose case was never committed."""
    removed = 0
    cutoff = time.time() - SPOOL_LIFETIME
    for path in storage.spool_dir().iterdir():
        if path.stat().st_mtime < cutoff:
            storage.remove(path)
            removed += 1
    # Files are linked in before their transaction commits (ctime is the link time):
    # spare the young ones, which may belong to a submission still in flight.
    young = time.time() - ORPHAN_GRACE
    candidates = {p.name: p for p in storage.files_dir().iterdir() if p.stat().st_ctime < young}
    ids = [uuid.UUID(hex=name) for name in candidates if len(name) == 32]
    known = {a.hex for a in Attachment.objects.filter(id__in=ids).values_list("id", flat=True)}
    for name, path in candidates.items():
        if name not in known:
            storage.remove(path)
            removed += 1
    return removed


@shared_task(bind=True, acks_late=True, max_retries=12)
def notify(self, kind: str, case_id: str) -> int:
    """Tell the case's key holders that it needs attention, without a word of its content."""
    from django.conf import settings
    from django.core.mail import send_mail

    from .models import Case, KeyWrap, Notice

    case = Case.objects.filter(id=case_id).first()
    if case is None:
        return 0
    notice_kind = f"{kind}:{case.messages.count()}" if kind == "reporter_message" else kind
    if Notice.objects.filter(case=case, kind=notice_kind).exists():
        return 0  # already sent: running twice is harmless
    emails = sorted(set(
        KeyWrap.objects.filter(case=case, user__is_active=True).exclude(user__email="")
        .values_list("user__email", flat=True)))
    if emails:
        try:
            send_mail(
                subject=f"[Lanterne] Case {case.reference} needs attention",
                message=(f"A case in your queue needs attention ({kind.replace('_', ' ')}).\n\n"
                         f"{settings.LANTERNE_BASE_URL}/{settings.LANTERNE_ADMIN_PATH}"
                         f"cases/case/{case.id}/change/\n"),
                from_email=None, recipient_list=emails,
            )
        except OSError as error:  # SMTP down: try again later, never drop the notice
            raise self.retry(exc=error, countdown=min(30 * 2**self.request.retries, 3600))
    Notice.objects.get_or_create(case=case, kind=notice_kind)
    return len(emails)
