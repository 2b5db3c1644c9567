"""Log lines carry no time finer than the hour, and reporters' bad requests none at all."""

import logging
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from gunicorn.config import Config

from config.gunicorn_log import AddressFreeLogger

ROOT = Path(__file__).resolve().parents[2]
# A clock time with minutes or seconds other than zero: "13:51", "13:51:07".
FINE_TIME = re.compile(r"\b\d{2}:(?!00\b)\d{2}\b|\b\d{2}:\d{2}:\d{2}")


def a_record_at(moment: float) -> logging.LogRecord:
    record = logging.LogRecord("cases.tasks", logging.INFO, __file__, 1, "delivered", (), None)
    record.created, record.msecs = moment, 123
    return record


MOMENT = time.mktime((2026, 9, 14, 21, 37, 23, 0, 0, -1))  # 21:37:23 local time


def test_djangos_log_lines_carry_the_hour_only():
    plain = settings.LOGGING["formatters"]["plain"]
    line = logging.Formatter(plain["format"], plain["datefmt"]).format(a_record_at(MOMENT))
    assert line.startswith("2026-09-14 21:00 INFO cases.tasks delivered")
    assert not FINE_TIME.search(line)


def test_gunicorns_log_lines_carry_the_hour_only():
    logger = AddressFreeLogger(Config())
    line = logger.error_log.handlers[0].format(a_record_at(MOMENT))
    assert "[2026-09-14 21:00 " in line and not FINE_TIME.search(line)


@pytest.mark.django_db
def test_a_mistyped_receipt_writes_no_bad_request_line(client, caplog):
    caplog.set_level(logging.DEBUG)
    response = client.post("/follow-up/", {"receipt": "1234"})
    assert response.status_code == 400
    assert not [r for r in caplog.records if r.name == "django.request"]
    logging.getLogger("django.request").error("Internal Server Error: /x/")  # errors still
    assert [r for r in caplog.records if r.name == "django.request"]


def test_the_celery_worker_logs_to_the_hour(tmp_path):
    env = {**os.environ, "LANTERNE_DATA_DIR": str(tmp_path), "CELERY_BROKER_URL": "filesystem://"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--beat", "--concurrency", "1"]
        + ["--loglevel", "INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines = []
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            line = worker.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "ready." in line:
                break
    finally:
        worker.terminate()
        rest, _ = worker.communicate(timeout=30)
        lines += rest.splitlines()
    assert any("ready." in line for line in lines), "".join(lines[-20:])
    logged = [line for line in lines if re.match(r"\d{4}-\d{2}-\d{2} |\[", line)]
    assert logged and not [line for line in logged if FINE_TIME.search(line)]
