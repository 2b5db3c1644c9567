"""Send a report with everything a reporter can send, then look everywhere for it."""

import logging
import tempfile
import time
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from cases import access, workflow
from tests.dump import cache_contents, database_dump, files_under
from tests.whistle.pages import (
    form_data,
    jpeg_with_gps,
    open_mailbox,
    receipt_of,
    send_again,
    send_report,
)

REPORTER = {
    "REMOTE_ADDR": "198.51.100.23",
    "HTTP_USER_AGENT": "MarkerBrowser/9.1",
    "HTTP_REFERER": "https://referrer.example/secret-page",
}
SECRETS = {
    "report text": "Colonel Mukendi buys stolen stones at comptoir Étoile",
    "territory or town": "Lubumbashi-Marker-Town",
    "mine site": "Marker-Pit-Seventeen",
    "contact": "whatsapp +243 800 123 456",
    "attachment": "ATTACHED-NOTE-Q7X2 with the truck plates",
    "attachment name": "truck-plates-Q7X2.txt",
    "photo camera": "WitnessPhone",
    "follow-up": "They moved the stones to Kasumbalesa at night",
    "reply": "Merci, nous transmettons au groupe de travail",
    "address": "198.51.100.23",
    "user agent": "MarkerBrowser/9.1",
    "referrer": "referrer.example",
}


@pytest.mark.django_db(transaction=True)
def test_no_report_content_or_reporter_trace_is_stored_anywhere(
    client, coalition, settings, caplog, tmp_path, monkeypatch
):
    started = time.time() - 1  # the files' own clock (mtime), not the app's
    # The server's temporary folder and metadata-cleaning scratch folder are this test's own,
    # so it reads everything written there and nothing of other programs.
    temporary, scratch = tmp_path / "tmp", tmp_path / "scratch"
    temporary.mkdir()
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(temporary))
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    settings.LANTERNE_SCRUB_DIR = str(scratch)
    if not settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        # Look at what local mode really writes: its file cache, on disk.
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache"),
            }
        }
    log_file = tmp_path / "lanterne.log"
    handler = logging.FileHandler(log_file)
    logging.getLogger().addHandler(handler)
    caplog.set_level(logging.DEBUG)
    try:
        note = SimpleUploadedFile(
            SECRETS["attachment name"], SECRETS["attachment"].encode(), content_type="text/plain"
        )
        data = form_data(
            what_happened=SECRETS["report text"],
            place=SECRETS["territory or town"],
            mine_site=SECRETS["mine site"],
            contact=SECRETS["contact"],
            attachments=[note, jpeg_with_gps()],
        )
        warned = send_report(client, data, **REPORTER)
        assert "could not be removed" in warned.content.decode()  # a text file: kept as is
        receipt = receipt_of(send_again(client, warned, data, **REPORTER))
        open_mailbox(client, receipt)
        client.post("/follow-up/case/", {"text": SECRETS["follow-up"]}, **REPORTER)
        case, case_key = access.case_for_receipt(receipt)
        workflow.message_reporter(
            case, by=coalition["amani"].user, case_key=case_key, text=SECRETS["reply"]
        )
        assert SECRETS["reply"] in client.get("/follow-up/case/", **REPORTER).content.decode()
        client.post("/follow-up/", {"receipt": "9" * 20}, **REPORTER)  # a failed try, too
    finally:
        logging.getLogger().removeHandler(handler)
        handler.close()

    places = {
        "database": database_dump(),
        "database files": files_under(Path(settings.DATABASES["default"]["NAME"]).parent)
        if connection.vendor == "sqlite"
        else b"",
        "media folder": files_under(Path(settings.LANTERNE_MEDIA_DIR)),
        "logs": log_file.read_bytes() + caplog.text.encode(),
        "cache": cache_contents(settings),
        "temporary files": files_under(temporary, since=started),
        "metadata scratch folder": files_under(scratch),
    }
    digits = receipt.replace(" ", "")
    for place, blob in places.items():
        for what, secret in SECRETS.items():
            assert secret.encode() not in blob, f"{what} found in {place}"
        assert digits.encode() not in blob and receipt.encode() not in blob, f"receipt in {place}"
    assert places["media folder"], "the attachments should be there, sealed"
    assert places["cache"], "the throttle counters should be there"
    assert not places["metadata scratch folder"], "mat2's working copies should be gone"
