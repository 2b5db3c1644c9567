"""Short-lived counters in the cache, under keys that name nothing in clear.

Shared by the staff login throttle and the public throttles. The cache, never the
database: counters expire, and their keys are keyed hashes of what they count.
"""

import hashlib
import hmac
import ipaddress

from django.conf import settings
from django.core.cache import cache

from . import clock

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
