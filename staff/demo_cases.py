"""A few months of clearly labelled, fictitious cases for `make run`'s demo organisation.

Made through the real functions — intake.submit for each report, the workflow's acts by
the demo officers — at their own dates (lib.clock.held_at), so the queue, the case pages,
the dashboard and the quarterly report all have something to show on the first run. Every
report says it is a demo; no real person or event is described. A few real mining towns
(DEMO_PLACES) name where the fictitious events happen, so that searching inside sealed
cases ("Nyabibwe") can be tried on the first run.
"""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta

from django.conf import settings

from cases import access, intake, keys, samples, workflow
from cases.models import Level
from lib import clock
from places import countries, provinces

LABEL = "DEMO — fictitious report, invented for trying Lanterne out. "
STORIES = {
    "TRD": "Rough diamonds leave the river sites at night towards the border, without papers.",
    "COR": "An agent asks the diggers for a payment before stamping their permits.",
    "FIN": "A buying house declares a tenth of what it buys; the royalties are not paid.",
    "DEF": "A monitor who photographed the trucks was followed and threatened at home.",
    "NSAG": "Armed men collect a tax at the crossing on the road to the pits.",
    "SEC": "Soldiers took over a pit and chase away the artisanal miners.",
    "ENV": "The river below the washing site turned grey and the fish died.",
    "LAB": "A pit collapsed after the rains; the diggers had no supports.",
    "GOV": "Civil society observers were refused entry to the export office.",
}
# country: (weight, categories most reported there)
COUNTRIES = {
    "CD": (10, ["TRD", "NSAG", "COR", "DEF", "SEC", "ENV"]),
    "CF": (5, ["TRD", "NSAG", "SEC", "DEF"]),
    "SL": (5, ["TRD", "FIN", "LAB", "COR"]),
    "ZW": (4, ["COR", "SEC", "FIN", "ENV"]),
    "LR": (2, ["TRD", "GOV"]),
    "CM": (2, ["TRD", "LAB"]),
    "GN": (1, ["FIN", "GOV"]),
}
# Real mining towns, with their provinces, for some of the fictitious DRC reports.
DEMO_PLACES = {"CD": [("Nyabibwe", "CD-SK"), ("Mongbwalu", "CD-IT"), ("Tshikapa", "CD-KS")]}
DAYS = 150
CASES = 140


def demo_answers(rng: random.Random, country: str, when: datetime, towns: dict) -> dict:
    codes = COUNTRIES[country][1]
    categories = sorted(set(rng.sample(codes, k=rng.choice((1, 1, 1, 2)))))
    province = rng.choice(provinces.codes(country)) if rng.random() < 0.7 else ""
    place, where = "Demo village", ""
    if country in towns and rng.random() < 0.5:  # the towns in turn, Nyabibwe first
        place, province = next(towns[country])
        where = f"Near {place}: "
    return samples.answers(
        country=country,
        province=province,
        place=place,
        mine_site="Demo site",
        categories=categories,
        urgent=rng.random() < 0.05,
        regional_only=not where and rng.random() < 0.05,
        incident_date=(when - timedelta(days=rng.randrange(1, 20))).date().isoformat(),
        what_happened=LABEL + where + " ".join(STORIES[c] for c in categories),
    )


def make(staff: dict, *, now: datetime, seed: str = "lanterne-demo") -> int:
    """Make the demo cases; `staff` maps demo usernames to (profile, password)."""
    rng = random.Random(seed)  # noqa: S311 - fictitious data, not a secret
    officers = {p.country_list[0]: (p, pw) for p, pw in staff.values() if p.country_list}
    coordinators = [(p, pw) for p, pw in staff.values() if p.role == "coordinator"]
    steering = next(p for p, _pw in staff.values() if p.role == "steering")
    private = {p.user_id: keys.unseal_private_key(p, pw) for p, pw in staff.values()}
    weights = [w for w, _c in COUNTRIES.values()]
    made = 0
    towns = {country: itertools.cycle(places) for country, places in DEMO_PLACES.items()}
    # Demo receipts are never shown or kept, so they need no costly derivation.
    costly, settings.LANTERNE_RECEIPT_KDF = settings.LANTERNE_RECEIPT_KDF, (64, 1)
    try:
        for _ in range(CASES):
            country = rng.choices(list(COUNTRIES), weights)[0]
            when = now - timedelta(hours=rng.randrange(24 * 2, 24 * DAYS))
            with clock.held_at(when.replace(minute=0, second=0, microsecond=0)):
                answers = demo_answers(rng, country, when, towns)
                case = intake.submit(answers=answers, language="fr").case
            handler = officers.get(country)
            if handler is None or case.regional_only:
                region = [c for c in coordinators if country in _countries_of(c[0])]
                handler = region[0] if region else None
            if handler is not None:
                act(rng, case, handler[0], private, steering, when, now)
            made += 1
    finally:
        settings.LANTERNE_RECEIPT_KDF = costly
    return made


def _countries_of(profile) -> set[str]:
    return {c for r in profile.region_list for c in countries.REGIONS[r][1]}


def act(rng, case, profile, private, steering, received: datetime, now: datetime) -> None:
    """Take the case as far as a busy focal point would have by now, at plausible dates."""
    user = profile.user
    key = access.case_key_for_staff(case, user, private[user.pk])
    age = (now - received).days
    at = received + timedelta(hours=rng.choice((3, 10, 20, 40, 100, 200)))
    steps = rng.random()
    if age < 3 and steps < 0.5 or at >= now:
        return
    with clock.held_at(at):
        workflow.acknowledge(case, by=user, case_key=key)
    at += timedelta(days=rng.randrange(1, 10))
    if at >= now or steps < 0.2:
        return
    with clock.held_at(at):
        categories = [c.code for c in case.categories.all()]
        workflow.assess(
            case,
            by=user,
            priority=rng.choice(("P2", "P3", "P3", "P4")),
            categories=categories,
            admissible=rng.random() > 0.1,
        )
    case.refresh_from_db()
    if case.status != "investigating":
        return
    at += timedelta(days=rng.randrange(2, 30))
    if at < now and steps > 0.45:
        with clock.held_at(at):
            workflow.message_reporter(
                case,
                by=user,
                case_key=key,
                text="DEMO — we visited the site and told the KP focal point.",
                feedback=True,
            )
    if at < now and 0.55 < steps < 0.75:
        level, to = rng.choice(
            ((Level.REGIONAL, None), (Level.STEERING, steering.user), (Level.EXTERNAL, None))
        )
        with clock.held_at(at):
            workflow.escalate(case, by=user, case_key=key, level=level, reason="DEMO", to=to)
    at += timedelta(days=rng.randrange(5, 60))
    if at < now and steps > 0.6:
        with clock.held_at(at):
            workflow.conclude(
                case,
                by=user,
                outcome=rng.choice(("substantiated", "partly", "unsubstantiated", "inconclusive")),
            )
