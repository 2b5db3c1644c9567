"""The private media folder: ciphertext only, never served directly.

    files/<attachment id>   sealed attachments of cases
    spool/<file id>         sealed uploads not yet part of a case (kept between form attempts)
    spool/<draft id>.draft  sealed list of a draft's files; its key lives only in the page

File times are set to the hour of the case so the folder does not date an upload.
"""

import os
import uuid
from datetime import datetime
from pathlib import Path

from django.conf import settings


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
    return os.fdopen(fd, "wb")


def blur_times(path: Path, when: datetime) -> None:
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))


def remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
