"""Sealing the free text written on an alert (its assessment) to the alert's recipients.

The same construction as a case's notes: a fresh random key seals the text, and that key
is wrapped to each recipient's X25519 public key, bound to the alert. The server keeps the
ciphertext and the wraps, never the key or the text. alerts/ reads clear metadata only
(tests/test_layers.py), so the staff pages call this module, and alerts.lifecycle stores
what it returns.
"""

from collections.abc import Iterable

from lib import crypto


def _context(alert_id: int, part: str) -> bytes:
    return f"lanterne|alert-{part}|{alert_id}".encode()


def seal(alert_id: int, text: str, recipients: Iterable[tuple[int, bytes]]) -> tuple[bytes, dict]:
    """(sealed text, {user id: wrapped key}) for the recipients' (user id, public key)."""
    key = crypto.random_key()
    sealed = crypto.seal(key, text.encode(), context=_context(alert_id, "assessment"))
    wraps = {
        user_id: crypto.wrap_for_recipient(public, key, context=_context(alert_id, "recipient"))
        for user_id, public in recipients
        if public
    }
    return sealed, wraps


def open_(alert_id: int, private_key: bytes, wrapped: bytes, sealed: bytes) -> str | None:
    """The text, or None if this wrap or text does not open (not sealed to this person)."""
    try:
        key = crypto.unwrap_for_recipient(
            private_key, bytes(wrapped), context=_context(alert_id, "recipient")
        )
        return crypto.open_sealed(
            key, bytes(sealed), context=_context(alert_id, "assessment")
        ).decode()
    except crypto.CryptoError:
        return None
