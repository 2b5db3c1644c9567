"""The fixed periods statistics are computed for: a calendar month, quarter or year (UTC).

No arbitrary date range is accepted anywhere, so two overlapping queries cannot be
subtracted to isolate a few days (docs/statistics.md says what nested periods still allow).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

MONTH, QUARTER, YEAR = "month", "quarter", "year"
FIRST_YEAR = 2020
PATTERNS = {
    MONTH: re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"),
    QUARTER: re.compile(r"^(\d{4})-Q([1-4])$"),
    YEAR: re.compile(r"^(\d{4})$"),
}


@dataclass(frozen=True, order=True)
class Period:
    year: int
    first_month: int
    months: int  # 1, 3 or 12

    @property
    def kind(self) -> str:
        return {1: MONTH, 3: QUARTER, 12: YEAR}[self.months]

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.first_month, 1, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        month = self.first_month + self.months
        return datetime(self.year + (month - 1) // 12, (month - 1) % 12 + 1, 1, tzinfo=UTC)

    @property
    def code(self) -> str:
        if self.months == 1:
            return f"{self.year}-{self.first_month:02d}"
        if self.months == 3:
            return f"{self.year}-Q{(self.first_month - 1) // 3 + 1}"
        return str(self.year)

    def label(self) -> str:
        if self.months == 1:
            return f"{MONTHS[self.first_month]} {self.year}"
        if self.months == 3:
            return _("Quarter %(n)d of %(year)d") % {
                "n": (self.first_month - 1) // 3 + 1,
                "year": self.year,
            }
        return str(self.year)

    def month_list(self) -> list[Period]:
        return [
            month(self.year, m) for m in range(self.first_month, self.first_month + self.months)
        ]

    def short_month_label(self) -> str:
        return f"{MONTHS[self.first_month][:3]}."

    def __str__(self) -> str:
        return self.code


def month(year: int, number: int) -> Period:
    return Period(year, number, 1)


def quarter(year: int, number: int) -> Period:
    return Period(year, 3 * (number - 1) + 1, 3)


def year(number: int) -> Period:
    return Period(number, 1, 12)


def parse(code: str) -> Period:
    """A period from its code ('2026-03', '2026-Q1', '2026'); ValueError for anything else."""
    code = (code or "").strip()
    for kind, pattern in PATTERNS.items():
        found = pattern.match(code)
        if found:
            number = int(found.group(1))
            if not FIRST_YEAR <= number <= 2100:
                break
            if kind == MONTH:
                return month(number, int(found.group(2)))
            if kind == QUARTER:
                return quarter(number, int(found.group(2)))
            return year(number)
    raise ValueError(f"not a period: {code!r}")


def containing(when: datetime, kind: str) -> Period:
    if kind == MONTH:
        return month(when.year, when.month)
    if kind == QUARTER:
        return quarter(when.year, (when.month - 1) // 3 + 1)
    return year(when.year)


def last_quarter(now: datetime) -> Period:
    """The last complete quarter: what the steering committee reports on."""
    current = containing(now, QUARTER)
    if current.first_month == 1:
        return quarter(current.year - 1, 4)
    return quarter(current.year, (current.first_month - 1) // 3)


def recent(now: datetime, kind: str, count: int) -> list[Period]:
    """The `count` periods of this kind up to the current one, newest first."""
    found, period = [], containing(now, kind)
    while len(found) < count and period.year >= FIRST_YEAR:
        found.append(period)
        period = containing(period.start - timedelta(days=1), kind)
    return found
