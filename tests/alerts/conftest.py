import pytest

from alerts.models import Condition, Grouping, Rule


@pytest.fixture
def urgent_rule(db):
    """Every urgent report alerts the focal points of its country (the seeded default)."""
    return Rule.objects.create(
        name="urgent",
        condition=Condition.EACH,
        priorities=["P1"],
        group_by=Grouping.COUNTRY,
        notify_officers=True,
        escalate_after_hours=2,
    )


@pytest.fixture
def ews_rule(db):
    """Three early warnings in one province within 7 days alert the region's coordinators."""
    return Rule.objects.create(
        name="ews",
        condition=Condition.COUNT,
        categories=["EWS"],
        group_by=Grouping.PROVINCE,
        threshold=3,
        window_days=7,
        notify_officers=False,
        notify_coordinators=True,
    )
