"""A corpus of hostile files, made here: each carries the author, the camera, a place or a
script, marked with strings the tests look for after cleaning."""

import io
import re
import shutil
import struct
import subprocess
import tempfile
import zipfile
import zlib
from pathlib import Path

from PIL import Image, PngImagePlugin
from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from tests.lib.test_scrub import AUTHOR, CAMERA, docx_with_creator, exif_with_gps

XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
    b'22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b"dc:creator='" + AUTHOR.encode() + b"'/></rdf:RDF></x:xmpmeta>"
)
SCRIPT, EMBEDDED, OPENING, TRAILER = (
    b"JSMARKER",
    b"EMBEDDEDMARKER",
    b"OPENMARKER",
    b"VIDEOMARKER",
)
# What must not survive in any file (PDF streams are searched inflated too).
IDENTIFYING = (AUTHOR.encode(), CAMERA.encode(), b"xmpmeta", b"Exif\x00", b"Goma")


def photo() -> Image.Image:
    image = Image.new("RGB", (40, 20), "blue")
    image.paste("red", (0, 0, 20, 20))
    return image


def exif() -> Image.Exif:
    tags = exif_with_gps(orientation=1)
    tags[0x013B] = AUTHOR  # Artist
    tags[0x010E] = "Goma"  # ImageDescription
    return tags


def jpeg(size: tuple[int, int] | None = None, mode: str = "RGB") -> bytes:
    """A phone photo: EXIF with GPS and camera, XMP, a comment, and a video after its end."""
    image = photo() if size is None else Image.new(mode, size, 128)
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif(), xmp=XMP, comment=AUTHOR.encode(), quality=60)
    return out.getvalue() + b"ftypmp42" + TRAILER  # a "motion photo" trailer


def png() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", AUTHOR)
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    out = io.BytesIO()
    photo().save(out, "PNG", pnginfo=info, exif=exif())
    return out.getvalue()


def pillow_image(fmt: str) -> bytes:
    tags = exif()
    if fmt == "TIFF":
        del tags[0x8825]  # Pillow cannot write a GPS IFD into a TIFF; the rest it can
    out = io.BytesIO()
    photo().save(out, fmt, exif=tags, **({} if fmt == "TIFF" else {"xmp": XMP}))
    return out.getvalue()


def heic() -> bytes:
    """An AVIF photo labelled as HEIC: the same ISO container, which is where metadata
    lives (no HEVC encoder exists on the machine; Pillow cannot write HEVC)."""
    data = pillow_image("AVIF")
    at = data.index(b"ftyp") + 4
    return data[:at] + b"heic" + data[at + 4 :]


def odt() -> bytes:
    meta = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-meta '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.2"><office:meta>'
        f"<meta:initial-creator>{AUTHOR}</meta:initial-creator><dc:creator>{AUTHOR}</dc:creator>"
        "</office:meta></office:document-meta>"
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        "<office:body><office:text><text:p>Trucks leave the mine at night.</text:p>"
        "</office:text></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("meta.xml", meta, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return out.getvalue()


def id3_frame(kind: bytes, text: str) -> bytes:
    body = b"\x03" + text.encode()  # UTF-8
    return kind + struct.pack(">I", len(body)) + b"\x00\x00" + body


def mp3() -> bytes:
    """A recording tagged with the artist (ID3v2.4) and silent MPEG-1 layer III frames."""
    frames = id3_frame(b"TPE1", AUTHOR) + id3_frame(b"TIT2", "Goma, the night of the raid")
    size = len(frames)
    syncsafe = bytes((size >> s) & 0x7F for s in (21, 14, 7, 0))
    frame = b"\xff\xfb\x90\x00" + b"\x00" * 413  # 128 kbit/s, 44.1 kHz: 417 bytes
    return b"ID3\x04\x00\x00" + syncsafe + frames + frame * 20


PLACE = b"+01.6789+029.2345/"  # ISO 6709, where a phone writes where the video was filmed
FILMED = "2026-11-30T14:37:12Z"


def mp4() -> bytes:
    """A phone video (H.264 and AAC, made by Debian's ffmpeg): the place it was filmed, its
    time, the author and the phone, in the container's metadata and its tracks' names."""
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "make test installs Debian's ffmpeg (Makefile, RUN_PACKAGES)"
    tags = {
        "title": "Goma",
        "artist": AUTHOR,
        "comment": CAMERA,
        "location": PLACE.decode(),
        "creation_time": FILMED,
    }
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "clip.mp4"
        subprocess.run(
            [ffmpeg, "-hide_banner", "-loglevel", "error"]
            + ["-f", "lavfi", "-i", "color=c=red:size=40x20:rate=5"]
            + ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000", "-t", "1"]
            + ["-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac"]
            + [arg for key, value in tags.items() for arg in ("-metadata", f"{key}={value}")]
            + ["-metadata:s:v", f"handler_name={CAMERA}", "-movflags", "+use_metadata_tags"]
            + [str(out)],
            check=True,
        )
        return out.read_bytes()


