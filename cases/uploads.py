"""Uploads are encrypted while they arrive, cleaned of metadata, and kept sealed until used.

No upload ever touches the disk in clear: Django's temporary-file handler is replaced by
SealingUploadHandler (settings.FILE_UPLOAD_HANDLERS, after cases.multipart's
WholeBodyHandler), which seals each 64 KiB chunk as it comes off the socket under a
random key that lives only in memory. Accepting a file then removes its metadata
(lib.scrub) and re-seals it. A Draft keeps accepted files between attempts at a form; its
key goes back to the browser in a hidden field and is never stored.

A file the disk has no room for is not an error page: its partial ciphertext is removed,
the rest of the form is read, and the file comes back refused with a message. Files
beyond LANTERNE_MAX_ATTACHMENTS in one request are not written at all.
"""

import errno
import hashlib
import io
import json
import logging
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from lib import crypto, scrub

from . import storage

MIB = 1024 * 1024

logger = logging.getLogger(__name__)

# Why an upload was not kept (SealedUpload.refused).
TOO_LARGE, TOO_MANY, NOT_STORED = "too_large", "too_many", "not_stored"


def file_context(file_id: uuid.UUID) -> bytes:
    return b"lanterne|file|" + file_id.bytes


class SealedUpload(UploadedFile):
    """An upload already sealed on disk (unless refused); its key exists only in this object."""

    def __init__(
        self,
        file_id: uuid.UUID,
        key: bytes,
        name: str,
        size: int,
        refused: str = "",
        sha256: str = "",
    ):
        super().__init__(file=None, name=name, content_type=None, size=size)
        self.file_id, self.key, self.refused, self.sha256 = file_id, key, refused, sha256

    def discard(self) -> None:
        storage.remove(storage.spool_path(self.file_id))

    def close(self) -> None:
        """Nothing is open: the ciphertext waits on disk, closed, for accept()."""


def out_of_space(error: OSError) -> bool:
    return error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class SealingUploadHandler(FileUploadHandler):
    chunk_size = crypto.CHUNK_SIZE

    def handle_raw_input(self, *args, **kwargs) -> None:
        self.files_seen = 0

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.limit = settings.LANTERNE_MAX_ATTACHMENT_MB * MIB
        self.file_id, self.key = uuid.uuid4(), crypto.random_key()
        self.path = storage.spool_path(self.file_id)
        self.size, self.refused, self.out = 0, "", None
        self.hasher = hashlib.sha256()
        self.files_seen = getattr(self, "files_seen", 0) + 1
        if self.files_seen > settings.LANTERNE_MAX_ATTACHMENTS:
            self.refused = TOO_MANY  # more than a form can take: not even written
            return
        try:
            self.out = storage.create_private(self.path)
        except OSError as error:
            self._give_up(error)
            return
        self.sealer = crypto.StreamSealer(self.key, self.out, context=file_context(self.file_id))

    def _give_up(self, error: OSError | None, reason: str = NOT_STORED) -> None:
        """Keep reading the request, keep nothing of this file."""
        if error is not None and not out_of_space(error):
            logger.error("an upload could not be written to the spool: %s", error.strerror)
        self.refused = reason
        if self.out is not None:
            try:
                self.out.close()
            except OSError:  # the last buffered bytes had no room either
                pass
            self.out = None
        storage.remove(self.path)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        if self.refused:
            return None
        if self.size > self.limit:
            self._give_up(None, TOO_LARGE)
            return None
        self.hasher.update(raw_data)
        try:
            self.sealer.write(raw_data)
        except OSError as error:
            self._give_up(error)
        return None

    def file_complete(self, file_size: int) -> SealedUpload:
        if not self.refused:
            try:
                self.sealer.close()
                self.out.close()
                self.out = None
            except OSError as error:
                self._give_up(error)
        digest = "" if self.refused else self.hasher.hexdigest()
        return SealedUpload(
            self.file_id, self.key, self.file_name, self.size, self.refused, sha256=digest
        )

    def upload_interrupted(self) -> None:
        if getattr(self, "out", None) is not None:
            self._give_up(None)


