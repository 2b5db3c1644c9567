import pytest

from cases import access, workflow
from cases.models import Message
from tests.conftest import report
from tests.whistle.pages import form_data, jpeg_with_gps, open_mailbox, receipt_of, send_report

pytestmark = pytest.mark.django_db


def test_the_receipt_opens_the_mailbox_with_the_report(client, coalition):
    receipt = receipt_of(send_report(client, form_data()))
    page = open_mailbox(client, receipt).content.decode()
    assert "The commander of the roadblock at Mongbwalu" in page
    assert "Received. It has not been opened yet." in page


def test_a_receipt_typed_without_spaces_or_with_dashes_works(client, coalition):
    receipt = report().receipt
    dashed = "-".join(receipt[i : i + 4] for i in range(0, 20, 4))
    assert 'id="status"' in open_mailbox(client, dashed).content.decode()


def test_a_wrong_receipt_is_refused_politely(client, coalition):
    response = client.post("/follow-up/", {"receipt": "1234 5678 9012 3456 7890"})
    assert response.status_code == 400
    assert "No report matches this receipt." in response.content.decode()


def test_a_malformed_receipt_is_explained(client, coalition):
    response = client.post("/follow-up/", {"receipt": "12345"})
    assert "A receipt has exactly 20 digits." in response.content.decode()


def test_guessing_is_throttled_per_network_address(client, coalition, settings):
    settings.LANTERNE_RECEIPT_TRIES_PER_HOUR = 3
    guesser = {"REMOTE_ADDR": "198.51.100.5"}
    for _ in range(3):
        client.post("/follow-up/", {"receipt": "1" * 20}, **guesser)
    right = report().receipt
    blocked = client.post("/follow-up/", {"receipt": right}, **guesser)
    assert blocked.status_code == 429
    assert "Too many wrong receipts" in blocked.content.decode()
    other = client.post("/follow-up/", {"receipt": right}, REMOTE_ADDR="203.0.113.200")
    assert other.status_code == 302


def test_behind_a_proxy_the_loopback_address_is_not_throttled_alone(client, coalition, settings):
    settings.LANTERNE_RECEIPT_TRIES_PER_HOUR = 2
    for _ in range(3):
        client.post("/follow-up/", {"receipt": "1" * 20}, REMOTE_ADDR="127.0.0.1")
    assert client.post("/follow-up/", {"receipt": report().receipt}).status_code == 302


def test_the_proxys_client_address_header_is_used_for_throttling(client, coalition, settings):
    settings.LANTERNE_RECEIPT_TRIES_PER_HOUR = 2
    settings.LANTERNE_CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"
    for _ in range(2):
        client.post("/follow-up/", {"receipt": "1" * 20}, HTTP_X_REAL_IP="198.51.100.9")
    response = client.post(
        "/follow-up/", {"receipt": report().receipt}, HTTP_X_REAL_IP="198.51.100.9"
    )
    assert response.status_code == 429


def test_a_flood_of_reports_from_one_address_is_slowed(client, coalition, settings):
    from tests.whistle.pages import form_data, send_report

    settings.LANTERNE_SUBMISSIONS_PER_HOUR = 2
    flood = {"REMOTE_ADDR": "198.51.100.77"}
    for _ in range(2):
        assert 'id="receipt"' in send_report(client, form_data(), **flood).content.decode()
    page = send_report(client, form_data(), **flood).content.decode()
    assert "Many reports were sent from your network" in page
    assert "The commander of the roadblock" in page  # nothing typed is lost


def test_a_report_that_could_not_be_saved_does_not_count_against_the_limit(client, amani, settings):
    from tests.whistle.pages import form_data, send_report

    settings.LANTERNE_SUBMISSIONS_PER_HOUR = 1
    flood = {"REMOTE_ADDR": "198.51.100.78"}
    nobody = send_report(client, form_data(country="SL", province=""), **flood).content.decode()
    assert "could not be saved just now" in nobody  # no officer for Sierra Leone: no case
    assert 'id="receipt"' in send_report(client, form_data(), **flood).content.decode()
    page = send_report(client, form_data(), **flood).content.decode()
    assert "Many reports were sent from your network" in page


