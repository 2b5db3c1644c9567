"""Known-answer tests for cases.crypto: stored blobs, published vectors, documented layouts.

The stored hex blobs were generated once with this module and pasted here. If one of these
tests fails, the byte format changed and existing data would no longer open: add a new
format byte instead of changing an old one.
"""

import io
import struct

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lib import crypto

KEY = bytes(range(32))
OFFICER_PRIVATE = bytes([7]) * 32
TINY = crypto.KdfParams(memory_kib=64, iterations=1)

SEALED = bytes.fromhex(
    "01a1a1a1a1a1a1a1a1a1a1a1a1cda59732bc3e1db5aa69c43f865d9a657101c8cbf18e71d8c3c1d25081f1"
)
CASE_BLOB = bytes.fromhex(
    "01a2a2a2a2a2a2a2a2a2a2a2a2ab30cf0144327acfa6b06b37b92a29e3700aa43e9c27a86f3afa88"
)
SUBKEY_ANSWERS = bytes.fromhex("e7264e5cb41731010b1d2e80893c2a7ed54afea8d79c39880b8ae8a81375d9fc")
OFFICER_PUBLIC = bytes.fromhex("13be4feaeaf204c7fd3358fc9c00721881d174278128227ec674f37f7fe97b6d")
WRAP = bytes.fromhex(
    "0272d898ef906e978a47f94784988bcdbf72bd8fa3afd04b52ed2d55f916d004564f1addcb528fb53333ad"
    "7bd9e6acec146c5121b8e7ab5c3888a40b086c7801551588be5842ed7fc7826107d20e795b2c7b0cd4cc6a"
    "1be9c7bb64c706"
)
PASSWORD_BLOB = bytes.fromhex(
    "03000000400000000100000001a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a3a4a4a4a4a4a4a4a4a4a4a4a420"
    "23b62f58486b594821f468337a00399b50bf80a1aa4117c184f83685376146051511"
)
RECOVERY_KEY = "01234-56789-ABCDE-FGHJK-MNPQR-STVVH"
RECOVERY_BLOB = bytes.fromhex(
    "04a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a6a6a6a6a6a6a6a6a6a6a6a684ba8abc55317ff5854efb83df"
    "92a238c8bd38e3380f7ecd1a238636c0074d842de414"
)
RECEIPT_TAG = bytes.fromhex("1152da7536d9c97d5bc5d3cb3219bbb0530df96c87a17b46a2fd303080a8df65")
RECEIPT_KEY = bytes.fromhex("5d247e7bb9ad36fb5a5c9fdc7ac0e15030a05cfc6d6b475e8769c3a6836c41d6")
STREAM = bytes.fromhex(
    "05a8a8a8a8a8a8a8f0dee644d5b780357c37439c591710aa64216f48fa234264ab36f4681dd816b9"
)


def test_a_stored_sealed_blob_opens_to_its_plaintext():
    assert crypto.open_sealed(KEY, SEALED, context=b"ctx") == b"hello lanterne"


def test_a_stored_case_blob_opens_to_its_plaintext():
    assert crypto.open_for_case(KEY, b"case-42", "answers", CASE_BLOB) == b"report text"


def test_subkey_has_a_fixed_output():
    assert crypto.subkey(KEY, "answers") == SUBKEY_ANSWERS


def test_a_stored_recipient_wrap_opens_with_the_officer_key():
    assert crypto.public_key_of(OFFICER_PRIVATE) == OFFICER_PUBLIC
    assert crypto.unwrap_for_recipient(OFFICER_PRIVATE, WRAP, context=b"case-42|officer-1") == KEY


def test_a_stored_password_blob_opens_with_its_password():
    assert crypto.open_with_password("correct horse", PASSWORD_BLOB) == b"officer private key"


def test_a_stored_recovery_blob_opens_with_its_recovery_key():
    assert crypto.open_with_recovery_key(RECOVERY_KEY, RECOVERY_BLOB) == b"officer private key"


def test_receipt_keys_have_a_fixed_output():
    keys = crypto.derive_receipt_keys("1234 5678 9012 3456 7890", b"p" * 32, TINY)
    assert (keys.tag, keys.key) == (RECEIPT_TAG, RECEIPT_KEY)


def test_a_stored_stream_opens_to_its_plaintext():
    chunks = list(crypto.open_stream(KEY, io.BytesIO(STREAM), context=b"att-1"))
    assert b"".join(chunks) == b"small attachment"
    assert crypto.stream_plaintext_size(len(STREAM)) == len(b"small attachment")


# --- published vectors -------------------------------------------------------------------


def test_public_key_of_matches_rfc_7748_section_6_1():
    alice = bytes.fromhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a")
    bob = bytes.fromhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb")
    assert crypto.public_key_of(alice) == bytes.fromhex(
        "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"
    )
    assert crypto.public_key_of(bob) == bytes.fromhex(
        "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"
    )


