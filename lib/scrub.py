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
import zlib
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, ImageSequence
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NullObject,
    StreamObject,
)

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
    "avif": "image/avif",
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

_PILLOW_FORMATS = {
    "jpeg": "JPEG",
    "png": "PNG",
    "gif": "GIF",
    "webp": "WEBP",
    "tiff": "TIFF",
    "avif": "AVIF",
}
_ODF_MIMETYPES = {CONTENT_TYPES[k].encode(): k for k in ("odt", "ods", "odp", "odg", "epub")}
_OOXML_DIRS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}
# Kinds handed to mat2, which picks its parser from the file extension.
_MAT2_KINDS = frozenset(
    {"docx", "xlsx", "pptx", "odt", "ods", "odp", "odg", "epub", "zip", "heic"}
    | {"mp3", "flac", "ogg", "mp4", "avi", "wmv"}
)
SCRUBBABLE_KINDS: frozenset[str] = frozenset(_PILLOW_FORMATS) | {"pdf", "wav", "aiff"} | _MAT2_KINDS
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
        if head[8:12] in (b"avif", b"avis"):
            return "avif"
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
        if kind == "jpeg":
            cleaned = _scrub_jpeg(data)
        elif kind in _PILLOW_FORMATS:
            cleaned = _scrub_image(data, _PILLOW_FORMATS[kind])
        elif kind == "pdf":
            cleaned = _scrub_pdf(data)
        elif kind in ("wav", "aiff"):
            cleaned = strip_sound_chunks(data)
        elif kind in _MAT2_KINDS and scratch_dir is not None:
            cleaned = _scrub_with_mat2(data, kind, scratch_dir)
    except Exception:  # noqa: BLE001 - any parser failure means "could not clean"
        cleaned = None
    content_type = CONTENT_TYPES.get(kind or "", OCTET_STREAM)
    if cleaned is None:
        return ScrubResult(data, kind, content_type, False)
    return ScrubResult(cleaned, kind, content_type, True)


def _scrub_jpeg(data: bytes) -> bytes:
    """Re-encode a photo Pillow can decode within the pixel limits; otherwise (a 100-MP
    photo, a kind of JPEG Pillow cannot read) drop its segments without decoding it, so
    whether the GPS goes never depends on the photo's size."""
    try:
        return _scrub_image(data, "JPEG")
    except Exception:  # noqa: BLE001 - Pillow's bomb limits, or a JPEG it cannot decode
        return strip_jpeg_segments(data, keep_orientation=True)


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
        "AVIF": {"quality": 90},
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
    """Rebuild the PDF without metadata, authors, scripts, actions or embedded files.

    Every object is visited, not only what the pages reach: JPEGs inside annotations'
    appearances or patterns lose their EXIF too. Anything this cannot clean (a filter it
    does not know in front of a JPEG) raises, so the file is reported as not cleaned.
    """
    reader = PdfReader(io.BytesIO(data), strict=False)
    if reader.is_encrypted and not reader.decrypt(""):
        raise ValueError("encrypted")
    page_count = len(reader.pages)
    writer = PdfWriter(clone_from=reader)
    writer.metadata = None
    writer._ID = None  # the original file identifier can tie the file to its author
    root = writer._root_object
    for key in ("/OpenAction", "/AA", "/Threads", "/SpiderInfo", "/Perms", "/URI"):
        root.pop(NameObject(key), None)
    names = root.get("/Names")
    if names is not None:
        names = names.get_object()
        for key in ("/JavaScript", "/EmbeddedFiles", "/AlternatePresentations"):
            names.pop(NameObject(key), None)
    form = root.get("/AcroForm")
    if form is not None:
        form.get_object().pop(NameObject("/XFA"), None)
    for page in writer.pages:
        annots = page.get("/Annots")
        if annots is None:
            continue
        kept = ArrayObject(a for a in annots.get_object() if not _foreign_annotation(a))
        page[NameObject("/Annots")] = kept
    for obj in list(writer._objects):
        if obj is not None:
            _clean_object(obj, depth=0)
    # Objects no longer referenced (the embedded files, the scripts) must not be written.
    writer.compress_identical_objects(remove_duplicates=False, remove_unreferenced=True)
    out = io.BytesIO()
    writer.write(out)
    if len(PdfReader(io.BytesIO(out.getvalue())).pages) != page_count:
        raise ValueError("pages lost")
    return out.getvalue()


