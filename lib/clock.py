"""The one seam for time: tests move it, code never calls timezone.now() directly."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.utils import timezone

_held: ContextVar[datetime | None] = ContextVar("lanterne_clock_held", default=None)


def now() -> datetime:
    return _held.get() or timezone.now()


def coarse_now() -> datetime:
    """The current time to the hour: what is stored about when a reporter acted."""
    return now().replace(minute=0, second=0, microsecond=0)


@contextmanager
def held_at(when: datetime) -> Iterator[None]:
    """Read the clock as `when` inside the block (the demo data is made at its own dates)."""
    token = _held.set(when)
    try:
        yield
    finally:
        _held.reset(token)
