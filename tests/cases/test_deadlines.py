"""Legal clocks, with time held still: 7 days (24 hours for P1) to acknowledge, then
3 months to give feedback, always from explicit timestamps."""

from datetime import UTC, datetime, timedelta

import pytest

from cases import deadlines, workflow
from cases.models import Case
from tests.conftest import key_of, report

pytestmark = pytest.mark.django_db

NOV_30 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@pytest.fixture
def at(frozen):
    """Hold the clock at the given moment: NOV_30 to begin with."""
    frozen.to(NOV_30)
    return frozen.to


def fresh(case):
    return Case.objects.get(pk=case.pk)


def test_a_new_report_must_be_acknowledged_within_seven_days(coalition, at):
    case = report().case
    assert case.received_at == NOV_30
    assert (case.ack_due, case.next_due) == (NOV_30 + timedelta(days=7),) * 2


def test_an_urgent_report_gets_twenty_four_hours(coalition, at):
    case = report(urgent=True).case
    assert case.priority == "P1"
    assert case.next_due == NOV_30 + timedelta(hours=24)


def test_raising_the_priority_to_p1_before_acknowledging_shortens_the_clock(coalition, at):
    case = report().case
    at(NOV_30 + timedelta(hours=30))
    workflow.set_priority(case, by=coalition["amani"].user, priority="P1")
    assert fresh(case).next_due == NOV_30 + timedelta(hours=24)  # already overdue


def test_feedback_is_due_three_months_after_the_acknowledgement(coalition, at):
    case = report().case
    at(NOV_30 + timedelta(days=2))
    workflow.acknowledge(
        case, by=coalition["amani"].user, case_key=key_of(case, coalition["amani"])
    )
    case = fresh(case)
    assert case.acknowledged_at == NOV_30 + timedelta(days=2)
    assert case.feedback_due == datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
    assert case.next_due == case.feedback_due


def test_three_months_from_the_end_of_a_month_ends_on_the_last_day():
    assert deadlines.add_months(NOV_30, 3) == datetime(2027, 2, 28, 9, 0, tzinfo=UTC)
    assert deadlines.add_months(datetime(2027, 11, 30, tzinfo=UTC), 3).day == 29  # 2028 leaps


def test_the_first_message_to_the_reporter_stops_the_clock(coalition, at):
    case = report().case
    amani, key = coalition["amani"].user, key_of(case, coalition["amani"])
    workflow.acknowledge(case, by=amani, case_key=key)
    at(NOV_30 + timedelta(days=40))
    workflow.message_reporter(
        case, by=amani, case_key=key, text="We went to the comptoir.", feedback=True
    )
    case = fresh(case)
    assert case.first_feedback_at == NOV_30 + timedelta(days=40)
    assert case.next_due is None and case.queue_due == deadlines.NO_DEADLINE


def test_editing_a_case_does_not_move_its_deadlines(coalition, at):
    case = report().case
    at(NOV_30 + timedelta(days=5))
    workflow.add_note(
        case, by=coalition["amani"].user, case_key=key_of(case, coalition["amani"]), text="Seen."
    )
    assert fresh(case).next_due == NOV_30 + timedelta(days=7)


def test_a_closed_case_has_no_running_clock(coalition, at):
    case = report().case
    beatrice, key = coalition["beatrice"].user, key_of(case, coalition["beatrice"])
    workflow.acknowledge(case, by=beatrice, case_key=key)
    workflow.assess(case, by=beatrice, priority="P3", categories=["TRD"], admissible=False)
    assert fresh(case).next_due is None
    workflow.close(case, by=beatrice)
    assert fresh(case).next_due is None


def test_p1_cases_come_first_in_the_queue_order(coalition, at):
    later = report().case
    urgent = report(urgent=True).case
    order = list(Case.objects.order_by("queue_rank", "queue_due", "-received_at"))
    assert order == [fresh(urgent), fresh(later)]
