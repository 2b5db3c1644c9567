"""Guarding receipts and the intake: throttled guessing and flood control.

Throttling keeps short-lived counters in the cache (never the database), through
lib.counters' cache, which keeps counting in process memory while the shared cache is
down: a throttle never fails a request. A counter's key is a keyed hash of the network
address, under a key that changes every hour, cut to 16 bits: each counter is shared by
some 65,000 IPv4 addresses, so even someone holding the cache and the secret key cannot
tell which address tried. Behind a proxy or an onion
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


def _count(request, what: str) -> None:
    for key in _counters(request, what):
        counters.bump(key, 1, HOUR)


def guessing_blocked(request) -> bool:
    return _over(
        request,
        "receipt-fail",
        settings.LANTERNE_RECEIPT_TRIES_PER_HOUR,
        settings.LANTERNE_RECEIPT_TRIES_GLOBAL_PER_HOUR,
    )


def count_failure(request) -> None:
    _count(request, "receipt-fail")


def submissions_blocked(request) -> bool:
    """A flood of fake reports from one place is slowed; the world as a whole is not."""
    return _over(request, "submit", settings.LANTERNE_SUBMISSIONS_PER_HOUR, float("inf"))


def count_submission(request) -> None:
    _count(request, "submit")


def new_submission_token() -> str:
    """A fresh token for one filling-in of the report form (see cases.claims)."""
    return secrets.token_urlsafe(32)
