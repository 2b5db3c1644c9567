"""Who may do what: the one table of roles and their permissions, and the checks on it.

`refusal` says why someone may not do something (on a case), `check` raises it, `may` asks.
This module reads clear metadata only (roles, key wraps' existence) and imports no key or
content, so statistics and alerts can ask it too (tests/test_layers.py).
"""

from django.utils.translation import gettext as _

from places.countries import regions_of

from .models import Case, KeyWrap, Role, StaffProfile


class NotAllowed(Exception):
    """This person may not do this act (on this case, now); the message says why."""


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

# The actor registry (actors/): officers and coordinators read and edit the registries of
# the countries they cover; coordinators also give a registry's key to staff who joined.
REGISTRY_ACTS = frozenset({"read_registry", "edit_registry"})

PERMISSIONS: dict[str, frozenset[str]] = {
    # "staff_site": enter the staff site at all; "hold_case_keys": may be given a case's key.
    Role.OFFICER: OFFICER_ACTS | REGISTRY_ACTS | {"staff_site", "hold_case_keys"},
    # Coordinators enrol members of their regions and admit them to cases ("admit_staff"):
    # an account an administrator made or reset receives no case until a coordinator does.
    Role.COORDINATOR: COORDINATOR_ACTS
    | REGISTRY_ACTS
    | {
        "staff_site",
        "hold_case_keys",
        "read_audit_log",
        "enrol_staff",
        "admit_staff",
        "grant_registry",
    },
    # Steering members see how many actors each registry holds, never one of them.
    Role.STEERING: frozenset({"staff_site", "registry_counts"}),
    # Administrators run the accounts and the settings, never a case's content.
    Role.ADMIN: frozenset(
        {"staff_site", "read_audit_log", "manage_staff", "reset_keys", "enrol_staff"}
    ),
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


def covers(coordinator: StaffProfile | None, member: StaffProfile) -> bool:
    """Whether a coordinator's regions include the member's regions or countries."""
    if coordinator is None:
        return False
    theirs = set(member.region_list) | {r for c in member.country_list for r in regions_of(c)}
    return bool(set(coordinator.region_list) & theirs)


def admitted(profile: StaffProfile | None) -> bool:
    """Whether cases may be wrapped to this member: enrolled, and admitted by a coordinator."""
    return profile is not None and profile.admitted_at is not None and profile.has_keys


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
