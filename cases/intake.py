"""What reporters send: a new case with its files, and follow-up messages in the mailbox.

A submission is one transaction: the case, its double-submit claim, its categories, every
key wrap, its files, its audit event and its notification (the outbox) are committed
together or not at all. Expensive key derivation runs before the transaction opens, so
locks are held briefly.
"""

import json
import os
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from lib import clock, crypto

from . import (
    audit,
    claims,
    content,
    deadlines,
    events,
    keys,
    notifications,
    report,
    routing,
    search,
    storage,
)
from .models import Attachment, Case, CaseCategory, KeyWrap, Message, Priority, Sender
from .uploads import StagedFile

# Crockford's alphabet without I, L, O, U: easy to read aloud and to type back.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    """A random reference like 'K7QM-4X29' (40 bits), never sequential."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


@dataclass(frozen=True)
class Submission:
    case: Case
    receipt: str | None  # None only for a repeat whose receipt can no longer be shown
    repeated: bool = False  # True when an earlier request with the same token made the case


class NobodyToReceive(Exception):
    """No active officer or coordinator could read a case from this country."""


def submit(
    *,
    answers: dict,
    files: Sequence[StagedFile] = (),
    language: str = "en",
    token: str | None = None,
) -> Submission:
    """Create a case from a reporter's answers and staged files; return it with its receipt.

    The answers are checked against the report's fields first (report.InvalidReport).
    The receipt is returned once and never stored. The case key is wrapped for the
    reporter (under the receipt), every recipient the routing chain gives and the escrow
    key if set; with no recipient at all the report is refused (NobodyToReceive). With a
    submission token (cases.claims), a form sent again returns the case it already made.
    """
    answers = report.clean_answers(answers)
    token = token if claims.usable(token) else None
    if token and (earlier := claims.find(token)):
        return Submission(earlier.case, earlier.receipt, repeated=True)
    route = routing.route(answers["country"], regional_only=answers["regional_only"])
    if route.level == routing.NOBODY:
        raise NobodyToReceive(answers["country"])
    wraps = [(profile.user_id, bytes(profile.public_key)) for profile in route.recipients]
    if settings.LANTERNE_ESCROW_PUBLIC_KEY:
        wraps.append((None, crypto.unb64(settings.LANTERNE_ESCROW_PUBLIC_KEY)))
    receipt = crypto.generate_receipt()
    receipt_keys = keys.receipt_keys(receipt)
    case_key, case_id = crypto.random_key(), uuid.uuid4()
    sealed_report = crypto.seal_for_case(
        case_key, case_id.bytes, "report", json.dumps(answers).encode()
    )
    received_at = clock.coarse_now()
    priority = Priority.P1 if answers["urgent"] else ""

    for _attempt in range(5):
        reference = new_reference()
        try:
            with transaction.atomic():
                case = Case(
                    id=case_id,
                    reference=reference,
                    country=answers["country"],
                    province=answers["province"],
                    regional_only=answers["regional_only"],
                    language=language,
                    received_at=received_at,
                    priority=priority,
                    reporter_tag=receipt_keys.tag.hex(),
                    reporter_key=crypto.seal(
                        receipt_keys.key, case_key, context=keys.reporter_context(case_id)
                    ),
                    report=sealed_report,
                )
                deadlines.refresh(case)
                case.save(force_insert=True)
                if token:
                    # First after the case: a request racing with the same token waits here.
                    claims.claim(case, token, receipt)
                CaseCategory.objects.bulk_create(
                    CaseCategory(case=case, code=code) for code in answers["categories"]
                )
                KeyWrap.objects.bulk_create(
                    KeyWrap(
                        case=case,
                        user_id=user_id,
                        wrapped=keys.wrap(public, case_key, case_id),
                    )
                    for user_id, public in wraps
                )
                attach(case, case_key, files, message=None)
                search.mark(case.id)  # bulk_create sends no signal: its holders index it
                audit.record(
                    "submit",
                    by="reporter",
                    case=case,
                    at=received_at,
                    detail={"files": len(files), "route": route.level},
                )
                notifications.queue("new_case", case)
                events.announce(case)  # early warning evaluates it once committed
            return Submission(case, receipt)
        except IntegrityError:
            if token and (earlier := claims.find(token)):
                return Submission(earlier.case, earlier.receipt, repeated=True)
            # References are 40 random bits: a collision is rare, but draw again.
            if not Case.objects.filter(reference=reference).exists():
                raise
    raise RuntimeError("could not draw a free case reference")


def attach(case: Case, case_key: bytes, files: Sequence[StagedFile], message) -> None:
    """Move staged files into the case inside the caller's transaction.

    Files are hard-linked, so a rolled-back transaction leaves the staged copies usable
    for a retry; the staged names are removed only once the rows are committed.
    """
    when = clock.coarse_now()
    for staged in files:
        purposes = content.attachment_purposes(staged.id, message)
        Attachment.objects.create(
            id=staged.id,
            case=case,
            message=message,
            sealed_meta=crypto.seal_for_case(
                case_key, case.id.bytes, purposes["meta"][0], staged.meta()
            ),
            sealed_file_key=crypto.seal_for_case(
                case_key, case.id.bytes, purposes["key"][0], staged.key
            ),
            created_at=when,
        )
        final = storage.attachment_path(staged.id)
        if not final.exists():
            os.link(storage.spool_path(staged.id), final)
        storage.blur_times(final, when)
    spooled = [storage.spool_path(staged.id) for staged in files]
    transaction.on_commit(lambda: [storage.remove(path) for path in spooled])


def post_message(
    case: Case, *, by, case_key: bytes, text: str, sender: str, files: Sequence[StagedFile] = ()
) -> Message:
    """Seal a message into the case's mailbox, from the reporter or from the coalition.

    Staff messages keep their exact time; the reporter's are dated to the hour.
    """
    author = by if sender == Sender.STAFF else None
    when = clock.now() if sender == Sender.STAFF else clock.coarse_now()
    message = Message(case=case, sender=sender, author=author, created_at=when)
    message.body = content.seal_text(case, case_key, content.message_purposes(message)[0], text)
    message.save()
    attach(case, case_key, files, message=message)
    return message


def flag(case: Case, when) -> None:
    """Put a finished case the reporter wrote on at the top of the queue (no status change)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    case.flagged_at = case.flagged_at or when
    deadlines.refresh(case)
    case._history_user = None
    case.save(update_fields=["flagged_at", "queue_rank", "queue_due", "next_due"])


def add_reporter_message(
    case: Case, *, case_key: bytes, text: str, files: Sequence[StagedFile] = ()
) -> Message:
    """Add the reporter's follow-up message (and files) to their case.

    On a finished case (concluded, closed, inadmissible or a duplicate) the message flags
    the case: it heads its officers' queue until one reopens it or leaves it finished.
    """
    with transaction.atomic():
        message = post_message(
            case, by="reporter", case_key=case_key, text=text, sender=Sender.REPORTER, files=files
        )
        flagged = not case.is_open and case.shredded_at is None
        if flagged:
            flag(case, message.created_at)
        audit.record(
            "reporter_message",
            by="reporter",
            case=case,
            at=message.created_at,
            detail={"files": len(files), **({"flagged": True} if flagged else {})},
        )
        notifications.queue("reporter_message", case)
    return message
