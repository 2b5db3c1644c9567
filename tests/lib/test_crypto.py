"""Round-trip and tamper tests for cases.crypto (no Django, no database)."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import crypto
from lib.crypto import CryptoError

TINY = crypto.KdfParams(memory_kib=64, iterations=1)
PEPPER = b"pepper-from-the-environment-0123"
keys = st.binary(min_size=32, max_size=32)
contexts = st.binary(max_size=64)


def flip(blob: bytes, index: int) -> bytes:
    index %= len(blob)
    return blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1 :]


# --- seal / open --------------------------------------------------------------------------


def test_random_keys_are_32_bytes_and_distinct():
    assert len(crypto.random_key()) == crypto.KEY_SIZE == 32
    assert crypto.random_key() != crypto.random_key()


@given(key=keys, plaintext=st.binary(max_size=2048), context=contexts)
def test_sealed_data_opens_with_the_same_key_and_context(key, plaintext, context):
    blob = crypto.seal(key, plaintext, context=context)
    assert crypto.open_sealed(key, blob, context=context) == plaintext


def test_sealing_twice_gives_different_blobs():
    key = crypto.random_key()
    assert crypto.seal(key, b"x", context=b"c") != crypto.seal(key, b"x", context=b"c")


@given(plaintext=st.binary(max_size=256), index=st.integers(min_value=0))
def test_a_flipped_bit_anywhere_fails_to_open(plaintext, index):
    key = bytes(32)
    blob = crypto.seal(key, plaintext, context=b"c")
    with pytest.raises(
        CryptoError, match="cannot open: wrong key, wrong context or tampered|unknown format byte"
    ):
        crypto.open_sealed(key, flip(blob, index), context=b"c")


def test_a_wrong_key_fails_to_open():
    blob = crypto.seal(crypto.random_key(), b"secret", context=b"c")
    with pytest.raises(CryptoError, match="cannot open: wrong key, wrong context or tampered"):
        crypto.open_sealed(crypto.random_key(), blob, context=b"c")


def test_a_wrong_context_fails_to_open():
    key = crypto.random_key()
    blob = crypto.seal(key, b"secret", context=b"session")
    with pytest.raises(CryptoError, match="cannot open: wrong key, wrong context or tampered"):
        crypto.open_sealed(key, blob, context=b"sessioN")


@pytest.mark.parametrize("blob", [b"", b"\x01", b"\x01" + bytes(27), b"\x02" + bytes(40), "x"])
def test_short_or_foreign_blobs_fail_to_open_with_crypto_error(blob):
    with pytest.raises(CryptoError, match="blob too short|unknown format byte"):
        crypto.open_sealed(bytes(32), blob, context=b"")


def test_a_short_key_is_refused():
    with pytest.raises(ValueError, match="key must be 32 bytes"):
        crypto.seal(bytes(16), b"x", context=b"")
    with pytest.raises(CryptoError, match="key must be 32 bytes"):
        crypto.open_sealed(bytes(16), crypto.seal(bytes(32), b"x", context=b""), context=b"")


# --- per-case sealing ---------------------------------------------------------------------


@given(key=keys, case_id=st.binary(max_size=40), plaintext=st.binary(max_size=512))
def test_case_data_opens_for_the_same_case_and_purpose(key, case_id, plaintext):
    blob = crypto.seal_for_case(key, case_id, "message", plaintext)
    assert crypto.open_for_case(key, case_id, "message", blob) == plaintext


def test_a_blob_moved_to_another_case_fails_to_open():
    key = crypto.random_key()
    blob = crypto.seal_for_case(key, b"case-1", "answers", b"the mine uses child labour")
    with pytest.raises(CryptoError, match="cannot open: wrong key, wrong context or tampered"):
        crypto.open_for_case(key, b"case-2", "answers", blob)


def test_a_blob_moved_to_another_purpose_fails_to_open():
    key = crypto.random_key()
    blob = crypto.seal_for_case(key, b"case-1", "note", b"internal note")
    with pytest.raises(CryptoError, match="cannot open: wrong key, wrong context or tampered"):
        crypto.open_for_case(key, b"case-1", "message", blob)


def test_a_blob_of_another_case_key_fails_to_open():
    blob = crypto.seal_for_case(crypto.random_key(), b"case-1", "note", b"n")
    with pytest.raises(CryptoError, match="cannot open: wrong key, wrong context or tampered"):
        crypto.open_for_case(crypto.random_key(), b"case-1", "note", blob)


def test_subkeys_differ_per_purpose_and_per_case_key():
    key = crypto.random_key()
    assert crypto.subkey(key, "a") != crypto.subkey(key, "b")
    assert crypto.subkey(key, "a") != crypto.subkey(crypto.random_key(), "a")
    assert len(crypto.subkey(key, "a")) == 32


@pytest.mark.parametrize("purpose", ["", "a|b", "réponse", "tab\there"])
def test_purposes_that_could_blur_the_context_are_refused(purpose):
    with pytest.raises(ValueError, match="purpose must be non-empty printable ASCII without '\\|'"):
        crypto.subkey(bytes(32), purpose)


# --- recipient wraps ----------------------------------------------------------------------


def test_keypairs_are_raw_32_byte_x25519_keys():
    private, public = crypto.generate_keypair()
    assert len(private) == len(public) == 32
    assert crypto.public_key_of(private) == public


@given(secret=st.binary(max_size=128), context=contexts)
@settings(max_examples=30)
def test_a_wrapped_secret_unwraps_with_the_recipient_key(secret, context):
    private, public = crypto.generate_keypair()
    blob = crypto.wrap_for_recipient(public, secret, context=context)
    assert crypto.unwrap_for_recipient(private, blob, context=context) == secret


def test_a_wrap_for_another_officer_fails_to_unwrap():
    _, public = crypto.generate_keypair()
    other_private, _ = crypto.generate_keypair()
    blob = crypto.wrap_for_recipient(public, b"case key", context=b"case-1")
    with pytest.raises(CryptoError, match="cannot open: wrong key, wrong context or tampered"):
        crypto.unwrap_for_recipient(other_private, blob, context=b"case-1")


def test_a_wrap_moved_to_another_case_fails_to_unwrap():
    private, public = crypto.generate_keypair()
    blob = crypto.wrap_for_recipient(public, b"case key", context=b"case-1")
    with pytest.raises(CryptoError, match="cannot open: wrong key, wrong context or tampered"):
        crypto.unwrap_for_recipient(private, blob, context=b"case-2")


@given(index=st.integers(min_value=0))
@settings(max_examples=30)
def test_a_flipped_bit_in_a_wrap_fails_to_unwrap(index):
    private, public = crypto.generate_keypair()
    blob = crypto.wrap_for_recipient(public, b"case key", context=b"c")
    with pytest.raises(
        CryptoError, match="cannot open: wrong key, wrong context or tampered|unknown format byte"
    ):
        crypto.unwrap_for_recipient(private, flip(blob, index), context=b"c")


def test_a_malformed_private_key_fails_to_unwrap_with_crypto_error():
    _, public = crypto.generate_keypair()
    blob = crypto.wrap_for_recipient(public, b"k", context=b"c")
    with pytest.raises(CryptoError, match="cannot unwrap"):
        crypto.unwrap_for_recipient(b"short", blob, context=b"c")


# --- passwords ----------------------------------------------------------------------------


@given(password=st.text(max_size=30), secret=st.binary(max_size=64))
@settings(max_examples=15, deadline=None)
def test_a_password_sealed_secret_opens_with_the_same_password(password, secret):
    blob = crypto.seal_with_password(password, secret, TINY)
    assert crypto.open_with_password(password, blob) == secret


def test_a_wrong_password_fails_to_open():
    blob = crypto.seal_with_password("correct horse", b"private key", TINY)
    with pytest.raises(CryptoError, match="cannot open: wrong key, wrong context or tampered"):
        crypto.open_with_password("correct horsE", blob)


def test_passwords_are_compared_after_unicode_normalisation():
    blob = crypto.seal_with_password("caf\u00e9", b"k", TINY)  # precomposed é
    assert crypto.open_with_password("cafe\u0301", blob) == b"k"  # e + combining accent


def test_tampered_kdf_parameters_fail_to_open():
    blob = crypto.seal_with_password("pw", b"k", TINY)
    tampered = blob[:5] + (2).to_bytes(4, "big") + blob[9:]  # iterations 1 -> 2
    with pytest.raises(CryptoError, match="cannot open: wrong key, wrong context or tampered"):
        crypto.open_with_password("pw", tampered)


@pytest.mark.parametrize(
    ("memory_kib", "iterations", "lanes"),
    [(2**32 - 1, 1, 1), (64, 101, 1), (64, 2**32 - 1, 1), (64, 1, 17), (64, 0, 1), (64, 1, 0)],
)
def test_absurd_kdf_parameters_are_refused_before_argon2_runs(memory_kib, iterations, lanes):
    blob = bytearray(crypto.seal_with_password("pw", b"k", TINY))
    blob[1:13] = b"".join(n.to_bytes(4, "big") for n in (memory_kib, iterations, lanes))
    start = time.monotonic()
    with pytest.raises(CryptoError, match="unacceptable Argon2id parameters"):
        crypto.open_with_password("pw", bytes(blob))
    assert time.monotonic() - start < 0.1


def test_memory_above_the_callers_limit_is_refused():
    blob = crypto.seal_with_password("pw", b"k", crypto.KdfParams(memory_kib=256, iterations=1))
    with pytest.raises(CryptoError, match="unacceptable Argon2id parameters"):
        crypto.open_with_password("pw", blob, max_memory_kib=128)


def test_sealing_with_unusable_kdf_parameters_is_a_programming_error():
    with pytest.raises(ValueError, match="unacceptable Argon2id parameters"):
        crypto.seal_with_password("pw", b"k", crypto.KdfParams(memory_kib=64, iterations=500))


# --- recovery keys ------------------------------------------------------------------------


def test_recovery_keys_are_grouped_crockford_base32_with_at_least_128_bits():
    key = crypto.generate_recovery_key()
    groups = key.split("-")
    assert [len(g) for g in groups] == [5] * 6
    assert set("".join(groups)) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    assert 28 * 5 >= 128  # 28 random characters, 2 check characters
    assert crypto.normalise_recovery_key(key) == key
    assert crypto.generate_recovery_key() != key


def test_recovery_keys_are_normalised_for_case_separators_and_confusables():
    key = "01234-56789-ABCDE-FGHJK-MNPQR-STVVH"
    messy = " oi234 56789 abcde fghjk mnpqr stvvh\n"
    assert crypto.normalise_recovery_key(messy) == key
    assert crypto.normalise_recovery_key(key.replace("-", "").replace("1", "l")) == key


@pytest.mark.parametrize(
    "text",
    [
        "",
        "01234-56789-ABCDE-FGHJK-MNPQR-STVV",
        "01234-56789-ABCDE-FGHJK-MNPQR-STVVHH",
        "01234-56789-ABCDE-FGHJK-MNPQR-STVVU",
        "11234-56789-ABCDE-FGHJK-MNPQR-STVVH",
        "x" * 1000,
    ],
)
def test_malformed_or_mistyped_recovery_keys_normalise_to_none(text):
    assert crypto.normalise_recovery_key(text) is None


def test_a_recovery_sealed_secret_opens_with_the_key_in_any_spelling():
    key = crypto.generate_recovery_key()
    blob = crypto.seal_with_recovery_key(key, b"officer private key")
    assert crypto.open_with_recovery_key(key.lower().replace("-", " "), blob) == (
        b"officer private key"
    )


def test_a_wrong_recovery_key_fails_to_open():
    blob = crypto.seal_with_recovery_key(crypto.generate_recovery_key(), b"k")
    with pytest.raises(CryptoError, match="cannot open: wrong key, wrong context or tampered"):
        crypto.open_with_recovery_key(crypto.generate_recovery_key(), blob)
    with pytest.raises(CryptoError, match="malformed recovery key"):
        crypto.open_with_recovery_key("not a key", blob)


# --- receipts -----------------------------------------------------------------------------


def test_receipts_are_twenty_random_ascii_digits():
    receipts = {crypto.generate_receipt() for _ in range(50)}
    assert len(receipts) == 50
    assert all(len(r) == crypto.RECEIPT_DIGITS == 20 and r.isdigit() for r in receipts)
    assert all(r.isascii() for r in receipts)


def test_receipts_are_formatted_in_groups_of_four():
    assert crypto.format_receipt("12345678901234567890") == "1234 5678 9012 3456 7890"


@pytest.mark.parametrize(
    "text",
    [
        "1234 5678 9012 3456 7890",
        "1234-5678-9012-3456-7890",
        "1234.5678.9012/3456 7890",
        "1234\u00a05678\u00a09012\u00a03456\u00a07890",  # no-break spaces
        "\u0661\u0662\u0663\u0664 \u0665\u0666\u0667\u0668 \u0669\u0660\u0661\u0662 "
        "\u0663\u0664\u0665\u0666 \u0667\u0668\u0669\u0660",  # Arabic-Indic digits
        "\u200f\u06f1\u06f2\u06f3\u06f4\u06f5\u06f6\u06f7\u06f8\u06f9\u06f0"
        "1234567890",  # RTL mark + Extended Arabic-Indic (Persian) digits, mixed
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10"
        "\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10",  # full-width
        " 12345678901234567890 ",
    ],
)
def test_receipts_typed_in_any_script_or_grouping_normalise_to_ascii(text):
    assert crypto.normalise_receipt(text) == "12345678901234567890"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1234567890123456789",
        "123456789012345678901",
        "1234 5678 9012 3456 789O",
        "abcd efgh",
        "1234567890123456789\u00b2",
        "1" * 500,
    ],
)
def test_receipts_with_wrong_length_or_letters_normalise_to_none(text):
    assert crypto.normalise_receipt(text) is None


@given(st.text(max_size=60))
def test_normalise_receipt_never_raises_and_returns_ascii_digits_or_none(text):
    result = crypto.normalise_receipt(text)
    assert result is None or (len(result) == 20 and result.isascii() and result.isdigit())


def test_receipt_keys_are_independent_32_byte_values_for_any_spelling():
    a = crypto.derive_receipt_keys("1234 5678 9012 3456 7890", PEPPER, TINY)
    b = crypto.derive_receipt_keys("12345678901234567890", PEPPER, TINY)
    assert a == b
    assert len(a.tag) == len(a.key) == 32 and a.tag != a.key


def test_receipt_keys_depend_on_the_receipt_and_the_pepper():
    a = crypto.derive_receipt_keys("12345678901234567890", PEPPER, TINY)
    assert crypto.derive_receipt_keys("12345678901234567891", PEPPER, TINY) != a
    assert crypto.derive_receipt_keys("12345678901234567890", PEPPER[::-1], TINY) != a


def test_a_malformed_receipt_or_short_pepper_is_refused():
    with pytest.raises(CryptoError, match="malformed receipt"):
        crypto.derive_receipt_keys("123", PEPPER, TINY)
    with pytest.raises(ValueError, match="pepper must be at least 16 bytes"):
        crypto.derive_receipt_keys("12345678901234567890", b"short", TINY)


def test_the_receipt_key_opens_the_reporters_copy_of_the_case_key():
    case_key = crypto.random_key()
    receipt = crypto.generate_receipt()
    copy = crypto.seal(
        crypto.derive_receipt_keys(receipt, PEPPER, TINY).key, case_key, context=b"r"
    )
    again = crypto.derive_receipt_keys(crypto.format_receipt(receipt), PEPPER, TINY)
    assert crypto.open_sealed(again.key, copy, context=b"r") == case_key


# --- base64 -------------------------------------------------------------------------------


@given(st.binary(max_size=100))
def test_b64_round_trips_without_padding(data):
    text = crypto.b64(data)
    assert "=" not in text and "+" not in text and "/" not in text
    assert crypto.unb64(text) == data


@pytest.mark.parametrize("text", ["a", "ab=", "a+b/", "ab!c", "é", "AB", None, "  AAAA"])
def test_unb64_rejects_garbage_with_crypto_error(text):
    with pytest.raises(CryptoError, match="bad base64"):
        crypto.unb64(text)