def test_guessing_from_many_addresses_hits_the_global_ceiling(client, coalition, settings):
    settings.LANTERNE_RECEIPT_TRIES_GLOBAL_PER_HOUR = 5
    for n in range(5):
        client.post("/follow-up/", {"receipt": "2" * 20}, REMOTE_ADDR=f"192.0.2.{n}")
    response = client.post("/follow-up/", {"receipt": "2" * 20}, REMOTE_ADDR="10.0.1.1")
    assert response.status_code == 429


def test_the_reporter_adds_a_message_and_a_file(client, coalition):
    receipt = receipt_of(send_report(client, form_data()))
    open_mailbox(client, receipt)
    response = client.post(
        "/follow-up/case/",
        {"text": "They came back on Sunday.", "attachments": jpeg_with_gps("sunday.jpg")},
        follow=True,
    )
    page = response.content.decode()
    assert "They came back on Sunday." in page and "sunday.jpg" in page
    assert "Your message was sent." in page
    assert Message.objects.get().sender == "reporter"


def test_an_empty_message_is_refused_and_nothing_is_saved(client, coalition):
    open_mailbox(client, receipt_of(send_report(client, form_data())))
    response = client.post("/follow-up/case/", {"text": "   "})
    assert "Write a message or attach a file." in response.content.decode()
    assert Message.objects.count() == 0


def test_the_reporter_reads_the_coalitions_reply(client, coalition):
    submission = report()

    _case, case_key = access.case_for_receipt(submission.receipt)
    workflow.message_reporter(
        submission.case,
        by=coalition["amani"].user,
        case_key=case_key,
        text="Merci. Pouvez-vous préciser le jour ?",
    )
    page = open_mailbox(client, submission.receipt).content.decode()
    assert "Merci. Pouvez-vous préciser le jour ?" in page


def test_the_reporter_downloads_her_own_file(client, coalition):
    receipt = receipt_of(send_report(client, form_data(attachments=jpeg_with_gps("x.jpg"))))
    page = open_mailbox(client, receipt).content.decode()
    link = page.split('href="/follow-up/case/files/')[1].split('"')[0]
    response = client.get(f"/follow-up/case/files/{link}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")


def test_another_cases_file_is_not_found(client, coalition):
    first = send_report(client, form_data(attachments=jpeg_with_gps("mine.jpg")))
    page = open_mailbox(client, receipt_of(first)).content.decode()
    link = page.split('href="/follow-up/case/files/')[1].split('"')[0]
    other = client.__class__()
    open_mailbox(other, report().receipt)
    assert other.get(f"/follow-up/case/files/{link}").status_code == 404


def test_the_mailbox_needs_both_the_session_and_the_key_cookie(client, coalition):
    open_mailbox(client, report().receipt)
    assert client.get("/follow-up/case/").status_code == 200
    del client.cookies["lanterne_mailbox"]
    assert client.get("/follow-up/case/").status_code == 302


def test_the_session_row_holds_no_case_id_or_key(client, coalition):
    import base64

    from django.contrib.sessions.models import Session

    from cases import access
    from lib import crypto

    submission = report()
    open_mailbox(client, submission.receipt)
    _case, case_key = access.case_for_receipt(submission.receipt)
    [row] = Session.objects.all()
    stored = row.session_data + str(row.get_decoded())
    case_id = submission.case.id
    spellings = [case_id.hex, str(case_id), crypto.b64(case_id.bytes)]
    spellings += [case_key.hex(), crypto.b64(case_key), base64.b64encode(case_key).decode()]
    for spelling in spellings:
        assert spelling not in stored
    # Positive control: the row does hold the sealed pair, which the browser's cookie opens.
    opened = crypto.open_sealed(
        crypto.unb64(client.cookies["lanterne_mailbox"].value),
        crypto.unb64(row.get_decoded()["mailbox"]),
        context=b"lanterne|mailbox-session",
    )
    assert opened == case_id.bytes + case_key


def test_closing_the_mailbox_forgets_the_key(client, coalition):
    open_mailbox(client, report().receipt)
    client.post("/follow-up/leave/")
    assert client.get("/follow-up/case/").status_code == 302
