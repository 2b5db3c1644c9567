"""Forms over a limit, refused by CSRF, cut short or badly named: a clear message, what was
typed kept, and no sealed upload left in the spool."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cases.models import Case
from tests.whistle.pages import form_data, hidden, jpeg_with_gps, receipt_of, send_report

pytestmark = pytest.mark.django_db

TYPED = "The commander of the roadblock at Mongbwalu takes a tax on gold."


def spool(settings) -> list[str]:
    folder = settings.LANTERNE_MEDIA_DIR / "spool"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def page_of(response) -> str:
    return html.unescape(response.content.decode())


def small_files(n: int) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"note-{i}.txt", b"seen at the pit %d" % i) for i in range(n)]


def test_101_files_bring_the_form_back_with_the_first_ten_kept_and_one_message(
    client, coalition, settings, django_capture_on_commit_callbacks
):
    response = send_report(client, form_data(mine_site="Kilo-Moto", attachments=small_files(101)))
    page = page_of(response)
    assert response.status_code == 200 and 'id="receipt"' not in page
    assert "At most 10 files can be attached; 91 more were not kept" in page
    assert TYPED in page and 'value="Kilo-Moto"' in page
    assert page.count('name="remove"') == 10
    # The ten kept files and their draft's list, nothing else: files beyond ten were never
    # even written.
    assert len(spool(settings)) == 11 and sum(n.endswith(".draft") for n in spool(settings)) == 1
    assert Case.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        again = send_report(
            client, form_data(draft=hidden(response, "draft")), hidden(response, "submission")
        )
    assert receipt_of(again) and spool(settings) == []


def test_more_fields_than_a_form_has_keep_what_came_first_and_say_so(client, coalition, settings):
    junk = {f"x{i}": "1" for i in range(1001)}
    response = send_report(client, {**form_data(attachments=jpeg_with_gps("pit.jpg")), **junk})
    page = page_of(response)
    assert response.status_code == 200
    assert "This form came with more fields than a report has" in page
    assert TYPED in page and "pit.jpg" in page
    assert Case.objects.count() == 0
    assert len(spool(settings)) == 2  # the photo, kept in its draft, and the draft


def test_more_than_a_megabyte_of_text_is_refused_and_the_rest_kept(client, coalition, settings):
    data = form_data(attachments=jpeg_with_gps("pit.jpg"), mine_site="Kilo-Moto")
    data["contact"] = "x" * (1024 * 1024 + 1)
    response = send_report(client, data)
    page = page_of(response)
    assert response.status_code == 200
    assert "The text sent was longer than a report can hold (1 MB)" in page
    assert TYPED in page and 'value="Kilo-Moto"' in page and "pit.jpg" in page
    assert Case.objects.count() == 0
    assert len(spool(settings)) == 2


def test_a_form_refused_by_the_csrf_check_leaves_no_file(coalition, settings):
    browser = Client(enforce_csrf_checks=True)
    token = hidden(browser.get("/report/"), "submission")
    browser.cookies.clear()  # the page expired: no CSRF cookie any more
    response = browser.post(
        "/report/", {**form_data(attachments=jpeg_with_gps()), "submission": token}
    )
    assert response.status_code == 403
    assert "This form had expired" in page_of(response)
    assert spool(settings) == []
    assert Case.objects.count() == 0


def test_files_under_another_field_name_leave_nothing_behind(client, coalition, settings):
    response = send_report(client, {**form_data(country=""), "photos": jpeg_with_gps()})
    assert response.status_code == 200 and "Choose the country where it happened." in page_of(
        response
    )
    assert spool(settings) == []


def test_a_body_without_its_closing_boundary_makes_no_case(client, coalition, settings):
    token = hidden(client.get("/report/"), "submission")
    body = complete_body(token)
    assert client.generic("POST", "/report/", body, CONTENT_TYPE).status_code == 303
    assert Case.objects.count() == 1  # positive control: the whole body makes a case

    token = hidden(client.get("/report/"), "submission")
    cut = complete_body(token).rsplit(b"--" + BOUNDARY + b"--", 1)[0]
    response = client.generic("POST", "/report/", cut, CONTENT_TYPE)
    assert response.status_code == 400
    assert "Your form did not arrive whole" in page_of(response)
    assert Case.objects.count() == 1 and spool(settings) == []


BOUNDARY = b"----lanterne-test-boundary"
CONTENT_TYPE = "multipart/form-data; boundary=" + BOUNDARY.decode()


def complete_body(token: str) -> bytes:
    """A report with a photo, encoded by hand so that it can be cut anywhere."""
    parts = [(name, value) for name, values in form_data().items() for value in _list(values)]
    parts.append(("submission", token))
    out = b""
    for name, value in parts:
        out += b"--" + BOUNDARY + b"\r\n"
        out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    out += b"--" + BOUNDARY + b"\r\n"
    out += b'Content-Disposition: form-data; name="attachments"; filename="pit.jpg"\r\n'
    out += b"Content-Type: image/jpeg\r\n\r\n" + jpeg_with_gps().read() + b"\r\n"
    return out + b"--" + BOUNDARY + b"--\r\n"


def _list(values):
    return values if isinstance(values, list) else [values]


def test_the_cut_off_message_is_in_the_reporters_language(client, coalition):
    token = hidden(client.get("/report/"), "submission")
    cut = complete_body(token)[:-200]
    response = client.generic("POST", "/report/", cut, CONTENT_TYPE, HTTP_ACCEPT_LANGUAGE="fr")
    assert "Votre formulaire n'est pas arrivé en entier" in page_of(response)


def test_files_beyond_ten_are_explained_in_french(client, coalition):
    response = send_report(
        client, form_data(attachments=small_files(12)), HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert "Au plus 10 fichiers peuvent être joints ; 2 de plus n'ont pas été gardés" in page_of(
        response
    )
