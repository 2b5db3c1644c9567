"""Slowing password and code guessing per staff account, with growing delays.

Keyed by a keyed hash of the username as typed (case-folded), so an unknown name is slowed
exactly like a real one and the cache holds no name. Every attempt counts as a failure until
it succeeds, so guesses sent in parallel cannot slip past the delay. Only a complete login
(or recovery) clears the count: a right password alone does not, or knowing it would buy
unlimited guesses at the second factor.
"""

import math

from django.utils.translation import ngettext

from lib import clock, counters
from lib.counters import cache

FREE_FAILURES = 3
MAX_DELAY = 15 * 60
THROTTLE_MEMORY = 24 * 3600


def delay_after(failures: int) -> int:
    """Seconds to wait after ``failures`` consecutive failures: 0, 0, 0, 1, 2, 4 … 900."""
    if failures < FREE_FAILURES:
        return 0
    return min(2 ** (failures - FREE_FAILURES), MAX_DELAY)


def _throttle_keys(username: str) -> tuple[str, str, str]:
    digest = counters.keyed("staff-throttle", username.casefold())
    return f"staff-fail:{digest}", f"staff-fail-at:{digest}", f"staff-fail-before:{digest}"


def _add(key: str, delta: int) -> int:
    return counters.bump(key, delta, THROTTLE_MEMORY)


def begin_attempt(username: str) -> int:
    """Count an attempt for this account; return 0 to go ahead, or the seconds left to wait."""
    count_key, at_key, before_key = _throttle_keys(username)
    failures = _add(count_key, 1)
    now = clock.now().timestamp()
    last = cache.get(at_key, 0)
    wait = last + delay_after(failures - 1) - now
    if wait > 0:
        _add(count_key, -1)  # a refused attempt is not a failure: nothing was checked
        return math.ceil(wait)
    cache.set_many({at_key: now, before_key: last}, THROTTLE_MEMORY)
    return 0


def forgive_attempt(username: str) -> None:
    """The attempt begun for this account was right, though the login is not complete."""
    count_key, at_key, before_key = _throttle_keys(username)
    _add(count_key, -1)
    # The delay runs from the last real failure, not from this right answer.
    cache.set(at_key, cache.get(before_key, 0), THROTTLE_MEMORY)


def clear_failures(username: str) -> None:
    cache.delete_many(_throttle_keys(username))


def wait_message(seconds: int) -> str:
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
