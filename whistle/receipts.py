"""Guarding receipts: throttled guessing, and a receipt that survives a double submit.

Throttling keeps short-lived counters in the cache (never the database) under a keyed
hash of the network address whose key changes every hour, so a counter cannot be traced
back to an address, nor linked to the next hour's. A global ceiling limits guessing by
many addresses at once (and through Tor, where every reporter shares one address).
"""

import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.core.cache import cache

from cases import crypto

HOUR = 3600


def _hour() -> int:
    return int(time.time() // HOUR)


def _keyed(purpose: str, value: str) -> str:
    key = f"{settings.SECRET_KEY}|{purpose}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:40]


def _address_counter(request) -> str:
    hour = _hour()
    # The address is read here, hashed under this hour's key, and forgotten.
    return f"receipt-fail:{hour}:{_keyed(f'throttle|{hour}', request.META.get('REMOTE_ADDR', ''))}"


def _global_counter() -> str:
    return f"receipt-fail:{_hour()}:all"


def guessing_blocked(request) -> bool:
    return (
        cache.get(_address_counter(request), 0) >= settings.LANTERNE_RECEIPT_TRIES_PER_HOUR
        or cache.get(_global_counter(), 0) >= settings.LANTERNE_RECEIPT_TRIES_GLOBAL_PER_HOUR
    )


def count_failure(request) -> None:
    for key in (_address_counter(request), _global_counter()):
        if cache.add(key, 1, HOUR):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, HOUR)


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
    return cache.add(f"submission:{_keyed('submission', token)}", 1, SUBMISSION_TTL)


def release_submission(token: str) -> None:
    cache.delete(f"submission:{_keyed('submission', token)}")


def remember_receipt(token: str, receipt: str) -> None:
    sealed = crypto.seal(_submission_key(token), receipt.encode(), context=b"receipt")
    cache.set(f"submission-receipt:{_keyed('submission', token)}", sealed, SUBMISSION_TTL)


def recall_receipt(token: str, wait: float = 15.0) -> str | None:
    """The receipt an earlier request with this token made, waiting for it to finish."""
    deadline = time.monotonic() + wait
    while True:
        sealed = cache.get(f"submission-receipt:{_keyed('submission', token)}")
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
