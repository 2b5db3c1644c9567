"""Guarding receipts and the intake: throttled guessing and flood control.

Throttling keeps short-lived counters in the cache (never the database), through
lib.counters' cache, which keeps counting in process memory while the shared cache is
down: a throttle never fails a request. A counter's key is a keyed hash of the network
(an IPv6 address's /64), under a random key that exists only in the cache for one hour,
cut to 16 bits: each counter is shared by some 65,000 IPv4 addresses, and once the hour
is over nobody, holding the cache and the secret key or not, can tell which address
tried. Counters expire when their hour ends. Behind a proxy or an onion
service every visitor arrives from the loopback address, so per-address counting is
skipped there unless the proxy passes the client address in LANTERNE_CLIENT_ADDRESS_HEADER;
a global ceiling limits guessing from everywhere at once.
"""

import secrets

from django.conf import settings

from lib import counters
from lib.counters import cache

HOUR = counters.HOUR


def _counters(request, what: str) -> list[str]:
    bucket = counters.address_bucket(request)
    return [f"{what}:{counters.hour()}:all"] + ([f"{what}:{bucket}"] if bucket else [])


def _over(request, what: str, per_address: int, overall: int) -> bool:
    total, *mine = _counters(request, what)
    return cache.get(total, 0) >= overall or any(cache.get(k, 0) >= per_address for k in mine)


def _count(request, what: str, delta: int = 1) -> None:
    for key in _counters(request, what):
        counters.bump(key, delta, counters.rest_of_hour())


def _take(request, what: str, per_address: int, overall: float) -> bool:
    """Count one more `what` from here before it is done; False (and nothing counted) when
    that goes over a limit.

    Counting first, atomically, is what holds a limit under a burst: of N requests sent at
    once only the first `per_address` see a count within it. A refused one is taken back
    at once; the address bucket is counted before the global ceiling, so one place over
    its limit cannot use the ceiling up.
    """
    total, *mine = _counters(request, what)
    taken = []
    for key, limit in [*((k, per_address) for k in mine), (total, overall)]:
        taken.append(key)
        if counters.bump(key, 1, counters.rest_of_hour()) > limit:
            for done in taken:
                counters.bump(done, -1, counters.rest_of_hour())
            return False
    return True


def begin_guess(request) -> bool:
    """Count a receipt tried from here before it is checked; False when over a limit."""
    return _take(
        request,
        "receipt-fail",
        settings.LANTERNE_RECEIPT_TRIES_PER_HOUR,
        settings.LANTERNE_RECEIPT_TRIES_GLOBAL_PER_HOUR,
    )


def forgive_guess(request) -> None:
    """The receipt begun with begin_guess was right: it does not count as a failure."""
    _count(request, "receipt-fail", -1)


def submissions_blocked(request) -> bool:
    """A flood of fake reports from one place is slowed; the world as a whole is not."""
    return _over(request, "submit", settings.LANTERNE_SUBMISSIONS_PER_HOUR, float("inf"))


def begin_submission(request) -> bool:
    """Count a report from here before it is saved; False when that is over the limit."""
    return _take(request, "submit", settings.LANTERNE_SUBMISSIONS_PER_HOUR, float("inf"))


def forgive_submission(request) -> None:
    """The report begun with begin_submission made no new case (an error, or sent again)."""
    _count(request, "submit", -1)


def new_submission_token() -> str:
    """A fresh token for one filling-in of the report form (see cases.claims)."""
    return secrets.token_urlsafe(32)
