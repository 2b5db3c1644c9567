"""Reading a case's sealed content with its key, and sealing its texts. Nothing here is
cached or logged."""

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from lib import crypto

from . import storage
from .models import Attachment, Case, Escalation, Message, Note
from .uploads import file_context


@dataclass(frozen=True)
class FileInfo:
    id: uuid.UUID
    name: str
    content_type: str
    size: int
    scrubbed: bool


@dataclass(frozen=True)
class Entry:
    sender: str
    created_at: datetime
    text: str
    files: list[FileInfo]
    message_id: int
    read_at: datetime | None
    author: str  # the staff member's username; empty for the reporter


def read_report(case: Case, case_key: bytes) -> dict:
    return json.loads(crypto.open_for_case(case_key, case.id.bytes, "report", bytes(case.report)))


def file_info(attachment: Attachment, case_key: bytes) -> FileInfo:
    meta = json.loads(
        crypto.open_for_case(
            case_key,
            attachment.case_id.bytes,
            f"attachment-meta:{attachment.id}",
            bytes(attachment.sealed_meta),
        )
    )
    return FileInfo(
        attachment.id, meta["name"], meta["content_type"], meta["size"], meta["scrubbed"]
    )


def report_files(case: Case, case_key: bytes) -> list[FileInfo]:
    return [file_info(a, case_key) for a in case.attachments.filter(message=None)]


def conversation(case: Case, case_key: bytes) -> list[Entry]:
    by_message: dict[int, list[FileInfo]] = {}
    for attachment in case.attachments.exclude(message=None):
        by_message.setdefault(attachment.message_id, []).append(file_info(attachment, case_key))
    return [
        Entry(
            m.sender,
            m.created_at,
            open_text(case, case_key, f"message:{m.uid}", m.body),
            by_message.get(m.id, []),
            m.id,
            m.read_at,
            m.author.get_username() if m.author else "",
        )
        for m in Message.objects.filter(case=case).select_related("author")
    ]


def open_file(
    case: Case, case_key: bytes, attachment_id: uuid.UUID
) -> tuple[FileInfo, Iterator[bytes]]:
    """Return a file's details and a generator of its plaintext; KeyError if not in the case."""
    attachment = Attachment.objects.filter(case=case, id=attachment_id).first()
    if attachment is None:
        raise KeyError(attachment_id)
    info = file_info(attachment, case_key)
    key = crypto.open_for_case(
        case_key,
        case.id.bytes,
        f"attachment-key:{attachment.id}",
        bytes(attachment.sealed_file_key),
    )

    def chunks() -> Iterator[bytes]:
        with storage.attachment_path(attachment.id).open("rb") as src:
            yield from crypto.open_stream(key, src, context=file_context(attachment.id))

    return info, chunks()


def seal_text(case: Case, case_key: bytes, purpose: str, text: str) -> bytes:
    """Seal a text of the case under its key, bound to the case and to its purpose."""
    return crypto.seal_for_case(case_key, case.id.bytes, purpose, text.encode())


def open_text(case: Case, case_key: bytes, purpose: str, sealed) -> str:
    """Open a sealed text of the case; a damaged one reads as a notice, never an error page."""
    sealed = bytes(sealed)
    if not sealed:
        return ""
    try:
        return crypto.open_for_case(case_key, case.id.bytes, purpose, sealed).decode()
    except crypto.CryptoError:
        return _("(this text cannot be opened)")


@dataclass(frozen=True)
class NoteEntry:
    author: str
    created_at: datetime
    text: str


def notes(case: Case, case_key: bytes) -> list[NoteEntry]:
    return [
        NoteEntry(
            n.author.get_username() if n.author else "",
            n.created_at,
            open_text(case, case_key, f"note:{n.uid}", n.body),
        )
        for n in Note.objects.filter(case=case).select_related("author")
    ]


@dataclass(frozen=True)
class EscalationEntry:
    level: str
    by: str
    to: str
    created_at: datetime
    reason: str
    automatic: bool


def escalations(case: Case, case_key: bytes) -> list[EscalationEntry]:
    return [
        EscalationEntry(
            e.get_level_display(),
            e.by.get_username() if e.by else _("system (overdue deadline)"),
            e.to.get_username() if e.to else "—",
            e.created_at,
            open_text(case, case_key, f"escalation:{e.uid}", e.reason),
            e.automatic,
        )
        for e in Escalation.objects.filter(case=case).select_related("by", "to")
    ]
