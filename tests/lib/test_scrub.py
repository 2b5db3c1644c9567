import io
import os
import shutil
import stat
import struct
import zipfile
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms, PngImagePlugin
from pypdf import PdfReader, PdfWriter

from lib import scrub as scrub_module
from lib.scrub import SCRUBBABLE_KINDS, scrub, sniff, strip_jpeg_segments

CAMERA = "LanterneCam X9"
AUTHOR = "Jean Secret"


def exif_with_gps(orientation: int = 6) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = CAMERA  # Make
    exif[0x0110] = "Model 42"  # Model
    exif[0x0112] = orientation
    exif[0x8825] = {  # GPS IFD: 1°40'S 29°13'E, Goma
        1: "S",
        2: (1.0, 40.0, 12.0),
        3: "E",
        4: (29.0, 13.0, 5.0),
    }
    return exif


def red_left_blue_right(width: int = 40, height: int = 20) -> Image.Image:
    image = Image.new("RGB", (width, height), "blue")
    image.paste("red", (0, 0, width // 2, height))
    return image


def jpeg_photo(**extra: object) -> bytes:
    out = io.BytesIO()
    red_left_blue_right().save(
        out, "JPEG", exif=exif_with_gps(), comment=b"shot by " + AUTHOR.encode(), **extra
    )
    return out.getvalue()


# Baseline TIFF tags that only describe the pixel layout (size, strips, compression...).
TIFF_LAYOUT_TAGS = {256, 257, 258, 259, 262, 273, 277, 278, 279, 282, 283, 284, 296, 317, 320, 338}


def assert_no_image_metadata(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    assert set(image.getexif()) <= (TIFF_LAYOUT_TAGS if image.format == "TIFF" else set())
    for key in ("exif", "xmp", "XML:com.adobe.xmp", "comment", "icc_profile", "Author"):
        assert key not in image.info
    for needle in (b"Exif", b"GPS", CAMERA.encode(), AUTHOR.encode(), b"xmpmeta"):
        assert needle not in data
    return image


def docx_with_creator() -> bytes:
    content_types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
        'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        "</Relationships>"
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>Trucks leave the mine at night.</w:t></w:r></w:p></w:body>"
        "</w:document>"
    )
    core = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:creator>{AUTHOR}</dc:creator></cp:coreProperties>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", rels)
        archive.writestr("word/document.xml", document)
        archive.writestr("docProps/core.xml", core)
    return out.getvalue()


def unzip_all(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


# --- images ---------------------------------------------------------------------------------


def test_it_removes_gps_camera_and_comment_from_a_jpeg_photo():
    original = jpeg_photo()
    assert CAMERA.encode() in original and Image.open(io.BytesIO(original)).getexif()
    result = scrub(original, filename="IMG_0001.jpg")
    assert result.scrubbed and result.kind == "jpeg" and result.content_type == "image/jpeg"
    assert_no_image_metadata(result.data)
    assert strip_jpeg_segments(result.data) == result.data  # no APP1-APP13/APP15/COM left


def test_it_applies_exif_orientation_before_dropping_it():
    image = assert_no_image_metadata(scrub(jpeg_photo()).data)
    assert image.size == (20, 40)
    top, bottom = image.convert("RGB").getpixel((10, 2)), image.convert("RGB").getpixel((10, 37))
    assert top[0] > 200 and top[2] < 60  # the red left half is now on top
    assert bottom[2] > 200 and bottom[0] < 60


def test_it_removes_xmp_and_icc_profile_from_a_jpeg():
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = f'<x:xmpmeta xmlns:x="adobe:ns:meta/">{AUTHOR}</x:xmpmeta>'.encode()
    result = scrub(jpeg_photo(icc_profile=icc, xmp=xmp))
    assert result.scrubbed
    assert_no_image_metadata(result.data)


def test_it_removes_text_chunks_from_a_png():
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", AUTHOR)
    info.add_text("Comment", "GPS -1.67 29.22", zip=True)
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>" + AUTHOR + "</x:xmpmeta>")
    out = io.BytesIO()
    red_left_blue_right().save(out, "PNG", pnginfo=info, exif=exif_with_gps(orientation=1))
    result = scrub(out.getvalue())
    assert result.scrubbed and result.kind == "png"
    image = assert_no_image_metadata(result.data)
    assert image.size == (40, 20)
    for chunk in (b"tEXt", b"zTXt", b"iTXt", b"eXIf"):
        assert chunk not in result.data


def test_it_keeps_png_transparency():
    out = io.BytesIO()
    Image.new("RGBA", (8, 8), (255, 0, 0, 0)).save(out, "PNG")
    image = Image.open(io.BytesIO(scrub(out.getvalue()).data))
    assert image.mode == "RGBA" and image.getpixel((0, 0))[3] == 0


def test_it_removes_the_comment_from_an_animated_gif_and_keeps_its_frames():
    frames = [Image.new("RGB", (10, 10), color) for color in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], comment=AUTHOR, duration=50)
    result = scrub(out.getvalue())
    assert result.scrubbed and result.kind == "gif"
    image = assert_no_image_metadata(result.data)
    assert image.n_frames == 3 and image.size == (10, 10)


def test_it_removes_exif_from_webp_and_tiff():
    for fmt, kind in (("WEBP", "webp"), ("TIFF", "tiff")):
        out = io.BytesIO()
        red_left_blue_right().save(out, fmt, exif=exif_with_gps().tobytes())
        result = scrub(out.getvalue())
        assert result.scrubbed and result.kind == kind, fmt
        assert assert_no_image_metadata(result.data).size == (20, 40), fmt


def test_it_keeps_every_page_of_a_multi_page_tiff_scan():
    pages = [Image.new("L", (30, 40), shade) for shade in (0, 128, 255)]
    out = io.BytesIO()
    pages[0].save(
        out, "TIFF", save_all=True, append_images=pages[1:], exif=exif_with_gps(1).tobytes()
    )
    image = assert_no_image_metadata(scrub(out.getvalue()).data)
    assert image.n_frames == 3


def test_it_refuses_a_decompression_bomb_without_raising():
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 1000))
        + png_chunk(b"IEND", b"")
    )
    result = scrub(bomb)
    assert result == scrub_module.ScrubResult(bomb, "png", "image/png", False)


