"""A page of statistics: every table for one scope and one fixed period, protected together.

The dashboard, its CSV, the quarterly report's PDF and its CSV annex are all this page
rendered differently, so they publish exactly the same cells. Suppression (stats.suppression)
runs once over every table of the page, so no table can be used to unlock another.

Another domain adds its tables with `register_section` (docs/statistics.md, "Adding a
table"): its builder returns a Section of Tables over its own clear counts, each with the
family it belongs to; the page protects them with the rest, shows them on the dashboard,
and puts them in the quarterly report when `in_report` is set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.utils.dates import MONTHS_3
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from cases import taxonomy
from cases.models import OPEN_STATUSES, Level, Outcome, Status
from lib import clock

from . import figures
from .periods import Period
from .scope import Scope
from .suppression import OMITTED, SHOWN, SMALL, TOTAL, Grid, Protection, Realizable, Unprotectable

# Brought forward in every table by category and in the quarterly report: smuggling and
# fraud, corruption, financial crime, then violence and intimidation.
FORWARD = ("TRD", "COR", "FIN", "DEF", "ABU", "NSAG", "SEC")
CATEGORY_ORDER = FORWARD + tuple(c for c in taxonomy.CATEGORIES if c not in FORWARD)


def later(message, **params):
    """`message % params`, translated when it is read: a page is built once and may be read
    in several languages (the quarterly report's French and English files)."""
    return lazy(lambda: str(message) % {k: str(v) for k, v in params.items()}, str)()


def min_count() -> int:
    return settings.LANTERNE_STATS_MIN_COUNT


@dataclass
class Extra:
    """A value derived from shown counts (a share, a duration): never a count of its own."""

    key: str
    label: str
    kind: str  # "percent" or "days"
    values: dict[str, float | None]  # by row; None when its counts are not all shown

    def display(self, row: str) -> str:
        value = self.values.get(row)
        if value is None:
            return "—"
        return f"{value:.0f} %" if self.kind == "percent" else f"{value:.1f}"


@dataclass
class Table:
    key: str
    title: str
    grid: Grid
    row_labels: dict[str, str]
    col_labels: dict[str, str]
    family: str
    base: tuple[str, str] | None  # the cell counting the family's cases, if it has one
    unit: str = ""
    note: str = ""
    chart: str = ""  # "rows": chart the row totals; "cols": the column totals; or an extra's key
    extras: list[Extra] = field(default_factory=list)
    collapsed: bool = False

    def label(self, key: str, row: bool) -> str:
        if key == TOTAL:
            return str(_("Total"))
        return str((self.row_labels if row else self.col_labels).get(key, key))

    @property
    def rows(self) -> list[str]:
        return self.grid.rows + ([TOTAL] if self.grid.col_totals else [])

    @property
    def cols(self) -> list[str]:
        return self.grid.cols + ([TOTAL] if self.grid.row_totals else [])

    def display(self, row: str, col: str) -> str:
        return self.grid.cells[(row, col)].display(min_count())

    def state(self, row: str, col: str) -> str:
        return self.grid.cells[(row, col)].state

    @property
    def base_shown(self) -> str:
        return self.display(*self.base) if self.base else ""

    def header(self) -> list[str]:
        return [self.label(c, False) for c in self.cols] + [str(e.label) for e in self.extras]

    def lines(self, skip_zero_rows: bool = False) -> list[tuple[str, bool, list[tuple[str, str]]]]:
        """(row words, is the total row, [(value as shown, its state)]) for a table.

        `skip_zero_rows` leaves out rows of zeros (a zero is published either way)."""
        found = []
        for row in self.rows:
            if self.collapsed and all(self.state(row, c) == OMITTED for c in self.cols):
                continue
            if skip_zero_rows and all(self.grid.cells[(row, c)].value == 0 for c in self.cols):
                if row != TOTAL and not self.extras:
                    continue
            values = [(self.display(row, c), self.state(row, c)) for c in self.cols]
            values += [(e.display(row) if row != TOTAL else "", "derived") for e in self.extras]
            found.append((self.label(row, True), row == TOTAL, values))
        return found

    def chart_series(self) -> list[tuple[str, float | None, str]]:
        """(label, value to draw or None, value as shown) for the chart beside the table."""
        if self.collapsed:
            return []
        for extra in self.extras:
            if extra.key == self.chart:
                return [
                    (self.label(r, True), extra.values.get(r), extra.display(r))
                    for r in self.grid.rows
                ]
        if self.chart == "rows":
            col = TOTAL if self.grid.row_totals else self.grid.cols[0]
            keys = [(r, col) for r in self.grid.rows]
            labels = [self.label(r, True) for r in self.grid.rows]
        elif self.chart == "cols":
            row = TOTAL if self.grid.col_totals else self.grid.rows[0]
            keys = [(row, c) for c in self.grid.cols]
            labels = [self.label(c, False) for c in self.grid.cols]
        else:
            return []
        series = []
        for label, key in zip(labels, keys, strict=True):
            cell = self.grid.cells[key]
            series.append((label, cell.value if cell.state == SHOWN else None, self.display(*key)))
        return series


@dataclass
class Section:
    key: str
    title: str
    tables: list[Table]
    intro: str = ""
    in_report: bool = True
    summaries: dict = field(default_factory=dict)  # durations, shown once counts are safe
    # Another domain's shares and durations, computed once suppression has run (from shown
    # counts only); the built-in handling section uses derive_handling.
    derive: Callable[[Section], None] | None = None


@dataclass
class Page:
    scope: Scope
    period: Period
    as_of: datetime  # deadlines are judged at the end of the period, or now if sooner
    now: datetime  # the backlog is the one open now
    sections: list[Section]
    k: int

    def tables(self) -> list[Table]:
        return [t for s in self.sections for t in s.tables]

    def table(self, key: str) -> Table:
        return next(t for t in self.tables() if t.key == key)


Builder = Callable[[Scope, Period, datetime], Section | None]
SECTIONS: list[tuple[str, Builder]] = []


def register_section(key: str, builder: Builder) -> None:
    """Add a section (built from another domain's clear counts) to every page, once."""
    if key not in {k for k, _b in SECTIONS}:
        SECTIONS.append((key, builder))


def month_label(period: Period):
    return later(
        gettext_lazy("%(month)s %(year)s"),
        month=capfirst(MONTHS_3[period.first_month]),
        year=period.year,
    )


def volume(scope: Scope, period: Period, now: datetime) -> Section:
    by_month, by_category = figures.received(scope, period)
    months = period.month_list()
    places = scope.places()
    if scope.by_province:  # provinces nobody named stay out: a zero row says nothing
        places = [p for p in places if any(by_month.get((p, m.code)) for m in months)]
    several = len(months) > 1
    month_codes = [m.code for m in months]
    reports = Grid.of(
        "received_by_month",
        places,
        month_codes,
        by_month,
        row_totals=several,
        fixed=[(TOTAL, TOTAL) if several else (TOTAL, month_codes[0])],
    )
    place_labels = {p: lazy(scope.place_label, str)(p) for p in places}
    where = _("province") if scope.by_province else _("country")
    tables = [
        Table(
            "received_by_month",
            later(_("Reports received, by %(place)s and month"), place=where),
            reports,
            place_labels,
            {m.code: month_label(m) for m in months},
            family="received",
            base=(TOTAL, TOTAL) if several else (TOTAL, month_codes[0]),
            unit=_("reports"),
            chart="cols" if several else "rows",
        )
    ]
    if not scope.category:
        mentions = Grid.of(
            "received_by_category", places, CATEGORY_ORDER, by_category, row_totals=False
        )
        tables.append(
            Table(
                "received_by_category",
                later(_("Reports received, by %(place)s and category"), place=where),
                mentions,
                place_labels,
                {c: c for c in CATEGORY_ORDER},
                family="received",
                base=None,
                unit=_("reports"),
                note=_(
                    "A report may carry several categories: it is counted in each, so a row "
                    "adds up to more than its reports."
                ),
                chart="cols",
            )
        )
    return Section("volume", _("Reports received"), tables)


MEASURE_LABELS = {
    "acknowledge": gettext_lazy("To acknowledge receipt"),
    "assess": gettext_lazy("To assess"),
    "feedback": gettext_lazy("To first feedback"),
    "close": gettext_lazy("To close"),
}
DEADLINE_LABELS = {
    "acknowledge": gettext_lazy("Acknowledge within 7 days (24 hours for P1)"),
    "feedback": gettext_lazy("Feedback within 3 months of acknowledgement"),
}
RESULT_LABELS = {
    "on_time": gettext_lazy("Met on time"),
    "late": gettext_lazy("Met late"),
    "missed": gettext_lazy("Not met"),
}
DAY = 86400


def handling(scope: Scope, period: Period, now: datetime) -> Section:
    as_of = min(period.end, now)
    counts = figures.deadlines(scope, period, as_of)
    deadlines = Grid.of(
        "deadlines",
        list(figures.DEADLINES),
        list(figures.DEADLINE_RESULTS),
        counts,
        col_totals=False,
        fixed=[(d, TOTAL) for d in figures.DEADLINES],
    )
    summaries = figures.times(scope, period)
    steps = Grid.of(
        "times",
        list(figures.MEASURES),
        ["n"],
        {(m, "n"): s.n for m, s in summaries.items()},
        row_totals=False,
        col_totals=False,
    )
    share = Extra("share", _("Share on time"), "percent", {})
    median = Extra("median", _("Median, days"), "days", {})
    p90 = Extra("p90", _("90th percentile, days"), "days", {})
    tables = [
        Table(
            "deadlines",
            _("Legal deadlines that fell in the period"),
            deadlines,
            dict(DEADLINE_LABELS),
            dict(RESULT_LABELS),
            family="deadlines",
            base=None,
            unit=_("deadlines"),
            note=_(
                "Late and not met are the breaches. A deadline not met counts as such until "
                "the end of the period."
            ),
            chart="share",
            extras=[share],
        ),
        Table(
            "times",
            _("Time from receipt, for the steps taken in the period"),
            steps,
            dict(MEASURE_LABELS),
            {"n": _("Cases")},
            family="times",
            base=None,
            unit=_("cases"),
            note=later(
                _(
                    "Median and 90th percentile by linear interpolation between the closest "
                    "ranks; shown only for at least %(k)s cases."
                ),
                k=min_count(),
            ),
            chart="median",
            extras=[median, p90],
        ),
    ]
    return Section("handling", _("Handling times and legal deadlines"), tables, summaries=summaries)


STATUS_LABELS = {s: Status(s).label for s in OPEN_STATUSES}
AGE_LABELS = {
    "0-30": gettext_lazy("0–30 days"),
    "31-60": gettext_lazy("31–60 days"),
    "61-90": gettext_lazy("61–90 days"),
    "90+": gettext_lazy("More than 90 days"),
}


def backlog(scope: Scope, period: Period, now: datetime) -> Section:
    by_age, by_level = figures.backlog(scope, now)
    ages = [name for name, _low, _high in figures.AGE_BUCKETS]
    statuses = [str(s) for s in OPEN_STATUSES]
    table = Grid.of("backlog", ages, statuses, by_age, fixed=[(TOTAL, TOTAL)])
    levels = Grid.of(
        "backlog_by_level",
        list(figures.LEVELS),
        ["cases"],
        by_level,
        row_totals=False,
        fixed=[(TOTAL, "cases")],
    )
    when = now.strftime("%Y-%m-%d %H:%M UTC")
    return Section(
        "backlog",
        _("Open cases"),
        [
            Table(
                "backlog",
                later(_("Open cases by age and status, on %(when)s"), when=when),
                table,
                dict(AGE_LABELS),
                dict(STATUS_LABELS),
                family="backlog",
                base=(TOTAL, TOTAL),
                unit=_("cases"),
                chart="rows",
            ),
            Table(
                "backlog_by_level",
                later(_("Open cases by level, on %(when)s"), when=when),
                levels,
                {v: Level(v).label for v in figures.LEVELS},
                {"cases": _("Cases")},
                family="backlog",
                base=(TOTAL, "cases"),
                unit=_("cases"),
                chart="rows",
            ),
        ],
        intro=_("A backlog is a snapshot: these are the cases open when the page was made."),
    )


def escalations(scope: Scope, period: Period, now: datetime) -> Section:
    raised = Grid.of(
        "escalations",
        [str(v) for v in figures.ESCALATION_LEVELS],
        list(figures.ESCALATION_KINDS),
        figures.escalations(scope, period),
        fixed=[(TOTAL, TOTAL)],
    )
    concluded = Grid.of(
        "outcomes",
        list(figures.LEVELS),
        list(figures.OUTCOMES),
        figures.outcomes(scope, period),
        fixed=[(TOTAL, TOTAL)],
    )
    levels = {v: Level(v).label for v in figures.LEVELS}
    return Section(
        "escalations",
        _("Escalations and outcomes"),
        [
            Table(
                "escalations",
                _("Escalations made in the period, by the level reached"),
                raised,
                levels,
                {"person": _("By a person"), "automatic": _("Deadline passed")},
                family="escalations",
                base=(TOTAL, TOTAL),
                unit=_("escalations"),
                note=_(
                    "The external level is a referral to the KP working group, an authority or "
                    "a partner organisation."
                ),
                chart="rows",
            ),
            Table(
                "outcomes",
                _("Cases concluded in the period, by level reached and outcome"),
                concluded,
                levels,
                {v: Outcome(v).label for v in figures.OUTCOMES},
                family="outcomes",
                base=(TOTAL, TOTAL),
                unit=_("cases"),
                chart="cols",
            ),
        ],
    )


BUILT_IN: list[tuple[str, Builder]] = [
    ("volume", volume),
    ("handling", handling),
    ("escalations", escalations),
    ("backlog", backlog),
]


def build(scope: Scope, period: Period, *, now: datetime | None = None) -> Page:
    """Every section's tables for this scope and period, with suppression applied."""
    now = now or clock.now()
    sections = [s for _key, b in BUILT_IN + SECTIONS if (s := b(scope, period, now)) is not None]
    page = Page(scope, period, min(period.end, now), now, sections, min_count())
    protect(page)
    for section in sections:
        if section.derive is not None:
            section.derive(section)
        elif section.summaries:
            derive_handling(section)
    return page


def families_of(page: Page) -> dict[str, list[Table]]:
    found: dict[str, list[Table]] = {}
    for table in page.tables():
        found.setdefault(table.family, []).append(table)
    return found


def small_bases(tables: list[Table], k: int) -> bool:
    return any(t.base and 0 < t.grid.cells[t.base].value < k for t in tables)


def collapse(table: Table) -> None:
    """Publish only the family's base count: too few cases to break down safely."""
    table.collapsed = True
    for key, cell in table.grid.cells.items():
        cell.state = OMITTED if key != table.base else cell.state


def protect(page: Page) -> None:
    """Suppress small counts across the page; a family that cannot be protected collapses."""
    k = page.k
    families = families_of(page)
    collapsed = {f for f, tables in families.items() if small_bases(tables, k)}
    # Rows standing for a family of their own (each deadline) collapse one by one.
    for table in page.tables():
        for key in table.grid.fixed:
            cell = table.grid.cells[key]
            if table.base is None and 0 < cell.value < k and key[1] == TOTAL:
                for col in table.grid.cols:
                    table.grid.cells[(key[0], col)].state = OMITTED
    while True:
        live = [t for t in page.tables() if t.family not in collapsed]
        for table in live:
            for cell in table.grid.cells.values():
                if cell.state != OMITTED:
                    cell.state = SHOWN
        for family in collapsed:
            for table in families[family]:
                collapse(table)
        grids = [t.grid for t in live]
        by_key = {t.key: t for t in live}
        links = []
        if "received_by_month" in by_key and "received_by_category" in by_key:
            links.append(
                Realizable(by_key["received_by_month"].grid, by_key["received_by_category"].grid)
            )
        try:
            Protection(k, grids, links).run()
        except Unprotectable as failed:
            collapsed.add(next(t.family for t in live if t.grid is failed.grid))
            continue
        for family in collapsed:  # a base under k is shown as "<k"
            for table in families[family]:
                if table.base:
                    base = table.grid.cells[table.base]
                    base.state = SMALL if 0 < base.value < k else SHOWN
        return


def derive_handling(section: Section) -> None:
    """Shares and durations, from shown counts only."""
    deadlines, steps = section.tables
    share = deadlines.extras[0]
    for row in deadlines.grid.rows:
        on_time, total = deadlines.grid.cells[(row, "on_time")], deadlines.grid.cells[(row, TOTAL)]
        if on_time.shown and total.shown and total.value:
            share.values[row] = 100 * on_time.value / total.value
    median, p90 = steps.extras
    for row, summary in section.summaries.items():
        if steps.grid.cells[(row, "n")].shown and summary.n >= min_count():
            median.values[row] = summary.median / DAY
            p90.values[row] = summary.p90 / DAY
