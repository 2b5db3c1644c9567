import html
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases import access, content
from cases.models import Case
from tests.whistle.pages import form_data, hidden, jpeg_with_gps, receipt_of, send_report

pytestmark = pytest.mark.django_db


def test_a_complete_report_gets_a_receipt_and_a_case(client, coalition):
    response = send_report(client, form_data())
    assert response.status_code == 200
    case, case_key = access.case_for_receipt(receipt_of(response))
    report = content.read_report(case, case_key)
    assert (report["province"], report["place"]) == ("CD-IT", "Mongbwalu")
    assert case.province == "CD-IT"
    assert report["categories"] == ["COR", "SEC"]
    assert case.language == "en"


@pytest.mark.parametrize(
    ("language", "country_error"),
    [
        ("en", "Choose the country where it happened."),
        ("fr", "Choisissez le pays où cela s'est passé."),
    ],
)
def test_missing_answers_are_explained_in_the_reporters_language(
    client, coalition, language, country_error
):
    response = send_report(
        client, form_data(categories=None, country=""), HTTP_ACCEPT_LANGUAGE=language
    )
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and 'id="receipt"' not in page
    assert country_error in page
    assert Case.objects.count() == 0


def test_a_reporter_who_is_not_sure_of_the_kind_of_problem_sends_without_choosing(
    client, coalition
):
    response = send_report(client, form_data(categories=None), HTTP_ACCEPT_LANGUAGE="fr")
    case, _key = access.case_for_receipt(receipt_of(response))
    assert case.category_codes == ["OTH"]  # counted as "not sure yet" until assessed


def test_nothing_typed_is_lost_on_an_error(client, coalition):
    response = send_report(client, form_data(country="", mine_site="Kilo-Moto pit 7"))
    page = response.content.decode()
    assert "The commander of the roadblock at Mongbwalu" in page
    assert 'value="Kilo-Moto pit 7"' in page
    assert 'value="2026-09-14"' in page


def test_an_accepted_attachment_is_kept_sealed_between_attempts(client, coalition, settings):
    first = send_report(client, form_data(country="", attachments=jpeg_with_gps("mine.jpg")))
    assert "mine.jpg" in first.content.decode()
    draft = hidden(first, "draft")
    assert draft
    spool = list((settings.LANTERNE_MEDIA_DIR / "spool").iterdir())
    assert spool and all(b"WitnessPhone" not in p.read_bytes() for p in spool)

    second = send_report(client, form_data(draft=draft), token=hidden(first, "submission"))
    case, case_key = access.case_for_receipt(receipt_of(second))
    [info] = content.report_files(case, case_key)
    assert info.name == "mine.jpg" and info.scrubbed


def test_a_file_can_be_removed_before_sending(client, coalition):
    first = send_report(client, form_data(country="", attachments=jpeg_with_gps("a.jpg")))
    draft = hidden(first, "draft")
    file_id = (
        hidden(first, "remove") or first.content.decode().split('name="remove" value="')[1][:32]
    )
    second = send_report(
        client, form_data(draft=draft, remove=file_id), token=hidden(first, "submission")
    )
    case, case_key = access.case_for_receipt(receipt_of(second))
    assert content.report_files(case, case_key) == []


def test_a_file_over_the_limit_is_refused_with_a_message_and_the_rest_kept(
    client, coalition, settings
):
    settings.LANTERNE_MAX_ATTACHMENT_MB = 1
    big = SimpleUploadedFile("video.mp4", b"\0" * (1024 * 1024 + 1))
    response = send_report(client, form_data(attachments=[big, jpeg_with_gps("ok.jpg")]))
    page = response.content.decode()
    assert "“video.mp4” is larger than 1 MB and was not kept." in page
    assert "ok.jpg" in page and 'id="receipt"' not in page
    assert Case.objects.count() == 0


def test_a_future_date_is_refused(client, coalition):
    response = send_report(client, form_data(incident_date="2999-01-01"))
    assert "This date is in the future." in response.content.decode()


def test_a_forged_draft_token_is_ignored(client, coalition):
    response = send_report(client, form_data(draft="not-a-draft.AAAA"))
    assert 'id="receipt"' in response.content.decode()


def test_sending_the_same_form_twice_shows_the_same_receipt_and_one_case(client, coalition):
    token = hidden(client.get("/report/"), "submission")
    first = send_report(client, form_data(), token=token)
    again = send_report(client, form_data(), token=token)
    assert receipt_of(first) == receipt_of(again)
    assert Case.objects.count() == 1


def test_unknown_choices_are_refused_not_crashed(client, coalition):
    response = send_report(client, form_data(country="XX", categories=["NOPE"], mineral="<b>"))
    assert response.status_code == 200
    assert Case.objects.count() == 0


def test_a_null_character_in_a_text_field_is_refused_with_a_message(client, coalition):
    response = send_report(client, form_data(what_happened="a\x00b"))
    assert response.status_code == 200
    assert "Null characters are not allowed." in response.content.decode()
    assert Case.objects.count() == 0


def test_the_uploaded_photo_loses_its_gps_before_sealing(client, coalition):
    response = send_report(client, form_data(attachments=jpeg_with_gps("p.jpg")))
    case, case_key = access.case_for_receipt(receipt_of(response))
    [info] = content.report_files(case, case_key)
    _info, chunks = content.open_file(case, case_key, info.id)
    data = b"".join(chunks)
    assert data.startswith(b"\xff\xd8") and b"WitnessPhone" not in data
    from PIL import Image

    assert not Image.open(io.BytesIO(data)).getexif()


def test_a_report_nobody_could_read_comes_back_with_everything_typed(client, amani):
    response = send_report(client, form_data(country="SL", province="", mine_site="Koidu pit 3"))
    page = html.unescape(response.content.decode())
    assert response.status_code == 200 and 'id="receipt"' not in page
    assert "Your report could not be saved just now. Nothing you typed or attached is lost" in page
    assert 'value="Koidu pit 3"' in page and "Mongbwalu" in page
    assert Case.objects.count() == 0
    assert 'id="receipt"' in send_report(client, form_data()).content.decode()  # CD: Amani
