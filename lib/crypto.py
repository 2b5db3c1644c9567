"""Lanterne cryptography: pure functions over bytes (no Django, no models, no requests).

Primitives (all from ``cryptography``): AES-256-GCM, HKDF-SHA256, X25519, Argon2id.
Every ciphertext starts with a format byte. In every format the AEAD associated data
(AAD) is the blob's *header* (all bytes before the nonce / first chunk) followed by the
caller's ``context`` (if the function takes one). ``||`` is concatenation, integers are
unsigned big-endian. GCM tags are 16 bytes and sit at the end of each ciphertext.

0x01 sealed            01 || nonce(12) || ciphertext+tag
                       header = 01; AAD = 01 || context
0x02 recipient wrap    02 || ephemeral_pub(32) || nonce(12) || ciphertext+tag
                       key = HKDF(X25519(eph, recipient), salt = ephemeral_pub || recipient_pub,
                       info = "lanterne/v1/wrap"); AAD = 02 || ephemeral_pub || context
0x03 password          03 || memory_kib(u32) || iterations(u32) || lanes(u32) || salt(16)
                          || nonce(12) || ciphertext+tag
                       key = Argon2id(NFC(password) as UTF-8, salt, ad = "lanterne/v1/password");
                       AAD = the 29-byte header
0x04 recovery key      04 || salt(16) || nonce(12) || ciphertext+tag
                       key = HKDF(canonical recovery key as ASCII, salt,
                       info = "lanterne/v1/recovery"); AAD = 04 || salt
0x05 stream            05 || nonce_prefix(7)       -- 8-byte header, then chunks:
                       each chunk = ciphertext+tag of CHUNK_SIZE plaintext bytes, except the
                       final chunk, which holds 0..CHUNK_SIZE-1 bytes and is always present.
                       chunk nonce = nonce_prefix || counter(u32) || last(1 byte: 00 or 01);
                       AAD = 05 || nonce_prefix || context (the same for every chunk)

Derived keys: ``subkey(k, p) = HKDF(k, salt=None, info="lanterne/v1/" || p)``; per-case
blobs are format 0x01 under that subkey with context ``case_id || "|" || purpose``.
Receipt keys: one Argon2id run (64 bytes) keyed with the pepper, split with HKDF into a
lookup tag and a wrapping key. Signatures (audit checkpoints) are Ed25519 under the seed
SHA-256("lanterne/v1/signing|" || secret). Text formats: receipts are 20 decimal digits shown as
"1234 5678 9012 3456 7890"; recovery keys are 30 Crockford base32 characters in six
groups of five (28 random = 140 bits, then 2 check characters); ``b64`` is urlsafe base64
without padding. See docs/crypto.md for the key hierarchy and parameter guidance.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


class CryptoError(Exception):
    """Raised for any failure to open: wrong key, wrong context, tampering, truncation,
    bad format."""


KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
SALT_SIZE = 16

V_SEALED, V_WRAP, V_PASSWORD, V_RECOVERY, V_STREAM = b"\x01", b"\x02", b"\x03", b"\x04", b"\x05"
_RAW = serialization.Encoding.Raw


def random_key() -> bytes:
    """A fresh random 32-byte key."""
    return secrets.token_bytes(KEY_SIZE)


def _hkdf(ikm: bytes, *, salt: bytes | None, info: bytes, length: int = KEY_SIZE) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info).derive(ikm)


def _check_key(key: bytes, error: type[Exception] = ValueError) -> None:
    if not isinstance(key, bytes | bytearray) or len(key) != KEY_SIZE:
        raise error("key must be 32 bytes")


def _gcm_seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = secrets.token_bytes(NONCE_SIZE)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _gcm_open(key: bytes, data: bytes, aad: bytes) -> bytes:
    if len(data) < NONCE_SIZE + TAG_SIZE:
        raise CryptoError("ciphertext too short")
    try:
        return AESGCM(key).decrypt(data[:NONCE_SIZE], data[NONCE_SIZE:], aad)
    except InvalidTag:
        raise CryptoError("cannot open: wrong key, wrong context or tampered") from None


def _split(blob: bytes, version: bytes, header_size: int) -> tuple[bytes, bytes]:
    if not isinstance(blob, bytes | bytearray) or len(blob) < header_size + NONCE_SIZE + TAG_SIZE:
        raise CryptoError("blob too short")
    if blob[:1] != version:
        raise CryptoError("unknown format byte")
    return bytes(blob[:header_size]), bytes(blob[header_size:])


# --- symmetric sealing ------------------------------------------------------------------


def seal(key: bytes, plaintext: bytes, *, context: bytes) -> bytes:
    """AES-256-GCM seal bound to ``context`` (format 0x01)."""
    _check_key(key)
    return V_SEALED + _gcm_seal(key, plaintext, V_SEALED + context)


def open_sealed(key: bytes, blob: bytes, *, context: bytes) -> bytes:
    _check_key(key, CryptoError)
    header, rest = _split(blob, V_SEALED, 1)
    return _gcm_open(key, rest, header + context)


def _purpose_bytes(purpose: str) -> bytes:
    if not purpose or not purpose.isascii() or not purpose.isprintable() or "|" in purpose:
        raise ValueError("purpose must be non-empty printable ASCII without '|'")
    return purpose.encode("ascii")


def subkey(case_key: bytes, purpose: str) -> bytes:
    """Per-purpose key derived from a case key: HKDF-SHA256, info = b"lanterne/v1/" + purpose."""
    _check_key(case_key)
    return _hkdf(case_key, salt=None, info=b"lanterne/v1/" + _purpose_bytes(purpose))


def seal_for_case(case_key: bytes, case_id: bytes, purpose: str, plaintext: bytes) -> bytes:
    """Seal under the purpose subkey, bound to ``case_id | purpose``."""
    context = case_id + b"|" + _purpose_bytes(purpose)
    return seal(subkey(case_key, purpose), plaintext, context=context)


def open_for_case(case_key: bytes, case_id: bytes, purpose: str, blob: bytes) -> bytes:
    _check_key(case_key, CryptoError)
    context = case_id + b"|" + _purpose_bytes(purpose)
    return open_sealed(subkey(case_key, purpose), blob, context=context)


# --- recipients (X25519) ----------------------------------------------------------------


def generate_keypair() -> tuple[bytes, bytes]:
    """(private, public), raw 32-byte X25519 keys."""
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(_RAW, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    return raw, private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)


def public_key_of(private_key: bytes) -> bytes:
    public = X25519PrivateKey.from_private_bytes(private_key).public_key()
    return public.public_bytes(_RAW, serialization.PublicFormat.Raw)


def wrap_for_recipient(public_key: bytes, secret: bytes, *, context: bytes) -> bytes:
    """Encrypt ``secret`` to an X25519 public key (format 0x02)."""
    recipient = X25519PublicKey.from_public_bytes(public_key)
    ephemeral = X25519PrivateKey.generate()
    eph_pub = ephemeral.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    shared = ephemeral.exchange(recipient)  # ValueError for a low-order public key
    key = _hkdf(shared, salt=eph_pub + bytes(public_key), info=b"lanterne/v1/wrap")
    header = V_WRAP + eph_pub
    return header + _gcm_seal(key, secret, header + context)


def unwrap_for_recipient(private_key: bytes, blob: bytes, *, context: bytes) -> bytes:
    header, rest = _split(blob, V_WRAP, 1 + KEY_SIZE)
    try:
        private = X25519PrivateKey.from_private_bytes(private_key)
        shared = private.exchange(X25519PublicKey.from_public_bytes(header[1:]))
    except ValueError:
        raise CryptoError("cannot unwrap") from None
    own_pub = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    key = _hkdf(shared, salt=header[1:] + own_pub, info=b"lanterne/v1/wrap")
    return _gcm_open(key, rest, header + context)


def unwrap_many(private_key: bytes, wraps: Iterable[tuple[bytes, bytes]]) -> Iterator[bytes | None]:
    """``unwrap_for_recipient`` over many (blob, context) pairs with one private key: the
    key is loaded and its public half computed once. Yields None for a blob that fails."""
    try:
        private = X25519PrivateKey.from_private_bytes(private_key)
    except ValueError:
        raise CryptoError("cannot unwrap") from None
    own_pub = private.public_key().public_bytes(_RAW, serialization.PublicFormat.Raw)
    for blob, context in wraps:
        try:
            header, rest = _split(blob, V_WRAP, 1 + KEY_SIZE)
            shared = private.exchange(X25519PublicKey.from_public_bytes(header[1:]))
            key = _hkdf(shared, salt=header[1:] + own_pub, info=b"lanterne/v1/wrap")
            yield _gcm_open(key, rest, header + context)
        except (CryptoError, ValueError):
            yield None


# --- passwords (Argon2id) ---------------------------------------------------------------


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int
    iterations: int
    lanes: int = 1


MAX_ITERATIONS = 100
MAX_LANES = 16
DEFAULT_MAX_MEMORY_KIB = 1048576
_PW_HEADER = struct.Struct(">BIII16s")


def _check_params(params: KdfParams, max_memory_kib: int, error: type[Exception]) -> None:
    ok = (
        1 <= params.lanes <= MAX_LANES
        and 1 <= params.iterations <= MAX_ITERATIONS
        and 8 * params.lanes <= params.memory_kib <= max_memory_kib
    )
    if not ok:
        raise error(f"unacceptable Argon2id parameters: {params}")


def _password_key(password: str, salt: bytes, params: KdfParams) -> bytes:
    kdf = Argon2id(
        salt=salt,
        length=KEY_SIZE,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
        ad=b"lanterne/v1/password",
    )
    return kdf.derive(unicodedata.normalize("NFC", password).encode("utf-8"))


def seal_with_password(password: str, secret: bytes, params: KdfParams) -> bytes:
    """Seal ``secret`` under an Argon2id key from ``password`` (format 0x03)."""
    _check_params(params, DEFAULT_MAX_MEMORY_KIB, ValueError)
    salt = secrets.token_bytes(SALT_SIZE)
    header = _PW_HEADER.pack(
        V_PASSWORD[0], params.memory_kib, params.iterations, params.lanes, salt
    )
    return header + _gcm_seal(_password_key(password, salt, params), secret, header)


def open_with_password(
    password: str, blob: bytes, *, max_memory_kib: int = DEFAULT_MAX_MEMORY_KIB
) -> bytes:
    """Open a 0x03 blob; absurd parameters are refused before Argon2id runs."""
    header, rest = _split(blob, V_PASSWORD, _PW_HEADER.size)
    _, memory_kib, iterations, lanes, salt = _PW_HEADER.unpack(header)
    params = KdfParams(memory_kib=memory_kib, iterations=iterations, lanes=lanes)
    _check_params(params, max_memory_kib, CryptoError)
    return _gcm_open(_password_key(password, salt, params), rest, header)


def password_params(blob: bytes) -> KdfParams | None:
    """The Argon2id parameters a 0x03 blob was sealed with, or None if it is not one."""
    if (
        not isinstance(blob, bytes | bytearray)
        or len(blob) < _PW_HEADER.size
        or blob[:1] != V_PASSWORD
    ):
        return None
    _, memory_kib, iterations, lanes, _salt = _PW_HEADER.unpack(bytes(blob[: _PW_HEADER.size]))
    return KdfParams(memory_kib=memory_kib, iterations=iterations, lanes=lanes)


# --- recovery keys ----------------------------------------------------------------------

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_RECOVERY_DATA, _RECOVERY_CHECK, _RECOVERY_GROUP = 28, 2, 5


def _recovery_check(data: str) -> str:
    digest = hashlib.sha256(b"lanterne/v1/recovery-check|" + data.encode("ascii")).digest()
    value = int.from_bytes(digest[:2], "big") >> 6  # 10 bits
    return _CROCKFORD[value >> 5] + _CROCKFORD[value & 31]


def _is_separator(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch) in ("Zs", "Pd", "Cf") or ch in "._/"


def generate_recovery_key() -> str:
    """30 Crockford base32 characters, 140 random bits + 10 check bits: "ABCDE-FGHJK-..."."""
    data = "".join(secrets.choice(_CROCKFORD) for _ in range(_RECOVERY_DATA))
    return _group(data + _recovery_check(data), _RECOVERY_GROUP, "-")


def _group(text: str, size: int, sep: str) -> str:
    return sep.join(text[i : i + size] for i in range(0, len(text), size))


def normalise_recovery_key(text: str) -> str | None:
    """Canonical "XXXXX-XXXXX-..." form, or None if malformed or the check characters fail."""
    if not isinstance(text, str) or len(text) > 200:
        return None
    text = unicodedata.normalize("NFKC", text).upper().translate(_CONFUSABLES)
    chars = "".join(ch for ch in text if not _is_separator(ch))
    if len(chars) != _RECOVERY_DATA + _RECOVERY_CHECK or any(c not in _CROCKFORD for c in chars):
        return None
    data, check = chars[:_RECOVERY_DATA], chars[_RECOVERY_DATA:]
    if not hmac.compare_digest(check, _recovery_check(data)):
        return None
    return _group(chars, _RECOVERY_GROUP, "-")


def _recovery_blob_key(recovery_key: str, salt: bytes, error: type[Exception]) -> bytes:
    canonical = normalise_recovery_key(recovery_key)
    if canonical is None:
        raise error("malformed recovery key")
    return _hkdf(canonical.encode("ascii"), salt=salt, info=b"lanterne/v1/recovery")


def seal_with_recovery_key(recovery_key: str, secret: bytes) -> bytes:
    """Seal under a high-entropy recovery key (HKDF, no Argon2; format 0x04)."""
    salt = secrets.token_bytes(SALT_SIZE)
    header = V_RECOVERY + salt
    return header + _gcm_seal(_recovery_blob_key(recovery_key, salt, ValueError), secret, header)


def open_with_recovery_key(recovery_key: str, blob: bytes) -> bytes:
    header, rest = _split(blob, V_RECOVERY, 1 + SALT_SIZE)
    return _gcm_open(_recovery_blob_key(recovery_key, header[1:], CryptoError), rest, header)


# --- reporter receipts ------------------------------------------------------------------

RECEIPT_DIGITS = 20


def generate_receipt() -> str:
    """20 uniformly random decimal digits (~66 bits)."""
    return f"{secrets.randbelow(10**RECEIPT_DIGITS):0{RECEIPT_DIGITS}d}"


def normalise_receipt(text: str) -> str | None:
    """ASCII digits, or None. Any Unicode decimal digit counts; spaces, dashes, dots,
    slashes and invisible format marks (e.g. RTL marks) are dropped."""
    if not isinstance(text, str) or len(text) > 200:
        return None
    digits = []
    for ch in text:
        value = unicodedata.decimal(ch, None)
        if value is not None:
            digits.append(str(value))
        elif not (_is_separator(ch) or ch in "\u066b\u066c"):  # Arabic decimal/thousands sep.
            return None
    return "".join(digits) if len(digits) == RECEIPT_DIGITS else None


def format_receipt(digits: str) -> str:
    """Group 20 digits for display: "1234 5678 9012 3456 7890"."""
    normal = normalise_receipt(digits)
    if normal is None:
        raise ValueError("not a receipt")
    return _group(normal, 4, " ")


@dataclass(frozen=True)
class ReceiptKeys:
    tag: bytes
    key: bytes


def derive_receipt_keys(receipt: str, pepper: bytes, params: KdfParams) -> ReceiptKeys:
    """One Argon2id run over the receipt, keyed with the pepper, split into tag and key.

    Raises CryptoError for a malformed receipt, ValueError for a pepper under 16 bytes."""
    normal = normalise_receipt(receipt)
    if normal is None:
        raise CryptoError("malformed receipt")
    if len(pepper) < 16:
        raise ValueError("pepper must be at least 16 bytes")
    _check_params(params, DEFAULT_MAX_MEMORY_KIB, ValueError)
    salt = hmac.new(pepper, b"lanterne/v1/receipt-salt", hashlib.sha256).digest()[:SALT_SIZE]
    out = Argon2id(
        salt=salt,
        length=64,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
        secret=pepper,
    ).derive(normal.encode("ascii"))
    return ReceiptKeys(
        tag=_hkdf(out, salt=None, info=b"lanterne/v1/receipt-tag"),
        key=_hkdf(out, salt=None, info=b"lanterne/v1/receipt-key"),
    )


# --- chunked streams (attachments) ------------------------------------------------------

CHUNK_SIZE = 65536
_STREAM_PREFIX = 7
_STREAM_HEADER = 1 + _STREAM_PREFIX
_MAX_COUNTER = 0xFFFFFFFF


def _chunk_nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    if counter > _MAX_COUNTER:
        raise CryptoError("stream too long")
    return prefix + struct.pack(">IB", counter, 1 if last else 0)


class StreamSealer:
    """Incremental chunked sealing for attachments: memory stays flat for any size."""

    def __init__(self, key: bytes, out: BinaryIO, *, context: bytes) -> None:
        _check_key(key)
        self._aead = AESGCM(key)
        self._out = out
        self._prefix = secrets.token_bytes(_STREAM_PREFIX)
        header = V_STREAM + self._prefix
        self._aad = header + context
        self._buf = bytearray()
        self._counter = 0
        self._size = 0
        self._closed = False
        out.write(header)

    def _seal_chunk(self, chunk: bytes, last: bool) -> None:
        nonce = _chunk_nonce(self._prefix, self._counter, last)
        self._out.write(self._aead.encrypt(nonce, chunk, self._aad))
        self._counter += 1

    def write(self, data: bytes) -> None:
        if self._closed:
            raise ValueError("StreamSealer is closed")
        view = memoryview(data)
        self._size += len(view)
        if self._buf:
            take = CHUNK_SIZE - len(self._buf)
            self._buf += view[:take]
            view = view[take:]
            if len(self._buf) < CHUNK_SIZE:
                return
            self._seal_chunk(bytes(self._buf), last=False)
            self._buf.clear()
        while len(view) >= CHUNK_SIZE:
            self._seal_chunk(bytes(view[:CHUNK_SIZE]), last=False)
            view = view[CHUNK_SIZE:]
        self._buf += view

    def close(self) -> int:
        """Seal the final (possibly empty) chunk; return the plaintext size."""
        if self._closed:
            raise ValueError("StreamSealer is already closed")
        self._seal_chunk(bytes(self._buf), last=True)
        self._buf.clear()
        self._closed = True
        return self._size


def seal_stream(key: bytes, src: BinaryIO, out: BinaryIO, *, context: bytes) -> int:
    """Seal everything readable from ``src`` into ``out`` (format 0x05); return plaintext size."""
    sealer = StreamSealer(key, out, context=context)
    while chunk := src.read(CHUNK_SIZE):
        sealer.write(chunk)
    return sealer.close()


def _read_exact(src: BinaryIO, size: int) -> bytes:
    parts, remaining = [], size
    while remaining:
        part = src.read(remaining)
        if not part:
            break
        parts.append(part)
        remaining -= len(part)
    return b"".join(parts)


def open_stream(key: bytes, src: BinaryIO, *, context: bytes) -> Iterator[bytes]:
    """Yield plaintext chunks of a 0x05 stream. The stream is only known to be complete and
    untampered once iteration finishes without CryptoError: treat output as provisional."""
    _check_key(key, CryptoError)
    header = _read_exact(src, _STREAM_HEADER)
    if len(header) != _STREAM_HEADER or header[:1] != V_STREAM:
        raise CryptoError("bad stream header")
    aead, prefix, aad = AESGCM(key), header[1:], header + context
    counter = 0
    current = _read_exact(src, CHUNK_SIZE + TAG_SIZE)
    while True:
        if len(current) < TAG_SIZE:
            raise CryptoError("stream truncated")
        full = len(current) == CHUNK_SIZE + TAG_SIZE
        following = _read_exact(src, CHUNK_SIZE + TAG_SIZE) if full else b""
        last = not following
        try:
            plaintext = aead.decrypt(_chunk_nonce(prefix, counter, last), current, aad)
        except InvalidTag:
            raise CryptoError("stream chunk failed to open: tampered or truncated") from None
        if plaintext:
            yield plaintext
        if last:
            return
        current, counter = following, counter + 1


def stream_plaintext_size(ciphertext_size: int) -> int:
    """Exact plaintext size of a 0x05 stream of ``ciphertext_size`` bytes."""
    body = ciphertext_size - _STREAM_HEADER
    if body < TAG_SIZE:
        raise CryptoError("impossible stream size")
    full_chunks, rest = divmod(body, CHUNK_SIZE + TAG_SIZE)
    if rest < TAG_SIZE:
        raise CryptoError("impossible stream size")
    return full_chunks * CHUNK_SIZE + rest - TAG_SIZE


# --- signatures (Ed25519) ----------------------------------------------------------------


def signing_key(secret: str) -> bytes:
    """A 32-byte Ed25519 seed from a secret string (e.g. from the environment)."""
    if len(secret) < 32:
        raise ValueError("a signing secret needs at least 32 characters")
    return hashlib.sha256(b"lanterne/v1/signing|" + secret.encode()).digest()


def verify_key_of(seed: bytes) -> bytes:
    """The raw 32-byte Ed25519 public key of a seed."""
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key()
    return public.public_bytes(_RAW, serialization.PublicFormat.Raw)


def sign(seed: bytes, message: bytes) -> bytes:
    """A 64-byte Ed25519 signature."""
    return Ed25519PrivateKey.from_private_bytes(seed).sign(message)


def signature_valid(public_key: bytes, message: bytes, signature: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- text encoding ----------------------------------------------------------------------


def b64(data: bytes) -> str:
    """URL-safe base64 without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64(text: str) -> bytes:
    """Inverse of ``b64``; raises CryptoError on anything that is not its canonical output."""
    try:
        raw = text.encode("ascii")
        data = base64.b64decode(raw + b"=" * (-len(raw) % 4), altchars=b"-_", validate=True)
    except (ValueError, TypeError, AttributeError):
        raise CryptoError("bad base64") from None
    if not hmac.compare_digest(b64(data), text):
        raise CryptoError("bad base64")
    return data