@dataclass(frozen=True)
class StagedFile:
    """An accepted, cleaned, sealed file waiting in the spool to join a case.

    `sha256` is the digest of the file as kept (cleaned when it could be), sealed with the
    file's details: the evidence's integrity on receipt. It is never the digest of a
    cleaned file's original, which would let whoever holds the reporter's own copy confirm
    who sent it; a file that could not be cleaned is kept as sent, so its digest is the
    original's (docs/threat-model.md says what the dossier does with it).
    """

    id: uuid.UUID
    key: bytes
    name: str
    content_type: str
    size: int
    scrubbed: bool
    sha256: str = ""

    def meta(self) -> bytes:
        return json.dumps(
            {
                "name": self.name,
                "content_type": self.content_type,
                "size": self.size,
                "scrubbed": self.scrubbed,
                "sha256": self.sha256,
            }
        ).encode()


class UploadRejected(Exception):
    def __init__(self, message: str, *, server_fault: bool = False):
        super().__init__(message)
        self.server_fault = server_fault


class FileErrors(list):
    """take_uploads' messages; server_fault when a file failed for want of disk space."""

    server_fault = False


def safe_name(name: str) -> str:
    name = Path(name.replace("\\", "/")).name.strip() or "file"
    return "".join(c for c in name if c.isprintable())[:120]


def not_stored(name: str) -> UploadRejected:
    return UploadRejected(
        _(
            "“%(name)s” could not be stored just now and was not kept. Nothing you typed is "
            "lost: attach it again when you send the form again."
        )
        % {"name": safe_name(name)},
        server_fault=True,
    )


def not_cleaned(name: str) -> str:
    return _(
        "Hidden details (such as the author's name or where a photo was taken) could not be "
        "removed from “%(name)s”. It is in the list of attached files: tick “remove” if it "
        "could identify you, then send the form again. Nothing has been sent yet."
    ) % {"name": name}


def accept(upload: SealedUpload) -> StagedFile:
    """Clean a sealed upload's metadata and re-seal it; raise UploadRejected if refused."""
    if upload.refused == TOO_LARGE:
        upload.discard()
        raise UploadRejected(
            _("“%(name)s” is larger than %(limit)d MB and was not kept.")
            % {"name": safe_name(upload.name), "limit": settings.LANTERNE_MAX_ATTACHMENT_MB}
        )
    if upload.refused:
        upload.discard()
        raise not_stored(upload.name)
    try:
        return clean_and_seal(upload)
    except OSError as error:  # no room for the cleaned copy: the original goes too
        if not out_of_space(error):
            logger.error("an upload could not be re-sealed: %s", error.strerror)
        upload.discard()
        raise not_stored(upload.name) from None


def clean_and_seal(upload: SealedUpload) -> StagedFile:
    path = storage.spool_path(upload.file_id)
    if upload.size > settings.LANTERNE_SCRUB_MAX_MB * MIB:
        # Too big to hold in memory for cleaning: keep the ciphertext as it is.
        with path.open("rb") as src:
            head = next(crypto.open_stream(upload.key, src, context=file_context(upload.file_id)))
        kind = scrub.sniff(head)
        return StagedFile(
            upload.file_id,
            upload.key,
            safe_name(upload.name),
            scrub.CONTENT_TYPES.get(kind, "application/octet-stream"),
            upload.size,
            scrubbed=False,
            sha256=upload.sha256,
        )
    with path.open("rb") as src:
        plain = b"".join(crypto.open_stream(upload.key, src, context=file_context(upload.file_id)))
    result = scrub.scrub(
        plain, filename=upload.name, scratch_dir=settings.LANTERNE_SCRUB_DIR or None
    )
    del plain
    staged = seal_new(result.data, safe_name(upload.name), result.content_type, result.scrubbed)
    upload.discard()
    return staged