def test_it_returns_a_truncated_jpeg_unchanged_and_unscrubbed():
    truncated = jpeg_photo()[:300]
    result = scrub(truncated)
    assert result.data == truncated and result.kind == "jpeg" and not result.scrubbed


def test_strip_jpeg_segments_removes_exif_without_re_encoding():
    original = jpeg_photo()
    stripped = strip_jpeg_segments(original)
    assert b"Exif" not in stripped and AUTHOR.encode() not in stripped
    before, after = Image.open(io.BytesIO(original)), Image.open(io.BytesIO(stripped))
    assert after.tobytes() == before.tobytes()


# --- PDF ------------------------------------------------------------------------------------


def pdf_with_metadata(pages: int = 2) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    writer.add_metadata(
        {"/Author": AUTHOR, "/Title": "Smuggling at Mbuji-Mayi", "/Creator": "Word 2019"}
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_it_removes_author_title_creator_and_producer_from_a_pdf():
    result = scrub(pdf_with_metadata(), filename="report.pdf")
    assert result.scrubbed and result.kind == "pdf" and result.content_type == "application/pdf"
    reader = PdfReader(io.BytesIO(result.data))
    assert len(reader.pages) == 2
    assert not reader.metadata
    assert reader.xmp_metadata is None
    for needle in (AUTHOR.encode(), b"Mbuji", b"Word 2019", b"pypdf", b"/Producer"):
        assert needle not in result.data


def test_it_removes_exif_from_a_photo_embedded_in_a_pdf():
    out = io.BytesIO()
    red_left_blue_right().save(out, "PDF")  # Pillow embeds the image as DCTDecode
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(out.getvalue())))
    xobjects = writer.pages[0]["/Resources"]["/XObject"]
    image = next(iter(xobjects.values())).get_object()
    image._data = jpeg_photo()
    out = io.BytesIO()
    writer.write(out)
    assert CAMERA.encode() in out.getvalue()
    result = scrub(out.getvalue())
    assert result.scrubbed
    assert CAMERA.encode() not in result.data and b"Exif" not in result.data


def test_it_returns_garbage_claiming_to_be_a_pdf_unchanged():
    garbage = b"%PDF-1.7\n" + os.urandom(500)
    assert scrub(garbage) == scrub_module.ScrubResult(garbage, "pdf", "application/pdf", False)


# --- everything else via mat2 ---------------------------------------------------------------


def test_it_removes_the_creator_from_a_docx_with_mat2(tmp_path):
    assert shutil.which("mat2"), "CI installs Debian's mat2; this test must not be skipped"
    original = docx_with_creator()
    assert AUTHOR.encode() in unzip_all(original)
    result = scrub(original, filename="notes.docx", scratch_dir=str(tmp_path))
    assert result.scrubbed and result.kind == "docx"
    cleaned = unzip_all(result.data)
    assert AUTHOR.encode() not in cleaned
    assert b"Trucks leave the mine at night." in cleaned
    assert os.listdir(tmp_path) == []


def test_it_leaves_a_docx_unscrubbed_without_a_scratch_dir():
    original = docx_with_creator()
    assert scrub(original) == scrub_module.ScrubResult(
        original, "docx", scrub_module.CONTENT_TYPES["docx"], False
    )


def test_it_leaves_a_docx_unscrubbed_when_mat2_is_missing(tmp_path, monkeypatch):
    monkeypatch.setattr(scrub_module.shutil, "which", lambda name: None)
    original = docx_with_creator()
    result = scrub(original, scratch_dir=str(tmp_path))
    assert result.data == original and not result.scrubbed
    assert os.listdir(tmp_path) == []