# Annotations that carry a file, a sound or a film, or run something: removed whole.
_FOREIGN_ANNOTATIONS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
# Actions that run code, open files or send data: the reference to them is dropped.
_ACTIVE_ACTIONS = {
    "/JavaScript",
    "/Launch",
    "/SubmitForm",
    "/ImportData",
    "/GoToE",
    "/GoToR",
    "/Rendition",
    "/Sound",
    "/Movie",
    "/RichMediaExecute",
}
# Keys that name or date the author, or hold metadata or actions, wherever they appear.
_DROPPED_KEYS = ("/Metadata", "/PieceInfo", "/AA", "/LastModified", "/EF", "/RF", "/JS")
_ANNOTATION_PERSONAL_KEYS = ("/T", "/M", "/CreationDate", "/NM")


def _foreign_annotation(ref: object) -> bool:
    annot = ref.get_object()
    return isinstance(annot, DictionaryObject) and annot.get("/Subtype") in _FOREIGN_ANNOTATIONS


def _active(action: object) -> bool:
    action = action.get_object() if action is not None else None
    return isinstance(action, DictionaryObject) and action.get("/S") in _ACTIVE_ACTIONS


def _clean_object(obj: object, depth: int) -> None:
    """Clean one object and the direct (not indirect) dictionaries and arrays inside it."""
    if depth > 32:
        raise ValueError("nested too deep")
    if isinstance(obj, ArrayObject):
        for item in obj:
            if not isinstance(item, IndirectObject):
                _clean_object(item, depth + 1)
        return
    if not isinstance(obj, DictionaryObject):
        return
    for key in _DROPPED_KEYS:
        obj.pop(NameObject(key), None)
    if obj.get("/Type") == "/Annot" or (
        "/Subtype" in obj and "/Rect" in obj and obj.get("/Subtype") != "/Widget"
    ):
        for key in _ANNOTATION_PERSONAL_KEYS:
            obj.pop(NameObject(key), None)
    for key in ("/A", "/Next", "/PA"):
        if _active(obj.get(key)):
            obj.pop(NameObject(key))
    if obj.get("/Type") == "/EmbeddedFile" and isinstance(obj, StreamObject):
        obj.set_data(b"")
    if isinstance(obj, StreamObject) and obj.get("/Subtype") == "/Image":
        _clean_image_stream(obj)
    for value in list(obj.values()):
        if not isinstance(value, IndirectObject):
            _clean_object(value, depth + 1)


def _clean_image_stream(image: StreamObject) -> None:
    filters = image.get("/Filter")
    if filters is None:
        return
    filters = [str(f) for f in (filters if isinstance(filters, ArrayObject) else [filters])]
    if filters[-1] == "/JPXDecode":
        if len(filters) > 1:
            raise ValueError("filtered JPEG 2000")
        image._data = strip_jp2_boxes(image._data)
        return
    if filters[-1] != "/DCTDecode":
        return
    jpeg = image._data
    for name in filters[:-1]:
        if name != "/FlateDecode" or image.get("/DecodeParms") not in (None, NullObject()):
            raise ValueError("a JPEG behind a filter this cannot undo")
        jpeg = zlib.decompress(jpeg)
    image._data = strip_jpeg_segments(jpeg)
    image[NameObject("/Filter")] = NameObject("/DCTDecode")


