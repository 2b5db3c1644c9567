"""Medians and 90th percentiles, computed by the database, agree with Python's statistics."""

import statistics
from datetime import UTC, datetime
from fractions import Fraction

import pytest
from django.db import transaction
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases import workflow
from cases.models import Case
from stats.durations import MEDIAN, P90, Seconds, Summary, interpolate, summarise, summarise_each
from tests.conftest import key_of, report


def python_quantiles(values: list[float]) -> tuple[float, float]:
    """Python's own: statistics.median, and the 9th decile by the inclusive method."""
    if len(values) == 1:
        return values[0], values[0]
    return statistics.median(values), statistics.quantiles(values, n=10, method="inclusive")[8]


@settings(max_examples=300)
@given(st.lists(st.integers(0, 10**7), min_size=1, max_size=60))
def test_the_interpolation_is_pythons_inclusive_quantile(values):
    ordered = sorted(values)
    at = dict(enumerate(ordered))
    ours = (interpolate(at, len(ordered), MEDIAN), interpolate(at, len(ordered), P90))
    assert ours == pytest.approx(python_quantiles(ordered), abs=1e-6)


def test_the_definition_on_a_small_example():
    """Ten values 1..10: h = 9 × 0.9 = 8.1, so the 9th decile is 9 + 0.1 × (10 − 9)."""
    at = dict(enumerate(range(1, 11)))
    assert interpolate(at, 10, P90) == pytest.approx(9.1)
    assert interpolate(at, 10, MEDIAN) == 5.5
    assert interpolate(at, 10, Fraction(0)) == 1


class Rollback(Exception):
    """Undo one example's cases, so the next starts from an empty database."""


@pytest.mark.django_db
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(hours=st.lists(st.integers(0, 24 * 40), min_size=1, max_size=12))
def test_the_database_median_and_p90_of_real_acknowledgements_match_python(
    coalition, frozen, hours
):
    amani = coalition["amani"]
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    try:
        with transaction.atomic():
            for delay in hours:
                frozen.to(start)
                case = report(incident_date="2026-03-01").case
                frozen.advance(hours=delay, minutes=delay % 60)
                workflow.acknowledge(case, by=amani.user, case_key=key_of(case, amani))
            done = Case.objects.filter(acknowledged_at__isnull=False)
            summary = summarise(done, Seconds("acknowledged_at", "received_at"), done.count())
            seconds = [h * 3600.0 + (h % 60) * 60 for h in hours]
            assert summary.n == len(hours)
            assert (summary.median, summary.p90) == pytest.approx(
                python_quantiles(sorted(seconds)), abs=1e-3
            )
            raise Rollback
    except Rollback:
        pass


@pytest.mark.django_db
def test_several_steps_summarised_in_one_pass_each_match_python(coalition, frozen):
    """summarise_each (one query with a FILTER per step on PostgreSQL, one step at a time
    elsewhere) gives each step its own cases' quantiles, and a step with none gives none."""
    amani = coalition["amani"]
    start = datetime(2026, 3, 2, 8, tzinfo=UTC)
    hours = [1, 5, 30, 2, 70, 9, 400, 12]
    for delay in hours:
        frozen.to(start)
        case = report(incident_date="2026-03-01").case
        frozen.advance(hours=delay)
        workflow.acknowledge(case, by=amani.user, case_key=key_of(case, amani))
    seconds = Seconds("acknowledged_at", "received_at")
    quick = start.replace(day=3, hour=8)  # acknowledged within a day
    steps = {
        "quick": (Q(acknowledged_at__lte=quick), seconds),
        "slow": (Q(acknowledged_at__gt=quick), seconds),
        "never": (Q(acknowledged_at__lt=start), seconds),
    }
    found = summarise_each(Case.objects.all(), steps)
    for name, wanted in (
        ("quick", [h for h in hours if h <= 24]),
        ("slow", [h for h in hours if h > 24]),
    ):
        summary = found[name]
        assert summary.n == len(wanted)
        assert (summary.median, summary.p90) == pytest.approx(
            python_quantiles(sorted(h * 3600.0 for h in wanted)), abs=1e-3
        )
    assert found["never"] == Summary(0, None, None)
