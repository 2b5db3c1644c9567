"""Chromium (JavaScript off) sends a report with a 1 MB photo through a loopback proxy that
drops the link at 30 % of the upload: the reporter sees an error, the server made no case
and kept nothing; sent again over a good link, the report arrives whole, photo included."""

import pytest
from playwright.sync_api import expect

from cases import access, content
from cases.models import Case
from tests.servers import Gunicorn, LinkDropper, photo, wait_for

WHAT_HAPPENED = "Soldiers took the diggers' gold at the Mongbwalu roadblock."


@pytest.fixture
def gunicorn(settings, transactional_db, coalition, tmp_path):
    settings.LANTERNE_RECEIPT_KDF = (settings.LANTERNE_RECEIPT_KDF[0], 2)  # as served
    server = Gunicorn(tmp_path / "server", workers=1, threads=4)
    yield server
    server.stop()


def fill_in(page, base: str, picture) -> None:
    page.goto(base + "/report/")
    page.get_by_label("Smuggling and illicit trade").check()
    page.get_by_label("Country").select_option("CD")
    page.get_by_label("What happened?").fill(WHAT_HAPPENED)
    page.get_by_label("Add files").set_input_files(picture)


def test_a_link_dropped_mid_upload_makes_no_case_and_the_resend_arrives_whole(
    gunicorn, page, tmp_path, settings
):
    picture = tmp_path / "roadblock.jpg"
    picture.write_bytes(photo())
    proxy = LinkDropper(gunicorn.port)
    base = f"http://127.0.0.1:{proxy.port}"
    try:
        fill_in(page, base, picture)
        proxy.limit = int(picture.stat().st_size * 0.3)
        page.get_by_role("button", name="Send my report").click()
        wait_for(lambda: proxy.dropped and gunicorn.requests_done("POST"), 30, "the cut")
        expect(page.locator("#receipt")).to_have_count(0)
        assert not Case.objects.exists()
        assert list((settings.LANTERNE_MEDIA_DIR / "spool").iterdir()) == []

        proxy.limit = None  # the reporter finds a better signal and sends it again
        fill_in(page, base, picture)
        page.get_by_role("button", name="Send my report").click()
        receipt = page.locator("#receipt").inner_text().strip()
    finally:
        proxy.close()
    case, case_key = access.case_for_receipt(receipt)
    assert content.read_report(case, case_key)["what_happened"] == WHAT_HAPPENED
    [attached] = content.report_files(case, case_key)
    assert attached.name == "roadblock.jpg"
    assert Case.objects.count() == 1
