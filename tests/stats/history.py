"""A quarter of cases made through the real functions, for the statistics tests."""

from datetime import UTC, datetime, timedelta

from cases import workflow
from cases.models import Level
from tests.conftest import key_of, report

CANARY = "Canary-Q7 the river buyer Kanyama paid in cash"
QUARTER = "2026-Q3"
START = datetime(2026, 7, 1, 9, tzinfo=UTC)


def send(frozen, when: datetime, **answers):
    frozen.to(when)
    day = (when - timedelta(days=2)).date().isoformat()
    return report(what_happened=CANARY, incident_date=day, **answers).case


def handle(frozen, case, officer, *, ack_after=None, assess=False, escalate=None, outcome=None):
    """Acknowledge (after a delay), assess, escalate and conclude, as the officer would."""
    user, key = officer.user, key_of(case, officer)
    if ack_after is None:
        return case
    frozen.advance(**ack_after)
    workflow.acknowledge(case, by=user, case_key=key)
    if assess:
        frozen.advance(days=2)
        workflow.assess(case, by=user, priority="P2", categories=["TRD"], admissible=True)
    if escalate:
        frozen.advance(days=1)
        workflow.escalate(case, by=user, case_key=key, level=escalate, reason="see note")
    if outcome:
        frozen.advance(days=5)
        workflow.conclude(case, by=user, outcome=outcome)
    return case


def a_quarter(coalition, frozen) -> dict:
    """About forty reports in the DRC and Sierra Leone between July and September 2026."""
    amani, sia = coalition["amani"], coalition["sia"]
    made = {"CD": [], "SL": []}
    for day in range(12):  # July, the DRC: smuggling with threats, mostly in Ituri
        case = send(
            frozen,
            START + timedelta(days=day),
            country="CD",
            province="CD-IT" if day % 3 else "CD-NK",
            categories=["DEF", "TRD"] if day % 2 else ["TRD"],
        )
        handle(
            frozen,
            case,
            amani,
            ack_after={"hours": 20 if day % 4 else 24 * 9},
            assess=day % 3 == 0,
            escalate=Level.REGIONAL if day == 3 else None,
            outcome="substantiated" if day in (0, 6) else None,
        )
        made["CD"].append(case)
    for day in range(3):  # August: corruption at the border
        made["CD"].append(send(frozen, START + timedelta(days=35 + day), categories=["COR"]))
    for day in range(8):  # September: more smuggling, no province named
        case = send(frozen, START + timedelta(days=64 + day), province="", categories=["TRD"])
        handle(frozen, case, amani, ack_after={"days": 1})
        made["CD"].append(case)
    for day in range(2):  # Sierra Leone, July: two reports, a small count
        made["SL"].append(
            send(frozen, START + timedelta(days=day), country="SL", categories=["TRD"])
        )
    for day in range(6):  # September: royalties not paid
        case = send(frozen, START + timedelta(days=70 + day), country="SL", categories=["FIN"])
        handle(frozen, case, sia, ack_after={"days": 3})
        made["SL"].append(case)
    made["regional_only"] = send(frozen, START + timedelta(days=4), regional_only=True)
    frozen.to(datetime(2026, 10, 6, 12, tzinfo=UTC))
    return made
