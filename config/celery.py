"""The Celery app and its beat schedule. Tasks take ids only, never case content."""

import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("lanterne")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def mail_slots() -> crontab:
    """Every LANTERNE_MAIL_SLOT_MINUTES from the hour: :00, :10, :20 ... by default."""
    step = settings.LANTERNE_MAIL_SLOT_MINUTES
    return crontab(minute=",".join(str(m) for m in range(0, 60, step)))


# Each task is safe to run twice and catches up on what it missed, so a beat that was down
# (or runs twice across a restart) loses or doubles nothing. A run still queued when the
# next is due expires: a worker back from an outage runs each sweep once, not once per
# missed slot. Minutes are staggered.
app.conf.beat_schedule = {
    # The outbox's mails leave only at these fixed minutes (cases/notifications.py).
    "deliver-notifications": {
        "task": "cases.tasks.deliver_notifications",
        "schedule": mail_slots(),
        "options": {"expires": settings.LANTERNE_MAIL_SLOT_MINUTES * 60 - 30},
    },
    # Alert mails leave in the same slots (alerts/mail.py).
    "deliver-alert-mail": {
        "task": "alerts.tasks.deliver_alert_mail",
        "schedule": mail_slots(),
        "options": {"expires": settings.LANTERNE_MAIL_SLOT_MINUTES * 60 - 30},
    },
    # Unacknowledged alerts go to the next tier after their rule's hours (alerts/lifecycle.py).
    "escalate-alerts": {
        "task": "alerts.tasks.escalate_alerts",
        "schedule": crontab(minute="4-59/5"),
        "options": {"expires": 4 * 60},
    },
    # The evaluation of a report whose task was lost (broker down at its commit) runs here.
    "evaluate-recent-reports": {
        "task": "alerts.tasks.evaluate_recent",
        "schedule": crontab(minute="7-59/10"),
        "options": {"expires": 9 * 60},
    },
    "remind-deadlines": {
        "task": "cases.tasks.remind_deadlines",
        "schedule": crontab(minute="2-59/15"),
        "options": {"expires": 14 * 60},
    },
    "escalate-overdue": {
        "task": "cases.tasks.escalate_overdue",
        "schedule": crontab(minute="9-59/15"),
        "options": {"expires": 14 * 60},
    },
    "purge-abandoned-uploads": {
        "task": "cases.tasks.purge_abandoned_uploads",
        "schedule": crontab(minute=17),
        "options": {"expires": 55 * 60},
    },
    "mail-audit-checkpoint": {
        "task": "cases.tasks.mail_audit_checkpoint",
        "schedule": crontab(hour=4, minute=53),
        "options": {"expires": 23 * 3600},
    },
    # Last hour's throttle key and counters leave the file cache (Redis expires its own).
    "purge-expired-cache": {
        "task": "cases.tasks.purge_expired_cache",
        "schedule": crontab(minute=0),
        "options": {"expires": 55 * 60},
    },
    "forget-submission-claims": {
        "task": "cases.tasks.forget_submission_claims",
        "schedule": crontab(minute=23),
        "options": {"expires": 55 * 60},
    },
    "apply-retention": {
        "task": "cases.tasks.apply_retention",
        "schedule": crontab(hour=3, minute=41),
        "options": {"expires": 23 * 3600},
    },
}
