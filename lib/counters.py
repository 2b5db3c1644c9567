"""Short-lived counters in the cache, under keys that name nothing in clear.

Shared by the staff login throttle and the public throttles. The cache, never the
database: counters expire, and their keys are keyed hashes of what they count.
"""

import hashlib
import hmac

from django.conf import settings
from django.core.cache import cache


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
