"""The counts behind every table, aggregated by the database from clear metadata only.

Each function returns plain numbers keyed by (row, column) codes; nothing here opens a
report or knows who sent it (tests/test_layers.py). Every query groups or counts in SQL:
conditional counts over fixed ranges, never a loop over cases. Each is served by one of the
case's statistics indexes (cases.models) holding every column it reads, so the rows with
their sealed columns are never read: counts therefore count a column of that index (never
null in the range asked for) rather than the id, which no index holds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, F, Q

from cases.models import OPEN_STATUSES, Case, CaseCategory, Escalation, Level, Outcome

from .durations import Seconds, Summary, summarise_each
from .periods import Period
from .scope import NOT_GIVEN, Scope

AGE_BUCKETS = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))
DEADLINES = ("acknowledge", "feedback")
DEADLINE_RESULTS = ("on_time", "late", "missed")
MEASURES = {
    # measure: (the clear timestamp that ends it, counted for cases where it falls in the period)
    "acknowledge": "acknowledged_at",
    "assess": "assessed_at",
    "feedback": "first_feedback_at",
    "close": "closed_at",
}
ESCALATION_LEVELS = (Level.REGIONAL, Level.STEERING, Level.EXTERNAL)
ESCALATION_KINDS = ("person", "automatic")


def within(field: str, start: datetime, end: datetime) -> Q:
    return Q(**{f"{field}__gte": start, f"{field}__lt": end})


def in_scope(scope: Scope):
    return Case.objects.filter(scope.cases())


def place_of(scope: Scope, value: str) -> str:
    return value or NOT_GIVEN if scope.by_province else value


def received(scope: Scope, period: Period) -> tuple[dict, dict]:
    """Reports received in the period: by (place, month) and by (place, category)."""
    cases = in_scope(scope).filter(within("received_at", period.start, period.end))
    field = scope.place_field
    months = {
        m.code: Count("received_at", filter=within("received_at", m.start, m.end))
        for m in period.month_list()
    }
    by_month = {}
    for row in cases.order_by().values(field).annotate(**{f"m{k}": v for k, v in months.items()}):
        for code in months:
            by_month[(place_of(scope, row[field]), code)] = row[f"m{code}"]
    by_category = {
        (place_of(scope, row[f"case__{field}"]), row["code"]): row["n"]
        for row in CaseCategory.objects.filter(scope.cases("case__"))
        .filter(within("case__received_at", period.start, period.end))
        .order_by()
        .values(f"case__{field}", "code")
        .annotate(n=Count("code"))
    }
    return by_month, by_category


def deadlines(scope: Scope, period: Period, as_of: datetime) -> dict:
    """Legal deadlines that fell in the period (and have passed): met on time, met late, or
    still not met when the period ended (or now, for the current period)."""
    end = min(period.end, as_of)
    found = {}
    for name, due, done in (
        ("acknowledge", "ack_due", "acknowledged_at"),
        ("feedback", "feedback_due", "first_feedback_at"),
    ):
        row = (
            in_scope(scope)
            .filter(within(due, period.start, end))  # an index on each deadline serves this
            .order_by()
            .aggregate(
                on_time=Count(due, filter=Q(**{f"{done}__lte": F(due)})),
                late=Count(due, filter=Q(**{f"{done}__gt": F(due), f"{done}__lt": end})),
                all=Count(due),
            )
        )
        found[(name, "on_time")] = row["on_time"]
        found[(name, "late")] = row["late"]
        found[(name, "missed")] = row["all"] - row["on_time"] - row["late"]
    return found


def times(scope: Scope, period: Period) -> dict[str, Summary]:
    """For each step reached in the period: how many cases, and how long from receipt."""
    steps = {
        name: (within(field, period.start, period.end), Seconds(field, "received_at"))
        for name, field in MEASURES.items()
    }
    return summarise_each(in_scope(scope), steps)


def backlog(scope: Scope, now: datetime) -> tuple[dict, dict]:
    """Cases open now: by (age bucket, status) and by level."""
    cases = in_scope(scope).filter(status__in=OPEN_STATUSES, received_at__lte=now)
    buckets = {}
    for name, low, high in AGE_BUCKETS:
        condition = Q(received_at__lte=now - timedelta(days=low))
        if high is not None:
            condition &= Q(received_at__gt=now - timedelta(days=high + 1))
        buckets[name] = Count("received_at", filter=condition)
    by_age: dict = {}
    by_level: dict = {}
    counts = {f"a{k}": v for k, v in buckets.items()}
    # One pass over the open cases: by status and level, each with its age buckets.
    for row in cases.order_by().values("status", "level").annotate(**counts):
        for name in buckets:
            key = (name, row["status"])
            by_age[key] = by_age.get(key, 0) + row[f"a{name}"]
        key = (row["level"], "cases")
        by_level[key] = by_level.get(key, 0) + sum(row[f"a{n}"] for n in buckets)
    return by_age, by_level


def escalations(scope: Scope, period: Period) -> dict:
    """Escalations made in the period, by the level they raised the case to, by whom."""
    rows = (
        Escalation.objects.filter(scope.cases("case__"))
        .filter(within("created_at", period.start, period.end))
        .order_by()
        .values("level", "automatic")
        .annotate(n=Count("created_at"))
    )
    return {(r["level"], "automatic" if r["automatic"] else "person"): r["n"] for r in rows}


def outcomes(scope: Scope, period: Period) -> dict:
    """Cases concluded in the period, by the level they had reached and their outcome."""
    rows = (
        in_scope(scope)
        .filter(within("concluded_at", period.start, period.end))
        .exclude(outcome="")
        .order_by()
        .values("level", "outcome")
        .annotate(n=Count("concluded_at"))
    )
    return {(r["level"], r["outcome"]): r["n"] for r in rows}


OUTCOMES = tuple(Outcome.values)
LEVELS = tuple(Level.values)
