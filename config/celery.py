"""The Celery app and its beat schedule. Tasks take ids only, never case content."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("lanterne")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Each task is safe to run twice and catches up on what it missed, so a beat that was down
# (or runs twice across a restart) loses or doubles nothing. A run still queued when the
# next is due expires: a worker back from an outage runs each sweep once, not once per
# missed slot. Minutes are staggered.
app.conf.beat_schedule = {
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
    "apply-retention": {
        "task": "cases.tasks.apply_retention",
        "schedule": crontab(hour=3, minute=41),
        "options": {"expires": 23 * 3600},
    },
}
