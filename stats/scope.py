"""Whose cases a page counts: the reader's scope (cases.permissions), narrowed by filters.

Filters are fixed choices — one country, one region, one category — inside the reader's
scope; anything else is refused (ValueError), never widened.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, Transform
from django.utils.translation import gettext as _

from cases import permissions, taxonomy
from cases.models import Case, CaseCategory
from places import countries, provinces

NOT_GIVEN = "-"  # the row of cases without a province


class Unindexed(Transform):
    """The column's value, written `+country` for SQLite so its planner, which keeps no
    statistics, uses the period's index (a few thousand rows) rather than the country's
    (a third of all cases). Other databases choose by their statistics."""

    lookup_name = "unindexed"

    def as_sql(self, compiler, connection):
        return compiler.compile(self.lhs)

    def as_sqlite(self, compiler, connection):
        sql, params = compiler.compile(self.lhs)
        return f"+{sql}", params


Case._meta.get_field("country").register_lookup(Unindexed)


@dataclass(frozen=True)
class Scope:
    countries: tuple[str, ...]
    regional_only: bool  # whether cases sent to the regional team only are counted
    category: str = ""
    region: str = ""

    @classmethod
    def coalition(cls) -> Scope:
        """Every case of every country: the quarterly report's scope."""
        return cls(tuple(countries.COUNTRIES), True)

    @property
    def by_province(self) -> bool:
        """One country: its rows are provinces, not countries."""
        return len(self.countries) == 1

    def places(self) -> list[str]:
        if self.by_province:
            return [*provinces.codes(self.countries[0]), NOT_GIVEN]
        return list(self.countries)

    def place_label(self, place: str) -> str:
        if place == NOT_GIVEN:
            return _("Province not given")
        return provinces.name(place) if self.by_province else str(countries.COUNTRIES[place])

    @property
    def place_field(self) -> str:
        return "province" if self.by_province else "country"

    def cases(self, prefix: str = "") -> Q:
        """The condition on Case (or on a model reaching it through `prefix`, e.g. 'case__')."""
        condition = Q()
        if set(self.countries) != set(countries.COUNTRIES):  # all of them: no condition
            condition &= Q(**{f"{prefix}country__unindexed__in": self.countries})
        if not self.regional_only:
            condition &= Q(**{f"{prefix}regional_only": False})
        if self.category:
            tagged = CaseCategory.objects.filter(case=OuterRef(f"{prefix}pk"), code=self.category)
            condition &= Q(Exists(tagged))
        return condition

    def words(self) -> str:
        """The scope as a reader reads it: 'Democratic Republic of the Congo; TRD'."""
        if self.region:
            where = str(countries.REGIONS[self.region][0])
        elif len(self.countries) == len(countries.COUNTRIES):
            where = _("the whole coalition")
        else:
            where = ", ".join(str(countries.COUNTRIES[c]) for c in self.countries)
        if self.category:
            where += f" — {self.category} {taxonomy.CATEGORIES[self.category]}"
        return where


def for_user(user, *, country: str = "", region: str = "", category: str = "") -> Scope:
    """The reader's scope with these filters; ValueError for a filter outside it."""
    allowed = permissions.statistics_scope(user)
    if allowed is None:
        raise PermissionError("statistics are not for this role")
    chosen = list(allowed.countries)
    if region:
        if region not in countries.REGIONS:
            raise ValueError(f"unknown region {region!r}")
        chosen = [c for c in chosen if c in countries.REGIONS[region][1]]
        if not chosen:
            raise ValueError(f"region {region!r} is outside this person's scope")
    if country:
        if country not in chosen:
            raise ValueError(f"country {country!r} is outside this scope")
        chosen = [country]
    if category and category not in taxonomy.CATEGORIES:
        raise ValueError(f"unknown category {category!r}")
    if not chosen:
        raise ValueError("this person covers no country")
    return Scope(tuple(chosen), allowed.regional_only, category, region if not country else "")
