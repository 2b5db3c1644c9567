"""Guarding receipts: throttled guessing, and a receipt that survives a double submit.

Throttling keeps short-lived counters in the cache (never the database). A counter's key
is a keyed hash of the network address, under a key that changes every hour, cut to 16
bits: each counter is shared by some 65,000 IPv4 addresses, so even someone holding the
cache and the secret key cannot tell which address tried. Behind a proxy or an onion
service every visitor arrives from the loopback address, so per-address counting is
skipped there unless the proxy passes the client address in LANTERNE_CLIENT_ADDRESS_HEADER;
a global ceiling limits guessing from everywhere at once.
"""

import hashlib
import secrets
import time

from django.conf import settings
from django.core.cache import cache

from lib import counters, crypto

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


# A submission token identifies one filling-in of the report form. If the same form is
# sent twice (a double tap, a reload of the receipt page), the second request shows the
# receipt the first one made instead of creating a second case, or a case whose receipt
# the reporter never saw. The receipt waits ten minutes in the cache, sealed under the
# token, which only the reporter's page holds.
SUBMISSION_TTL = 600


def new_submission_token() -> str:
    return secrets.token_urlsafe(32)


def _submission_key(token: str) -> bytes:
    return hashlib.sha256(b"lanterne|submission|" + token.encode()).digest()


def claim_submission(token: str) -> bool:
    """Return True for the first request with this token, False for any repeat."""
    return cache.add(f"submission:{counters.keyed('submission', token)}", 1, SUBMISSION_TTL)


def release_submission(token: str) -> None:
    cache.delete(f"submission:{counters.keyed('submission', token)}")


def remember_receipt(token: str, receipt: str) -> None:
    sealed = crypto.seal(_submission_key(token), receipt.encode(), context=b"receipt")
    cache.set(f"submission-receipt:{counters.keyed('submission', token)}", sealed, SUBMISSION_TTL)


def recall_receipt(token: str, wait: float = 15.0) -> str | None:
    """The receipt an earlier request with this token made, waiting for it to finish."""
    deadline = time.monotonic() + wait
    while True:
        sealed = cache.get(f"submission-receipt:{counters.keyed('submission', token)}")
        if sealed is not None:
            try:
                return crypto.open_sealed(
                    _submission_key(token), sealed, context=b"receipt"
                ).decode()
            except crypto.CryptoError:
                return None
        if time.monotonic() > deadline:
            return None
        time.sleep(0.25)
