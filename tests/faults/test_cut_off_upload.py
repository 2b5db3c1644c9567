"""A report whose body is cut off on the way never becomes a case, over a raw socket to a
real gunicorn: cut at 30 % of a 1 MB photo, cut just before the closing boundary, or
reset. Nothing of it stays in the spool, and the same form sent whole then works."""

import socket

import pytest
from django.conf import settings

from cases.models import Case
from tests.servers import Gunicorn, Reporter, photo, receipt_in, wait_for


@pytest.fixture(scope="module")
def shared(django_db_setup, tmp_path_factory):
    """One server for the three cuts, on the test database and a media folder of its own."""
    media = tmp_path_factory.mktemp("media")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "LANTERNE_MEDIA_DIR", media)
        server = Gunicorn(tmp_path_factory.mktemp("server"), workers=1, threads=2)
    yield server, media
    server.stop()


@pytest.fixture
def server(shared, aligned, settings):
    gunicorn, media = shared
    settings.LANTERNE_MEDIA_DIR = media
    (gunicorn.marks / "requests.log").unlink(missing_ok=True)
    return gunicorn


def request_bytes(reporter: Reporter, form) -> tuple[bytes, bytes]:
    head = (
        f"POST /report/ HTTP/1.1\r\nHost: 127.0.0.1:{reporter.client.port}\r\n"
        f"Content-Type: {form.content_type}\r\nContent-Length: {form.length()}\r\n"
        f"Cookie: {'; '.join(f'{k}={v}' for k, v in reporter.client.cookies.items())}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    return head, b"".join(form.stream())


def spool() -> list[str]:
    folder = settings.LANTERNE_MEDIA_DIR / "spool"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def send_cut(port: int, data: bytes, *, reset: bool = False) -> bytes:
    """Send these bytes, then end the link: a half-close (and read the answer) or a reset."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(data)
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
            return b""
        sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


@pytest.mark.parametrize("cut", ["at 30 % of the photo", "before the closing boundary", "reset"])
def test_a_cut_off_upload_makes_no_case_and_leaves_nothing(server, cut):
    reporter = Reporter(server.port)
    form = reporter.form(attachment=photo())
    head, body = request_bytes(reporter, form)
    if cut == "before the closing boundary":
        sent = body[: body.rindex(b"--" + form.boundary.encode() + b"--")]
    else:
        sent = body[: int(len(body) * 0.3)]

    answer = send_cut(server.port, head + sent, reset=(cut == "reset"))
    wait_for(lambda: server.requests_done("POST"), 30, "the server finishing the request")
    if cut != "reset":
        assert answer.startswith(b"HTTP/1.1 400")
        assert b"Your form did not arrive whole" in answer and b'id="receipt"' not in answer
    assert not Case.objects.exists()
    assert spool() == []

    whole = reporter.send(form)  # positive control: the same form, whole, is received
    assert receipt_in(whole.body) and Case.objects.count() == 1
