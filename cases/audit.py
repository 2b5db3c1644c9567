"""The append-only, hash-chained audit log of every act on and every read of case content.

Each event's digest is SHA-256 over the previous digest and the event's canonical JSON, so
changing, removing or reordering any row breaks the chain from that row on; the head row
holds the last digest, so cutting off the tail is caught too. Anyone with a copy of the
table can check it: `manage.py verify_audit`.
"""

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction

from lib import clock

from .models import AuditEvent, AuditHead, Case

GENESIS = "0" * 64


def canonical(event: AuditEvent) -> bytes:
    return json.dumps(
        {
            "at": event.at.isoformat(),
            "actor": event.actor,
            "action": event.action,
            "case": str(event.case_id or ""),
            "reference": event.case_reference,
            "detail": event.detail,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode()


def digest_of(previous: str, event: AuditEvent) -> str:
    return hashlib.sha256(previous.encode() + b"\n" + canonical(event)).hexdigest()


def actor_name(by) -> str:
    if by is None:
        return "system"
    if isinstance(by, str):
        return by
    return by.get_username()


def record(
    action: str, *, by=None, case: Case | None = None, detail: dict | None = None, at=None
) -> AuditEvent:
    """Append one event; joins the caller's transaction so the act and its record go together."""
    with transaction.atomic():
        # Writers queue on the head row's lock; the first one ever creates it (a second
        # writer racing to create it waits for the first, then finds it).
        AuditHead.objects.bulk_create([AuditHead(pk=1, digest=GENESIS)], ignore_conflicts=True)
        head = AuditHead.objects.select_for_update().get(pk=1)
        event = AuditEvent(
            at=(at or clock.now()).replace(microsecond=0),
            actor=actor_name(by),
            action=action,
            case_id=case.id if case else None,
            case_reference=case.reference if case else "",
            detail=detail or {},
            previous=head.digest,
        )
        event.digest = digest_of(head.digest, event)
        event.save()
        head.digest = event.digest
        head.save(update_fields=["digest"])
    return event


def record_read(case: Case, *, by, what: str) -> None:
    """Every read of case content by staff is in the audit log."""
    record("read", by=by, case=case, detail={"what": what})


@dataclass(frozen=True)
class Break:
    event_id: int | None
    reason: str


def verify() -> Break | None:
    """Walk the chain; return where it first breaks, or None if it is intact."""
    previous = GENESIS
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if event.previous != previous:
            return Break(event.id, "does not follow the event before it (removed or reordered)")
        if digest_of(previous, event) != event.digest:
            return Break(event.id, "its content was changed")
        previous = event.digest
    head = AuditHead.objects.filter(pk=1).first()
    if (head.digest if head else GENESIS) != previous:
        return Break(None, "the last events were removed")
    return None
