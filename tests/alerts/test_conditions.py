"""The three conditions as pure functions, with property tests and a held clock."""

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from alerts import conditions
from lib import clock

NOW = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)

offsets = st.lists(st.integers(min_value=0, max_value=60 * 24), max_size=40)  # hours ago
days = st.integers(min_value=1, max_value=30)
counts = st.integers(min_value=0, max_value=200)


def times(hours_ago: list[int]) -> list[datetime]:
    with clock.held_at(NOW):
        return [clock.now() - timedelta(hours=h) for h in hours_ago]


@given(st.booleans())
def test_each_fires_exactly_on_a_matching_report(matching):
    assert conditions.each(matching) is matching


@given(offsets, days, st.integers(min_value=1, max_value=10))
def test_n_in_d_counts_only_the_window_and_fires_at_n(hours_ago, d, n):
    with clock.held_at(NOW):
        now = clock.now()
        inside = sum(1 for h in hours_ago if h < d * 24)
        assert conditions.in_window(times(hours_ago), now, d) == inside
        assert conditions.n_in_d(times(hours_ago), now, n, d) is (inside >= n)


@given(offsets, days, st.integers(min_value=2, max_value=10))
def test_n_in_d_is_monotone(hours_ago, d, n):
    now = NOW
    ts = times(hours_ago)
    if conditions.n_in_d(ts, now, n, d):
        assert conditions.n_in_d(ts, now, n - 1, d)  # a lower N fires too
        assert conditions.n_in_d([*ts, now], now, n, d)  # one more report never unfires
        assert conditions.n_in_d(ts, now, n, d + 1)  # nor does a longer window


def test_the_window_boundary_is_open_at_the_start_and_closed_at_now():
    start = NOW - timedelta(days=7)
    assert conditions.in_window([start, NOW], NOW, 7) == 1
    assert conditions.in_window([NOW + timedelta(hours=1)], NOW, 7) == 0


@given(counts, counts, st.integers(min_value=1, max_value=12), st.integers(1, 10))
def test_a_surge_never_fires_below_the_minimum_count(recent, baseline, weeks, minimum):
    fired = conditions.surge(recent, baseline, weeks=weeks, min_count=minimum, significance=0.01)
    if recent < minimum:
        assert not fired


@given(counts, counts, st.integers(min_value=1, max_value=12))
def test_a_surge_is_monotone_in_the_week_and_the_baseline(recent, baseline, weeks):
    def fired(r, b):
        return conditions.surge(r, b, weeks=weeks, min_count=3, significance=0.01)

    if fired(recent, baseline):
        assert fired(recent + 1, baseline)  # more reports this week: still a surge
        if baseline:
            assert fired(recent, baseline - 1)  # a quieter past: still a surge
    else:
        assert not fired(recent, baseline + 1)


def test_one_report_in_a_quiet_place_is_no_surge_but_a_real_jump_is():
    quiet = {"weeks": 8, "min_count": 3, "significance": 0.01}
    assert not conditions.surge(1, 0, **quiet)
    assert not conditions.surge(2, 0, **quiet)  # below the minimum count
    assert conditions.surge(4, 0, **quiet)  # P(X>=4 | 0.5/week) ≈ 0.0018
    assert not conditions.surge(4, 16, **quiet)  # 2 a week usually: 4 is no surge
    assert conditions.surge(9, 16, **quiet)  # P(X>=9 | 2/week) ≈ 0.0002


@given(st.integers(min_value=0, max_value=60), st.floats(min_value=0.0, max_value=50.0))
def test_the_poisson_tail_is_a_probability_that_falls_with_k(k, rate):
    tail = conditions.poisson_tail(k, rate)
    assert 0.0 <= tail <= 1.0
    assert conditions.poisson_tail(k + 1, rate) <= tail + 1e-12


def test_the_surge_windows_are_the_week_and_the_weeks_before():
    base, recent, now = conditions.surge_windows(NOW, 8)
    assert (now - recent, recent - base) == (timedelta(days=7), timedelta(weeks=8))
