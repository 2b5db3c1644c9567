"""`make run` survives the empty message a full disk leaves in its filesystem broker.

The broker folder is a real tmpfs, filled up: publishing a task there leaves an empty
message file, as it did in the field. `manage.py serve` (what `make run` runs: gunicorn,
a Celery worker and beat) is then started on that folder — the restart that used to crash
at once — and must drop the bad file, run the next task and keep the site up; a worker
killed after that is started again while the site keeps answering.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from celery import Celery
from kombu import Exchange, Queue
from kombu.exceptions import OperationalError

from cases import storage
from tests.servers import (
    ROOT,
    Client,
    database_url,
    fill,
    free_port,
    small_filesystem,
    stop,
    wait_for,
)


def publisher(broker) -> Celery:
    app = Celery("publisher", set_as_current=False)
    app.conf.update(
        broker_url="filesystem://",
        broker_transport="config.broker:Transport",
        broker_transport_options={
            "data_folder_in": str(broker),
            "data_folder_out": str(broker),
            "control_folder": str(broker / "control"),
        },
    )
    return app


def test_serve_drops_an_empty_broker_message_and_stays_up(aligned, tmp_path, settings):
    data = tmp_path / "data"
    old_upload = storage.spool_path(uuid.uuid4())  # what the purge task, once run, removes
    old_upload.write_bytes(b"sealed bytes of a form never sent")
    os.utime(old_upload, (time.time() - 2 * 86400,) * 2)

    with small_filesystem(data / "broker", "256k") as broker:
        (broker / "control").mkdir()
        app = publisher(broker)
        with app.connection_for_write() as connection:
            Queue("celery", Exchange("celery"), "celery")(connection).declare()
        filler = fill(broker)
        try:
            app.send_task("cases.tasks.purge_abandoned_uploads", queue="celery", retry=False)
        except OperationalError:
            pass  # the publisher is told; the empty file stays behind
        (empty,) = broker.glob("*.msg")
        assert empty.stat().st_size == 0
        filler.unlink()
        app.send_task("cases.tasks.purge_abandoned_uploads", queue="celery")

        port, log = free_port(), tmp_path / "serve.log"
        env = {
            "PATH": os.environ["PATH"],
            "LANTERNE_DATA_DIR": str(data),
            "DATABASE_URL": database_url(),
            "LANTERNE_MEDIA_DIR": str(settings.LANTERNE_MEDIA_DIR),
            "SECRET_KEY": settings.SECRET_KEY,
            "LANTERNE_RECEIPT_PEPPER": settings.LANTERNE_RECEIPT_PEPPER,
        }
        with log.open("wb") as out:
            served = subprocess.Popen(
                [sys.executable, "manage.py", "serve", "--port", str(port), "--workers", "1"],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            # Both files may carry the same second in their names, so either may be read
            # first: wait for the good task to run and the bad file to be dropped.
            dropped = "dropped an unreadable message file from queue celery"
            wait_for(lambda: not old_upload.exists(), 60, "the task after the bad one", log)
            wait_for(lambda: dropped in log.read_text(), 30, "the bad file dropped", log)
            assert served.poll() is None, log.read_text()
            assert Client(port, timeout=10).get("/report/").status == 200
            # Beat may already have published its own tasks: only the empty file must be gone.
            assert not empty.exists()

            # A worker that dies anyway is started again; the site stays up meanwhile.
            worker = celery_child(served.pid)
            os.kill(worker, signal.SIGKILL)
            assert Client(port, timeout=10).get("/report/").status == 200
            wait_for(lambda: celery_child(served.pid) not in (None, worker), 30, "a new worker")
            assert served.poll() is None
        finally:
            stop(served)


def celery_child(pid: int) -> int | None:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in map(int, children):
        if b"celery" in Path(f"/proc/{child}/cmdline").read_bytes():
            return child
    return None
