"""The Celery app and its beat schedule. Tasks take ids only, never case content."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("lanterne")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "purge-abandoned-uploads": {
        "task": "cases.tasks.purge_abandoned_uploads",
        "schedule": crontab(minute=17),
    },
}
