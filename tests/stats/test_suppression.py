"""Suppression: no hidden count can be worked out, checked by an attacker with an ILP solver."""

from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stats.suppression import (
    HIDDEN,
    SHOWN,
    SMALL,
    TOTAL,
    Grid,
    Protection,
    Realizable,
    Unprotectable,
)
from tests.stats.attacker import from_grids, recovered

K = 5


def grid(values: list[list[int]], **kwargs) -> Grid:
    rows = [f"r{i}" for i in range(len(values))]
    cols = [f"c{j}" for j in range(len(values[0]))]
    cells = {(r, c): values[i][j] for i, r in enumerate(rows) for j, c in enumerate(cols)}
    made = Grid.of("t", rows, cols, cells, **kwargs)
    made.fixed = {(TOTAL, TOTAL)} if made.row_totals and made.col_totals else set()
    return made


def only_primary(g: Grid) -> None:
    for cell in g.cells.values():
        if 0 < cell.value < K:
            cell.state = SMALL


def test_the_attacker_recovers_a_small_cell_when_only_small_cells_are_hidden():
    """Positive control: the naive rule leaks, and the attacker sees it."""
    g = grid([[3, 10, 12], [8, 9, 20], [15, 6, 7]])
    only_primary(g)
    assert ("t", ("r0", "c0"), 3.0) in recovered(from_grids([g], [], K))


def test_after_protection_nothing_is_recovered_and_the_hidden_cells_are_few():
    g = grid([[3, 10, 12], [8, 9, 20], [15, 6, 7]])
    Protection(K, [g]).run()
    assert g.cell("r0", "c0").state == SMALL
    assert recovered(from_grids([g], [], K)) == []
    hidden = [key for key, cell in g.cells.items() if cell.state == HIDDEN]
    assert len(hidden) == 3  # the other three corners of one rectangle
    assert g.cell(TOTAL, TOTAL).state == SHOWN


def test_two_small_cells_in_a_row_are_not_left_to_add_up():
    """Row total 9, a visible 7: the two "<5" would have to be 1 and 1."""
    g = grid([[1, 1, 7], [6, 8, 9], [5, 7, 11]])
    only_primary(g)
    assert recovered(from_grids([g], [], K))  # control
    Protection(K, [g]).run()
    assert recovered(from_grids([g], [], K)) == []


def test_a_one_dimensional_table_hides_a_second_cell_beside_a_small_one():
    g = grid([[2], [30], [12]], row_totals=False)
    g.fixed = {(TOTAL, "c0")}
    Protection(K, [g]).run()
    assert g.cell("r0", "c0").state == SMALL and g.cell("r2", "c0").state == HIDDEN
    assert g.cell(TOTAL, "c0").state == SHOWN
    assert recovered(from_grids([g], [], K)) == []


def test_a_small_count_standing_alone_needs_nothing_else_hidden():
    g = grid([[3], [40]], row_totals=False, col_totals=False)
    Protection(K, [g]).run()
    assert [c.state for c in g.cells.values()] == [SMALL, SHOWN]


def test_k_below_three_is_refused():
    with pytest.raises(ValueError, match="at least 3"):
        Protection(2, [grid([[1]])]).run()


def reports_and_mentions(reports: list[tuple[int, int, frozenset[int]]], places, months, cats):
    by_month = Counter((f"p{p}", f"m{m}") for p, m, _ in reports)
    by_category = Counter((f"p{p}", f"c{c}") for p, _m, s in reports for c in s)
    rows = [f"p{p}" for p in range(places)]
    vol = Grid.of("volume", rows, [f"m{m}" for m in range(months)], by_month, row_totals=months > 1)
    vol.fixed = {(TOTAL, TOTAL)} if months > 1 else {(TOTAL, "m0")}
    cat = Grid.of("categories", rows, [f"c{c}" for c in range(cats)], by_category, row_totals=False)
    return vol, cat, Realizable(vol, cat)


def test_categories_by_place_cannot_betray_a_place_total():
    """Ten reports in p0; DEF shows 6; TRD's "<5" must be 4 unless more is hidden."""
    reports = [(0, 0, frozenset({0}))] * 6 + [(0, 1, frozenset({1}))] * 4
    reports += [(1, m, frozenset({0, 1})) for m in (0, 1) for _ in range(6)]
    vol, cat, link = reports_and_mentions(reports, 2, 2, 2)
    for g in (vol, cat):
        only_primary(g)
    assert ("categories", ("p0", "c1"), 4.0) in recovered(from_grids([vol, cat], [link], K))
    for g in (vol, cat):
        for cell in g.cells.values():
            cell.state = SHOWN
    Protection(K, [vol, cat], [link]).run()
    assert recovered(from_grids([vol, cat], [link], K)) == []


def applied(change, cell) -> int:
    return cell.value + change.get(cell, 0)


def check_certificates(protection: Protection, grids, links) -> None:
    """Each certificate is another set of figures that fits everything published."""
    for small, change in protection.certificates.items():
        assert change.get(small), "the certificate must change the cell it protects"
        for g in grids:
            for total, parts in g.sums():
                assert applied(change, g.cells[total]) == sum(
                    applied(change, g.cells[p]) for p in parts
                )
        for cell in change:
            assert cell.state in (SMALL, HIDDEN)
            assert (
                (1 <= applied(change, cell) < K)
                if cell.state == SMALL
                else applied(change, cell) >= K
            )
        for link in links:
            assert link.holds(change)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.integers(1, 5),
    st.integers(1, 5),
    st.lists(
        st.lists(st.sampled_from([0, 0, 1, 2, 3, 4, 5, 6, 9, 14, 30]), min_size=5, max_size=5),
        min_size=5,
        max_size=5,
    ),
    st.booleans(),
    st.booleans(),
)
def test_no_table_gives_away_a_hidden_cell(n_rows, n_cols, matrix, row_totals, col_totals):
    values = [row[:n_cols] for row in matrix[:n_rows]]
    g = grid(values, row_totals=row_totals, col_totals=col_totals)
    grand = g.cells.get((TOTAL, TOTAL))
    if grand is not None and 0 < grand.value < K:
        return  # a base below k: the page shows the total alone (tests/stats/test_page.py)
    protection = Protection(K, [g])
    try:
        protection.run()
    except Unprotectable:
        return  # the page then shows the base total alone (tests/stats/test_page.py)
    check_certificates(protection, [g], [])
    assert recovered(from_grids([g], [], K)) == []


report_lists = st.lists(
    st.tuples(
        st.integers(0, 3),
        st.integers(0, 2),
        st.frozensets(st.integers(0, 3), min_size=1, max_size=2),
    ),
    min_size=5,
    max_size=40,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(report_lists, st.integers(1, 3))
def test_linked_tables_of_reports_and_categories_give_away_nothing(reports, months):
    reports = [(p, m % months, s) for p, m, s in reports]
    vol, cat, link = reports_and_mentions(reports, 4, months, 4)
    protection = Protection(K, [vol, cat], [link])
    try:
        protection.run()
    except Unprotectable:
        return  # the page then shows the base total alone (tests/stats/test_page.py)
    check_certificates(protection, [vol, cat], [link])
    assert recovered(from_grids([vol, cat], [link], K)) == []
