"""Celery tasks of early warning: thin, idempotent, given ids only."""

import logging
import uuid

from celery import shared_task

from cases.models import Case
from lib import clock

from . import evaluate, lifecycle, mail
from .models import Alert, Status

logger = logging.getLogger(__name__)


def queue_evaluation(sender=None, case_id=None, **kwargs) -> None:
    """The receiver of cases.events.metadata_changed (after commit): queue the evaluation."""
    evaluate_case.delay(str(case_id))


@shared_task
def evaluate_case(case_id: str) -> int:
    """Evaluate the rules against one case; return how many alerts it raised or joined."""
    case = Case.objects.filter(pk=uuid.UUID(case_id)).first()
    return len(evaluate.evaluate(case)) if case is not None else 0


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
