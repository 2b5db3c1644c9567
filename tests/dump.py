"""What an operator holding the server can read at rest: every table, folder and cache entry.

Used by the tests that look for a report's text, a key or a reporter's trace where it must
not be (tests/whistle/test_nothing_at_rest.py, retention, history).
"""

from pathlib import Path

from django.core.cache import cache
from django.db import connection


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
    """The bytes of every file below `path` changed since `since` (a timestamp)."""
    blobs = []
    for file in path.rglob("*") if path.is_dir() else []:
        try:
            if file.is_file() and file.stat().st_mtime >= since and file.stat().st_size < 50e6:
                blobs.append(file.read_bytes())
        except OSError:
            continue
    return b"\n".join(blobs)


def cache_contents(settings) -> bytes:
    """Every key and value of the cache: Redis, the in-memory cache of the tests, or the
    local file cache's folder."""
    location = settings.CACHES["default"].get("LOCATION", "")
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache"):
        return b"\n".join(key.encode() + b"=" + value for key, value in cache._cache.items())
    if backend.endswith("RedisCache"):
        client = cache._cache.get_client()
        return b"\n".join(
            k + b"=" + (client.get(k) or b"")
            for k in client.keys("*")
            if client.type(k) == b"string"
        )
    return files_under(Path(location))