def seal_new(data: bytes, name: str, content_type: str, scrubbed: bool) -> StagedFile:
    file_id, key = uuid.uuid4(), crypto.random_key()
    path = storage.spool_path(file_id)
    try:
        with storage.create_private(path) as out:
            crypto.seal_stream(key, io.BytesIO(data), out, context=file_context(file_id))
    except OSError:
        storage.remove(path)
        raise
    digest = hashlib.sha256(data).hexdigest()
    return StagedFile(file_id, key, name, content_type, len(data), scrubbed, sha256=digest)


class Draft:
    """Files accepted during earlier attempts at one form, sealed under a key the page holds."""

    def __init__(self, draft_id: uuid.UUID, key: bytes, files: list[StagedFile]):
        self.id, self.key, self.files = draft_id, key, files

    @classmethod
    def new(cls) -> "Draft":
        return cls(uuid.uuid4(), crypto.random_key(), [])

    @classmethod
    def load(cls, token: str) -> "Draft":
        """Open a draft from its page token; a missing or forged token gives a new draft."""
        try:
            id_text, key_text = token.split(".", 1)
            draft_id, key = uuid.UUID(hex=id_text), crypto.unb64(key_text)
            blob = storage.draft_path(draft_id).read_bytes()
            entries = json.loads(crypto.open_sealed(key, blob, context=draft_id.bytes))
            files = [
                StagedFile(**{**e, "id": uuid.UUID(e["id"]), "key": crypto.unb64(e["key"])})
                for e in entries
            ]
        except (ValueError, OSError, crypto.CryptoError, TypeError, KeyError):
            return cls.new()
        return cls(draft_id, key, [f for f in files if storage.spool_path(f.id).exists()])

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)

    @property
    def token(self) -> str:
        return f"{self.id.hex}.{crypto.b64(self.key)}"

    def save(self) -> None:
        """Write the draft's list (OSError if the disk refuses: the older list then stays)."""
        entries = [{**asdict(f), "id": f.id.hex, "key": crypto.b64(f.key)} for f in self.files]
        blob = crypto.seal(self.key, json.dumps(entries).encode(), context=self.id.bytes)
        path = storage.draft_path(self.id)
        tmp = path.with_suffix(".tmp")
        storage.remove(tmp)
        try:
            with storage.create_private(tmp) as out:
                out.write(blob)
        except OSError:
            storage.remove(tmp)
            raise
        tmp.replace(path)
        storage.keep(storage.spool_path(f.id) for f in self.files)

    def remove(self, file_ids: set[str]) -> None:
        for f in [f for f in self.files if f.id.hex in file_ids]:
            storage.remove(storage.spool_path(f.id))
            self.files.remove(f)

    def discard(self, *, keep_files: bool = False) -> None:
        """Delete the draft; its files too unless they were moved into a case."""
        if not keep_files:
            for f in self.files:
                storage.remove(storage.spool_path(f.id))
        storage.remove(storage.draft_path(self.id))


def take_uploads(draft: Draft, uploads: list[SealedUpload]) -> FileErrors:
    """Accept new uploads into the draft; return an error message for what was refused."""
    errors, over = FileErrors(), []
    for upload in uploads:
        if len(draft.files) >= settings.LANTERNE_MAX_ATTACHMENTS or upload.refused == TOO_MANY:
            upload.discard()
            over.append(safe_name(upload.name))
            continue
        try:
            staged = accept(upload)
        except UploadRejected as rejected:
            errors.append(str(rejected))
            errors.server_fault |= rejected.server_fault
            continue
        draft.files.append(staged)
        if not staged.scrubbed:
            # Said before anything is sent: the form comes back with the file in its list.
            errors.append(not_cleaned(staged.name))
    if over:
        shown = ", ".join(f"“{name}”" for name in over[:5]) + (", …" if len(over) > 5 else "")
        errors.append(
            ngettext(
                "At most %(n)d files can be attached; %(count)d more was not kept: %(names)s.",
                "At most %(n)d files can be attached; %(count)d more were not kept: %(names)s.",
                len(over),
            )
            % {"n": settings.LANTERNE_MAX_ATTACHMENTS, "count": len(over), "names": shown}
        )
    return errors