def wav() -> bytes:
    """A recording with a LIST/INFO chunk naming its artist."""
    samples = b"\x00\x00" * 8000
    fmt = struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)
    artist = AUTHOR.encode() + b"\x00"
    info = b"INFO" + b"IART" + struct.pack("<I", len(artist)) + artist
    body = (
        b"WAVE"
        + b"fmt "
        + struct.pack("<I", len(fmt))
        + fmt
        + b"data"
        + struct.pack("<I", len(samples))
        + samples
        + b"LIST"
        + struct.pack("<I", len(info))
        + info
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def pdf() -> bytes:
    """A PDF with everything that names or tracks its author.

    A photo with GPS as an image behind two filters (Flate then DCT), another in an
    annotation's appearance, the annotation's author, XMP, the document's info, an
    embedded file, a document script and an opening action.
    """
    writer = PdfWriter()
    page = writer.add_blank_page(width=200, height=200)

    def image(data: bytes, filters) -> object:
        stream = DecodedStreamObject()
        stream.set_data(data)
        stream.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Image"),
                NameObject("/Width"): NumberObject(40),
                NameObject("/Height"): NumberObject(20),
                NameObject("/ColorSpace"): NameObject("/DeviceRGB"),
                NameObject("/BitsPerComponent"): NumberObject(8),
                NameObject("/Filter"): filters,
                NameObject("/Metadata"): writer._add_object(xmp_stream()),
            }
        )
        return writer._add_object(stream)

    def xmp_stream() -> DecodedStreamObject:
        stream = DecodedStreamObject()
        stream.set_data(XMP)
        stream.update(
            {
                NameObject("/Type"): NameObject("/Metadata"),
                NameObject("/Subtype"): NameObject("/XML"),
            }
        )
        return stream

    photo_jpeg = jpeg()
    behind_flate = image(
        zlib.compress(photo_jpeg),
        ArrayObject([NameObject("/FlateDecode"), NameObject("/DCTDecode")]),
    )
    in_annotation = image(photo_jpeg, NameObject("/DCTDecode"))
    contents = DecodedStreamObject()
    contents.set_data(b"q 40 0 0 20 10 10 cm /Im1 Do Q")
    page[NameObject("/Contents")] = writer._add_object(contents)
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im1"): behind_flate})}
    )
    appearance = DecodedStreamObject()
    appearance.set_data(b"q 40 0 0 20 0 0 cm /Im2 Do Q")
    appearance.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject([NumberObject(0)] * 2 + [NumberObject(40)] * 2),
            NameObject("/Resources"): DictionaryObject(
                {NameObject("/XObject"): DictionaryObject({NameObject("/Im2"): in_annotation})}
            ),
        }
    )
    rect = ArrayObject([FloatObject(v) for v in (100, 100, 140, 120)])
    note = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/Rect"): rect,
            NameObject("/T"): TextStringObject(AUTHOR),
            NameObject("/M"): TextStringObject("D:20260914213000+01'00'"),
            NameObject("/Contents"): TextStringObject("see the trucks"),
            NameObject("/AP"): DictionaryObject({NameObject("/N"): writer._add_object(appearance)}),
            NameObject("/A"): DictionaryObject(
                {
                    NameObject("/S"): NameObject("/JavaScript"),
                    NameObject("/JS"): TextStringObject(SCRIPT.decode()),
                }
            ),
        }
    )
    attached = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/FileAttachment"),
            NameObject("/Rect"): rect,
            NameObject("/T"): TextStringObject(AUTHOR),
        }
    )
    page[NameObject("/Annots")] = ArrayObject(
        [writer._add_object(note), writer._add_object(attached)]
    )
    script = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(f"app.alert('{SCRIPT.decode()}');"),
        }
    )
    names = DictionaryObject(
        {
            NameObject("/JavaScript"): DictionaryObject(
                {
                    NameObject("/Names"): ArrayObject(
                        [TextStringObject("hello"), writer._add_object(script)]
                    )
                }
            )
        }
    )
    writer._root_object[NameObject("/Names")] = names
    writer.add_attachment("witnesses.txt", EMBEDDED)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject(OPENING.decode()),
        }
    )
    writer._root_object[NameObject("/Metadata")] = writer._add_object(xmp_stream())
    writer.add_metadata({"/Author": AUTHOR, "/Creator": CAMERA})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_text(data: bytes) -> bytes:
    """The PDF's bytes followed by every stream it holds, inflated where it is deflated."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            pass
    return b"\n".join(parts)


# name, bytes, and the markers that must be gone after cleaning (beyond IDENTIFYING).
CORPUS = {
    "photo.jpg": (jpeg, (TRAILER,)),
    "screenshot.png": (png, ()),
    "photo.webp": (lambda: pillow_image("WEBP"), ()),
    "scan.tiff": (lambda: pillow_image("TIFF"), ()),
    "photo.avif": (lambda: pillow_image("AVIF"), ()),
    "photo.heic": (heic, ()),
    "letter.pdf": (
        pdf,
        (SCRIPT, EMBEDDED, OPENING, b"/OpenAction", b"/EmbeddedFile", b"/JavaScript"),
    ),
    "letter.docx": (docx_with_creator, ()),
    "letter.odt": (odt, ()),
    "recording.mp3": (mp3, ()),
    "recording.wav": (wav, ()),
    "clip.mp4": (mp4, (PLACE, FILMED[:10].encode())),
}
