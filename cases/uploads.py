"""Uploads are encrypted while they arrive, cleaned of metadata, and kept sealed until used.

No upload ever touches the disk in clear: Django's temporary-file handler is replaced by
SealingUploadHandler (settings.FILE_UPLOAD_HANDLERS), which seals each 64 KiB chunk as it
comes off the socket under a random key that lives only in memory. Accepting a file then
removes its metadata (lib.scrub) and re-seals it. A Draft keeps accepted files between
attempts at a form; its key goes back to the browser in a hidden field and is never stored.
"""

import io
import json
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.utils.translation import gettext_lazy as _

from lib import crypto, scrub

from . import storage

MIB = 1024 * 1024


def file_context(file_id: uuid.UUID) -> bytes:
    return b"lanterne|file|" + file_id.bytes


class SealedUpload(UploadedFile):
    """An upload already sealed on disk; its key exists only in this object."""

    def __init__(self, file_id: uuid.UUID, key: bytes, name: str, size: int, too_large: bool):
        super().__init__(file=None, name=name, content_type=None, size=size)
        self.file_id, self.key, self.too_large = file_id, key, too_large

    def discard(self) -> None:
        storage.remove(storage.spool_path(self.file_id))


class SealingUploadHandler(FileUploadHandler):
    chunk_size = crypto.CHUNK_SIZE

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.limit = settings.LANTERNE_MAX_ATTACHMENT_MB * MIB
        self.file_id, self.key = uuid.uuid4(), crypto.random_key()
        self.path = storage.spool_path(self.file_id)
        self.out = storage.create_private(self.path)
        self.sealer = crypto.StreamSealer(self.key, self.out, context=file_context(self.file_id))
        self.size, self.too_large = 0, False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.size += len(raw_data)
        if self.too_large:
            return None
        if self.size > self.limit:  # keep reading the request, keep nothing of this file
            self.too_large = True
            self.out.close()
            storage.remove(self.path)
            return None
        self.sealer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> SealedUpload:
        if not self.too_large:
            self.sealer.close()
            self.out.close()
        return SealedUpload(self.file_id, self.key, self.file_name, self.size, self.too_large)

    def upload_interrupted(self) -> None:
        if getattr(self, "out", None) is not None and not self.out.closed:
            self.out.close()
            storage.remove(self.path)


@dataclass(frozen=True)
class StagedFile:
    """An accepted, cleaned, sealed file waiting in the spool to join a case."""

    id: uuid.UUID
    key: bytes
    name: str
    content_type: str
    size: int
    scrubbed: bool

    def meta(self) -> bytes:
        return json.dumps(
            {
                "name": self.name,
                "content_type": self.content_type,
                "size": self.size,
                "scrubbed": self.scrubbed,
            }
        ).encode()


class UploadRejected(Exception):
    pass


def safe_name(name: str) -> str:
    name = Path(name.replace("\\", "/")).name.strip() or "file"
    return "".join(c for c in name if c.isprintable())[:120]


def accept(upload: SealedUpload) -> StagedFile:
    """Clean a sealed upload's metadata and re-seal it; raise UploadRejected if too large."""
    if upload.too_large:
        upload.discard()
        raise UploadRejected(
            _("“%(name)s” is larger than %(limit)d MB and was not kept.")
            % {"name": safe_name(upload.name), "limit": settings.LANTERNE_MAX_ATTACHMENT_MB}
        )
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
    with storage.create_private(storage.spool_path(file_id)) as out:
        crypto.seal_stream(key, io.BytesIO(data), out, context=file_context(file_id))
    return StagedFile(file_id, key, name, content_type, len(data), scrubbed)


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
    def token(self) -> str:
        return f"{self.id.hex}.{crypto.b64(self.key)}"

    def save(self) -> None:
        entries = [{**asdict(f), "id": f.id.hex, "key": crypto.b64(f.key)} for f in self.files]
        blob = crypto.seal(self.key, json.dumps(entries).encode(), context=self.id.bytes)
        path = storage.draft_path(self.id)
        tmp = path.with_suffix(".tmp")
        storage.remove(tmp)
        with storage.create_private(tmp) as out:
            out.write(blob)
        tmp.replace(path)

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


def take_uploads(draft: Draft, uploads: list[SealedUpload]) -> list[str]:
    """Accept new uploads into the draft; return an error message for each one refused."""
    errors = []
    for upload in uploads:
        if len(draft.files) >= settings.LANTERNE_MAX_ATTACHMENTS:
            upload.discard()
            errors.append(
                _("At most %(n)d files can be attached; “%(name)s” was not kept.")
                % {"n": settings.LANTERNE_MAX_ATTACHMENTS, "name": safe_name(upload.name)}
            )
            continue
        try:
            draft.files.append(accept(upload))
        except UploadRejected as rejected:
            errors.append(str(rejected))
    return errors
