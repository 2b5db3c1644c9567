"""Celery tasks of early warning: thin, idempotent, given ids only."""

import logging
import uuid
from datetime import timedelta

from celery import shared_task

from cases.models import Case
from lib import clock

from . import evaluate, lifecycle, mail
from .models import Alert, Status

logger = logging.getLogger(__name__)


def queue_evaluation(sender=None, case_id=None, **kwargs) -> None:
    """The receiver of cases.events.metadata_changed (after commit): queue the evaluation.

    A broker that is down must not turn a committed report into an error page: the
    evaluation is then left to the next sweep (evaluate_recent), which is idempotent.
    """
    try:
        evaluate_case.delay(str(case_id))
    except Exception:
        logger.warning("the broker is unavailable; the next sweep evaluates the case")


@shared_task
def evaluate_case(case_id: str) -> int:
    """Evaluate the rules against one case; return how many alerts it raised or joined."""
    case = Case.objects.filter(pk=uuid.UUID(case_id)).first()
    return len(evaluate.evaluate(case)) if case is not None else 0


# The sweep looks back this far: reports are dated to the hour, so two hours cover a broker
# that was down for up to an hour between sweeps.
SWEEP_HOURS = 2


@shared_task
def evaluate_recent() -> int:
    """Evaluate the cases received lately again (a safety net for a lost task)."""
    since = clock.coarse_now() - timedelta(hours=SWEEP_HOURS)
    touched = 0
    for case in Case.objects.filter(received_at__gte=since, shredded_at=None):
        touched += len(evaluate.evaluate(case))
    return touched


@shared_task
def escalate_alerts() -> int:
    """Send every alert left unacknowledged past its rule's hours to the next tier."""
    acted = 0
    for alert in Alert.objects.filter(status=Status.RAISED, tier_since__lte=clock.now()):
        try:
            acted += lifecycle.escalate_unacknowledged(alert)
        except Exception:  # one alert failing must not hold back the others
            logger.exception("could not escalate alert %s", alert.pk)
    return acted


@shared_task
def deliver_alert_mail() -> int:
    """Send the alert mails waiting in the outbox (beat runs this at each mail slot)."""
    return mail.deliver()
