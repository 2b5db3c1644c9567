"""A page of statistics built from real cases: scopes, suppression across every table."""

import pytest

from stats import exports, page, periods, scope
from stats.suppression import OMITTED, SMALL, TOTAL
from tests.stats.attacker import from_csv, recovered
from tests.stats.history import CANARY, QUARTER, a_quarter

pytestmark = pytest.mark.django_db

LINKS = [("received_by_month", "received_by_category")]


@pytest.fixture
def quarter(coalition, frozen):
    return a_quarter(coalition, frozen)


def coalition_page(frozen):
    return page.build(scope.Scope.coalition(), periods.parse(QUARTER), now=frozen.now)


def test_the_quarter_counts_reports_deadlines_durations_and_provinces(quarter, frozen):
    built = coalition_page(frozen)
    table = built.table("received_by_month")
    assert table.grid.cells[(TOTAL, TOTAL)].value == 32
    assert table.display("CD", TOTAL) == "24"
    assert table.display("SL", "2026-07") == "<5"
    assert table.state("SL", "2026-07") == SMALL
    # 12 July DRC cases + 8 in September + 6 in Sierra Leone acknowledged; 3 at 9 days: late.
    assert built.table("deadlines").grid.cells[("acknowledge", "late")].value == 3
    times = built.table("times")
    assert times.display("acknowledge", "n") == "26"
    assert times.extras[0].values["acknowledge"] is not None
    assert built.table("outcomes").grid.cells[(TOTAL, TOTAL)].value in (0, 2)
    drc = page.build(scope.Scope(("CD",), True), periods.parse(QUARTER), now=frozen.now)
    rows = drc.table("received_by_month").grid.rows
    assert "CD-IT" in rows and scope.NOT_GIVEN in rows and "CD-KN" not in rows


def test_no_hidden_count_on_any_page_can_be_worked_out_from_its_csv(quarter, frozen):
    built = coalition_page(frozen)
    published = from_csv(exports.page_csv(built), built.k, LINKS)
    assert any(v in {"<5", "x"} for t in published.tables.values() for v in t.shown.values())
    assert recovered(published) == []
    period = periods.parse(QUARTER)
    for chosen in (
        scope.Scope(("CD",), True),
        scope.Scope(("CD",), True, category="TRD"),
        scope.Scope(("CD", "SL"), True, category="FIN"),
        scope.Scope(("SL",), False),
    ):
        built = page.build(chosen, period, now=frozen.now)
        assert recovered(from_csv(exports.page_csv(built), built.k, LINKS)) == [], chosen


def test_the_attacker_would_recover_a_count_if_only_small_cells_were_hidden(quarter, frozen):
    """Positive control for the test above: primary suppression alone leaks on this page."""
    built = coalition_page(frozen)
    for table in built.tables():
        for cell in table.grid.cells.values():
            if cell.state not in (OMITTED, SMALL):
                cell.state = "shown"
    assert recovered(from_csv(exports.page_csv(built), built.k, LINKS))


def test_a_table_with_fewer_than_k_cases_shows_its_total_alone_and_no_content(quarter, frozen):
    built = page.build(scope.Scope(("SL",), True), periods.parse("2026-07"), now=frozen.now)
    table = built.table("received_by_month")
    assert table.collapsed and table.display(TOTAL, "2026-07") == "<5"
    lines = [line for line in exports.lines(built) if line[1] == "received_by_month"]
    assert [line[2:4] for line in lines] == [(TOTAL, "2026-07")]
    text = exports.page_csv(coalition_page(frozen))  # canary: no report text, no reference
    assert CANARY not in text and "Kanyama" not in text
    for case in quarter["CD"] + quarter["SL"]:
        assert case.reference not in text


def test_officers_figures_leave_out_what_was_sent_to_the_regional_team_only(
    quarter, frozen, coalition
):
    period = periods.parse(QUARTER)
    amani = scope.for_user(coalition["amani"].user)
    beatrice = scope.for_user(coalition["beatrice"].user, country="CD")
    hers = page.build(amani, period, now=frozen.now).table("received_by_month")
    theirs = page.build(beatrice, period, now=frozen.now).table("received_by_month")
    assert hers.grid.cells[(TOTAL, TOTAL)].value == 23
    assert theirs.grid.cells[(TOTAL, TOTAL)].value == 24


def test_each_role_sees_its_own_scope_and_no_filter_widens_it(coalition):
    steering = scope.for_user(coalition["chidi"].user)
    assert len(steering.countries) == 18 and steering.regional_only
    beatrice = scope.for_user(coalition["beatrice"].user)
    assert set(beatrice.countries) == {"CD", "CF", "CM", "GA", "CG", "RW", "BI", "UG"}
    assert scope.for_user(coalition["amani"].user).countries == ("CD",)
    with pytest.raises(ValueError, match="outside this scope"):
        scope.for_user(coalition["amani"].user, country="SL")
    with pytest.raises(ValueError, match="outside this person's scope"):
        scope.for_user(coalition["beatrice"].user, region="west")
    assert scope.for_user(coalition["chidi"].user, region="west").countries == (
        "CI",
        "GN",
        "LR",
        "SL",
    )
    with pytest.raises(PermissionError, match="statistics are not for this role"):
        scope.for_user(coalition["amani"].user.__class__.objects.create(username="nobody"))
