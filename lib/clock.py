"""The one seam for time: tests move it, code never calls timezone.now() directly."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()


def coarse_now() -> datetime:
    """The current time to the hour: what is stored about when a reporter acted."""
    return now().replace(minute=0, second=0, microsecond=0)
