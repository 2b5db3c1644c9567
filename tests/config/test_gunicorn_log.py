"""Gunicorn's own log lines carry no network address (a malformed request's "ip=")."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_and_send_garbage(tmp_path, *logger: str) -> str:
    port = free_port()
    env = {**os.environ, "LANTERNE_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*command, "--workers", "1", "--error-logfile", "-", *logger],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                    conn.sendall(b"NOT A REQUEST\r\n\r\n")
                    conn.recv(1024)
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        time.sleep(0.5)
    finally:
        server.terminate()
        _out, err = server.communicate(timeout=30)
    return err


def test_a_malformed_request_is_logged_without_the_address(tmp_path):
    plain = serve_and_send_garbage(tmp_path)
    assert "Invalid request from ip=127.0.0.1" in plain  # the control: gunicorn's own logger
    ours = serve_and_send_garbage(
        tmp_path, "--logger-class", "config.gunicorn_log.AddressFreeLogger"
    )
    assert "Invalid request from ip=[address]" in ours
    assert "127.0.0.1" not in ours
