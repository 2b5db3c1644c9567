"""Strip identifying metadata from an attachment before it is sealed.

Images (Pillow) and PDFs (pypdf) are cleaned in memory. Other kinds go through Debian's
``mat2`` inside a private directory under ``scratch_dir``, which the caller must put on a
memory-backed file system (e.g. /dev/shm) so plaintext never reaches a disk. Anything
that cannot be cleaned comes back unchanged with ``scrubbed=False``; nothing here raises
on bad input, and nothing here logs a file name or content.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import subprocess
import tempfile
import warnings
import zipfile
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, ImageSequence
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject

SNIFF_BYTES = 4096
MAX_PIXELS = 110_000_000  # a 108-MP phone photo; beyond that we refuse to decode
MAT2_TIMEOUT = 30  # seconds

CONTENT_TYPES: dict[str, str] = {
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "webp": "image/webp",
    "tiff": "image/tiff",
    "heic": "image/heic",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "odp": "application/vnd.oasis.opendocument.presentation",
    "odg": "application/vnd.oasis.opendocument.graphics",
    "epub": "application/epub+zip",
    "zip": "application/zip",
    "mp3": "audio/mpeg",
    "wav": "audio/x-wav",
    "flac": "audio/flac",
    "ogg": "audio/ogg",
    "aiff": "audio/x-aiff",
    "mp4": "video/mp4",
    "avi": "video/x-msvideo",
    "wmv": "video/x-ms-wmv",
}
OCTET_STREAM = "application/octet-stream"

_PILLOW_FORMATS = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "webp": "WEBP", "tiff": "TIFF"}
_ODF_MIMETYPES = {CONTENT_TYPES[k].encode(): k for k in ("odt", "ods", "odp", "odg", "epub")}
_OOXML_DIRS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
# Kinds handed to mat2, which picks its parser from the file extension.
_MAT2_KINDS = frozenset(
    {"docx", "xlsx", "pptx", "odt", "ods", "odp", "odg", "epub", "zip", "heic"}
    | {"mp3", "wav", "flac", "ogg", "aiff", "mp4", "avi", "wmv"}
)
SCRUBBABLE_KINDS: frozenset[str] = frozenset(_PILLOW_FORMATS) | {"pdf"} | _MAT2_KINDS
# Keys of Image.info that carry no identifying data and are needed to render correctly.
_SAFE_INFO = ("transparency", "duration", "loop", "background", "disposal")


@dataclass(frozen=True)
class ScrubResult:
    data: bytes
    kind: str | None
    content_type: str
    scrubbed: bool


def sniff(head: bytes) -> str | None:
    """Return the kind of a file from its first bytes, or None when unknown."""
    head = head[:SNIFF_BYTES]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"RIFF"):
        return {b"WEBP": "webp", b"WAVE": "wav", b"AVI ": "avi"}.get(head[8:12])
    if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head[4:8] == b"ftyp":
        return "heic" if head[8:12] in (b"heic", b"heix", b"mif1", b"msf1") else "mp4"
    if head.startswith(b"ID3") or (
        len(head) > 1 and head[0] == 0xFF and head[1] in b"\xfb\xf3\xf2"
    ):
        return "mp3"
    if head.startswith(b"fLaC"):
        return "flac"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "wmv"
    if head.startswith(b"PK\x03\x04"):
        return _sniff_zip_entries(_zip_local_entries(head))
    return None


def _zip_local_entries(head: bytes) -> list[tuple[str, bytes]]:
    """Walk the local file headers found in ``head``: (name, stored data or b"")."""
    entries, pos = [], 0
    while head.startswith(b"PK\x03\x04", pos) and pos + 30 <= len(head):
        flags = int.from_bytes(head[pos + 6 : pos + 8], "little")
        method = int.from_bytes(head[pos + 8 : pos + 10], "little")
        size = int.from_bytes(head[pos + 18 : pos + 22], "little")
        name_len = int.from_bytes(head[pos + 26 : pos + 28], "little")
        extra_len = int.from_bytes(head[pos + 28 : pos + 30], "little")
        start = pos + 30 + name_len + extra_len
        name = head[pos + 30 : pos + 30 + name_len].decode("utf-8", "replace")
        entries.append((name, head[start : start + size] if method == 0 else b""))
        if flags & 0x08:  # sizes follow the data: cannot skip to the next header
            break
        pos = start + size
    return entries


def _sniff_zip_entries(entries: list[tuple[str, bytes]]) -> str:
    """ODF/EPUB by their ``mimetype`` entry, OOXML by [Content_Types].xml plus its folder."""
    names = [name for name, _ in entries]
    for name, stored in entries:
        if name == "mimetype" and stored.strip() in _ODF_MIMETYPES:
            return _ODF_MIMETYPES[stored.strip()]
    if "[Content_Types].xml" in names:
        for name in names:
            for prefix, kind in _OOXML_DIRS.items():
                if name.startswith(prefix):
                    return kind
    return "zip"


def _refine_zip(data: bytes) -> str:
    """Classify a zip from its central directory when the first bytes were not enough."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            entries = [(n, b"") for n in names]
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    entries.insert(0, ("mimetype", member.read(100)))
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        return "zip"
    return _sniff_zip_entries(entries)


