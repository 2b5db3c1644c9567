"""Slowing password and code guessing per staff account and network-address bucket, with
growing delays, under a ceiling for the whole site.

Each account is counted separately from each place it is tried from: the key is a keyed
hash of the username as typed (case-folded) and of the 16-bit, hourly address bucket of
lib.counters (or "unknown" when the address is not known, as behind an onion service). So
someone failing with an officer's name from his own address slows himself, not her, and
an unknown name is slowed exactly like a real one; the cache holds neither name nor
address. Every attempt counts as a failure until it succeeds, so guesses sent in parallel
cannot slip past the delay. Only a complete login (or recovery) clears the count: a right
password alone does not, or knowing it would buy unlimited guesses at the second factor.

Above it all, failures on the whole site are counted per hour: past
LANTERNE_STAFF_FAILURES_PER_HOUR, every attempt waits for the next hour. That bounds
guessing from many addresses at once; it also means a flood of failures from many places
can keep staff out until the hour turns (docs/threat-model.md).
"""

import math
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import ngettext

from lib import clock, counters
from lib.counters import cache

FREE_FAILURES = 3
MAX_DELAY = 15 * 60
THROTTLE_MEMORY = 24 * 3600


@dataclass(frozen=True)
class Wait:
    """Seconds to wait before trying again (false when none), and whether it is the ceiling
    for everyone rather than this account from here."""

    seconds: int = 0
    everyone: bool = False

    def __bool__(self) -> bool:
        return self.seconds > 0


def delay_after(failures: int) -> int:
    """Seconds to wait after ``failures`` consecutive failures: 0, 0, 0, 1, 2, 4 … 900."""
    if failures < FREE_FAILURES:
        return 0
    return min(2 ** (failures - FREE_FAILURES), MAX_DELAY)


def _throttle_keys(username: str, request) -> tuple[str, str, str]:
    place = counters.address_bucket(request) or "unknown"
    digest = counters.keyed("staff-throttle", f"{username.casefold()}\n{place}")
    return f"staff-fail:{digest}", f"staff-fail-at:{digest}", f"staff-fail-before:{digest}"


def _site_key() -> str:
    return f"staff-fail-site:{counters.hour()}"


def _add(key: str, delta: int) -> int:
    return counters.bump(key, delta, THROTTLE_MEMORY)


def begin_attempt(username: str, request) -> Wait:
    """Count an attempt for this account from this place; a false Wait means go ahead."""
    if cache.get(_site_key(), 0) >= settings.LANTERNE_STAFF_FAILURES_PER_HOUR:
        left = counters.HOUR - clock.now().timestamp() % counters.HOUR
        return Wait(math.ceil(left), everyone=True)
    count_key, at_key, before_key = _throttle_keys(username, request)
    failures = _add(count_key, 1)
    now = clock.now().timestamp()
    last = cache.get(at_key, 0)
    wait = last + delay_after(failures - 1) - now
    if wait > 0:
        _add(count_key, -1)  # a refused attempt is not a failure: nothing was checked
        return Wait(math.ceil(wait))
    counters.bump(_site_key(), 1, counters.HOUR)
    cache.set_many({at_key: now, before_key: last}, THROTTLE_MEMORY)
    return Wait()


def forgive_attempt(username: str, request) -> None:
    """The attempt begun for this account was right, though the login is not complete."""
    count_key, at_key, before_key = _throttle_keys(username, request)
    _add(count_key, -1)
    counters.bump(_site_key(), -1, counters.HOUR)
    # The delay runs from the last real failure, not from this right answer.
    cache.set(at_key, cache.get(before_key, 0), THROTTLE_MEMORY)


def clear_failures(username: str, request) -> None:
    """The attempt begun was right and completes a login: forget this place's failures."""
    counters.bump(_site_key(), -1, counters.HOUR)
    cache.delete_many(_throttle_keys(username, request))


def wait_message(wait: Wait) -> str:
    seconds = wait.seconds
    if wait.everyone:
        minutes = math.ceil(seconds / 60)
        text = ngettext(
            "Too many failed sign-ins on this site in the last hour. Try again in %(count)d "
            "minute.",
            "Too many failed sign-ins on this site in the last hour. Try again in %(count)d "
            "minutes.",
            minutes,
        )
        return text % {"count": minutes}
    if seconds < 120:
        text = ngettext(
            "Too many failed attempts for this account. Wait %(count)d second and try again.",
            "Too many failed attempts for this account. Wait %(count)d seconds and try again.",
            seconds,
        )
        return text % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    text = ngettext(
        "Too many failed attempts for this account. Wait %(count)d minute and try again.",
        "Too many failed attempts for this account. Wait %(count)d minutes and try again.",
        minutes,
    )
    return text % {"count": minutes}
