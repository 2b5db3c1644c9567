"""A real worker on real Redis, killed in the middle of sending: the mail still goes out.

The mail slot's task (deliver_notifications) is sent to the worker, which is SIGKILLed
while the mail server holds it inside DATA. The task was not acknowledged (acks_late), so
Redis hands it to the next worker once the visibility timeout (5 s here) has passed, and
that worker delivers what waits in the outbox.
"""

import os
import signal
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings

from cases.models import Notice, PendingMail
from tests.conftest import ANSWERS, report
from tests.servers import database_url

ROOT = Path(__file__).resolve().parents[2]
# This test's own Redis database index, flushed freely (several clones on one machine each
# set their own). CI's cache takes 1 and, for the second test worker, 2; the alert worker
# test (tests/alerts/test_worker.py) takes 14.
REDIS_URL = os.environ.get("LANTERNE_TEST_WORKER_REDIS_URL", "redis://127.0.0.1:6379/15")
VISIBILITY_TIMEOUT = 5


class SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Django's backend: EHLO/HELO, MAIL, RCPT, DATA, RSET, QUIT."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        sink: Sink = self.server
        self.reply("220 sink ESMTP")
        recipients: list[str] = []
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO", "RSET", "NOOP"):
                self.reply("250 sink")
            elif verb == "MAIL":
                recipients = []
                self.reply("250 ok")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 ok")
            elif verb == "DATA" and sink.stall.is_set():
                sink.stalled.set()
                self.rfile.read()  # no answer, ever: returns when the sender dies
                return
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = b"".join(iter(self.rfile.readline, b".\r\n"))
                sink.delivered.append((recipients, data.decode("utf-8", "replace")))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class Sink(socketserver.ThreadingTCPServer):
    """A mail server on the loopback that can be told to hang inside DATA."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), SmtpHandler)
        self.delivered: list[tuple[list[str], str]] = []
        self.stall = threading.Event()
        self.stalled = threading.Event()


def start_worker(queue: str, port: int, log: Path, broker: str = REDIS_URL) -> subprocess.Popen:
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONUNBUFFERED": "1",
        "LANTERNE_DATA_DIR": str(log.parent),
        "DATABASE_URL": database_url(),
        "CELERY_BROKER_URL": broker,
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(port),
        "LANTERNE_BASE_URL": settings.LANTERNE_BASE_URL,
    }
    options = (
        f"-A config worker --concurrency 1 --pool prefork -Q {queue} -n {queue}-{log.stem}@%h"
        " --loglevel WARNING --without-gossip --without-mingle --without-heartbeat"
    )
    command = [sys.executable, "-m", "celery", *options.split()]
    with log.open("ab") as out:
        # Its own process group, so killing it takes its pool child too, and nothing else.
        return subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )


def kill(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def wait_for(condition, seconds: float, what: str, logs: list[Path]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            tails = "\n".join(
                log.read_text(errors="replace")[-3000:] for log in logs if log.exists()
            )
            pytest.fail(f"{what} did not happen within {seconds} s; worker logs:\n{tails}")
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_a_notification_survives_a_worker_killed_while_sending(coalition, monkeypatch, tmp_path):
    broker = redis.Redis.from_url(REDIS_URL)
    broker.ping()  # Redis must be there: this test fails rather than skips without it
    broker.flushdb()
    for name in ("amani", "beatrice"):
        coalition[name].user.email = f"{name}@coalition.example"
        coalition[name].user.save()

    queue = f"test-notify-{uuid.uuid4().hex[:8]}"
    # Celery prefers the CELERY_BROKER_URL variable over the broker argument: align both.
    monkeypatch.setenv("CELERY_BROKER_URL", REDIS_URL)
    sender = Celery("sender", broker=REDIS_URL, set_as_current=False)

    sink = Sink()
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    sink.stall.set()
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    workers = []
    try:
        workers.append(start_worker(queue, sink.server_address[1], logs[0]))
        case = report().case  # commits; its notification waits in the outbox
        sender.send_task("cases.tasks.deliver_notifications", queue=queue)  # the mail slot

        wait_for(sink.stalled.is_set, 20, "the first worker reaching DATA", logs)
        kill(workers[0])
        assert sink.delivered == [] and not Notice.objects.filter(case=case).exists()
        assert PendingMail.objects.filter(case=case).exists()
        sink.stall.clear()
        workers.append(start_worker(queue, sink.server_address[1], logs[1]))

        wait_for(
            lambda: Notice.objects.filter(case=case, kind="new_case").exists(),
            40,
            "the notification after a restart",
            logs,
        )
    finally:
        for worker in workers:
            kill(worker)
        sink.shutdown()
        sink.server_close()
        broker.flushdb()
        broker.close()

    assert sorted(to for recipients, _ in sink.delivered for to in recipients) == [
        "amani@coalition.example",
        "beatrice@coalition.example",
    ]
    for _, data in sink.delivered:
        assert f"Subject: [Lanterne] Case {case.reference} needs attention" in data
        for secret in (ANSWERS["what_happened"], ANSWERS["mine_site"], "Congo", "diamond"):
            assert secret not in data
