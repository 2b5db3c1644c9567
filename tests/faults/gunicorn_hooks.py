"""gunicorn settings for the fault tests only (`--config` of tests/servers.Gunicorn).

- Each finished request is noted in $LANTERNE_TEST_MARKS/requests.log (worker pid,
  method, path, status), so a test knows when the server is done with a cut-off upload.
- With LANTERNE_TEST_PAUSE_BEFORE_COMMIT set, a submission that finds the file
  `pause-armed` (and removes it: one pause per arming) stops inside its transaction, after
  every row is written and just before the commit, and writes `paused-<pid>` so the test
  can SIGKILL that very worker in the window the issue describes.

Nothing here is imported by the application: production never pauses.
"""

import os
import time
from pathlib import Path

MARKS = Path(os.environ["LANTERNE_TEST_MARKS"])


def post_request(worker, req, environ, resp):
    with (MARKS / "requests.log").open("a") as log:
        log.write(f"{worker.pid} {req.method} {req.path} {getattr(resp, 'status_code', None)}\n")


def post_worker_init(worker):
    if not os.environ.get("LANTERNE_TEST_PAUSE_BEFORE_COMMIT"):
        return
    from cases import notifications

    queue = notifications.queue

    def queue_then_pause(kind, case):
        queue(kind, case)  # the last write of intake.submit's transaction
        if kind != "new_case":
            return
        try:
            (MARKS / "pause-armed").unlink()
        except FileNotFoundError:
            return
        (MARKS / f"paused-{os.getpid()}").write_text(case.reference)
        time.sleep(600)  # until the test kills this worker

    notifications.queue = queue_then_pause
