"""Early warning on the statistics page: counts by region, shares, time to acknowledge."""

from alerts import evaluate, lifecycle
from alerts.models import Condition, Finding, Grouping, Rule
from places import provinces
from stats import page, periods
from stats.scope import Scope
from stats.suppression import TOTAL
from tests.conftest import report


def test_the_statistics_page_counts_alerts_by_region_with_suppression(coalition, frozen):
    rule = Rule.objects.create(
        name="each", condition=Condition.EACH, group_by=Grouping.PROVINCE, notify_officers=True
    )
    case = report().case
    amani = coalition["amani"].user
    alerts = [
        evaluate.raise_alert(rule, code, [case.pk], at=frozen.now.replace(minute=0, second=0))
        for code in provinces.codes("CD")[:6]
    ]
    frozen.advance(hours=3)
    for number, alert in enumerate(alerts):
        lifecycle.acknowledge(alert, by=amani)
        finding = Finding.CONFIRMED if number < 3 else Finding.FALSE_ALARM
        lifecycle.assess(alert, by=amani, finding=finding)
    sierra = Rule.objects.create(name="sl", condition=Condition.EACH, group_by=Grouping.COUNTRY)
    evaluate.raise_alert(sierra, "SL", [report(country="SL").case.pk], at=alerts[0].raised_at)

    quarter = periods.containing(frozen.now, periods.QUARTER)
    drc = page.build(Scope(("CD",), True), quarter)
    table = drc.table("alerts")
    assert table.display("central", "raised") == "6"
    confirmed, false = table.extras
    # 3 and 3 are under k: their shares are not derived (they would give the counts away).
    assert (confirmed.display("central"), false.display("central")) == ("—", "—")
    times = drc.table("alert_times")
    assert times.display("ack", "n") == "6"
    median = times.extras[0].values["ack"]
    assert 3 <= median < 4  # raised cut to the hour, acknowledged 3 hours later

    # The whole coalition: Sierra Leone's one alert is "<5", and the total cannot give it away.
    table = page.build(Scope.coalition(), quarter).table("alerts")
    assert table.display("west", "raised") == "<5"
    assert "x" in (table.display("central", "raised"), table.display(TOTAL, "raised"))
