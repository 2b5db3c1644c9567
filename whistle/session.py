"""The reporter's mailbox session: the case key split between the server and a cookie.

The server session holds the case id and key sealed under a random session key; that key
lives only in an HttpOnly cookie. A dump of the sessions table opens nothing without the
cookie, and the cookie alone opens nothing without the table.
"""

import uuid

from django.conf import settings

from cases import access, crypto
from cases.models import Case

COOKIE = "lanterne_mailbox"
SESSION_KEY = "mailbox"
CONTEXT = b"lanterne|mailbox-session"


def start(request, response, case: Case, case_key: bytes) -> None:
    session_key = crypto.random_key()
    request.session.cycle_key()
    request.session[SESSION_KEY] = crypto.b64(
        crypto.seal(session_key, case.id.bytes + case_key, context=CONTEXT)
    )
    response.set_cookie(
        COOKIE,
        crypto.b64(session_key),
        httponly=True,
        samesite="Strict",
        secure=settings.SECURE_COOKIES,
    )


def current(request) -> tuple[Case, bytes] | None:
    """The case this browser has opened with its receipt, with its key; None if none."""
    sealed, cookie = request.session.get(SESSION_KEY), request.COOKIES.get(COOKIE)
    if not sealed or not cookie:
        return None
    try:
        opened = crypto.open_sealed(crypto.unb64(cookie), crypto.unb64(sealed), context=CONTEXT)
        case_id, case_key = uuid.UUID(bytes=opened[:16]), opened[16:]
        return access.reporter_case(case_id, case_key), case_key
    except (crypto.CryptoError, access.NotFound, ValueError):
        return None


def end(request, response) -> None:
    request.session.flush()
    response.delete_cookie(COOKIE, samesite="Strict")
