"""The report form's words for reporters: plain language for readers with little schooling.

The report's fields (cases.report) and their vocabularies (cases.taxonomy) carry the words
officers, statistics and the quarterly report use ("reprisals", "royalties", "supply
chain"). The public form shows the same codes in everyday words instead: where the
English is already plain, the same English under the "reporter" context, so only the
translations differ. A code missing here keeps its staff words.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from places import countries

LABELS = {
    "stage": _("Where was the mineral when it happened?"),
    "regional_only": _("Send it only to the team for the whole region"),
}

HELP_TEXTS = {
    "regional_only": _(
        "Tick this if people in the team in your country may be part of the problem. Then "
        "only the coalition's people for the whole region read your report."
    ),
}

CHOICES = {
    "categories": {
        "DEF": pgettext_lazy(
            "reporter",
            "Threats or reprisals against activists, whistle-blowers, journalists or witnesses",
        ),
        "ABU": pgettext_lazy(
            "reporter",
            "Serious abuses linked to mining (torture, forced or child labour, sexual "
            "violence, killings)",
        ),
        "NSAG": pgettext_lazy(
            "reporter", "Armed groups (control of a site, illegal taxes, roadblocks, pillage)"
        ),
        "SEC": pgettext_lazy(
            "reporter", "Army, police or private security (control of sites, extortion, force)"
        ),
        "TRD": pgettext_lazy(
            "reporter",
            "Smuggling and illicit trade (fraudulent KP certificates, false origin, "
            "unlicensed buyers)",
        ),
        "COR": pgettext_lazy("reporter", "Corruption and bribery"),
        "FIN": pgettext_lazy("reporter", "Money laundering, unpaid taxes or royalties"),
        "LND": pgettext_lazy("reporter", "Land: forced eviction, no compensation or consultation"),
        "ENV": pgettext_lazy(
            "reporter",
            "Environmental harm (polluted water, mercury, deforestation, open pits)",
        ),
        "LAB": pgettext_lazy(
            "reporter",
            "Working conditions (pit collapse, unsafe work, exploitation of diggers)",
        ),
        "GOV": pgettext_lazy("reporter", "Kimberley Process and governance failures"),
        "EWS": pgettext_lazy(
            "reporter",
            "Early warning: something is about to happen (armed group arriving, new rush, "
            "rising tension, planned eviction)",
        ),
        "OTH": pgettext_lazy("reporter", "Something else, or I am not sure"),
    },
    "stage": {
        "extraction": pgettext_lazy("reporter", "Extraction (the mine or pit)"),
        "trading": pgettext_lazy("reporter", "Trading point"),
        "export": pgettext_lazy("reporter", "Export (border, airport, port)"),
    },
    "actors": {
        "state": pgettext_lazy("reporter", "State forces (army, police)"),
        "private_security": pgettext_lazy("reporter", "Private security"),
        "authority": pgettext_lazy("reporter", "Local authority or official"),
    },
}


def choices(name: str, offered: list) -> list:
    """A field's choices in the reporter's words (countries with their short names)."""
    if name == "country":
        return countries.public_choices()
    words = CHOICES.get(name, {})
    return [(code, words.get(code, label)) for code, label in offered]
