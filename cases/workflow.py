"""Every act on a case has one function here; nothing else creates a case or sets a status.

Each act is atomic: it either fully happens or not at all. Expensive key derivation runs
before the transaction opens, so the database lock is held for milliseconds.
"""

import json
import os
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from . import crypto, storage
from .clock import coarse_now, now
from .models import Attachment, Case, CaseCategory, KeyWrap, Message, Sender
from .routing import recipients
from .uploads import StagedFile

# Crockford's alphabet without I, L, O, U: easy to read aloud and to type back.
REFERENCE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

# Answers kept in clear on the case row; the rest is sealed.
CLEAR_ANSWERS = ("country", "categories", "regional_only")


def new_reference() -> str:
    """A random reference like 'K7QM-4X29' (40 bits), never sequential."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def reporter_context(case_id: uuid.UUID) -> bytes:
    return b"lanterne|reporter|" + case_id.bytes


def recipient_context(case_id: uuid.UUID) -> bytes:
    return b"lanterne|recipient|" + case_id.bytes


def receipt_kdf() -> crypto.KdfParams:
    memory_kib, iterations = settings.LANTERNE_RECEIPT_KDF
    return crypto.KdfParams(memory_kib=memory_kib, iterations=iterations)


def receipt_keys(receipt: str) -> crypto.ReceiptKeys:
    return crypto.derive_receipt_keys(
        receipt, settings.LANTERNE_RECEIPT_PEPPER.encode(), receipt_kdf()
    )


@dataclass(frozen=True)
class Submission:
    case: Case
    receipt: str


def submit(*, answers: dict, files: Sequence[StagedFile] = (), language: str = "en") -> Submission:
    """Create a case from a reporter's answers and staged files; return it with its receipt.

    The receipt is returned once and never stored. The case key is wrapped for the
    reporter (under the receipt), every recipient in scope and the escrow key if set.
    """
    receipt = crypto.generate_receipt()
    keys = receipt_keys(receipt)
    case_key, case_id = crypto.random_key(), uuid.uuid4()
    sealed_report = crypto.seal_for_case(
        case_key, case_id.bytes, "report", json.dumps(answers).encode()
    )
    wraps = [
        (profile.user_id, bytes(profile.public_key))
        for profile in recipients(answers["country"], regional_only=answers["regional_only"])
    ]
    if settings.LANTERNE_ESCROW_PUBLIC_KEY:
        wraps.append((None, crypto.unb64(settings.LANTERNE_ESCROW_PUBLIC_KEY)))
    received_at = coarse_now()

    for _attempt in range(5):
        reference = new_reference()
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    id=case_id,
                    reference=reference,
                    country=answers["country"],
                    regional_only=answers["regional_only"],
                    language=language,
                    received_at=received_at,
                    reporter_tag=keys.tag.hex(),
                    reporter_key=crypto.seal(keys.key, case_key, context=reporter_context(case_id)),
                    report=sealed_report,
                )
                CaseCategory.objects.bulk_create(
                    CaseCategory(case=case, code=code) for code in answers["categories"]
                )
                KeyWrap.objects.bulk_create(
                    KeyWrap(
                        case=case,
                        user_id=user_id,
                        wrapped=crypto.wrap_for_recipient(
                            public, case_key, context=recipient_context(case_id)
                        ),
                    )
                    for user_id, public in wraps
                )
                attach(case, case_key, files, message=None)
            return Submission(case, receipt)
        except IntegrityError:
            # References are 40 random bits: a collision is rare, but draw again.
            if not Case.objects.filter(reference=reference).exists():
                raise
    raise RuntimeError("could not draw a free case reference")


def attach(case: Case, case_key: bytes, files: Sequence[StagedFile], message) -> None:
    """Move staged files into the case inside the caller's transaction.

    Files are hard-linked, so a rolled-back transaction leaves the staged copies usable
    for a retry; the staged names are removed only once the rows are committed.
    """
    when = coarse_now()
    for staged in files:
        Attachment.objects.create(
            id=staged.id,
            case=case,
            message=message,
            sealed_meta=crypto.seal_for_case(
                case_key, case.id.bytes, f"attachment-meta:{staged.id}", staged.meta()
            ),
            sealed_file_key=crypto.seal_for_case(
                case_key, case.id.bytes, f"attachment-key:{staged.id}", staged.key
            ),
            created_at=when,
        )
        final = storage.attachment_path(staged.id)
        if not final.exists():
            os.link(storage.spool_path(staged.id), final)
        storage.blur_times(final, when)
    spooled = [storage.spool_path(staged.id) for staged in files]
    transaction.on_commit(lambda: [storage.remove(path) for path in spooled])


def add_reporter_message(
    case: Case, *, case_key: bytes, text: str, files: Sequence[StagedFile] = ()
) -> Message:
    """Add the reporter's follow-up message (and files) to their case."""
    with transaction.atomic():
        message = Message(case=case, sender=Sender.REPORTER, created_at=coarse_now())
        message.body = crypto.seal_for_case(
            case_key, case.id.bytes, f"message:{message.uid}", text.encode()
        )
        message.save()
        attach(case, case_key, files, message=message)
    return message


def add_staff_message(case: Case, *, by, case_key: bytes, text: str) -> Message:
    """Add a message from the coalition to the reporter's mailbox."""
    with transaction.atomic():
        message = Message(case=case, sender=Sender.STAFF, author=by, created_at=now())
        message.body = crypto.seal_for_case(
            case_key, case.id.bytes, f"message:{message.uid}", text.encode()
        )
        message.save()
    return message
