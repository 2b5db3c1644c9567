import os
import time

import pytest

from cases import storage
from cases.tasks import purge_abandoned_uploads
from tests.conftest import report
from tests.whistle.pages import form_data, jpeg_with_gps, receipt_of, send_report

pytestmark = pytest.mark.django_db


def age(path, hours):
    when = time.time() - hours * 3600
    os.utime(path, (when, when))


def test_old_abandoned_uploads_are_purged_and_young_ones_kept(client, coalition):
    send_report(client, form_data(country="", attachments=jpeg_with_gps()))
    [old_file] = [p for p in storage.spool_dir().iterdir() if not p.name.endswith(".draft")]
    age(old_file, 25)
    young = storage.spool_dir() / "young"
    young.write_bytes(b"sealed")
    assert purge_abandoned_uploads.delay().get() >= 1
    assert not old_file.exists() and young.exists()


def test_files_of_committed_cases_survive_the_purge(client, coalition, monkeypatch):
    receipt_of(send_report(client, form_data(attachments=jpeg_with_gps())))
    [kept] = list(storage.files_dir().iterdir())
    orphan = storage.files_dir() / ("0" * 32)
    orphan.write_bytes(b"sealed")
    monkeypatch.setattr("cases.tasks.ORPHAN_GRACE", -10)  # everything counts as old
    purge_abandoned_uploads()
    assert kept.exists() and not orphan.exists()
    assert report().case  # and the intake still works afterwards
