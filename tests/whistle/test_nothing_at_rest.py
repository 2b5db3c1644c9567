"""Send a report with everything a reporter can send, then look everywhere for it."""

import logging
import tempfile
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from cases import access, workflow
from tests.whistle.pages import form_data, jpeg_with_gps, open_mailbox, receipt_of, send_report

REPORTER = {
    "REMOTE_ADDR": "198.51.100.23",
    "HTTP_USER_AGENT": "MarkerBrowser/9.1",
    "HTTP_REFERER": "https://referrer.example/secret-page",
}
SECRETS = {
    "report text": "Colonel Mukendi buys stolen stones at comptoir Étoile",
    "province": "Lubumbashi-Marker-Province",
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


def database_dump() -> bytes:
    """Every cell of every table, as the server's operator would see it."""
    out = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - our own table names
            for row in cursor.fetchall():
                for cell in row:
                    out.append(
                        bytes(cell) if isinstance(cell, (bytes, memoryview)) else str(cell).encode()
                    )
    return b"\n".join(out)


def files_under(path: Path, since: float = 0) -> bytes:
    blobs = []
    for file in path.rglob("*") if path.is_dir() else []:
        try:
            if file.is_file() and file.stat().st_mtime >= since and file.stat().st_size < 50e6:
                blobs.append(file.read_bytes())
        except OSError:
            continue
    return b"\n".join(blobs)


def cache_contents(settings) -> bytes:
    location = settings.CACHES["default"].get("LOCATION", "")
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        client = cache._cache.get_client()
        return b"\n".join(
            k + b"=" + (client.get(k) or b"")
            for k in client.keys("*")
            if client.type(k) == b"string"
        )
    return files_under(Path(location))


@pytest.mark.django_db(transaction=True)
def test_no_report_content_or_reporter_trace_is_stored_anywhere(
    client, coalition, settings, caplog, tmp_path
):
    started = time.time() - 1
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
        sent = send_report(
            client,
            form_data(
                what_happened=SECRETS["report text"],
                province=SECRETS["province"],
                mine_site=SECRETS["mine site"],
                contact=SECRETS["contact"],
                attachments=[note, jpeg_with_gps()],
            ),
            **REPORTER,
        )
        receipt = receipt_of(sent)
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
        "temporary files": files_under(Path(tempfile.gettempdir()), since=started),
    }
    digits = receipt.replace(" ", "")
    for place, blob in places.items():
        for what, secret in SECRETS.items():
            assert secret.encode() not in blob, f"{what} found in {place}"
        assert digits.encode() not in blob and receipt.encode() not in blob, f"receipt in {place}"
    assert places["media folder"], "the attachments should be there, sealed"
    assert places["cache"], "the throttle counters and the sealed receipt should be there"
