"""Shredding really shreds: the key copies of a shredded case are in no database file.

Searched where an operator holding the server would look: SQLite's main file and its -wal,
PostgreSQL's pages of every table, TOAST table and index (read raw with pageinspect). The
control: before the shred, the same search finds them.
"""

import contextlib
import os
import re
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.db import connection

from cases.models import Case, KeyWrap
from cases.tasks import apply_retention
from tests.cases.test_retention import closed_case

pytestmark = pytest.mark.django_db(transaction=True)


def key_copies(case: Case) -> dict[str, bytes]:
    """The case key's wraps and the reporter's sealed copy, and the sealed report."""
    found = {f"wrap {w.pk}": bytes(w.wrapped) for w in KeyWrap.objects.filter(case=case)}
    found["reporter key"] = bytes(case.reporter_key)
    found["report"] = bytes(case.report)
    return found


def sqlite_files() -> bytes:
    path = Path(connection.settings_dict["NAME"])
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def postgresql_pages() -> bytes:
    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
        cursor.execute(
            "SELECT c.oid::regclass::text,"
            " pg_relation_size(c.oid) / current_setting('block_size')::int"
            " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE c.relkind IN ('r', 't', 'i') AND n.nspname IN ('public', 'pg_toast')"
            " AND c.relpersistence = 'p'"
        )
        relations = cursor.fetchall()
        pages = []
        for relation, blocks in relations:
            for block in range(blocks):
                cursor.execute("SELECT get_raw_page(%s, %s)", [relation, block])
                pages.append(bytes(cursor.fetchone()[0]))
    return b"".join(pages)


def transactions_held_elsewhere() -> list:
    """Other sessions holding a transaction id (in any database of the server) or a snapshot
    (in this one), which keeps VACUUM from removing the shredded rows' old versions (named
    in a failure, to tell a race from a bug)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, datname, backend_type, state, backend_xmin::text, backend_xid::text,"
            " left(query, 80) FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
            " AND (backend_xid IS NOT NULL"
            " OR datname = current_database() AND backend_xmin IS NOT NULL)"
        )
        return cursor.fetchall()


def database_files() -> bytes:
    if connection.vendor == "sqlite":
        return sqlite_files()
    assert connection.vendor == "postgresql", connection.vendor
    return postgresql_pages()


def still_on_disk(copies: dict[str, bytes]) -> list[str]:
    """Which of these copies the database files still hold."""
    found = database_files()
    return [what for what, blob in copies.items() if blob in found]


def test_the_shredded_keys_are_in_no_database_file(client, coalition, frozen):
    case, _receipt = closed_case(client, coalition)
    copies = key_copies(case)
    assert len(copies) == 4  # amani's and beatrice's wraps, the reporter's copy, the report
    assert still_on_disk(copies) == list(copies)  # the control

    frozen.to(case.closed_at + timedelta(days=366))
    assert apply_retention() == 1  # the task itself, as the worker runs it

    left = still_on_disk(copies)
    assert left == [], (
        f"{left} still on disk; transactions held elsewhere: {transactions_held_elsewhere()}"
    )


def erasure_mark():
    """What an erase changes: SQLite's -wal size (truncated to 0), or PostgreSQL's file
    for the key wraps (VACUUM FULL writes a new one)."""
    if connection.vendor == "sqlite":
        wal = Path(f"{connection.settings_dict['NAME']}-wal")
        return wal.stat().st_size if wal.exists() else 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_filenode('cases_keywrap')")
        return cursor.fetchone()[0]


def test_the_freed_space_is_erased_again_on_the_next_days_runs(client, coalition, frozen):
    from tests.conftest import report

    case, _receipt = closed_case(client, coalition)
    frozen.to(case.closed_at + timedelta(days=366))
    assert apply_retention() == 1

    frozen.advance(days=1)  # the next day's run: nothing to shred, but the erase runs again
    report()  # something written since, so SQLite's -wal is not empty
    before = erasure_mark()
    assert connection.vendor != "sqlite" or before > 0
    assert apply_retention() == 0
    assert erasure_mark() != before

    frozen.advance(days=2)  # past the two days: the database is left alone
    report()
    before = erasure_mark()
    assert apply_retention() == 0
    assert erasure_mark() == before


def session_in_a_transaction(holding: str):
    """Another session inside a transaction: a reader holding a snapshot, or a writer
    holding a transaction id, of this database or (PostgreSQL) of another one on the same
    server. On PostgreSQL the writer, idle between its statements, holds no snapshot at
    all, yet VACUUM keeps every row version it may yet see, whichever database it is in."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        import psycopg

        other = psycopg.connect(
            host=settings["HOST"], port=settings["PORT"] or 5432, user=settings["USER"],
            password=settings["PASSWORD"] or None, autocommit=False,
            dbname="postgres" if holding.endswith("another database") else settings["NAME"],
        )  # fmt: skip
        if holding == "snapshot":
            other.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            other.execute("SELECT count(*) FROM cases_keywrap").fetchone()
        else:
            other.execute("SELECT pg_current_xact_id()").fetchone()  # what a write takes first
        return other
    import sqlite3

    other = sqlite3.connect(settings["NAME"], isolation_level=None, check_same_thread=False)
    other.execute("BEGIN" if holding == "snapshot" else "BEGIN IMMEDIATE")
    other.execute("SELECT count(*) FROM cases_keywrap").fetchone()
    return other


