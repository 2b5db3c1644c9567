"""Hostile files sent through the form, read back as an officer downloads them."""

import io
import json
import subprocess
import warnings
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from cases.models import Case
from lib import scrub
from tests.conftest import sign_in
from tests.lib.test_scrub import unzip_all
from tests.whistle import hostile_files
from tests.whistle.hostile_files import CORPUS, IDENTIFYING, pdf_text
from tests.whistle.pages import form_data, receipt_of, send_again, send_report

pytestmark = pytest.mark.django_db

WARNING = "could not be removed from"


def downloaded(client, coalition) -> bytes:
    """The one file of the one case, through the officer's real download link."""
    case = Case.objects.get()
    sign_in(client, coalition["amani"])
    url = reverse("admin:cases_case_attachment", args=[case.pk, case.attachments.get().pk])
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_what_an_officer_downloads_holds_no_trace_of_the_reporter(name, client, coalition):
    make, markers = CORPUS[name]
    original = make()
    searched = {"pdf": pdf_text, "docx": unzip_all, "odt": unzip_all}.get(
        name.rsplit(".", 1)[1], lambda d: d
    )
    needles = [n for n in (*IDENTIFYING, *markers) if n in searched(original)]
    if name.endswith(".heic"):
        # mat2 (exiftool) empties the Exif item; its name stays in the list of items.
        needles.remove(b"Exif\x00")
    assert needles, "the hostile file carries what it should"
    sent = send_report(client, form_data(attachments=upload(name, original)))
    assert WARNING not in sent.content.decode(), f"{name} was not cleaned"
    receipt_of(sent)
    data = downloaded(client, coalition)
    for needle in needles:
        assert needle not in searched(data), (name, needle)
    still_opens(name, data)


def still_opens(name: str, data: bytes) -> None:
    kind = name.rsplit(".", 1)[1]
    if kind in ("jpg", "png", "webp", "tiff", "avif"):
        image = Image.open(io.BytesIO(data))
        image.load()
        assert image.size == (40, 20)
        assert image.getpixel((5, 10))[0] > 150  # red on the left, as sent
    elif kind == "pdf":
        reader = PdfReader(io.BytesIO(data))
        assert len(reader.pages) == 1 and not reader.attachments
        assert "/OpenAction" not in reader.trailer["/Root"]
        for image in reader.pages[0].images:
            assert not Image.open(io.BytesIO(image.data)).getexif()
    elif kind in ("docx", "odt"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert b"Trucks leave the mine" in b"".join(archive.read(n) for n in archive.namelist())
    elif kind == "mp4":  # both streams still there, copied as they were; no time, no place
        probe = json.loads(
            subprocess.run(
                ["ffprobe", "-v", "error", "-of", "json", "-show_streams", "-show_format", "-"],
                input=data,
                capture_output=True,
                check=True,
            ).stdout
        )
        streams = [(s["codec_name"], s.get("width")) for s in probe["streams"]]
        assert streams == [("h264", 40), ("aac", None)]
        tags = probe["format"].get("tags", {})
        assert not {"creation_time", "location", "title", "artist", "comment"} & set(tags)
    else:
        assert scrub.sniff(data) == scrub.sniff(CORPUS[name][0]())


def test_a_100_megapixel_photo_loses_its_gps_without_being_decoded(client, coalition):
    original = hostile_files.jpeg(size=(10240, 9800), mode="L")  # 100.4 MP, past Pillow's limit
    assert b"Exif" in original
    # Why it used to keep its GPS: Pillow refuses to decode it first.
    with pytest.raises(Image.DecompressionBombWarning, match="decompression bomb"):
        scrub._scrub_image(original, "JPEG")
    sent = send_report(client, form_data(attachments=upload("big.jpg", original)))
    assert WARNING not in sent.content.decode()
    data = downloaded(client, coalition)
    for needle in IDENTIFYING + (hostile_files.TRAILER,):
        assert needle not in data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        image = Image.open(io.BytesIO(data))
    assert image.size == (10240, 9800)
    assert dict(image.getexif()) == {}  # orientation 1 (upright) needs no tag at all


def test_the_reporter_is_told_before_sending_that_a_file_keeps_its_details(client, coalition):
    data = form_data(attachments=upload("notes.txt", b"written by " + b"Jean Secret"))
    warned = send_report(client, data)
    page = warned.content.decode()
    assert "“notes.txt”" in page and WARNING in page and "Nothing has been sent yet" in page
    assert Case.objects.count() == 0  # not sent: she can remove it first
    kept = send_again(client, warned, data)  # she keeps it and sends again
    receipt_of(kept)
    assert Case.objects.count() == 1


def test_a_reporter_who_removes_the_uncleaned_file_sends_without_it(client, coalition):
    data = form_data(attachments=upload("notes.txt", b"written by Jean Secret"))
    warned = send_report(client, data)
    file_id = warned.context["draft"].files[0].id.hex
    sent = send_again(client, warned, {**data, "remove": file_id})
    receipt_of(sent)
    assert Case.objects.get().attachments.count() == 0


def test_a_word_file_without_mat2_is_flagged_before_sending(client, coalition, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")  # a machine without Debian's mat2
    sent = send_report(
        client, form_data(attachments=upload("letter.docx", CORPUS["letter.docx"][0]()))
    )
    assert "“letter.docx”" in sent.content.decode() and WARNING in sent.content.decode()
    assert Case.objects.count() == 0


def test_the_warning_is_in_the_reporters_language(client, coalition):
    data = form_data(attachments=upload("notes.txt", b"written by Jean Secret"))
    warned = send_report(client, data, HTTP_ACCEPT_LANGUAGE="fr")
    assert "Rien n&#x27;a encore été envoyé." in warned.content.decode()
