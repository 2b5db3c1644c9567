"""Where the keys of a case come from and whom they are wrapped to.

The byte formats are lib.crypto's; this module binds them to a case (the contexts),
draws receipt keys with the site's pepper, seals staff private keys under their passwords,
and bounds how many Argon2id runs a process does at once, since each holds its full
memory cost.
"""

import threading
import uuid

from django.conf import settings

from lib import crypto

from .models import StaffProfile


def reporter_context(case_id: uuid.UUID) -> bytes:
    return b"lanterne|reporter|" + case_id.bytes


def recipient_context(case_id: uuid.UUID) -> bytes:
    return b"lanterne|recipient|" + case_id.bytes


def wrap(public_key: bytes, case_key: bytes, case_id: uuid.UUID) -> bytes:
    """The case key wrapped to one recipient's public key, bound to this case."""
    return crypto.wrap_for_recipient(public_key, case_key, context=recipient_context(case_id))


def unwrap(private_key: bytes, wrapped: bytes, case_id: uuid.UUID) -> bytes:
    return crypto.unwrap_for_recipient(private_key, wrapped, context=recipient_context(case_id))


_kdf_slots: threading.BoundedSemaphore | None = None


def kdf_slot() -> threading.BoundedSemaphore:
    """Bound the Argon2id runs in flight in this process."""
    global _kdf_slots
    if _kdf_slots is None:
        _kdf_slots = threading.BoundedSemaphore(settings.LANTERNE_KDF_CONCURRENCY)
    return _kdf_slots


def receipt_kdf() -> crypto.KdfParams:
    memory_kib, iterations = settings.LANTERNE_RECEIPT_KDF
    return crypto.KdfParams(memory_kib=memory_kib, iterations=iterations)


def receipt_keys(receipt: str) -> crypto.ReceiptKeys:
    """The lookup tag and the wrapping key of a receipt: one Argon2id run with the pepper."""
    with kdf_slot():
        return crypto.derive_receipt_keys(
            receipt, settings.LANTERNE_RECEIPT_PEPPER.encode(), receipt_kdf()
        )


def password_kdf() -> crypto.KdfParams:
    memory_kib, iterations = settings.LANTERNE_PASSWORD_KDF
    return crypto.KdfParams(memory_kib=memory_kib, iterations=iterations)


def seal_private_key(password: str, private_key: bytes) -> bytes:
    """Seal a private key under a password (Argon2id, its parameters in the blob)."""
    with kdf_slot():
        return crypto.seal_with_password(password, private_key, password_kdf())


def unseal_private_key(profile: StaffProfile, password: str) -> bytes:
    """Open the private key with the account password; raise crypto.CryptoError if wrong."""
    with kdf_slot():
        return crypto.open_with_password(password, bytes(profile.sealed_private_key))


def needs_reseal(profile: StaffProfile) -> bool:
    """Whether the key was sealed with a lower Argon2id cost than the one configured now."""
    params = crypto.password_params(bytes(profile.sealed_private_key))
    wanted = password_kdf()
    return params is not None and (
        params.memory_kib < wanted.memory_kib or params.iterations < wanted.iterations
    )


_decoys: dict[crypto.KdfParams, bytes] = {}


def decoy_unseal(password: str) -> None:
    """Spend what opening a key costs, for a name with no key: both answers take as long."""
    params = password_kdf()
    if params not in _decoys:
        _decoys[params] = crypto.seal_with_password("", crypto.random_key(), params)
    try:
        with kdf_slot():
            crypto.open_with_password(password, _decoys[params])
    except crypto.CryptoError:
        pass
