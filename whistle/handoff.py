"""The receipt handed from the POST that made a case to the page that shows it, once.

The receipt is shown after a redirect (POST-redirect-GET), so Back or a reload can never
send the report a second time. Between the two requests the receipt travels in a browser-
session cookie scoped to the receipt page's own path, sealed under a key derived from
SECRET_KEY and bound to that path's random handle: the address holds no receipt, the
server keeps nothing, and the cookie is deleted as the page is shown. Each send gets its
own handle, so a double tap gives two pages that both show the receipt. A page already
shown, or older than LIFETIME, shows that the receipt can no longer be shown.
"""

import hashlib
import json
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseRedirect
from django.urls import reverse

from lib import clock, crypto

COOKIE = "lanterne_receipt"
LIFETIME = 600  # seconds between the send and the receipt page; a slow 2G link included
HANDLE = re.compile(r"^[A-Za-z0-9_-]{22}$")


def _key() -> bytes:
    return hashlib.sha256(b"lanterne|receipt-handoff|" + settings.SECRET_KEY.encode()).digest()


def _context(handle: str) -> bytes:
    return b"lanterne|receipt-handoff|" + handle.encode()


def _path(handle: str) -> str:
    return reverse("whistle:receipt", args=[handle])


def redirect_to_receipt(receipt: str, uncleaned: list[str]) -> HttpResponseRedirect:
    """A 303 to a fresh receipt page, carrying the receipt sealed in its cookie."""
    handle = secrets.token_urlsafe(16)
    until = int(clock.now().timestamp()) + LIFETIME
    payload = json.dumps({"receipt": receipt, "uncleaned": uncleaned, "until": until})
    sealed = crypto.seal(_key(), payload.encode(), context=_context(handle))
    response = HttpResponseRedirect(_path(handle))
    response.status_code = 303
    response.set_cookie(
        COOKIE,
        crypto.b64(sealed),
        path=_path(handle),
        httponly=True,
        samesite="Strict",
        secure=settings.SECURE_COOKIES,
    )
    return response


def take(request, handle: str) -> dict | None:
    """The receipt and uncleaned file names for this page, the first time only; else None."""
    blob = request.COOKIES.get(COOKIE)
    if not blob or not HANDLE.match(handle):
        return None
    try:
        shown = json.loads(crypto.open_sealed(_key(), crypto.unb64(blob), context=_context(handle)))
    except (crypto.CryptoError, ValueError):
        return None
    if shown["until"] < clock.now().timestamp() or not _first_time(handle):
        return None
    return shown


def _first_time(handle: str) -> bool:
    """Remember a shown handle until it would expire anyway (a copied cookie shows nothing)."""
    now = clock.now()
    # Kept to the end of the hour in which it could last be used: its expiry time in the
    # cache says which hour a receipt was shown, not the minute.
    keep = (clock.hour_after(now + timedelta(seconds=LIFETIME)) - now).total_seconds()
    try:
        return cache.add(f"receipt-shown:{handle}", 1, keep)
    except Exception:  # noqa: BLE001 - a cache that is down: the deleted cookie still holds
        return True


def forget(response, handle: str) -> None:
    if HANDLE.match(handle):
        response.delete_cookie(COOKIE, path=_path(handle), samesite="Strict")
