"""Which reports a rule is about, and which area (alert) a report falls in: pure functions.

A rule's scope is its countries plus its region's countries (none of either: every
country), narrowed to its provinces when it lists some; then its categories (any one of
them) and priorities. Reports the reporter sent to the regional team only are never
counted by a rule that tells focal points: the alert would tell her that a report from her
country exists that she was meant not to see.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from places.countries import COUNTRIES, REGIONS, regions_of

from .models import Grouping, Rule

WHOLE_SCOPE = "*"


@dataclass(frozen=True)
class Facts:
    """The clear metadata of one case that rules read."""

    country: str
    province: str
    categories: frozenset[str]
    priority: str
    regional_only: bool


def scope_countries(rule: Rule) -> frozenset[str]:
    found = set(rule.countries)
    if rule.region in REGIONS:
        found |= set(REGIONS[rule.region][1])
    return frozenset(found or COUNTRIES)


def reach(rule: Rule) -> frozenset[str]:
    """The countries a rule's reports can come from: its scope, narrowed to the countries of
    its provinces when it lists some."""
    countries = scope_countries(rule)
    if rule.provinces:
        countries &= {p[:2] for p in rule.provinces}
    return countries


def whole_coalition(rule: Rule) -> bool:
    return reach(rule) == frozenset(COUNTRIES)


def matches(rule: Rule, facts: Facts, countries: frozenset[str] | None = None) -> bool:
    countries = scope_countries(rule) if countries is None else countries
    if facts.country not in countries:
        return False
    if rule.provinces and facts.province not in rule.provinces:
        return False
    if rule.categories and not facts.categories & set(rule.categories):
        return False
    if rule.priorities and facts.priority not in rule.priorities:
        return False
    return not (facts.regional_only and rule.notify_officers)


def area_of(rule: Rule, facts: Facts) -> str | None:
    """The area of the alert this report belongs to; None when it has no province and the
    rule counts by province (it cannot be placed)."""
    if rule.group_by == Grouping.PROVINCE:
        return facts.province or None
    if rule.group_by == Grouping.COUNTRY:
        return facts.country
    return WHOLE_SCOPE


def area_countries(rule: Rule, area: str) -> list[str]:
    if area == WHOLE_SCOPE:
        return sorted(scope_countries(rule))
    return [area[:2]]


def regions_key(countries: Sequence[str]) -> str:
    """ ",central,great-lakes,": searchable with `contains=",central,"` on any database."""
    found = sorted({r for c in countries for r in regions_of(c)})
    return f",{','.join(found)}," if found else ""
