"""Reading a case's sealed content with its key, and sealing its texts. Nothing here is
cached or logged."""

import hashlib
import hmac
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from lib import crypto

from . import report, storage
from .models import Attachment, Case, Escalation, Message, Note
from .uploads import file_context


@dataclass(frozen=True)
class FileInfo:
    id: uuid.UUID
    name: str
    content_type: str
    size: int
    scrubbed: bool
    sha256: str = ""  # of the file as kept, hex; empty for files sealed before it was recorded


@dataclass(frozen=True)
class Entry:
    sender: str
    created_at: datetime
    text: str
    files: list[FileInfo]
    message_id: int
    read_at: datetime | None
    author: str  # the staff member's username; empty for the reporter


# --- what each blob is bound to ------------------------------------------------------------
#
# Every blob is sealed under subkey(case key, purpose) with context "case id | purpose", so
# it opens only in its own case and field. Version 2 purposes also bind where a blob sits:
# a message to its sender and author, an attachment to its message (or to the report). A
# database writer who changes a message's sender or author, or moves a file to another
# message, leaves a blob that no longer opens. Rows sealed before version 2 bound only the
# case and the row's own id; the server cannot re-seal them (it holds no case key), so they
# open through the version 1 purpose as a fallback: docs/threat-model.md lists that residual
# risk. A version 2 blob never opens under a version 1 purpose (another subkey, another AAD).


def message_purposes(message: Message) -> tuple[str, str]:
    """The message's purpose, then the version 1 fallback for rows sealed before it."""
    author = message.author_id if message.author_id is not None else "-"
    return f"message.2:{message.uid}:{message.sender}:{author}", f"message:{message.uid}"


def _placement(message: Message | None) -> str:
    return str(message.uid) if message is not None else "report"


def attachment_purposes(attachment_id: uuid.UUID, message: Message | None) -> dict[str, tuple]:
    """For the file's sealed details ("meta") and key ("key"): purpose, then the fallback."""
    where = _placement(message)
    return {
        part: (f"attachment-{part}.2:{attachment_id}:{where}", f"attachment-{part}:{attachment_id}")
        for part in ("meta", "key")
    }


def open_bound(case_id: uuid.UUID, case_key: bytes, purposes: tuple[str, ...], sealed) -> bytes:
    """Open a blob under its purpose, or under an older purpose it may have been sealed with."""
    sealed = bytes(sealed)
    for purpose in purposes[:-1]:
        try:
            return crypto.open_for_case(case_key, case_id.bytes, purpose, sealed)
        except crypto.CryptoError:
            continue
    return crypto.open_for_case(case_key, case_id.bytes, purposes[-1], sealed)


def read_report(case: Case, case_key: bytes) -> dict:
    """The report's answers, in today's field names even when it was sent long ago."""
    sealed = crypto.open_for_case(case_key, case.id.bytes, "report", bytes(case.report))
    return report.upgraded(json.loads(sealed))


def file_info(attachment: Attachment, case_key: bytes) -> FileInfo:
    """The file's sealed details (its `message` loaded); a damaged one reads as a notice."""
    purposes = attachment_purposes(attachment.id, attachment.message)["meta"]
    try:
        meta = json.loads(
            open_bound(attachment.case_id, case_key, purposes, attachment.sealed_meta)
        )
    except crypto.CryptoError:
        return FileInfo(attachment.id, _("(this file cannot be opened)"), "", 0, False)
    return FileInfo(
        attachment.id,
        meta["name"],
        meta["content_type"],
        meta["size"],
        meta["scrubbed"],
        meta.get("sha256", ""),
    )


def report_files(case: Case, case_key: bytes) -> list[FileInfo]:
    return [file_info(a, case_key) for a in case.attachments.filter(message=None)]


def conversation(case: Case, case_key: bytes) -> list[Entry]:
    by_message: dict[int, list[FileInfo]] = {}
    for attachment in case.attachments.exclude(message=None).select_related("message"):
        by_message.setdefault(attachment.message_id, []).append(file_info(attachment, case_key))
    return [
        Entry(
            m.sender,
            m.created_at,
            open_text(case, case_key, message_purposes(m), m.body),
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
    """Return a file's details and a generator of its plaintext; KeyError if not in the case
    or if its key no longer opens where the file sits."""
    attachment = (
        Attachment.objects.filter(case=case, id=attachment_id).select_related("message").first()
    )
    if attachment is None:
        raise KeyError(attachment_id)
    info = file_info(attachment, case_key)
    purposes = attachment_purposes(attachment.id, attachment.message)["key"]
    try:
        key = open_bound(case.id, case_key, purposes, attachment.sealed_file_key)
    except crypto.CryptoError:
        raise KeyError(attachment_id) from None

    def chunks() -> Iterator[bytes]:
        with storage.attachment_path(attachment.id).open("rb") as src:
            yield from crypto.open_stream(key, src, context=file_context(attachment.id))

    return info, chunks()


def file_intact(case: Case, case_key: bytes, attachment_id: uuid.UUID) -> bool | None:
    """Whether the file still has the SHA-256 recorded when it arrived (one full read).

    None when no digest was recorded (files sealed before digests were); False also when a
    chunk no longer opens. KeyError as open_file."""
    info, chunks = open_file(case, case_key, attachment_id)
    if not info.sha256:
        return None
    digest = hashlib.sha256()
    try:
        for chunk in chunks:
            digest.update(chunk)
    except crypto.CryptoError:
        return False
    return hmac.compare_digest(digest.hexdigest(), info.sha256)


def seal_text(case: Case, case_key: bytes, purpose: str, text: str) -> bytes:
    """Seal a text of the case under its key, bound to the case and to its purpose."""
    return crypto.seal_for_case(case_key, case.id.bytes, purpose, text.encode())


def open_text(case: Case, case_key: bytes, purpose: str | tuple[str, ...], sealed) -> str:
    """Open a sealed text of the case; a damaged one reads as a notice, never an error page.

    ``purpose`` may be a tuple: the purpose, then older ones it may have been sealed with."""
    sealed = bytes(sealed)
    if not sealed:
        return ""
    purposes = (purpose,) if isinstance(purpose, str) else purpose
    try:
        return open_bound(case.id, case_key, purposes, sealed).decode()
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
