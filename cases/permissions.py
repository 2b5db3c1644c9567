"""Who may do what: the one table of roles and their permissions, and the checks on it.

`refusal` says why someone may not do something (on a case), `check` raises it, `may` asks.
This module reads clear metadata only (roles, key wraps' existence) and imports no key or
content, so statistics and alerts can ask it too (tests/test_layers.py).
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from places import countries
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
        "set_province",
        # "take": assign the case to oneself; "hand_over": pass one's case to a colleague.
        "take",
        "hand_over",
        # A reporter wrote on a finished case: reopen it, or leave it finished.
        "reopen_flagged",
        "keep_finished",
        "export_dossier",
    }
)
# Coordinators (regional leads) also steer a case: who holds it, who leads it, its end.
COORDINATOR_ACTS = OFFICER_ACTS | {"assign", "grant", "revoke", "close", "reopen", "recuse_others"}

# The actor registry (actors/): officers and coordinators read and edit the registries of
# the countries they cover; coordinators also give a registry's key to staff who joined.
REGISTRY_ACTS = frozenset({"read_registry", "edit_registry"})
# Statistics (stats/): the dashboard and its CSV exports, over the person's own scope.
STATISTICS = frozenset({"view_statistics", "export_statistics"})
# Early warning (alerts/): see and act on the alerts sent to oneself; coordinators also see
# their regions' alerts and edit the rules.
ALERTS = frozenset({"view_alerts", "act_on_alerts"})

PERMISSIONS: dict[str, frozenset[str]] = {
    # "staff_site": enter the staff site at all; "hold_case_keys": may be given a case's key.
    Role.OFFICER: OFFICER_ACTS
    | REGISTRY_ACTS
    | STATISTICS
    | ALERTS
    | {"staff_site", "hold_case_keys"},
    # Coordinators enrol members of their regions and admit them to cases ("admit_staff"):
    # an account an administrator made or reset receives no case until a coordinator does.
    Role.COORDINATOR: COORDINATOR_ACTS
    | REGISTRY_ACTS
    | STATISTICS
    | ALERTS
    | {
        "staff_site",
        "hold_case_keys",
        "edit_alert_rules",
        "read_audit_log",
        "enrol_staff",
        "admit_staff",
        "grant_registry",
    },
    # "receive_escalations": may be handed the key of a case escalated to them by name;
    # "quarterly_report": drafts, finalises and downloads the report to the KP working group;
    # "registry_counts": how many actors each registry holds, never one of them.
    Role.STEERING: STATISTICS
    | ALERTS
    | {"staff_site", "receive_escalations", "quarterly_report", "registry_counts"},
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
    """Whether a coordinator's regions include the member's regions or countries. A steering
    member serves the whole coalition: any coordinator covers them."""
    if coordinator is None:
        return False
    if member.role == Role.STEERING:
        return coordinator.role == Role.COORDINATOR
    theirs = set(member.region_list) | {r for c in member.country_list for r in regions_of(c)}
    return bool(set(coordinator.region_list) & theirs)


def covers_country(profile: StaffProfile | None, country: str) -> bool:
    """Whether a member works on this country's cases: an officer's own countries, a
    coordinator's regions' countries."""
    if profile is None:
        return False
    if profile.role == Role.COORDINATOR:
        return any(country in countries.REGIONS.get(r, ("", ()))[1] for r in profile.region_list)
    return country in profile.country_list


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


@dataclass(frozen=True)
class StatisticsScope:
    """The cases a person's statistics count: their countries, and whether the cases a
    reporter sent to the regional team only are among them."""

    countries: tuple[str, ...]
    regional_only: bool


def statistics_scope(user) -> StatisticsScope | None:
    """Steering: the whole coalition; coordinators: their regions; officers: their countries.

    An officer's figures leave out the cases a reporter sent to the regional team only: she
    could otherwise tell them apart from her own queue, which is what the reporter asked
    the national team not to learn. None for someone who may not see statistics.
    """
    if not may(user, "view_statistics"):
        return None
    role, profile = role_of(user), profile_of(user)
    if role == Role.STEERING:
        return StatisticsScope(tuple(countries.COUNTRIES), True)
    if role == Role.COORDINATOR:
        codes = {c for r in profile.region_list for c in countries.REGIONS.get(r, ("", ()))[1]}
        return StatisticsScope(tuple(c for c in countries.COUNTRIES if c in codes), True)
    mine = set(profile.country_list) if profile else set()
    return StatisticsScope(tuple(c for c in countries.COUNTRIES if c in mine), False)
