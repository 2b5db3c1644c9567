"""The one seam for time: tests move it, code never calls timezone.now() directly."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.utils import timezone

_held: ContextVar[datetime | None] = ContextVar("lanterne_clock_held", default=None)


def now() -> datetime:
    return _held.get() or timezone.now()


def coarse_now() -> datetime:
    """The current time to the hour: what is stored about when a reporter acted."""
    return now().replace(minute=0, second=0, microsecond=0)


def hour_after(when: datetime) -> datetime:
    """``when`` rounded up to the hour (unchanged when it is on the hour already)."""
    floor = when.replace(minute=0, second=0, microsecond=0)
    return floor if floor == when else floor + timedelta(hours=1)


@contextmanager
def held_at(when: datetime) -> Iterator[None]:
    """Read the clock as `when` inside the block (the demo data is made at its own dates)."""
    token = _held.set(when)
    try:
        yield
    finally:
        _held.reset(token)
