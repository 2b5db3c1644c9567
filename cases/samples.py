"""Standard answers of a fictitious report: what the tests, the benchmark and the demo send.

Clearly invented (no real place, person or event is described), and valid for every field
of cases.report, so code that sends them exercises the same checks a reporter's form does.
"""

ANSWERS = {
    "categories": ["DEF", "TRD"],
    "urgent": False,
    "country": "CD",
    "province": "CD-KS",
    "place": "Tshikapa",
    "mine_site": "Tshikapa river bank",
    "mineral": "diamonds",
    "stage": "trading",
    "incident_date": "2026-10-03",
    "date_precision": "exact",
    "what_happened": "Soldiers seized the diamonds of the diggers at the comptoir.",
    "actors": ["state"],
    "people_affected": "about 40",
    "contact": "",
    "regional_only": False,
}


def answers(**changes) -> dict:
    """The standard answers with some changed, e.g. answers(country="SL", urgent=True).

    Another country without a province named gets none: the standard one is in the DRC.
    """
    if changes.get("country", ANSWERS["country"]) != ANSWERS["country"]:
        changes.setdefault("province", "")
    return {**ANSWERS, **changes}
