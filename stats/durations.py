"""Durations between a case's clear timestamps, and their median and 90th percentile.

The percentile (docs/statistics.md): for n sorted values x₀ ≤ … ≤ xₙ₋₁ and a fraction q,
h = (n − 1)·q; the q-th quantile is x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋) — linear interpolation
between the two closest ranks. It is R's type 7, PostgreSQL's percentile_cont, and Python's
statistics.quantiles(method="inclusive"); the median (q = 1/2) is statistics.median.

The database sorts and ranks the values (a window function) and returns only the one or two
rows each quantile needs; nothing loops over cases in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from django.db.models import F, FloatField, Func, QuerySet, Window
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


def summarise(rows: QuerySet, seconds: Func, n: int) -> Summary:
    """Median and 90th percentile of `seconds` over `rows` (n of them, counted already)."""
    if n == 0:
        return Summary(0, None, None)
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
