"""Whose alerts are whose: the one way staff views load an alert.

A person sees the alerts sent to them, and a coordinator also those of her regions (to see
that they were handled). Only recipients act (alerts.lifecycle). A missing alert and one
that is not yours fail the same way (NotFound).

A rule belongs to the coordinators of the countries it reaches: one about countries of
Central Africa is edited by Central Africa's coordinators, not by West Africa's, who could
otherwise silence another region's early warning. A rule for the whole coalition (the
defaults) is every coordinator's. Every save is audited either way.
"""

from django.db.models import Q, QuerySet

from cases import permissions
from cases.models import Role
from places.countries import REGIONS

from . import rules
from .models import Alert, Rule, Status


class NotFound(Exception):
    """No such alert, or not one this person may see."""

    def __init__(self, message: str = "no such alert, or not one this person may see"):
        super().__init__(message)


def visible(user) -> QuerySet:
    if not permissions.may(user, "view_alerts"):
        return Alert.objects.none()
    seen = Q(recipients__user=user)
    profile = permissions.profile_of(user)
    if permissions.role_of(user) == Role.COORDINATOR and profile is not None:
        for region in profile.region_list:
            seen |= Q(regions__contains=f",{region},")
    return Alert.objects.filter(seen).distinct()


def covered_countries(user) -> frozenset[str]:
    """The countries of a coordinator's regions."""
    profile = permissions.profile_of(user)
    if profile is None:
        return frozenset()
    return frozenset(c for r in profile.region_list if r in REGIONS for c in REGIONS[r][1])


def outside_regions(user, rule: Rule) -> list[str]:
    """The countries this rule reaches beyond the editor's regions (none: she may edit it)."""
    if rules.whole_coalition(rule):
        return []
    return sorted(rules.reach(rule) - covered_countries(user))


def may_edit_rule(user, rule: Rule) -> bool:
    return permissions.may(user, "edit_alert_rules") and not outside_regions(user, rule)


def alert_for(user, alert_id) -> Alert:
    try:
        pk = int(alert_id)
    except (TypeError, ValueError):
        raise NotFound from None
    found = visible(user).filter(pk=pk).select_related("rule").first()
    if found is None:
        raise NotFound
    return found


def unacknowledged_count(user) -> int:
    """The staff header's number: alerts sent to this person that nobody acknowledged."""
    if not permissions.may(user, "view_alerts"):
        return 0
    return Alert.objects.filter(recipients__user=user, status=Status.RAISED).count()


def by_urgency(alerts: QuerySet) -> QuerySet:
    """Unacknowledged first, then urgent ones, the highest tier, the most reports, the newest."""
    from django.db.models import Case, IntegerField, Value, When

    order = Case(
        *(When(status=s, then=Value(i)) for i, s in enumerate(Status.values)),
        output_field=IntegerField(),
    )
    return alerts.annotate(step=order).order_by("step", "-urgent", "-tier", "-count", "-id")