def scrub(data: bytes, *, filename: str = "", scratch_dir: str | None = None) -> ScrubResult:
    """Return ``data`` without identifying metadata, or unchanged with ``scrubbed=False``.

    ``filename`` is accepted for the caller's convenience but never trusted, stored or logged.
    """
    kind = sniff(data[:SNIFF_BYTES])
    if kind == "zip":
        kind = _refine_zip(data)
    cleaned: bytes | None = None
    try:
        if kind in _PILLOW_FORMATS:
            cleaned = _scrub_image(data, _PILLOW_FORMATS[kind])
        elif kind == "pdf":
            cleaned = _scrub_pdf(data)
        elif kind in _MAT2_KINDS and scratch_dir is not None:
            cleaned = _scrub_with_mat2(data, kind, scratch_dir)
    except Exception:  # noqa: BLE001 - any parser failure means "could not clean"
        cleaned = None
    content_type = CONTENT_TYPES.get(kind or "", OCTET_STREAM)
    if cleaned is None:
        return ScrubResult(data, kind, content_type, False)
    return ScrubResult(cleaned, kind, content_type, True)


def _scrub_image(data: bytes, fmt: str) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "Corrupt EXIF data": noise, and it is dropped
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data), formats=[fmt]) as im:
            frames = getattr(im, "n_frames", 1)
            if im.width * im.height * frames > MAX_PIXELS:
                raise Image.DecompressionBombError("too many pixels")
            pages = [_clean_frame(frame) for frame in ImageSequence.Iterator(im)]
    out = io.BytesIO()
    first, rest = pages[0], pages[1:]
    options: dict[str, object] = {
        "JPEG": {"quality": 92},
        "WEBP": {"quality": 90},
        "TIFF": {"compression": "tiff_deflate"},
    }.get(fmt, {})
    if rest:
        options = {**options, "save_all": True, "append_images": rest}
        if fmt in ("GIF", "WEBP"):
            options["duration"] = [p.info.get("duration", 100) for p in pages]
    first.save(out, format=fmt, **options)
    return out.getvalue()


def _clean_frame(frame: Image.Image) -> Image.Image:
    """Upright pixels converted to sRGB, carrying only rendering-relevant info keys."""
    frame.load()
    icc = frame.info.get("icc_profile")
    upright = ImageOps.exif_transpose(frame)
    if icc and upright.mode in ("RGB", "RGBA"):
        upright = _to_srgb(upright, icc)
    clean = upright.copy()
    clean.info = {k: frame.info[k] for k in _SAFE_INFO if k in frame.info}
    return clean


def _to_srgb(image: Image.Image, icc: bytes) -> Image.Image:
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"))
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted or image


def _scrub_pdf(data: bytes) -> bytes:
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise ValueError("encrypted")
    page_count = len(reader.pages)
    writer = PdfWriter(clone_from=reader)
    writer.metadata = None
    writer._ID = None  # the original file identifier can tie the file to its author
    root = writer._root_object
    for key in ("/Metadata", "/PieceInfo"):
        root.pop(NameObject(key), None)
    for page in writer.pages:
        for key in ("/Metadata", "/PieceInfo"):
            page.pop(NameObject(key), None)
        _clean_xobjects(page.get("/Resources"), depth=0)
    out = io.BytesIO()
    writer.write(out)
    if len(PdfReader(io.BytesIO(out.getvalue())).pages) != page_count:
        raise ValueError("pages lost")
    return out.getvalue()


def _clean_xobjects(resources: object, depth: int) -> None:
    """Drop XMP from image and form XObjects and EXIF segments from embedded JPEGs."""
    if depth > 8 or resources is None:
        return
    resources = resources.get_object()
    xobjects = resources.get("/XObject") if isinstance(resources, DictionaryObject) else None
    if xobjects is None:
        return
    for ref in xobjects.get_object().values():
        xobject = ref.get_object()
        if not isinstance(xobject, StreamObject):
            continue
        xobject.pop(NameObject("/Metadata"), None)
        xobject.pop(NameObject("/PieceInfo"), None)
        if xobject.get("/Subtype") == "/Image" and xobject.get("/Filter") == "/DCTDecode":
            xobject._data = strip_jpeg_segments(xobject._data)
        elif xobject.get("/Subtype") == "/Form":
            _clean_xobjects(xobject.get("/Resources"), depth + 1)


def strip_jpeg_segments(jpeg: bytes) -> bytes:
    """Remove APP1-APP13, APP15 and COM segments from a JPEG without re-encoding it.

    APP0 (JFIF) and APP14 (Adobe colour transform) stay: they are needed to decode.
    Returns the input unchanged when it is not a well-formed marker sequence.
    """
    if not jpeg.startswith(b"\xff\xd8"):
        return jpeg
    out, pos = bytearray(b"\xff\xd8"), 2
    while pos + 4 <= len(jpeg) and jpeg[pos] == 0xFF:
        marker = jpeg[pos + 1]
        if marker == 0xDA:  # start of scan: entropy-coded data follows, copy the rest
            return bytes(out + jpeg[pos:])
        length = int.from_bytes(jpeg[pos + 2 : pos + 4], "big")
        segment = jpeg[pos : pos + 2 + length]
        if not (0xE1 <= marker <= 0xED or marker in (0xEF, 0xFE)):
            out += segment
        pos += 2 + length
    return jpeg


def _scrub_with_mat2(data: bytes, kind: str, scratch_dir: str) -> bytes | None:
    mat2 = shutil.which("mat2")
    if mat2 is None:
        return None
    workdir = tempfile.mkdtemp(dir=scratch_dir)  # mode 0700
    try:
        path = os.path.join(workdir, f"attachment.{kind}")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if not _run([mat2, "--inplace", "--", path], cwd=workdir) or not os.path.exists(path):
            return None
        with open(path, "rb") as handle:
            cleaned = handle.read()
        return cleaned if cleaned else None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(argv: list[str], cwd: str) -> bool:
    """Run a command quietly with a hard timeout that kills its whole process group."""
    with subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    ) as process:
        try:
            return process.wait(timeout=MAT2_TIMEOUT) == 0
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return False
