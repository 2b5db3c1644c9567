"""Who may do what, and every way into a case.

One table says what each role may do (PERMISSIONS); `refusal` says why someone may not,
`check` raises it, `may` asks. Every way into a case's content — a receipt, a reporter's
session, a staff member's key — fails the same way for "missing" and "not yours"
(NotFound), so an answer never tells whether a case exists.
"""

import uuid

from django.utils.translation import gettext as _

from lib import crypto

from . import keys
from .models import Case, KeyWrap, Role, StaffProfile


class NotFound(Exception):
    """No such case, or not one this person may open: callers cannot tell which."""


class NotAllowed(Exception):
    """This person may not do this act (on this case, now); the message says why."""


# --- the one table of who may do what ---------------------------------------------------

# Acts on a case an officer (national focal point) may do on the cases she holds a key to.
OFFICER_ACTS = frozenset(
    {
        "acknowledge",
        "assess",
        "note",
        "message",
        "escalate",
        "resume",
        "recuse",
        "mark_duplicate",
        "conclude",
        "set_priority",
    }
)
# Coordinators (regional leads) also steer a case: who holds it, who leads it, its end.
COORDINATOR_ACTS = OFFICER_ACTS | {"assign", "grant", "revoke", "close", "reopen", "recuse_others"}

PERMISSIONS: dict[str, frozenset[str]] = {
    # "staff_site": enter the staff site at all; "hold_case_keys": may be given a case's key.
    Role.OFFICER: OFFICER_ACTS | {"staff_site", "hold_case_keys"},
    Role.COORDINATOR: COORDINATOR_ACTS | {"staff_site", "hold_case_keys", "read_audit_log"},
    Role.STEERING: frozenset({"staff_site"}),
    # Administrators run the accounts and the settings, never a case's content.
    Role.ADMIN: frozenset({"staff_site", "read_audit_log", "manage_staff", "reset_keys"}),
}


def profile_of(user) -> StaffProfile | None:
    """The user's staff profile, looked up once per user object (i.e. once per request)."""
    if user is None or isinstance(user, str) or not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_lanterne_profile"):
        user._lanterne_profile = StaffProfile.objects.filter(user=user).first()
    return user._lanterne_profile


def role_of(user) -> str | None:
    """The role of an active staff member; a superuser without a profile is an administrator."""
    if user is None or isinstance(user, str) or not getattr(user, "is_authenticated", False):
        return None
    if not (user.is_active and user.is_staff):
        return None
    profile = profile_of(user)
    if profile is not None:
        return profile.role
    return Role.ADMIN if user.is_superuser else None


def permissions_of(user) -> frozenset[str]:
    return PERMISSIONS.get(role_of(user), frozenset())


def roles_with(permission: str) -> list[str]:
    return [role for role, granted in PERMISSIONS.items() if permission in granted]


def holds_key(case: Case, user) -> bool:
    return KeyWrap.objects.filter(case=case, user=user).exists()


def refusal(user, permission: str, case: Case | None = None) -> str | None:
    """Why `user` may not do `permission` (on `case`), in words; None when they may.

    On a case, the role is checked first, then that the case still exists and that the
    user holds its key: a role that may not act never learns anything about the case.
    """
    if permission not in permissions_of(user):
        return _("Your role cannot do this.")
    if case is not None:
        if case.shredded_at is not None:
            return _("This case was deleted under the retention rules.")
        if not holds_key(case, user):
            return _("You do not hold a key to this case.")
    return None


def may(user, permission: str, case: Case | None = None) -> bool:
    return refusal(user, permission, case) is None


def check(user, permission: str, case: Case | None = None) -> None:
    """Raise NotAllowed, saying why, unless `user` may do `permission` (on `case`)."""
    reason = refusal(user, permission, case)
    if reason is not None:
        raise NotAllowed(reason)


# --- the ways into a case -----------------------------------------------------------------


def case_for_receipt(receipt: str) -> tuple[Case, bytes]:
    """Return the case a receipt opens and its case key; raise NotFound otherwise.

    Costs one Argon2id derivation whether or not the receipt exists.
    """
    digits = crypto.normalise_receipt(receipt)
    if digits is None:
        raise NotFound
    found = keys.receipt_keys(digits)
    case = Case.objects.filter(reporter_tag=found.tag.hex()).first()
    if case is None:
        raise NotFound
    try:
        return case, crypto.open_sealed(
            found.key, bytes(case.reporter_key), context=keys.reporter_context(case.id)
        )
    except crypto.CryptoError:
        raise NotFound from None


def reporter_case(case_id: uuid.UUID, case_key: bytes) -> Case:
    """Reload a reporter's case from their session, proving the key still opens it."""
    case = Case.objects.filter(id=case_id).first()
    if case is None:
        raise NotFound
    try:
        crypto.open_for_case(case_key, case.id.bytes, "report", bytes(case.report))
    except crypto.CryptoError:
        raise NotFound from None
    return case


def case_key_for_staff(case: Case, user, private_key: bytes) -> bytes:
    """Unwrap the case key with a staff member's private key; NotFound without a wrap."""
    wrap = KeyWrap.objects.filter(case=case, user=user).first()
    if wrap is None:
        raise NotFound
    try:
        return keys.unwrap(private_key, bytes(wrap.wrapped), case.id)
    except crypto.CryptoError:
        raise NotFound from None