def test_the_hkdf_helper_matches_rfc_5869_test_case_1():
    okm = crypto._hkdf(
        bytes.fromhex("0b" * 22),
        salt=bytes.fromhex("000102030405060708090a0b0c"),
        info=bytes.fromhex("f0f1f2f3f4f5f6f7f8f9"),
        length=42,
    )
    assert okm == bytes.fromhex(
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )


# --- the documented layouts, rebuilt from raw primitives ------------------------------------


def test_the_sealed_format_matches_the_documented_layout():
    blob = crypto.seal(KEY, b"secret", context=b"ctx")
    assert blob[0] == 1 and len(blob) == 1 + 12 + len(b"secret") + 16
    assert AESGCM(KEY).decrypt(blob[1:13], blob[13:], b"\x01ctx") == b"secret"


def test_the_case_format_is_a_sealed_blob_under_the_subkey_bound_to_case_and_purpose():
    blob = crypto.seal_for_case(KEY, b"case-9", "notes", b"note")
    sub = crypto.subkey(KEY, "notes")
    assert crypto.open_sealed(sub, blob, context=b"case-9|notes") == b"note"


def test_the_wrap_format_matches_the_documented_layout():
    blob = crypto.wrap_for_recipient(OFFICER_PUBLIC, b"case key", context=b"c")
    eph_pub = blob[1:33]
    shared = X25519PrivateKey.from_private_bytes(OFFICER_PRIVATE).exchange(
        X25519PublicKey.from_public_bytes(eph_pub)
    )
    key = crypto._hkdf(shared, salt=eph_pub + OFFICER_PUBLIC, info=b"lanterne/v1/wrap")
    assert blob[0] == 2
    assert AESGCM(key).decrypt(blob[33:45], blob[45:], blob[:33] + b"c") == b"case key"


def test_the_password_header_carries_the_parameters():
    blob = crypto.seal_with_password("pw", b"s", crypto.KdfParams(72, 2, 1))
    assert struct.unpack(">BIII", blob[:13]) == (3, 72, 2, 1)
    assert len(blob) == 29 + 12 + 1 + 16


def test_the_stream_format_matches_the_documented_layout():
    prefix = bytes.fromhex("0102030405060708")[1:]
    header = b"\x05" + prefix
    aad = header + b"ctx"
    plaintext = bytes(range(256)) * 600  # 153600 bytes: two full chunks and a partial one
    pieces = [
        plaintext[i : i + crypto.CHUNK_SIZE] for i in range(0, len(plaintext), crypto.CHUNK_SIZE)
    ]
    body = b""
    for counter, piece in enumerate(pieces):
        last = counter == len(pieces) - 1
        nonce = prefix + struct.pack(">IB", counter, int(last))
        body += AESGCM(KEY).encrypt(nonce, piece, aad)
    stream = header + body
    opened = list(crypto.open_stream(KEY, io.BytesIO(stream), context=b"ctx"))
    assert [len(c) for c in opened] == [65536, 65536, 153600 - 131072]
    assert b"".join(opened) == plaintext
    assert crypto.stream_plaintext_size(len(stream)) == len(plaintext)


def fresh_blobs() -> dict[bytes, bytes]:
    """One blob of each format, made now by the functions under test."""
    key = crypto.random_key()
    _private, public = crypto.generate_keypair()
    stream = io.BytesIO()
    crypto.seal_stream(key, io.BytesIO(b"file"), stream, context=b"c")
    return {
        crypto.V_SEALED: crypto.seal(key, b"x", context=b"c"),
        crypto.V_WRAP: crypto.wrap_for_recipient(public, key, context=b"c"),
        crypto.V_PASSWORD: crypto.seal_with_password("pw", b"x", TINY),
        crypto.V_RECOVERY: crypto.seal_with_recovery_key(crypto.generate_recovery_key(), b"x"),
        crypto.V_STREAM: stream.getvalue(),
    }


def test_every_format_starts_with_its_own_version_byte():
    made = fresh_blobs()
    assert {version: blob[:1] for version, blob in made.items()} == {v: v for v in made}
    assert sorted(made) == [b"\x01", b"\x02", b"\x03", b"\x04", b"\x05"]
    # The fixed vectors above were made by the same formats.
    fixed = [SEALED, WRAP, PASSWORD_BLOB, RECOVERY_BLOB, STREAM]
    assert [blob[:1] for blob in fixed] == sorted(made)


def test_a_blob_under_another_version_byte_is_refused():
    key = crypto.random_key()
    blob = crypto.seal(key, b"x", context=b"c")
    assert crypto.open_sealed(key, blob, context=b"c") == b"x"  # positive control
    with pytest.raises(crypto.CryptoError, match="format"):
        crypto.open_sealed(key, crypto.V_RECOVERY + blob[1:], context=b"c")
