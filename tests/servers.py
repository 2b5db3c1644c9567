"""Real processes for the fault tests, each started here and stopped by its PID.

- Gunicorn: this clone served by real gunicorn workers on the test database, with the
  test-only hooks of tests/faults/gunicorn_hooks.py (never used in production);
- PrivateRedis (bench/processes.py): a redis-server of our own on a free loopback port,
  never the machine's;
- LinkDropper: a loopback TCP proxy that cuts a connection after so many request bytes;
- small_filesystem: a real, small tmpfs that can be filled up.
"""

import contextlib
import errno
import io
import os
import random
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from PIL import Image

from bench.httpkit import Client, Multipart, scan_html
from bench.processes import free_port
from bench.processes import stop_group as stop
from tests.whistle.pages import form_data

ROOT = Path(__file__).resolve().parent.parent
HOOKS = Path(__file__).resolve().parent / "faults" / "gunicorn_hooks.py"


def database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"  # NAME is absolute: sqlite:////abs/path
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def wait_for(condition, seconds: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            pytest.fail(f"{what} did not happen within {seconds} s\n{tail}")
        time.sleep(0.05)


class Gunicorn:
    """`gunicorn config.wsgi` on a free port, serving the test database and media folder.

    The test process must derive receipts as the server does: use the `served` fixture of
    tests/faults/conftest.py, which aligns the key-derivation cost.
    """

    def __init__(self, tmp: Path, *, workers=2, threads=1, pause=False, **env: str):
        self.port, self.marks = free_port(), tmp / "marks"
        self.marks.mkdir(parents=True, exist_ok=True)
        self.log = tmp / "gunicorn.log"
        (tmp / "data").mkdir(exist_ok=True)
        environment = {
            "PATH": os.environ["PATH"],
            "PYTHONUNBUFFERED": "1",
            "LANTERNE_DATA_DIR": str(tmp / "data"),
            "DATABASE_URL": database_url(),
            "LANTERNE_MEDIA_DIR": str(settings.LANTERNE_MEDIA_DIR),
            "SECRET_KEY": settings.SECRET_KEY,
            "LANTERNE_RECEIPT_PEPPER": settings.LANTERNE_RECEIPT_PEPPER,
            "LANTERNE_RECEIPT_KDF_KIB": str(settings.LANTERNE_RECEIPT_KDF[0]),
            "LANTERNE_TEST_MARKS": str(self.marks),
            **({"LANTERNE_TEST_PAUSE_BEFORE_COMMIT": "1"} if pause else {}),
            **env,
        }
        command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--config", str(HOOKS)]
        command += ["--bind", f"127.0.0.1:{self.port}", "--workers", str(workers)]
        command += ["--threads", str(threads), "--timeout", "120", "--error-logfile", "-"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=environment, stdout=out, stderr=out, start_new_session=True
            )
        wait_for(self.ready, 60, "gunicorn answering", self.log)
        wait_for(lambda: len(self.workers()) == workers, 30, "every worker up", self.log)

    def ready(self) -> bool:
        if self.process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{self.log.read_text(errors='replace')[-3000:]}")
        try:
            return Client(self.port, timeout=5).get("/report/").status == 200
        except OSError:
            return False

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def requests_done(self, method: str = "POST") -> list[str]:
        """One line per request a worker finished: 'pid method path status'."""
        log = self.marks / "requests.log"
        lines = log.read_text().splitlines() if log.exists() else []
        return [line for line in lines if line.split()[1] == method]

    def arm_pause(self) -> None:
        """The next submission (only that one) stops just before its commit."""
        (self.marks / "pause-armed").write_text("")

    def paused_worker(self) -> int | None:
        found = sorted(self.marks.glob("paused-*"))
        return int(found[0].name.split("-")[1]) if found else None

    def stop(self) -> None:
        stop(self.process)


class LinkDropper:
    """A loopback proxy to `port` that drops a connection once it has carried `limit`
    bytes from the client (None: pass everything), and counts the links it dropped.

    The browser gets a reset, as from a dead 2G link; the server gets the end of the
    stream, as a reverse proxy or Tor passes on a client that vanished."""

    def __init__(self, port: int, limit: int | None = None):
        self.target, self.limit, self.dropped = port, limit, 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._carry, args=(client,), daemon=True).start()

    def _carry(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.target))

        def back() -> None:  # server → browser, untouched
            with contextlib.suppress(OSError):
                while data := upstream.recv(65536):
                    client.sendall(data)
                client.shutdown(socket.SHUT_WR)

        answering = threading.Thread(target=back, daemon=True)
        answering.start()
        carried = 0
        try:
            while data := client.recv(65536):
                if self.limit is not None and carried + len(data) > self.limit:
                    upstream.sendall(data[: self.limit - carried])
                    upstream.shutdown(socket.SHUT_WR)
                    self._reset(client, answering)
                    return
                carried += len(data)
                upstream.sendall(data)
            upstream.shutdown(socket.SHUT_WR)
            answering.join(60)
        except OSError:
            pass
        finally:
            client.close()
            upstream.close()

    def _reset(self, client: socket.socket, answering: threading.Thread) -> None:
        """Reset the browser's side once the server has answered (into the void)."""
        self.dropped += 1
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
        # A socket closed while another thread waits in its recv() stays open until that
        # recv returns: stop forwarding to the browser before closing.
        with contextlib.suppress(OSError):
            client.shutdown(socket.SHUT_RDWR)
        answering.join(30)

    def close(self) -> None:
        self.listener.close()


