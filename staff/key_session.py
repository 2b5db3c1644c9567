"""An officer's key session: the private key split between the server session and a cookie.

After login the private key is sealed under a random per-session key that lives only in an
HttpOnly, SameSite=Strict cookie scoped to the admin path; the server session holds only
the sealed blob. A dump of the sessions table opens nothing without the cookie, and the
cookie alone opens nothing without the table. Between the two login steps the same split
holds the key as a *pending* login, which expires after PENDING_SECONDS.

Each blob is bound to its user id and to its state (pending or live), so a blob copied into
another user's session, or a pending blob promoted by hand, fails to open.
"""

from django.conf import settings

from lib import clock, split_secret

COOKIE = "lanterne_staff_key"
SESSION_KEY = "staff_key"
PENDING_KEY = "staff_login"
PENDING_SECONDS = 600

_LIVE = b"lanterne|staff-key-session|"
_PENDING = b"lanterne|staff-pending-login|"


def _context(kind: bytes, user_id) -> bytes:
    return kind + str(user_id).encode()


def _path() -> str:
    return "/" + settings.LANTERNE_ADMIN_PATH


def _open(request, sealed: str | None, context: bytes) -> bytes | None:
    return split_secret.open_(request, COOKIE, sealed, context=context)


def _seal(response, private_key: bytes | None, context: bytes) -> str:
    # An account without a key seals the empty string: the session is live, the key None.
    return split_secret.seal(response, COOKIE, private_key or b"", context=context, path=_path())


# --- between the password and the second factor -----------------------------------------


def hold(request, response, user, private_key: bytes | None, next_url: str = "") -> None:
    """Remember a user whose password was right until they give their second factor."""
    request.session.pop(SESSION_KEY, None)
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "sealed": _seal(response, private_key, _context(_PENDING, user.pk)),
        "since": clock.now().timestamp(),
        "next": next_url,
    }


def pending_user_id(request):
    """The id of the user waiting for their second factor, or None (none, or expired)."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if clock.now().timestamp() - pending.get("since", 0) > PENDING_SECONDS:
        return None
    return pending.get("user")


def pending_next(request) -> str:
    pending = request.session.get(PENDING_KEY)
    return pending.get("next", "") if isinstance(pending, dict) else ""


def release(request) -> tuple[bool, bytes | None]:
    """Open the pending login's key: (True, key or None) if it opens, (False, None) if not."""
    user_id = pending_user_id(request)
    if user_id is None:
        return False, None
    opened = _open(request, request.session[PENDING_KEY].get("sealed"), _context(_PENDING, user_id))
    if opened is None:
        return False, None
    return True, opened or None


def drop_pending(request) -> None:
    request.session.pop(PENDING_KEY, None)


# --- after login ------------------------------------------------------------------------


def start(request, response, private_key: bytes | None) -> None:
    """Open a key session for the logged-in user under a fresh session id and cookie key."""
    request.session.cycle_key()
    request.session.pop(PENDING_KEY, None)
    request.session[SESSION_KEY] = _seal(response, private_key, _context(_LIVE, request.user.pk))
    request._lanterne_key_session = (True, private_key or None)


def _current(request) -> tuple[bool, bytes | None]:
    cached = getattr(request, "_lanterne_key_session", None)
    if cached is not None:
        return cached
    user = getattr(request, "user", None)
    opened = None
    if user is not None and user.is_authenticated:
        opened = _open(request, request.session.get(SESSION_KEY), _context(_LIVE, user.pk))
    result = (opened is not None, opened or None)
    request._lanterne_key_session = result
    return result


def is_live(request) -> bool:
    """True if this browser holds the cookie that opens this session's key blob."""
    return _current(request)[0]


def private_key(request) -> bytes | None:
    """The logged-in officer's private key; None without a key session, if tampered, or if
    the account has no key."""
    return _current(request)[1]


def end(request, response) -> None:
    """Destroy the key session: flush the server session and delete the cookie."""
    request.session.flush()
    request._lanterne_key_session = (False, None)
    split_secret.forget(response, COOKIE, path=_path())
