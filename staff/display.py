"""Deadlines in words for the staff screens: "3 days left", "overdue by 5 hours"."""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import ngettext

from lib import clock

DAY, HOUR = 86400, 3600
SOON = 2 * DAY
SOON_DELTA = timedelta(seconds=SOON)


@dataclass(frozen=True)
class Due:
    at: datetime
    words: str
    css: str  # "overdue", "due-soon" or ""


def due(at: datetime | None, now: datetime | None = None) -> Due | None:
    """Describe a deadline as days (or, within a day, hours) left or overdue."""
    if at is None:
        return None
    seconds = (at - (now or clock.now())).total_seconds()
    late = seconds < 0
    left = abs(seconds)
    if left < DAY:
        n = max(1, math.ceil(left / HOUR))
        words = (
            ngettext("overdue by %(n)d hour", "overdue by %(n)d hours", n)
            if late
            else ngettext("%(n)d hour left", "%(n)d hours left", n)
        )
    else:
        n = int(left // DAY)
        words = (
            ngettext("overdue by %(n)d day", "overdue by %(n)d days", n)
            if late
            else ngettext("%(n)d day left", "%(n)d days left", n)
        )
    css = "overdue" if late else ("due-soon" if seconds < SOON else "")
    return Due(at, words % {"n": n}, css)
