"""Short-lived counters in the cache, under keys that name nothing in clear.

Shared by the staff login throttle and the public throttles. The cache, never the
database: counters expire, and their keys are keyed hashes of what they count.

`cache` is Django's default cache made safe to fail: when the shared cache raises (Redis
stopped or restarting, the local file cache on a full disk), it answers from a cache in
this process's memory for FALLBACK_SECONDS, then tries the shared one again. Throttles
thus keep counting during an outage — per process instead of for the whole site, so each
limit is multiplied by the number of web processes — and no request fails because of
them. The fault is logged (without any key) each time the fallback starts.
"""

import fcntl
import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

import redis
from django.conf import settings
from django.core.cache import cache as shared_cache
from django.core.cache import caches
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache

from . import clock

logger = logging.getLogger(__name__)

# What a cache that is down raises: the Redis client's errors, or the file cache's OSError.
CACHE_ERRORS = (redis.RedisError, OSError)
FALLBACK_SECONDS = 10


class FailSafeCache:
    """The default cache's methods, answered from process memory while it fails."""

    def __init__(self) -> None:
        self.local = LocMemCache("lanterne-fallback", {"OPTIONS": {"MAX_ENTRIES": 100000}})
        self.down_until = 0.0

    def _call(self, method: str, *args, **kwargs):
        if time.monotonic() >= self.down_until:
            try:
                return getattr(shared_cache, method)(*args, **kwargs)
            except CACHE_ERRORS as error:
                self.down_until = time.monotonic() + FALLBACK_SECONDS
                logger.warning(
                    "the shared cache failed (%s); counting in this process for %d s",
                    type(error).__name__,
                    FALLBACK_SECONDS,
                )
        return getattr(self.local, method)(*args, **kwargs)

    def __getattr__(self, method: str):
        if method not in ("get", "set", "add", "incr", "touch", "delete", "set_many", "get_many"):
            raise AttributeError(method)
        return partial(self._call, method)

    def delete_many(self, keys) -> None:
        self._call("delete_many", keys)
        self.local.delete_many(keys)  # so a count made during an outage does not linger

    def clear(self) -> None:
        self._call("clear")
        self.local.clear()


cache = FailSafeCache()

HOUR = 3600


def keyed(purpose: str, value: str) -> str:
    """A hash of the value under the site's secret and a purpose: stable, not reversible."""
    key = f"{settings.SECRET_KEY}|{purpose}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:40]


@contextmanager
def _one_at_a_time() -> Iterator[None]:
    """Serialise read-modify-write on the file cache, whose add and incr are a read then a
    write: across threads and web processes alike (flock holds per open file)."""
    backend = caches["default"]
    if not isinstance(backend, FileBasedCache):
        yield  # Redis's SET NX and INCRBY, and the memory cache's lock, are atomic already
        return
    try:
        os.makedirs(backend._dir, 0o700, exist_ok=True)
        fd = os.open(os.path.join(backend._dir, "counters.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield  # a cache that cannot be written: FailSafeCache counts in memory meanwhile
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def bump(key: str, delta: int, timeout: float) -> int:
    """Add delta (which may be negative) to a counter kept for `timeout` seconds; return the
    new value. Atomic: concurrent bumps each see a different value."""
    with _one_at_a_time():
        if delta > 0 and cache.add(key, delta, timeout):
            return delta
        try:
            value = cache.incr(key, delta)
        except ValueError:  # expired meanwhile
            value = max(delta, 0)
            cache.set(key, value, timeout)
        cache.touch(key, timeout)  # some backends' incr resets the timeout
        return value


def hour() -> int:
    return int(clock.now().timestamp() // HOUR)


def rest_of_hour() -> float:
    """Seconds until the hour ends: what an hourly entry lives, so that its expiry time in
    the cache says which hour it counts and nothing finer (Redis keeps whole seconds)."""
    return HOUR - clock.now().timestamp() % HOUR


def hour_key() -> bytes:
    """This hour's random key for address buckets. It exists only in the cache and expires
    with the hour: afterwards nobody, holding SECRET_KEY or not, can recompute a bucket.

    The first request of a new hour makes it, and purges what expired with the last hour.
    """
    name = f"throttle-key:{hour()}"
    key = cache.get(name)
    if key is None:
        with _one_at_a_time():
            if cache.add(name, secrets.token_hex(32), rest_of_hour()):
                purge_expired()
            key = cache.get(name)
    return bytes.fromhex(key) if key else secrets.token_bytes(32)


def purge_expired() -> int:
    """Delete the file cache's expired entries (Django's removes one only when it is read);
    Redis expires its own. Return how many files went."""
    backend = caches["default"]
    if not isinstance(backend, FileBasedCache):
        return 0
    removed = 0
    for path in backend._list_cache_files():
        try:
            with open(path, "rb") as entry:
                removed += backend._is_expired(entry)  # deletes the file when expired
        except OSError:  # removed meanwhile by another process
            continue
    return removed


def client_network(address: str) -> str:
    """What a throttle counts: an IPv4 address, or an IPv6 address's /64 (one subscriber's
    network: rotating addresses inside it must not buy more tries)."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False).network_address) + "/64"
    return str(ip)


def address_bucket(request) -> str | None:
    """A 16-bit bucket for the client's network this hour; None when it is not known.

    The address (REMOTE_ADDR, or behind a proxy the header LANTERNE_CLIENT_ADDRESS_HEADER
    names) is read here, cut to its /64 for IPv6, hashed under this hour's random key
    (hour_key), cut to 16 bits and forgotten: each bucket is shared by some 65,000 IPv4
    addresses. Loopback addresses (a proxy or an onion service in front) are not known."""
    address = request.META.get(settings.LANTERNE_CLIENT_ADDRESS_HEADER or "REMOTE_ADDR", "")
    address = address.split(",")[0].strip()
    try:
        if not address or ipaddress.ip_address(address).is_loopback:
            return None
        network = client_network(address)
    except ValueError:
        return None
    digest = hmac.new(hour_key(), network.encode(), hashlib.sha256).hexdigest()
    return f"{hour()}:{digest[:4]}"