@contextlib.contextmanager
def small_filesystem(path: Path, size: str = "2m"):
    """A real tmpfs of this size mounted at `path` (as root, or with passwordless sudo)."""
    path.mkdir(parents=True, exist_ok=True)
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    mounted = subprocess.run(
        [*sudo, "mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(path)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.fail(f"a full-disk test needs to mount a small tmpfs: {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run([*sudo, "umount", "-l", str(path)], check=True)


def fill(folder: Path) -> Path:
    """Fill the file system holding `folder` until the kernel refuses another byte."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out:
        try:
            while out.write(b"\0" * 65536):
                pass
        except OSError as error:
            assert error.errno == errno.ENOSPC, error
        try:  # the last partial block
            while out.write(b"\0"):
                pass
        except OSError:
            pass
    return filler


def photo(size: int = 1024 * 1024, seed: int = 7) -> bytes:
    """A JPEG of about `size` bytes, as a phone camera gives: noise does not compress."""
    rng = random.Random(seed)
    side = int((size / 1.9) ** 0.5)
    image = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


class Reporter:
    """One reporter's browser without JavaScript: a cookie jar, the form page, its token."""

    def __init__(self, port: int):
        self.client = Client(port, timeout=60)
        page = scan_html(self.client.get("/report/").body)
        self.csrf, self.token = page.hidden["csrfmiddlewaretoken"], page.hidden["submission"]

    def form(self, *, attachment: bytes | None = None, **changes) -> Multipart:
        form = Multipart().field("csrfmiddlewaretoken", self.csrf).field("submission", self.token)
        for name, value in form_data(**changes).items():
            for one in value if isinstance(value, list) else [value]:
                form.field(name, one)
        if attachment is not None:
            form.file_bytes("attachments", "IMG_0712.jpg", "image/jpeg", attachment)
        return form

    def send(self, form: Multipart):
        return self.client.post_multipart("/report/", form, referer=self.client.url("/report/"))


def receipt_in(body: bytes) -> str | None:
    """The receipt a receipt page shows, digits only; None on any other page."""
    match = re.search(rb'id="receipt">([^<]+)<', body)
    return match.group(1).decode().replace(" ", "") if match else None


def follow_up(port: int, receipt: str, text: str) -> tuple[int, int]:
    """Open the mailbox with a receipt and add a message: the two answers' statuses."""
    client = Client(port, timeout=60)
    csrf = scan_html(client.get("/follow-up/").body).hidden["csrfmiddlewaretoken"]
    opened = client.request(
        "POST",
        "/follow-up/",
        body=urlencode({"csrfmiddlewaretoken": csrf, "receipt": receipt}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    if opened.status != 302:
        return opened.status, 0
    page = scan_html(client.get("/follow-up/case/").body)
    form = Multipart().field("csrfmiddlewaretoken", page.hidden["csrfmiddlewaretoken"])
    form.field("text", text)
    sent = client.post_multipart("/follow-up/case/", form, referer=client.url("/follow-up/case/"))
    return opened.status, sent.status
