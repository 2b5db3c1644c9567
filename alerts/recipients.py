"""Who an alert reaches at each tier: the focal points of its countries, the coordinators
of their regions, the steering committee. Only active members a coordinator admitted."""

from collections.abc import Sequence

from cases.models import Role, StaffProfile
from places.countries import regions_of

from .models import Rule, Tier


def _admitted():
    return StaffProfile.objects.filter(
        user__is_active=True, user__is_staff=True, admitted_at__isnull=False
    ).select_related("user")


def at_tier(tier: int, countries: Sequence[str]) -> list[StaffProfile]:
    """The members of one tier for an alert about these countries."""
    if tier == Tier.OFFICERS:
        wanted = set(countries)
        found = _admitted().filter(role=Role.OFFICER)
        return [p for p in found if wanted & set(p.country_list)]
    if tier == Tier.COORDINATORS:
        regions = {r for c in countries for r in regions_of(c)}
        found = _admitted().filter(role=Role.COORDINATOR)
        return [p for p in found if regions & set(p.region_list)]
    return list(_admitted().filter(role=Role.STEERING))


def first_tiers(rule: Rule) -> list[int]:
    """The tiers the rule tells at once (the focal points when it names none)."""
    tiers = [
        tier
        for tier, wanted in (
            (Tier.OFFICERS, rule.notify_officers),
            (Tier.COORDINATORS, rule.notify_coordinators),
            (Tier.STEERING, rule.notify_steering),
        )
        if wanted
    ]
    return tiers or [Tier.OFFICERS]
