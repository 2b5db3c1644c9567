"""Early warning on the statistics page and in the quarterly report (stats.page).

For the alerts raised in the period whose countries are all in the reader's scope: how
many were raised, acknowledged, confirmed, false alarms or kept under watch, by region,
with the shares confirmed and false alarms; and the time from raising to acknowledgement
(median, 90th percentile, in hours). Counts go through the page's suppression with every
other table; shares and durations are computed from shown counts only, and a duration
only for at least k alerts. An alert counts in the first region of its country
(places.countries.REGIONS order), so each is counted once.
"""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from places.countries import REGIONS, regions_of
from stats import page
from stats.durations import Seconds, summarise
from stats.page import Extra, Section, Table
from stats.suppression import TOTAL, Grid

from .models import Alert, Finding

COLUMNS = {
    "raised": _("Raised"),
    "acknowledged": _("Acknowledged"),
    "confirmed": _("Confirmed"),
    "false_alarm": _("False alarm"),
    "watching": _("Keep watching"),
}
HOUR = 3600.0


def region_of(alert: Alert) -> str:
    found = regions_of(alert.countries[0]) if alert.countries else []
    return found[0] if found else ""


def in_scope(scope, period) -> list[Alert]:
    allowed = set(scope.countries)
    raised = Alert.objects.filter(raised_at__gte=period.start, raised_at__lt=period.end)
    return [
        a for a in raised.only("id", "countries") if a.countries and set(a.countries) <= allowed
    ]


def section(scope, period, now) -> Section | None:
    alerts = in_scope(scope, period)
    regions = [r for r in REGIONS if set(REGIONS[r][1]) & set(scope.countries)]
    region = {a.pk: region_of(a) for a in alerts}
    rows = (
        Alert.objects.filter(pk__in=list(region))
        .values("pk")
        .annotate(
            ack=Count("pk", filter=Q(acknowledged_at__isnull=False)),
            **{f: Count("pk", filter=Q(finding=f)) for f in Finding.values},
        )
    )
    counts: dict = {}
    for row in rows:
        r = region[row["pk"]]
        for col, value in (
            ("raised", 1),
            ("acknowledged", row["ack"]),
            *((f, row[f]) for f in Finding.values),
        ):
            counts[(r, col)] = counts.get((r, col), 0) + value
    grid = Grid.of(
        "alerts", regions, list(COLUMNS), counts, row_totals=False, fixed=[(TOTAL, "raised")]
    )
    acknowledged = Alert.objects.filter(pk__in=list(region), acknowledged_at__isnull=False)
    n = acknowledged.count()
    ack = summarise(acknowledged, Seconds("acknowledged_at", "raised_at"), n)
    times = Grid.of("alert_times", ["ack"], ["n"], {("ack", "n"): n}, row_totals=False,
                    col_totals=False)  # fmt: skip
    tables = [
        Table(
            "alerts",
            _("Early-warning alerts raised in the period, by region"),
            grid,
            {r: REGIONS[r][0] for r in regions},
            dict(COLUMNS),
            family="alerts",
            base=(TOTAL, "raised"),
            unit=_("alerts"),
            note=_("An alert of a country in two regions counts in the first one."),
            chart="rows",
            extras=[
                Extra("confirmed_share", _("Share confirmed"), "percent", {}),
                Extra("false_share", _("Share false alarms"), "percent", {}),
            ],
        ),
        Table(
            "alert_times",
            _("Time from an alert to its acknowledgement"),
            times,
            {"ack": _("Acknowledged")},
            {"n": _("Alerts")},
            family="alert_times",
            base=None,
            unit=_("alerts"),
            extras=[
                Extra("median", _("Median, hours"), "days", {}),
                Extra("p90", _("90th percentile, hours"), "days", {}),
            ],
        ),
    ]
    found = Section("alerts", _("Early warning"), tables, summaries={"ack": ack}, derive=derive)
    return found


def derive(found: Section) -> None:
    """Shares and durations from shown counts only."""
    alerts, times = found.tables
    confirmed, false = alerts.extras
    for row in alerts.grid.rows + [TOTAL]:
        raised = alerts.grid.cells.get((row, "raised"))
        if raised is None or not raised.shown or not raised.value:
            continue
        for extra, col in ((confirmed, "confirmed"), (false, "false_alarm")):
            cell = alerts.grid.cells[(row, col)]
            if cell.shown:
                extra.values[row] = 100 * cell.value / raised.value
    summary = found.summaries["ack"]
    median, p90 = times.extras
    if times.grid.cells[("ack", "n")].shown and summary.n >= page.min_count():
        median.values["ack"] = summary.median / HOUR
        p90.values["ack"] = summary.p90 / HOUR


def register() -> None:
    page.register_section("alerts", section)
