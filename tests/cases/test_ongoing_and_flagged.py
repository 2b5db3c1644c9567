"""Ongoing cases keep a clock; a reporter who writes on a finished case is heard first."""

from datetime import timedelta

import pytest

from cases import access, deadlines, intake, permissions, workflow
from cases.models import AuditEvent, Case, Level, Status
from tests.conftest import key_of, report

pytestmark = pytest.mark.django_db


def fresh(case) -> Case:
    return Case.objects.get(pk=case.pk)


def investigating(coordinator, **changes):
    submission = report(**changes)
    case, key = submission.case, key_of(submission.case, coordinator)
    workflow.acknowledge(case, by=coordinator.user, case_key=key)
    workflow.assess(case, by=coordinator.user, priority="P2", categories=["TRD"], admissible=True)
    return submission, key


def test_an_investigation_after_feedback_still_has_a_next_deadline(coalition, frozen):
    beatrice = coalition["beatrice"]
    submission, key = investigating(beatrice)
    case = submission.case
    workflow.message_reporter(case, by=beatrice.user, case_key=key, text="Seen.", feedback=True)
    first = fresh(case).first_feedback_at
    assert fresh(case).next_due == deadlines.add_months(first, 3)
    frozen.advance(days=30)
    workflow.message_reporter(case, by=beatrice.user, case_key=key, text="Sent to the KP.")
    assert fresh(case).next_due == deadlines.add_months(first, 3)  # not feedback: no change
    workflow.message_reporter(case, by=beatrice.user, case_key=key, text="Met.", feedback=True)
    case = fresh(case)
    assert case.first_feedback_at == first and case.last_feedback_at == frozen.now
    assert case.next_due == deadlines.add_months(frozen.now, 3)


def test_an_escalated_case_always_shows_a_next_deadline(coalition):
    beatrice = coalition["beatrice"]
    submission, key = investigating(beatrice)
    case = submission.case
    workflow.message_reporter(case, by=beatrice.user, case_key=key, text="Update.", feedback=True)
    workflow.escalate(case, by=beatrice.user, case_key=key, level=Level.STEERING, reason="KP")
    case = fresh(case)
    assert case.status == Status.ESCALATED and case.next_due is not None
    workflow.conclude(case, by=beatrice.user, outcome="partly")
    assert fresh(case).next_due is None  # a concluded case has no clock running


def finished(coordinator):
    submission, key = investigating(coordinator)
    workflow.conclude(submission.case, by=coordinator.user, outcome="partly")
    workflow.close(submission.case, by=coordinator.user)
    return submission


def write_as_reporter(submission, text: str):
    case, case_key = access.case_for_receipt(submission.receipt)
    return intake.add_reporter_message(case, case_key=case_key, text=text)


def test_a_reporter_message_on_a_closed_case_puts_it_first_flagged(coalition):
    closed = finished(coalition["beatrice"])
    urgent = report(urgent=True).case
    order = ["queue_rank", "queue_due", "-received_at"]
    assert list(Case.objects.order_by(*order))[0] == urgent
    message = write_as_reporter(closed, "My brother was taken last night.")
    case = fresh(closed.case)
    assert case.status == Status.CLOSED  # the flag changes no status
    assert case.flagged_at == message.created_at and case.queue_rank == deadlines.FLAGGED_RANK
    assert list(Case.objects.order_by(*order)) == [case, fresh(urgent)]
    event = AuditEvent.objects.filter(action="reporter_message").get()
    assert event.detail == {"files": 0, "flagged": True}


def test_a_message_on_an_open_case_flags_nothing(coalition):
    submission = report()
    write_as_reporter(submission, "One more thing.")
    case = fresh(submission.case)
    assert case.flagged_at is None and case.queue_rank == deadlines.OTHER_RANK


def test_an_officer_may_reopen_a_flagged_case_only(coalition):
    amani = coalition["amani"]
    closed = finished(coalition["beatrice"])
    key = key_of(closed.case, amani)
    with pytest.raises(permissions.NotAllowed, match="Your role cannot do this"):
        workflow.reopen(closed.case, by=amani.user, case_key=key, reason="I want to")
    write_as_reporter(closed, "They came back.")
    workflow.reopen(closed.case, by=amani.user, case_key=key, reason="The reporter wrote.")
    case = fresh(closed.case)
    assert case.status == Status.INVESTIGATING and case.flagged_at is None
    assert case.queue_rank == deadlines.OTHER_RANK


def test_leaving_a_flagged_case_finished_lowers_the_flag(coalition):
    amani = coalition["amani"]
    closed = finished(coalition["beatrice"])
    with pytest.raises(permissions.NotAllowed, match="Only a finished case the reporter wrote"):
        workflow.keep_finished(closed.case, by=amani.user)
    write_as_reporter(closed, "Thank you.")
    workflow.keep_finished(closed.case, by=amani.user)
    case = fresh(closed.case)
    assert case.status == Status.CLOSED and case.flagged_at is None
    assert case.queue_rank == deadlines.OTHER_RANK
    assert AuditEvent.objects.filter(case_id=case.id, action="keep_finished").count() == 1


def test_a_missed_update_of_an_ongoing_case_is_named_as_such(coalition, frozen):
    beatrice = coalition["beatrice"]
    submission, key = investigating(beatrice)
    case = submission.case
    workflow.message_reporter(case, by=beatrice.user, case_key=key, text="News.", feedback=True)
    frozen.to(fresh(case).next_due + timedelta(minutes=1))
    assert workflow.escalate_overdue(fresh(case)) is True
    event = AuditEvent.objects.filter(case_id=case.id, action="overdue").get()
    assert event.detail["reason"] == "update_deadline_missed"
    assert fresh(case).level == Level.REGIONAL
