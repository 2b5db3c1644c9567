"""A secret split between the server session and a cookie, for the reporter's mailbox and
the officer's key session alike.

The session stores the secret sealed under a random key; that key lives only in an
HttpOnly, SameSite=Strict cookie (Secure in production). A dump of the sessions table opens
nothing without the cookie, and the cookie alone opens nothing without the table.
"""

from django.conf import settings

from . import crypto


def seal(response, cookie: str, secret: bytes, *, context: bytes, path: str = "/") -> str:
    """Set a fresh cookie key on the response; return the sealed secret for the session."""
    cookie_key = crypto.random_key()
    response.set_cookie(
        cookie,
        crypto.b64(cookie_key),
        httponly=True,
        samesite="Strict",
        secure=settings.SECURE_COOKIES,
        path=path,
    )
    return crypto.b64(crypto.seal(cookie_key, secret, context=context))


def open_(request, cookie: str, sealed: str | None, *, context: bytes) -> bytes | None:
    """The secret, if this browser's cookie opens the session's blob; None otherwise."""
    cookie_key = request.COOKIES.get(cookie)
    if not sealed or not cookie_key:
        return None
    try:
        return crypto.open_sealed(crypto.unb64(cookie_key), crypto.unb64(sealed), context=context)
    except crypto.CryptoError:
        return None


def forget(response, cookie: str, *, path: str = "/") -> None:
    response.delete_cookie(cookie, path=path, samesite="Strict")
