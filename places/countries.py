"""Countries the coalitions cover and the regions used for routing and statistics.

Codes are ISO 3166-1 alpha-2. A country may sit in two regions (DRC: Central and Great
Lakes); its coordinators in both receive its cases.
"""

import unicodedata

from django.utils.translation import gettext_lazy as _

COUNTRIES = {
    "AO": _("Angola"),
    "BI": _("Burundi"),
    "BW": _("Botswana"),
    "CD": _("Democratic Republic of the Congo"),
    "CF": _("Central African Republic"),
    "CG": _("Republic of the Congo"),
    "CI": _("Côte d'Ivoire"),
    "CM": _("Cameroon"),
    "GA": _("Gabon"),
    "GN": _("Guinea"),
    "LR": _("Liberia"),
    "LS": _("Lesotho"),
    "NA": _("Namibia"),
    "RW": _("Rwanda"),
    "SL": _("Sierra Leone"),
    "UG": _("Uganda"),
    "ZA": _("South Africa"),
    "ZW": _("Zimbabwe"),
}

# The names people use in speech, shown first on the public form so they can be found:
# "RDC" or "DRC" for Kinshasa's Congo, "Congo-Brazzaville" for the other.
SHORT_NAMES = {
    "CD": _("DRC"),
    "CG": _("Congo-Brazzaville"),
    "CF": _("CAR"),
}

REGIONS = {
    "west": (_("West Africa (Mano River)"), ("SL", "LR", "GN", "CI")),
    "central": (_("Central Africa"), ("CD", "CF", "CM", "GA", "CG")),
    "southern": (_("Southern Africa"), ("ZW", "LS", "BW", "AO", "ZA", "NA")),
    "great-lakes": (_("Great Lakes"), ("CD", "RW", "BI", "UG")),
}


def regions_of(country: str) -> list[str]:
    """Return the codes of every region that contains the country."""
    return [code for code, (_name, members) in REGIONS.items() if country in members]


def in_reading_order(text: str) -> str:
    """A sort key that files "Égypte" under E, as a French reader looks for it."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def country_choices() -> list[tuple[str, str]]:
    return sorted(COUNTRIES.items(), key=lambda item: in_reading_order(str(item[1])))


def public_choices() -> list[tuple[str, str]]:
    """The countries as the report form offers them: short name first, in the reader's order."""
    named = [
        (code, f"{SHORT_NAMES[code]} ({name})" if code in SHORT_NAMES else str(name))
        for code, name in COUNTRIES.items()
    ]
    return sorted(named, key=lambda item: in_reading_order(item[1]))


def parse_codes(text: str, known, what: str) -> list[str]:
    """Split 'CD, cf' into ['CD', 'CF'], refusing unknown codes."""
    codes = [c.strip() for c in text.split(",") if c.strip()]
    codes = [c.upper() if what == "country" else c.lower() for c in codes]
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValueError(f"unknown {what} code(s): {', '.join(unknown)}")
    return sorted(set(codes))
