"""The double-submit claim: one report form makes one case, whatever happens to the request.

A submission token identifies one filling-in of the report form. Its claim is a row
written in the case's own transaction (models.SubmissionClaim), so a claim exists exactly
when its case was committed: a worker killed before the commit, a cache that is down or
any other failure leaves no claim, and the form can simply be sent again. Two requests
with the same token at the same instant meet at the unique tag in the database (SQLite
and PostgreSQL alike): the second finds the first's case and shows its receipt.

The tag and the receipt's sealing key are two hashes of the token under different
labels; the token itself is never stored. A day after the case arrived the row is
deleted: a form re-sent later than that makes a new case.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from lib import clock, crypto

from .models import Case, SubmissionClaim

KEEP_FOR = timedelta(days=1)
MAX_TOKEN_LENGTH = 100


@dataclass(frozen=True)
class Earlier:
    """The case an earlier request with the same token made, and its receipt if still known."""

    case: Case
    receipt: str | None


def usable(token: str | None) -> bool:
    return bool(token) and len(token) <= MAX_TOKEN_LENGTH


def tag_of(token: str) -> str:
    return hashlib.sha256(b"lanterne|submission-tag|" + token.encode()).hexdigest()


def _key_of(token: str) -> bytes:
    return hashlib.sha256(b"lanterne|submission|" + token.encode()).digest()


def claim(case: Case, token: str, receipt: str) -> None:
    """Write the claim inside the case's transaction (IntegrityError if already claimed)."""
    SubmissionClaim.objects.create(
        tag=tag_of(token),
        case=case,
        sealed_receipt=crypto.seal(_key_of(token), receipt.encode(), context=b"receipt"),
        created_at=case.received_at,
    )


def find(token: str) -> Earlier | None:
    """The committed case made by this token, with its receipt; None if there is none."""
    found = SubmissionClaim.objects.select_related("case").filter(tag=tag_of(token)).first()
    if found is None:
        return None
    try:
        receipt = crypto.open_sealed(
            _key_of(token), bytes(found.sealed_receipt), context=b"receipt"
        ).decode()
    except crypto.CryptoError:
        receipt = None
    return Earlier(found.case, receipt)


def forget_old() -> int:
    """Delete claims older than KEEP_FOR; return how many."""
    return SubmissionClaim.objects.filter(created_at__lt=clock.now() - KEEP_FOR).delete()[0]
