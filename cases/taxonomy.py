"""What a report can say, as codes stored in clear and words shown to people."""

from django.utils.translation import gettext_lazy as _

CATEGORIES = {
    "DEF": _("Threats or reprisals against activists, whistle-blowers, journalists or witnesses"),
    "ABU": _(
        "Serious abuses linked to mining (torture, forced or child labour, sexual "
        "violence, killings)"
    ),
    "NSAG": _("Armed groups (control of a site, illegal taxes, roadblocks, pillage)"),
    "SEC": _("Army, police or private security (control of sites, extortion, force)"),
    "TRD": _(
        "Smuggling and illicit trade (fraudulent KP certificates, false origin, unlicensed buyers)"
    ),
    "COR": _("Corruption and bribery"),
    "FIN": _("Money laundering, unpaid taxes or royalties"),
    "LND": _("Land: forced eviction, no compensation or consultation"),
    "ENV": _("Environmental harm (polluted water, mercury, deforestation, open pits)"),
    "LAB": _("Working conditions (pit collapse, unsafe work, exploitation of diggers)"),
    "GOV": _("Kimberley Process and governance failures"),
    "EWS": _(
        "Early warning: something is about to happen (armed group arriving, new rush, "
        "rising tension, planned eviction)"
    ),
    "OTH": _("Something else, or not sure yet"),
}
# What a report sent without a category is counted as, until an officer assesses it.
NOT_SURE = "OTH"

MINERALS = {
    "diamonds": _("Diamonds"),
    "gold": _("Gold"),
    "cassiterite": _("Tin (cassiterite)"),
    "coltan": _("Tantalum (coltan)"),
    "wolframite": _("Tungsten (wolframite)"),
    "cobalt": _("Cobalt"),
    "copper": _("Copper"),
    "other": _("Another mineral"),
    "unknown": _("I don't know"),
}

STAGES = {
    "extraction": _("Extraction (the mine or pit)"),
    "transport": _("Transport"),
    "trading": _("Trading point"),
    "exporter": _("Buying house or exporter"),
    "export": _("Export (border, airport, port)"),
    "unknown": _("I don't know"),
}

DATE_PRECISION = {
    "exact": _("On this exact day"),
    "month": _("Around this month"),
    "year": _("Some time this year"),
    "ongoing": _("It is still going on"),
    "unknown": _("I don't know"),
}

ACTORS = {
    "state": _("State forces (army, police)"),
    "armed_group": _("Armed group"),
    "private_security": _("Private security"),
    "company": _("Mining company"),
    "trader": _("Trader or buying house"),
    "authority": _("Local authority or official"),
    "unknown": _("Unknown"),
}


def choices(mapping: dict) -> list[tuple[str, str]]:
    return list(mapping.items())
