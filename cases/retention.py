"""Retention: a closed case is crypto-shredded LANTERNE_RETENTION_DAYS after it was closed.

Shredding destroys every copy of the case key — each recipient's wrap, the escrow wrap,
the reporter's sealed copy, and any copy django-simple-history keeps of them (its models
leave key fields out; shredding blanks them anyway should one come back) — and then the
ciphertext those keys opened: report, messages, notes, escalation reasons,
attachment details and files. The receipt's lookup tag is replaced, so a seized receipt
no longer even proves that its report existed. What statistics need stays in clear:
country, categories, dates, status, level, outcome, and the rows that count messages,
files and escalations.

Deleting a row does not yet erase it from the database's files: SQLite leaves the old page
in its write-ahead log, PostgreSQL leaves the dead tuple's bytes in the page's free space
until the page is rewritten. So after shredding, `erase_freed_space` makes the files forget:
on SQLite (secure_delete is on, config/settings.py) a TRUNCATE checkpoint copies the
overwritten pages home and empties the -wal file; on PostgreSQL a VACUUM FULL rewrites each
table that held a key or a ciphertext into new files (an exclusive lock while it runs, so it
runs once per sweep, at night). tests/cases/test_shredding_on_disk.py searches the files
and pages for the shredded bytes.

Backups made before the shredding still hold the keys: a backup must not be kept longer
than the retention period, or shredding only happens when the last such backup expires.
The same goes for PostgreSQL's WAL segments until they are recycled, and for anything the
file system or the disk keeps of a deleted file (docs/operations.md).
"""

import logging
import secrets
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction

from lib import clock

from . import audit, search, storage
from .models import Attachment, Case, Escalation, KeyWrap, Message, Note, SearchToken, Status
from .permissions import NotAllowed

logger = logging.getLogger(__name__)

# Every sealed field, by model; blanked in the live rows and in their history.
SEALED = {
    Message: ("body",),
    Note: ("body",),
    Escalation: ("reason",),
    Attachment: ("sealed_meta", "sealed_file_key"),
}


def blank_history(model, where: dict, **values) -> None:
    """Overwrite these fields in the model's history rows, where history keeps them."""
    kept = {f.name for f in model.history.model._meta.get_fields()}
    values = {name: value for name, value in values.items() if name in kept}
    if values:
        model.history.model.objects.filter(**where).update(**values)


def cutoff(at: datetime | None = None) -> datetime:
    return (at or clock.now()) - timedelta(days=settings.LANTERNE_RETENTION_DAYS)


def due(at: datetime | None = None):
    """Closed cases whose retention period is over and that still hold keys."""
    return Case.objects.filter(
        status=Status.CLOSED, closed_at__lt=cutoff(at), shredded_at=None
    ).order_by("closed_at")


@transaction.atomic
def shred(case: Case, *, by="system") -> bool:
    """Destroy the case's keys and content for good; False if it already was.

    Refuses (NotAllowed) a case that is not closed or whose retention period is not over.
    """
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.shredded_at is not None:
        return False
    if case.status != Status.CLOSED or not case.closed_at or case.closed_at >= cutoff():
        raise NotAllowed("Only a case closed longer than the retention period is shredded.")

    wraps = KeyWrap.objects.filter(case=case).delete()[0]
    search.forget(case.id)  # every holder's digests of its words
    case.reporter_key = case.report = b""
    case.reporter_tag = secrets.token_hex(32)  # unique, and tied to no receipt
    case.shredded_at = clock.now()
    case._history_user = None
    case.save(update_fields=["reporter_key", "report", "reporter_tag", "shredded_at"])
    blank_history(
        Case, {"id": case.id}, reporter_key=b"", report=b"", reporter_tag=case.reporter_tag
    )
    # Key wraps' history says who held a key when; should it ever keep the key, blank it.
    blank_history(KeyWrap, {"case_id": case.id}, wrapped=b"")
    for model, fields in SEALED.items():
        blank = dict.fromkeys(fields, b"")
        model.objects.filter(case=case).update(**blank)
        blank_history(model, {"case_id": case.id}, **blank)

    files = list(Attachment.objects.filter(case=case).values_list("id", flat=True))
    audit.record(
        "shred",
        by=by,
        case=case,
        detail={
            "reason": "retention_period_over",
            "closed_at": case.closed_at.isoformat(),
            "retention_days": settings.LANTERNE_RETENTION_DAYS,
            "key_wraps": wraps,
            "files": len(files),
        },
    )
    # Last, so a failure above leaves the files with their keys; the files are useless
    # without the keys, so losing them to a rollback after this point costs nothing.
    for file_id in files:
        storage.remove(storage.attachment_path(file_id))
    return True


