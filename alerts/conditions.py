"""The three conditions of a rule, as pure functions of counts and times (no database).

- each: every matching report fires;
- N in D: N or more matching reports received within the last D days (now - D, now];
- surge: the last 7 days against the area's own baseline (the previous W weeks). It fires
  when the week's count reaches the rule's minimum count AND a count that high would
  happen by chance with probability below the rule's significance, if reports arrived at
  the baseline's weekly rate (a Poisson upper tail). A place with no history is taken to
  have BASELINE_FLOOR reports a week, so one report in a quiet place never fires, and the
  minimum count stops a handful from firing even there.
"""

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

SURGE_DAYS = 7
BASELINE_FLOOR = 0.5  # reports a week assumed where the baseline is lower


def each(matches: bool) -> bool:
    return matches


def in_window(times: Iterable[datetime], now: datetime, days: int) -> int:
    """How many of the times fall in the last `days` days: after now - days, up to now."""
    start = now - timedelta(days=days)
    return sum(1 for t in times if start < t <= now)


def n_in_d(times: Iterable[datetime], now: datetime, n: int, days: int) -> bool:
    return in_window(times, now, days) >= max(n, 1)


def poisson_tail(k: int, rate: float) -> float:
    """P(X >= k) for X ~ Poisson(rate)."""
    if k <= 0:
        return 1.0
    term = math.exp(-rate)
    below = term
    for i in range(1, k):
        term *= rate / i
        below += term
    return max(0.0, 1.0 - below)


def weekly_rate(baseline: int, weeks: int) -> float:
    return max(baseline / max(weeks, 1), BASELINE_FLOOR)


def surge(recent: int, baseline: int, *, weeks: int, min_count: int, significance: float) -> bool:
    """Whether `recent` reports in the last week are clearly above `baseline` reports in the
    `weeks` before it: at least `min_count`, and a Poisson tail below `significance`."""
    if recent < max(min_count, 1):
        return False
    return poisson_tail(recent, weekly_rate(baseline, weeks)) < significance


def surge_windows(now: datetime, weeks: int) -> tuple[datetime, datetime, datetime]:
    """(baseline start, recent start, now): the baseline is the `weeks` before the week."""
    recent_start = now - timedelta(days=SURGE_DAYS)
    return recent_start - timedelta(weeks=weeks), recent_start, now
