"""The blind index's pure part: normalisation people can rely on, and digests that depend
on the key, the kind and the token only (no Django, no database)."""

import hashlib
import hmac

import pytest

from lib import blind_index, crypto

KEY = bytes(range(32))


@pytest.mark.parametrize(
    ("typed", "tokens"),
    [
        ("Comptoir Étoile", ["comptoir", "etoile"]),
        ("COMPTOIR   ÉTOILE!", ["comptoir", "etoile"]),
        ("Comptoir E\u0301toile", ["comptoir", "etoile"]),  # é typed as e + combining accent
        ("Bureau d'Achat Kasaï", ["bureau", "d", "achat", "kasai"]),
        ("Œuvre Straße Łódź", ["oeuvre", "strasse", "lodz"]),
        ("ＣＯＭＰＴＯＩＲ", ["comptoir"]),  # full-width letters
        ("comptoir comptoir Comptoir", ["comptoir"]),
        ("Société_Minière", ["societe", "miniere"]),
    ],
)
def test_words_are_folded_the_way_people_type_them(typed, tokens):
    assert blind_index.tokens(typed) == tokens


def test_a_whole_name_and_an_identifier_compact_their_punctuation():
    assert blind_index.phrase("  Comptoir   Étoile. ") == "comptoir etoile"
    assert blind_index.compact("CD/KNG/RCCM/14-B-0042") == blind_index.compact(
        "cd kng rccm 14b0042"
    )
    assert blind_index.compact("CD/KNG/RCCM/14-B-0042") == "cdkngrccm14b0042"


def test_a_digest_is_a_keyed_hash_of_the_kind_and_the_token():
    expected = hmac.new(KEY, b"name\x1fetoile", hashlib.sha256).digest()[:16]
    assert blind_index.digest(KEY, "name", "etoile") == expected


def test_digests_differ_by_key_and_by_kind_and_reveal_no_token():
    other = bytes(32)
    same = blind_index.digest(KEY, "name", "etoile")
    assert blind_index.digest(KEY, "name", "etoile") == same
    assert blind_index.digest(other, "name", "etoile") != same
    assert blind_index.digest(KEY, "id", "etoile") != same
    assert b"etoile" not in same and len(same) == blind_index.DIGEST_SIZE


def test_the_index_key_is_derived_from_the_scope_key_and_is_not_it():
    derived = blind_index.index_key(KEY)
    assert derived == crypto.subkey(KEY, "blind-index") and derived != KEY
    assert blind_index.index_key(KEY, "another-index") != derived


def test_bad_keys_and_kinds_are_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        blind_index.digest(b"short", "name", "x")
    with pytest.raises(ValueError, match="kind must be"):
        blind_index.digest(KEY, "", "x")
    assert blind_index.digests(KEY, "name", ["", "a"]) == {blind_index.digest(KEY, "name", "a")}


def test_unwrap_many_opens_each_wrap_and_marks_the_ones_that_fail():
    private, public = crypto.generate_keypair()
    secrets_ = [crypto.random_key() for _ in range(3)]
    wraps = [
        (crypto.wrap_for_recipient(public, s, context=b"c%d" % i), b"c%d" % i)
        for i, s in enumerate(secrets_)
    ]
    wraps[1] = (wraps[1][0], b"another context")
    assert list(crypto.unwrap_many(private, wraps)) == [secrets_[0], None, secrets_[2]]
    with pytest.raises(crypto.CryptoError, match="cannot unwrap"):
        list(crypto.unwrap_many(b"short", wraps))
