"""Fixtures for the fault tests: a real gunicorn on the test database, which the test
process reads as the server wrote it (transactional_db), with the same receipt cost."""

import pytest

from tests.servers import Gunicorn


@pytest.fixture
def aligned(settings, transactional_db, coalition):
    """Derive receipts as the served process does (settings.py fixes 2 passes)."""
    settings.LANTERNE_RECEIPT_KDF = (settings.LANTERNE_RECEIPT_KDF[0], 2)
    return coalition


@pytest.fixture
def serve(aligned, tmp_path):
    """Start gunicorn with these options; every server started is stopped after the test."""
    started = []

    def start(**options) -> Gunicorn:
        server = Gunicorn(tmp_path / f"server-{len(started)}", **options)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
