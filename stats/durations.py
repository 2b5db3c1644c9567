"""Durations between a case's clear timestamps, and their median and 90th percentile.

The percentile (docs/statistics.md): for n sorted values x₀ ≤ … ≤ xₙ₋₁ and a fraction q,
h = (n − 1)·q; the q-th quantile is x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋) — linear interpolation
between the two closest ranks. It is R's type 7, PostgreSQL's percentile_cont, and Python's
statistics.quantiles(method="inclusive"); the median (q = 1/2) is statistics.median.

The database sorts the values and returns only the quantiles; nothing loops over cases in
Python. PostgreSQL computes them itself (percentile_cont, both in one sort), and several
steps' summaries in one pass over the cases, each step an aggregate FILTER: at 100,000 cases
that is one query of ~55 ms instead of eight of ~190 ms (the year's dashboard, bench/steering.py).
SQLite has no percentile_cont: there the cases are ranked (a window function) and only the
one or two rows each quantile needs come back, one step at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Aggregate, Count, F, FloatField, Func, Q, QuerySet, Window
from django.db.models.functions import RowNumber

MEDIAN, P90 = Fraction(1, 2), Fraction(9, 10)


class Seconds(Func):
    """Seconds from `start` to `end` (two datetime columns), computed by the database."""

    output_field = FloatField()

    def __init__(self, end, start, **extra):
        super().__init__(F(end), F(start), **extra)
        self.columns = (end, start)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s)) * 86400.0)",
            arg_joiner=") - julianday(",
            **extra,
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(
            compiler,
            connection,
            template="EXTRACT(EPOCH FROM (%(expressions)s))",
            arg_joiner=" - ",
            **extra,
        )


def ranks_needed(n: int, q: Fraction) -> tuple[int, int, Fraction]:
    """The 0-based ranks around h = (n − 1)·q, and the weight of the upper one."""
    h = (n - 1) * q
    low = int(h)  # h ≥ 0, so this is ⌊h⌋
    return low, min(low + 1, n - 1), h - low


def interpolate(values_at: dict[int, float], n: int, q: Fraction) -> float:
    low, high, weight = ranks_needed(n, q)
    return float(values_at[low] + (values_at[high] - values_at[low]) * weight)


@dataclass(frozen=True)
class Summary:
    n: int
    median: float | None  # seconds
    p90: float | None


class Quantiles(Aggregate):
    """PostgreSQL's percentile_cont at the median and P90: one sort gives both, as an array."""

    function = "percentile_cont"
    fractions = f"ARRAY[{float(MEDIAN)}, {float(P90)}]"
    template = f"%(function)s({fractions}) WITHIN GROUP (ORDER BY %(expressions)s)"

    def __init__(self, seconds: Func, **extra):
        from django.contrib.postgres.fields import ArrayField  # needs psycopg: PostgreSQL only

        super().__init__(seconds, output_field=ArrayField(FloatField()), **extra)


def summarise_each(rows: QuerySet, steps: dict[str, tuple[Q, Func]]) -> dict[str, Summary]:
    """For each step (the condition that picks its cases among `rows`, and its seconds): how
    many cases, their median and their 90th percentile."""
    if connection.vendor != "postgresql":
        found = {}
        for name, (condition, seconds) in steps.items():
            picked = rows.filter(condition)
            n = picked.order_by().aggregate(n=Count(seconds.columns[0]))["n"]
            found[name] = summarise(picked, seconds, n)
        return found
    aggregates = {}
    for name, (condition, seconds) in steps.items():
        aggregates[f"{name}__n"] = Count(seconds.columns[0], filter=condition)
        aggregates[f"{name}__q"] = Quantiles(seconds, filter=condition)
    either = reduce(or_, (condition for condition, _seconds in steps.values()))
    row = rows.filter(either).order_by().aggregate(**aggregates)
    return {
        name: Summary(row[f"{name}__n"], *row[f"{name}__q"])
        if row[f"{name}__n"]
        else Summary(0, None, None)
        for name in steps
    }


def summarise(rows: QuerySet, seconds: Func, n: int) -> Summary:
    """Median and 90th percentile of `seconds` over `rows` (n of them, counted already)."""
    if n == 0:
        return Summary(0, None, None)
    if connection.vendor == "postgresql":
        median, p90 = rows.order_by().aggregate(q=Quantiles(seconds))["q"]
        return Summary(n, median, p90)
    wanted = set()
    for q in (MEDIAN, P90):
        low, high, _weight = ranks_needed(n, q)
        wanted |= {low + 1, high + 1}  # ROW_NUMBER counts from 1
    ranked = (
        rows.order_by()
        .values(*seconds.columns)  # the two timestamps only, never the sealed columns
        .annotate(seconds=seconds)
        .annotate(rank=Window(RowNumber(), order_by=F("seconds").asc()))
        .filter(rank__in=sorted(wanted))
        .values_list("rank", "seconds")
    )
    values_at = {rank - 1: value for rank, value in ranked}
    return Summary(n, interpolate(values_at, n, MEDIAN), interpolate(values_at, n, P90))
