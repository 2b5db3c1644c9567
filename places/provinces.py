"""Provinces: the first-level subdivisions (ISO 3166-2) of the countries Lanterne serves.

From pycountry, which ships the ISO 3166-2 list and its names' translations (French and
Portuguese here; Swahili falls back to the ISO name). Only the top level is used — a
province, region or county, never a district — so a count by province still covers tens of
thousands of people or more (docs/threat-model.md).
"""

import gettext
from collections.abc import Iterator, Mapping
from functools import cache

import pycountry
from django.utils.translation import get_language

from .countries import COUNTRIES


@cache
def _provinces() -> dict[str, tuple[str, str]]:
    """{code: (country, ISO name)} for every top-level subdivision of our countries."""
    found = {}
    for country in COUNTRIES:
        for sub in pycountry.subdivisions.get(country_code=country) or ():
            if not sub.parent_code:
                found[sub.code] = (country, sub.name)
    return dict(sorted(found.items()))


@cache
def _catalogue(language: str) -> gettext.NullTranslations:
    base = (language or "en").split("-")[0]
    return gettext.translation("iso3166-2", pycountry.LOCALES_DIR, languages=[base], fallback=True)


def codes(country: str | None = None) -> list[str]:
    """Every province code, or those of one country ("CD-NK", "CD-SK", ...)."""
    return [c for c, (k, _name) in _provinces().items() if country in (None, k)]


def country_of(code: str) -> str | None:
    found = _provinces().get(code)
    return found[0] if found else None


def name(code: str, language: str | None = None) -> str:
    """The province's name in the language (the current one by default), or its code."""
    found = _provinces().get(code)
    if found is None:
        return code
    return _catalogue(language or get_language() or "en").gettext(found[1])


def choices(country: str | None = None) -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name in the current language."""
    return sorted(((c, name(c)) for c in codes(country)), key=lambda item: item[1])


def grouped_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """Provinces grouped by country, both sorted in the current language (for <optgroup>)."""
    groups = [(str(COUNTRIES[c]), choices(c)) for c in COUNTRIES]
    return sorted((g for g in groups if g[1]), key=lambda group: group[0])


class Names(Mapping):
    """Every province code mapped to its name in the current language, read when asked.

    A report field's vocabulary (cases.report): membership is the closed list itself, so a
    code of another country's list or a made-up one is refused like any unknown choice.
    """

    def __getitem__(self, code: str) -> str:
        if code not in _provinces():
            raise KeyError(code)
        return name(code)

    def __contains__(self, code: object) -> bool:
        return code in _provinces()

    def __iter__(self) -> Iterator[str]:
        return iter(_provinces())

    def __len__(self) -> int:
        return len(_provinces())


NAMES = Names()