def fake_mat2(tmp_path, monkeypatch, body: str) -> list[str]:
    """Put a fake mat2 on PATH that records the mode of its work directory."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "mat2"
    seen = tmp_path / "seen"
    script.write_text(f'#!/bin/sh\nstat -c %a "$(dirname "$3")" > {seen}\n{body}\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    return [str(seen)]


def test_it_gives_up_on_mat2_after_the_timeout_and_cleans_up(tmp_path, monkeypatch):
    (seen,) = fake_mat2(tmp_path, monkeypatch, "sleep 20")
    monkeypatch.setattr(scrub_module, "MAT2_TIMEOUT", 0.5)
    scratch = tmp_path / "shm"
    scratch.mkdir()
    original = docx_with_creator()
    result = scrub(original, scratch_dir=str(scratch))
    assert result.data == original and not result.scrubbed
    assert os.listdir(scratch) == []
    assert open(seen).read().strip() == "700"


def test_it_leaves_the_file_unscrubbed_when_mat2_fails(tmp_path, monkeypatch):
    fake_mat2(tmp_path, monkeypatch, "exit 255")
    scratch = tmp_path / "shm"
    scratch.mkdir()
    original = b"ID3\x04\x00" + bytes(200)
    result = scrub(original, scratch_dir=str(scratch))
    assert result == scrub_module.ScrubResult(original, "mp3", "audio/mpeg", False)
    assert os.listdir(scratch) == []


def test_the_scratch_directory_is_private(tmp_path, monkeypatch):
    (seen,) = fake_mat2(tmp_path, monkeypatch, "exit 0")
    scratch = tmp_path / "shm"
    scratch.mkdir()
    assert scrub(docx_with_creator(), scratch_dir=str(scratch)).scrubbed
    assert stat.S_IMODE(int(open(seen).read(), 8)) == 0o700


# --- sniffing -------------------------------------------------------------------------------


def test_it_sniffs_the_kind_from_magic_bytes_and_ignores_the_file_name():
    assert scrub(pdf_with_metadata(), filename="holiday.jpg").kind == "pdf"
    assert sniff(jpeg_photo()) == "jpeg"
    assert sniff(b"GIF89a....") == "gif"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "webp"
    assert sniff(b"RIFF\x00\x00\x00\x00WAVEfmt ") == "wav"
    assert sniff(b"II*\x00\x08\x00") == "tiff"
    assert sniff(b"\x00\x00\x00\x18ftypisom") == "mp4"
    assert sniff(b"\x00\x00\x00\x18ftypheic") == "heic"
    assert sniff(b"ID3\x04\x00") == "mp3"
    assert sniff(b"fLaC") == "flac"
    assert sniff(docx_with_creator()) == "docx"


def test_it_sniffs_open_document_files_from_their_mimetype_entry():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", "<x/>", zipfile.ZIP_DEFLATED)
    assert sniff(out.getvalue()) == "ods"


def test_it_classifies_a_docx_whose_word_folder_starts_after_four_kib():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("docProps/thumbnail.jpeg", os.urandom(6000))
        archive.writestr("word/document.xml", "<w:document/>")
    assert sniff(out.getvalue()[:4096]) == "zip"
    assert scrub(out.getvalue()).kind == "docx"


def test_a_plain_zip_with_a_word_folder_is_not_taken_for_a_docx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/list.txt", "mine, village")
    assert sniff(out.getvalue()) == "zip"
    assert scrub(out.getvalue()).kind == "zip"


def test_random_bytes_come_back_unchanged_as_octet_stream():
    data = os.urandom(2048)
    data = b"\x00" + data[1:]
    assert scrub(data) == scrub_module.ScrubResult(data, None, "application/octet-stream", False)


def test_every_scrubbable_kind_has_a_content_type():
    assert SCRUBBABLE_KINDS <= set(scrub_module.CONTENT_TYPES)


MAGICS = [
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"GIF89a",
    b"II*\x00",
    b"%PDF-1.4\n",
    b"PK\x03\x04",
]


@settings(max_examples=150, deadline=None)
@given(prefix=st.sampled_from([b"", *MAGICS]), tail=st.binary(max_size=600))
def test_scrub_never_raises_on_arbitrary_bytes(prefix, tail):
    data = prefix + tail
    result = scrub(data)
    assert isinstance(result.data, bytes)
    if not result.scrubbed:
        assert result.data == data


def test_a_photo_too_large_to_decode_keeps_only_its_orientation():
    image = Image.new("L", (10240, 9800), 128)  # 100 MP: past Pillow's bomb limit
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif_with_gps(orientation=6), comment=AUTHOR.encode())
    result = scrub(out.getvalue() + b"appended video")
    assert result.scrubbed and result.kind == "jpeg"
    for needle in (CAMERA.encode(), AUTHOR.encode(), b"appended video"):
        assert needle not in result.data
    exif = Image.Exif()
    exif.load(result.data[result.data.index(b"Exif\x00\x00") :])
    assert dict(exif) == {0x0112: 6}  # still shown upright, nothing else


def test_strip_jpeg_segments_refuses_a_truncated_jpeg():
    with pytest.raises(ValueError, match="truncated JPEG segment"):
        strip_jpeg_segments(jpeg_photo()[:300])
    assert strip_jpeg_segments(jpeg_photo())  # the whole one is fine
