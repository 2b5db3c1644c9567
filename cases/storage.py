"""The private media folder: ciphertext only, never served directly.

    files/<attachment id>   sealed attachments of cases
    spool/<file id>         sealed uploads not yet part of a case (kept between form attempts)
    spool/<draft id>.draft  sealed list of a draft's files; its key lives only in the page

File times are set to the hour of the case so the folder does not date an upload.

The spool ledger makes a request leave nothing behind: while it is open (for each request,
config.request_body), every file created here is noted, and when it closes every noted
file that was not kept — by a saved draft, or by moving into a case — is removed. A form
refused by the CSRF check, sent with another field name, cut off, over a limit or met by
a full disk thus leaves no sealed upload to wait for the hourly purge.
"""

import contextlib
import contextvars
import os
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from django.conf import settings

_ledger: contextvars.ContextVar[dict[Path, bool] | None] = contextvars.ContextVar(
    "spool_ledger", default=None
)


@contextlib.contextmanager
def spool_ledger() -> Iterator[None]:
    """Remove, on the way out, every file created meanwhile that nobody kept."""
    token = _ledger.set({})
    try:
        yield
    finally:
        noted = _ledger.get()
        _ledger.reset(token)
        for path, kept in noted.items():
            if not kept:
                remove(path)


def keep(paths: Iterable[Path]) -> None:
    """These files outlive the current request (a saved draft holds them)."""
    noted = _ledger.get()
    if noted is not None:
        for path in paths:
            noted[path] = True


def _dir(name: str) -> Path:
    path = Path(settings.LANTERNE_MEDIA_DIR) / name
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def files_dir() -> Path:
    return _dir("files")


def spool_dir() -> Path:
    return _dir("spool")


def attachment_path(attachment_id: uuid.UUID) -> Path:
    return files_dir() / attachment_id.hex


def spool_path(file_id: uuid.UUID) -> Path:
    return spool_dir() / file_id.hex


def draft_path(draft_id: uuid.UUID) -> Path:
    return spool_dir() / f"{draft_id.hex}.draft"


def create_private(path: Path):
    """Open a new file for writing, readable by this user only, refusing to overwrite."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    noted = _ledger.get()
    if noted is not None:
        noted.setdefault(path, False)
    return os.fdopen(fd, "wb")


def blur_times(path: Path, when: datetime) -> None:
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))


def remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