# Every table a shred overwrites or deletes rows of (keys and ciphertexts), with history.
SHREDDED_TABLES = [
    model._meta.db_table
    for base in (Case, KeyWrap, *SEALED)
    for model in (base, base.history.model)
] + [SearchToken._meta.db_table]  # digests, not ciphertext; their words stay unguessable


def erase_freed_space() -> None:
    """Make the database files forget the rows shredding overwrote or deleted.

    VACUUM cannot run in a transaction: inside one, this waits for it to commit."""
    if connection.in_atomic_block:
        transaction.on_commit(erase_freed_space)
        return
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _log, _done = cursor.fetchone()
            if busy:
                logger.warning("retention: the WAL checkpoint was busy; it runs again next time")
        elif connection.vendor == "postgresql":
            wait_for_older_transactions(cursor)
            for table in SHREDDED_TABLES:
                cursor.execute(f'VACUUM FULL "{table}"')


# How long an erase waits for other sessions' older transactions to end (an autovacuum
# ANALYZE, a report query, a request between two writes); a longer one (a backup being
# dumped) is left to the next runs.
TRANSACTION_WAIT_SECONDS = 30


def wait_for_older_transactions(cursor) -> None:
    """Wait (a while) until no transaction begun before now is still open where it keeps
    VACUUM FULL from removing the row versions it may yet see:

    - a writing transaction in any database of the server: VACUUM's own snapshot counts
      every transaction id still running, whichever database it writes to. A writer shows
      even when it holds no snapshot (idle between two statements) and to a role that
      cannot see other roles' sessions, by the oldest running id of the current snapshot;
    - a snapshot held in this database (an autovacuum ANALYZE, a report, a dump in
      REPEATABLE READ); pg_stat_activity shows other roles' only to a role granted
      pg_read_all_stats (docs/operations.md)."""
    cursor.execute("SELECT pg_current_xact_id()::text")
    (now,) = cursor.fetchone()
    deadline = time.monotonic() + TRANSACTION_WAIT_SECONDS
    while True:
        cursor.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot()) < %s::xid8"
            " OR EXISTS (SELECT FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND age(backend_xmin) > age(%s::xid8::xid))",
            [now, now],
        )
        if not cursor.fetchone()[0]:
            return
        if time.monotonic() > deadline:
            logger.warning(
                "retention: older transactions still open (%s); erased again later",
                older_transactions(cursor, now),
            )
            return
        time.sleep(0.2)


def older_transactions(cursor, now: str) -> str:
    """What the open older transactions are, as far as this role may see: for the log."""
    cursor.execute(
        "SELECT DISTINCT backend_type || ' (' || coalesce(state, '?') || ')'"
        " FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
        " AND (age(backend_xid) > age(%s::xid8::xid) OR datname = current_database()"
        " AND age(backend_xmin) > age(%s::xid8::xid)) ORDER BY 1",
        [now, now],
    )
    return ", ".join(row[0] for row in cursor.fetchall()) or "not visible to this role"


# A session holding an older transaction (a backup being dumped, say) keeps VACUUM from
# removing the rows a shred just left behind; the next runs erase them again.
ERASE_AGAIN_FOR = timedelta(days=2)


def apply() -> int:
    """Shred every case past its retention period; return how many were shredded."""
    shredded = 0
    for case in due():
        try:
            shredded += shred(case, by="system")
        except Exception:  # one bad case must not keep the others' keys alive
            logger.exception("retention: could not shred case %s", case.reference)
    recent = Case.objects.filter(shredded_at__gte=clock.now() - ERASE_AGAIN_FOR).exists()
    if shredded or recent:
        erase_freed_space()
    return shredded
