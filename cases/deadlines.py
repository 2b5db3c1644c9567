"""Legal clocks: EU Whistleblower Directive art. 9, and hours for threats to life.

Acknowledge within 7 days (24 hours for P1); give feedback within 3 months of the
acknowledgement. Only a staff message the officer marks as feedback meets that clock. An
investigation or escalation that goes on keeps a clock too: the next feedback is due 3
months after the last one, so such a case always shows a next deadline. Deadlines are
computed from explicit timestamps only.
"""

import calendar
from datetime import UTC, datetime, timedelta

ACKNOWLEDGE_WITHIN = timedelta(days=7)
ACKNOWLEDGE_URGENT_WITHIN = timedelta(hours=24)
FEEDBACK_MONTHS = 3
# Sorts after every real deadline in the queue.
NO_DEADLINE = datetime(9999, 12, 31, tzinfo=UTC)


def add_months(when: datetime, months: int) -> datetime:
    month = when.month - 1 + months
    year, month = when.year + month // 12, month % 12 + 1
    day = min(when.day, calendar.monthrange(year, month)[1])
    return when.replace(year=year, month=month, day=day)


def ack_due(received_at: datetime, priority: str) -> datetime:
    urgent = priority == "P1"
    return received_at + (ACKNOWLEDGE_URGENT_WITHIN if urgent else ACKNOWLEDGE_WITHIN)


def feedback_due(acknowledged_at: datetime) -> datetime:
    return add_months(acknowledged_at, FEEDBACK_MONTHS)


# The statuses in which the reporter waits for news: the feedback clock runs again.
ONGOING = ("investigating", "escalated")

# Queue ranks: a reporter wrote on a finished case; a P1 case; every other case.
FLAGGED_RANK, URGENT_RANK, OTHER_RANK = 0, 1, 2


def update_due(case) -> datetime | None:
    """The next feedback of an ongoing case: 3 months after the last one."""
    if case.status not in ONGOING or case.first_feedback_at is None:
        return None
    return add_months(case.last_feedback_at or case.first_feedback_at, FEEDBACK_MONTHS)


def next_due(case) -> datetime | None:
    """The earliest deadline the case still has to meet, or None."""
    if not case.is_open:
        return None
    if case.acknowledged_at is None:
        return case.ack_due
    if case.first_feedback_at is None:
        return case.feedback_due
    return update_due(case)


def queue_rank(case) -> int:
    if case.flagged_at is not None and not case.is_open:
        return FLAGGED_RANK
    return URGENT_RANK if case.priority == "P1" else OTHER_RANK


def refresh(case) -> None:
    """Recompute the stored deadlines from the case's timestamps and priority."""
    case.ack_due = ack_due(case.received_at, case.priority)
    case.feedback_due = feedback_due(case.acknowledged_at) if case.acknowledged_at else None
    case.next_due = next_due(case)
    case.queue_rank = queue_rank(case)
    case.queue_due = case.next_due or NO_DEADLINE
