"""The reporter's mailbox session: the case id and key split between the server session
and a cookie (lib.split_secret).
"""

import uuid

from cases import access
from cases.models import Case
from lib import split_secret

COOKIE = "lanterne_mailbox"
SESSION_KEY = "mailbox"
CONTEXT = b"lanterne|mailbox-session"


def start(request, response, case: Case, case_key: bytes) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = split_secret.seal(
        response, COOKIE, case.id.bytes + case_key, context=CONTEXT
    )


def current(request) -> tuple[Case, bytes] | None:
    """The case this browser has opened with its receipt, with its key; None if none."""
    opened = split_secret.open_(request, COOKIE, request.session.get(SESSION_KEY), context=CONTEXT)
    if opened is None:
        return None
    try:
        case_id, case_key = uuid.UUID(bytes=opened[:16]), opened[16:]
        return access.reporter_case(case_id, case_key), case_key
    except (access.NotFound, ValueError):
        return None


def end(request, response) -> None:
    request.session.flush()
    split_secret.forget(response, COOKIE)
