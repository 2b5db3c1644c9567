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

import hashlib
import hmac
import ipaddress
import logging
import time
from functools import partial

import redis
from django.conf import settings
from django.core.cache import cache as shared_cache
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


def bump(key: str, delta: int, timeout: int) -> int:
    """Add delta (which may be negative) to a counter kept for `timeout` seconds."""
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


def address_bucket(request) -> str | None:
    """A 16-bit bucket for the client's address this hour; None when it is not known.

    The address (REMOTE_ADDR, or behind a proxy the header LANTERNE_CLIENT_ADDRESS_HEADER
    names) is read here, hashed under a key that changes every hour, cut to 16 bits and
    forgotten: each bucket is shared by some 65,000 IPv4 addresses. Loopback addresses (a
    proxy or an onion service in front) are not known addresses."""
    address = request.META.get(settings.LANTERNE_CLIENT_ADDRESS_HEADER or "REMOTE_ADDR", "")
    address = address.split(",")[0].strip()
    try:
        if not address or ipaddress.ip_address(address).is_loopback:
            return None
    except ValueError:
        return None
    now = hour()
    return f"{now}:{keyed(f'throttle|{now}', address)[:4]}"
