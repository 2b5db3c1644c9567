"""Who receives a new case: a fallback chain that always ends at somebody who can read it.

1. national: the active officers of the case's country (skipped when the reporter asked
   for the regional team only), together with
2. regional: the active coordinators of every region the country belongs to;
3. coalition: when both are empty, every active coordinator of the coalition.

A case wrapped to nobody could never be opened by anyone but its reporter, so when even
the last level is empty the submission is refused (intake.NobodyToReceive) and the
reporter asked to send it again later. The system check (cases.checks) makes that state
an error in production, and the admin warns before the last recipient of a scope is
deactivated (scopes_left_without).
"""

from dataclasses import dataclass

from places.countries import COUNTRIES, REGIONS, regions_of

from .models import Role, StaffProfile

NATIONAL, REGIONAL, COALITION, NOBODY = "national", "regional", "coalition", "nobody"


@dataclass(frozen=True)
class Route:
    level: str  # the first level of the chain that had somebody (or NOBODY)
    recipients: list[StaffProfile]


def active_staff() -> list[StaffProfile]:
    """Who may receive a case: active members a coordinator admitted (staff.accounts.admit),
    with a key pair."""
    admitted = StaffProfile.objects.filter(user__is_active=True, admitted_at__isnull=False)
    return list(admitted.exclude(public_key=b"").select_related("user"))


def _route(country: str, regional_only: bool, staff: list[StaffProfile]) -> Route:
    regions = set(regions_of(country))
    national = [] if regional_only else _officers_of(country, staff)
    coordinators = [p for p in staff if p.role == Role.COORDINATOR]
    regional = [p for p in coordinators if regions & set(p.region_list)]
    if national:
        return Route(NATIONAL, national + regional)
    if regional:
        return Route(REGIONAL, regional)
    if coordinators:
        return Route(COALITION, coordinators)
    return Route(NOBODY, [])


def route(country: str, *, regional_only: bool = False) -> Route:
    """The recipients of a new case from this country, and the level that supplied them."""
    return _route(country, regional_only, active_staff())


def recipients(country: str, *, regional_only: bool = False) -> list[StaffProfile]:
    """The active staff a case from this country is wrapped to (never empty but for NOBODY)."""
    return route(country, regional_only=regional_only).recipients


def every_route(staff: list[StaffProfile] | None = None) -> dict[tuple[str, bool], Route]:
    """The route of every country, for ordinary and "regional team only" reports."""
    staff = active_staff() if staff is None else staff
    return {
        (country, regional_only): _route(country, regional_only, staff)
        for country in COUNTRIES
        for regional_only in (False, True)
    }


@dataclass(frozen=True)
class Gap:
    """A scope whose reports would go one level further (or nowhere) without somebody."""

    scope: str  # a country or region code
    kind: str  # "country" or "region"
    falls_to: str  # REGIONAL, COALITION or NOBODY


def _officers_of(country: str, staff: list[StaffProfile]) -> list[StaffProfile]:
    return [p for p in staff if p.role == Role.OFFICER and country in p.country_list]


def _coordinators_of(region: str, staff: list[StaffProfile]) -> list[StaffProfile]:
    return [p for p in staff if p.role == Role.COORDINATOR and region in p.region_list]


def gaps(staff: list[StaffProfile] | None = None) -> list[Gap]:
    """Countries without an active officer and regions without an active coordinator."""
    staff = active_staff() if staff is None else staff
    found = [
        Gap(country, "country", _route(country, False, staff).level)
        for country in COUNTRIES
        if not _officers_of(country, staff)
    ]
    anybody = any(p.role == Role.COORDINATOR for p in staff)
    found += [
        Gap(region, "region", COALITION if anybody else NOBODY)
        for region in REGIONS
        if not _coordinators_of(region, staff)
    ]
    return found


def scopes_left_without(user) -> list[Gap]:
    """What changes for the worse if this person stops receiving cases (deactivated)."""
    staff = active_staff()
    before = set(gaps(staff))
    return [gap for gap in gaps([p for p in staff if p.user_id != user.pk]) if gap not in before]