def strip_jpeg_segments(jpeg: bytes, *, keep_orientation: bool = False) -> bytes:
    """Remove every APP segment but JFIF and Adobe's, comments, and what follows the image.

    Pixels are not decoded, so the image's size does not matter. APP0 (JFIF) and APP14
    (Adobe colour transform) stay: they are needed to decode. EXIF, XMP, IPTC, ICC
    profiles, MPF (with its appended second image) and a phone's trailer (a "motion photo"
    video after the end marker) go. With keep_orientation, an EXIF holding only the
    Orientation tag replaces the original, so the photo still shows upright.
    Raises ValueError when the file is not a well-formed JPEG.
    """
    if not jpeg.startswith(b"\xff\xd8"):
        raise ValueError("not a JPEG")
    out, pos, orientation = bytearray(b"\xff\xd8"), 2, None
    while True:
        while pos < len(jpeg) and jpeg[pos] == 0xFF and jpeg[pos + 1 : pos + 2] == b"\xff":
            pos += 1  # fill bytes
        if pos + 4 > len(jpeg) or jpeg[pos] != 0xFF:
            raise ValueError("malformed JPEG header")
        marker = jpeg[pos + 1]
        if marker == 0xDA:  # start of scan: entropy-coded data up to the end marker
            end = jpeg.find(b"\xff\xd9", pos)
            if end < 0:
                raise ValueError("no end marker")
            if orientation:
                exif = Image.Exif()
                exif[0x0112] = orientation
                payload = exif.tobytes()
                app1 = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
                # After APP0 when there is one, so JFIF stays the first segment.
                at = 2 + (int.from_bytes(out[4:6], "big") + 2 if out[2:4] == b"\xff\xe0" else 0)
                out[at:at] = app1
            return bytes(out + jpeg[pos : end + 2])
        length = int.from_bytes(jpeg[pos + 2 : pos + 4], "big")
        if length < 2 or pos + 2 + length > len(jpeg):
            raise ValueError("truncated JPEG segment")
        segment = jpeg[pos : pos + 2 + length]
        if keep_orientation and marker == 0xE1 and segment[4:10] == b"Exif\x00\x00":
            orientation = _orientation(segment[4:]) or orientation
        if marker in (0xE0, 0xEE) or not (0xE0 <= marker <= 0xEF or marker == 0xFE):
            out += segment
        pos += 2 + length


def _orientation(exif: bytes) -> int | None:
    try:
        value = Image.Exif()
        value.load(exif)
        orientation = value.get(0x0112)
    except Exception:  # noqa: BLE001 - a broken EXIF simply has no orientation to keep
        return None
    return orientation if orientation in range(2, 9) else None


# JPEG 2000 boxes needed to show the image; the rest (XML, UUID boxes with XMP or GeoJP2
# coordinates, IPR) go.
_JP2_KEPT_BOXES = {b"jP  ", b"ftyp", b"jp2h", b"jp2c"}


def strip_jp2_boxes(data: bytes) -> bytes:
    """Keep only the top-level JP2 boxes needed to decode; a bare codestream is kept as is."""
    if data.startswith(b"\xff\x4f\xff\x51"):
        return data
    out, pos = bytearray(), 0
    while pos < len(data):
        if pos + 8 > len(data):
            raise ValueError("truncated JP2 box")
        length, kind, header = (
            int.from_bytes(data[pos : pos + 4], "big"),
            data[pos + 4 : pos + 8],
            8,
        )
        if length == 1:
            length, header = int.from_bytes(data[pos + 8 : pos + 16], "big"), 16
        elif length == 0:
            length = len(data) - pos
        if length < header or pos + length > len(data):
            raise ValueError("malformed JP2 box")
        if kind in _JP2_KEPT_BOXES:
            out += data[pos : pos + length]
        pos += length
    if not out:
        raise ValueError("no JP2 boxes")
    return bytes(out)


# The chunks a recording needs to play; the rest (LIST/INFO with the artist, ID3, BEXT with
# the recorder's name and time, iXML, NAME, AUTH, ANNO, "(c) ") go.
_SOUND_CHUNKS = {b"fmt ", b"data", b"fact", b"COMM", b"SSND", b"FVER"}


def strip_sound_chunks(data: bytes) -> bytes:
    """Keep only the format and sample chunks of a WAV (RIFF) or AIFF (FORM) recording."""
    order = "little" if data.startswith(b"RIFF") else "big"
    out, pos = bytearray(data[8:12]), 12
    while pos + 8 <= len(data):
        kind, size = data[pos : pos + 4], int.from_bytes(data[pos + 4 : pos + 8], order)
        end = pos + 8 + size + (size & 1)
        if pos + 8 + size > len(data):
            raise ValueError("truncated chunk")
        if kind in _SOUND_CHUNKS:
            out += data[pos:end]
        pos = end
    if pos != len(data) and pos + 8 > len(data) and data[pos:].strip(b"\x00"):
        raise ValueError("trailing bytes")
    if b"data" not in out and b"SSND" not in out:
        raise ValueError("no samples")
    return data[:4] + len(out).to_bytes(4, order) + bytes(out)


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
