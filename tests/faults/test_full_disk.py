"""A full media disk — a real, small tmpfs filled to the last byte: the form comes back
with "could not be saved, nothing you typed is lost", the draft of earlier attempts kept,
the failed upload's ciphertext removed at once; with room again, the same form goes."""

import html

import pytest

from cases import access, content
from cases.models import Case
from tests.servers import fill, photo, small_filesystem
from tests.whistle.pages import form_data, hidden, receipt_of, send_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def media_disk(settings, tmp_path):
    with small_filesystem(tmp_path / "media-disk", "2m") as disk:
        settings.LANTERNE_MEDIA_DIR = disk
        yield disk


def spool(disk) -> list[str]:
    return sorted(p.name for p in (disk / "spool").iterdir())


def test_a_full_disk_keeps_what_was_typed_and_the_draft_and_leaves_no_partial_file(
    client, coalition, media_disk, django_capture_on_commit_callbacks
):
    first = send_report(client, form_data(country="", attachments=photo_file("pit.jpg")))
    kept = spool(media_disk)
    assert len(kept) == 2  # the cleaned photo and its draft's list

    filler = fill(media_disk)
    data = form_data(draft=hidden(first, "draft"), mine_site="Kilo-Moto")
    data["attachments"] = photo_file("river.jpg")
    full = send_report(client, data, token=hidden(first, "submission"))
    page = html.unescape(full.content.decode())
    assert full.status_code == 200 and 'id="receipt"' not in page
    assert "Your report could not be saved just now. Nothing you typed is lost" in page
    assert "“river.jpg” could not be stored just now and was not kept" in page
    assert "Mongbwalu" in page and 'value="Kilo-Moto"' in page
    assert "pit.jpg" in page and "river.jpg (" not in page  # the draft as it was saved
    assert spool(media_disk) == kept  # nothing of river.jpg stayed behind
    assert Case.objects.count() == 0

    filler.unlink()
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_report(client, data | {"attachments": []}, token=hidden(full, "submission"))
    case, case_key = access.case_for_receipt(receipt_of(sent))
    assert [f.name for f in content.report_files(case, case_key)] == ["pit.jpg"]
    assert spool(media_disk) == []


def test_a_report_without_files_still_arrives_on_a_full_media_disk(client, coalition, media_disk):
    (media_disk / "spool").mkdir()
    fill(media_disk)
    response = send_report(client, form_data())
    assert 'id="receipt"' in response.content.decode()
    assert Case.objects.count() == 1


def photo_file(name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, photo(300 * 1024), content_type="image/jpeg")