# A SQLite database is one file: no transaction of another one holds it up.
HOLDERS = ["snapshot", "transaction id"]
if os.environ.get("DATABASE_URL", "").startswith("postgres"):
    HOLDERS.append("transaction id in another database")


@pytest.mark.parametrize("holding", HOLDERS)
def test_an_erase_waits_for_a_transaction_held_elsewhere_to_end(client, coalition, frozen, holding):
    """Another session's older transaction (an autovacuum ANALYZE, a report query, a request
    between two writes) would keep the shredded rows' old versions on disk: the erase waits
    for it to end (PostgreSQL: retention.wait_for_older_transactions; SQLite: the busy
    timeout of the shred's write or of the checkpoint)."""
    import threading
    import time

    case, _receipt = closed_case(client, coalition)
    copies = key_copies(case)
    frozen.to(case.closed_at + timedelta(days=366))
    other = session_in_a_transaction(holding)
    ending = threading.Timer(1.5, other.rollback)
    ending.start()
    try:
        started = time.monotonic()
        assert apply_retention() == 1
        assert time.monotonic() - started >= 1.4  # it waited for the other transaction to end
    finally:
        ending.join()
        other.close()
    assert still_on_disk(copies) == []


@contextlib.contextmanager
def sqlite_busy_timeout(ms: int):
    """This connection gives up on a lock after `ms` instead of its usual timeout."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        (usual,) = cursor.fetchone()
        cursor.execute(f"PRAGMA busy_timeout = {int(ms)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA busy_timeout = {int(usual)}")


def test_a_transaction_held_past_the_wait_is_left_to_the_next_days_run(
    client, coalition, frozen, caplog
):
    """A transaction that outlasts the wait (a backup being dumped) keeps the old row
    versions this night: the erase says so in the log, and the next day's run erases them."""
    import logging

    from cases import retention

    case, _receipt = closed_case(client, coalition)
    copies = key_copies(case)
    frozen.to(case.closed_at + timedelta(days=366))
    if connection.vendor == "postgresql":
        # A writer between two statements, elsewhere on the server: no snapshot, an id.
        other = session_in_a_transaction("transaction id in another database")
        # (The other test process may have a transaction of its own open at that moment.)
        reason = re.compile(r"older transactions still open \(.*idle in transaction")
        shorter_wait = mock.patch.object(retention, "TRANSACTION_WAIT_SECONDS", 0.5)
    else:
        # A reader (a writer would hold up the shred itself): the checkpoint finds it busy.
        other = session_in_a_transaction("snapshot")
        reason = re.compile("the WAL checkpoint was busy")
        shorter_wait = sqlite_busy_timeout(500)
    try:
        with shorter_wait, caplog.at_level(logging.WARNING, logger="cases.retention"):
            assert apply_retention() == 1
    finally:
        other.close()
    assert reason.search(caplog.text), caplog.text
    assert still_on_disk(copies) != []  # kept this night

    frozen.advance(days=1)  # the full wait again, as any night
    assert apply_retention() == 0
    assert still_on_disk(copies) == []
