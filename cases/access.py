"""Every way into a case's content: a receipt, a reporter's session, a staff member's key.

Each fails the same way for "missing" and "not yours" (NotFound), so an answer never tells
whether a case exists. Who may do what is cases.permissions.
"""

import uuid

from lib import crypto

from . import keys
from .models import Case, KeyWrap


class NotFound(Exception):
    """No such case, or not one this person may open: callers cannot tell which."""

    def __init__(self, message: str = "no such case, or not one this person may open"):
        super().__init__(message)


def case_for_receipt(receipt: str) -> tuple[Case, bytes]:
    """Return the case a receipt opens and its case key; raise NotFound otherwise.

    Costs one Argon2id derivation whether or not the receipt exists.
    """
    digits = crypto.normalise_receipt(receipt)
    if digits is None:
        raise NotFound
    found = keys.receipt_keys(digits)
    case = Case.objects.filter(reporter_tag=found.tag.hex()).first()
    if case is None:
        raise NotFound
    try:
        return case, crypto.open_sealed(
            found.key, bytes(case.reporter_key), context=keys.reporter_context(case.id)
        )
    except crypto.CryptoError:
        raise NotFound from None


def reporter_case(case_id: uuid.UUID, case_key: bytes) -> Case:
    """Reload a reporter's case from their session, proving the key still opens it."""
    case = Case.objects.filter(id=case_id).first()
    if case is None:
        raise NotFound
    try:
        crypto.open_for_case(case_key, case.id.bytes, "report", bytes(case.report))
    except crypto.CryptoError:
        raise NotFound from None
    return case


def case_key_for_staff(case: Case, user, private_key: bytes) -> bytes:
    """Unwrap the case key with a staff member's private key; NotFound without a wrap."""
    wrap = KeyWrap.objects.filter(case=case, user=user).first()
    if wrap is None:
        raise NotFound
    try:
        return keys.unwrap(private_key, bytes(wrap.wrapped), case.id)
    except crypto.CryptoError:
        raise NotFound from None


def case_keys_for_staff(case_ids, user, private_key: bytes) -> dict[uuid.UUID, bytes]:
    """The keys of those cases this staff member holds a wrap to, unwrapped in one pass
    ({case id: key}); cases without a wrap, or whose wrap fails to open, are left out."""
    wraps = list(
        KeyWrap.objects.filter(case_id__in=case_ids, user=user).values_list("case_id", "wrapped")
    )
    opened = crypto.unwrap_many(
        private_key, ((bytes(wrapped), keys.recipient_context(cid)) for cid, wrapped in wraps)
    )
    return {case_id: key for (case_id, _wrapped), key in zip(wraps, opened, strict=True) if key}
