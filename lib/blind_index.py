"""A blind index: keyed hashes of normalised tokens, so sealed text can be searched.

Pure functions over text and bytes (no Django). A caller derives one index key per scope
from a sealed scope key (``index_key``), hashes the tokens of what it seals (``digests``)
and stores only the digests; a search hashes the query's tokens the same way and looks
the digests up. The server never holds a token in clear, but it does see which stored
digests are equal, how many each record has and how often each occurs: equal words give
equal digests within one key (docs/threat-model.md says what that leaks).

Normalisation folds what people type differently for the same word: Unicode compatibility
forms (NFKD), accents and other combining marks, case (casefold: "ß" = "ss"), a few
letters that do not decompose ("œ" = "oe", "ø" = "o", "ł" = "l"...). Tokens are the runs of
letters and digits left, so "Comptoir Étoile" and "comptoir etoile" give the same tokens,
and "Bureau d'Achat" gives "bureau", "d", "achat". Identifiers ("CD/MIN/BA-0042") compact
to their letters and digits ("cdminba0042"), so spacing and punctuation do not matter.

Digest: HMAC-SHA256(index key, kind || 0x1f || token), cut to DIGEST_SIZE bytes. The kind
(a short ASCII label, e.g. "name" or "id") keeps a word and an identifier that happen to
be spelt alike apart.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Iterable

from . import crypto

DIGEST_SIZE = 16  # 128 bits: no accidental collision among billions of tokens
MAX_TOKEN = 64  # longer runs are cut: nobody types a 200-letter word into a search box

# Letters that NFKD does not split into a base letter and a mark.
_FOLD = str.maketrans(
    {
        "œ": "oe",
        "æ": "ae",
        "ø": "o",
        "ł": "l",
        "đ": "d",
        "ð": "d",
        "þ": "th",
        "ı": "i",
        "ŋ": "n",
        "ɛ": "e",
        "ɔ": "o",
    }
)
_TOKEN = re.compile(r"[^\W_]+")


def normalise(text: str) -> str:
    """Lower case, accents folded, compatibility forms unified: "Étoile" → "etoile"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return unicodedata.normalize("NFKC", bare.translate(_FOLD))


def tokens(text: str) -> list[str]:
    """The distinct normalised words of a text, in order of first appearance."""
    seen: dict[str, None] = {}
    for token in _TOKEN.findall(normalise(text)):
        seen.setdefault(token[:MAX_TOKEN], None)
    return list(seen)


def phrase(text: str) -> str:
    """A whole name as one token ("Comptoir  Étoile!" → "comptoir etoile"), for equality."""
    return " ".join(_TOKEN.findall(normalise(text)))


def compact(identifier: str) -> str:
    """An identifier's letters and digits only: "CD/MIN/BA-0042" → "cdminba0042"."""
    return "".join(_TOKEN.findall(normalise(identifier)))


def index_key(scope_key: bytes, purpose: str = "blind-index") -> bytes:
    """The key of a scope's index, derived from (and as secret as) the scope's sealed key."""
    return crypto.subkey(scope_key, purpose)


def _kind_bytes(kind: str) -> bytes:
    if not kind or not kind.isascii() or not kind.isprintable() or "\x1f" in kind:
        raise ValueError("kind must be non-empty printable ASCII")
    return kind.encode("ascii") + b"\x1f"


def digest(key: bytes, kind: str, token: str) -> bytes:
    """The blind digest of one normalised token of a kind."""
    if len(key) != crypto.KEY_SIZE:
        raise ValueError("index key must be 32 bytes")
    mac = hmac.new(key, _kind_bytes(kind) + token.encode("utf-8"), hashlib.sha256)
    return mac.digest()[:DIGEST_SIZE]


def digests(key: bytes, kind: str, values: Iterable[str]) -> set[bytes]:
    """The digests of many tokens of one kind (empty tokens are skipped)."""
    return {digest(key, kind, value) for value in values if value}
