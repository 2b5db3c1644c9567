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
