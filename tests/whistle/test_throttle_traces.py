"""What the receipt throttle leaves in the cache, and whether it holds under a burst."""

import hashlib
import hmac
import pickle
import threading
import time
from pathlib import Path

import pytest
from django.core.cache import caches
from django.test import RequestFactory

from lib import counters
from whistle import receipts

pytestmark = pytest.mark.django_db

SUSPECTS = ("198.51.100.23", "2001:db8:5:7:a:b:c:d")


@pytest.fixture
def file_cache(settings, tmp_path) -> Path:
    """The local default: a file cache, shared by every web process."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 100000, "CULL_FREQUENCY": 10},
        }
    }
    caches["default"].clear()
    return tmp_path / "cache"


def request_from(address: str):
    return RequestFactory().post("/follow-up/", REMOTE_ADDR=address)


def old_bucket(address: str, settings) -> str:
    """How a seized server's holder recomputed a bucket before: from SECRET_KEY alone."""
    hour = counters.hour()
    key = f"{settings.SECRET_KEY}|throttle|{hour}".encode()
    return f"{hour}:{hmac.new(key, address.encode(), hashlib.sha256).hexdigest()[:40][:4]}"


def test_the_hourly_key_is_random_lives_in_the_cache_and_dies_with_the_hour(
    file_cache, settings, frozen
):
    for address in SUSPECTS:
        assert receipts.begin_guess(request_from(address))
    buckets = {counters.address_bucket(request_from(a)) for a in SUSPECTS}
    # SECRET_KEY no longer recomputes them (was: both suspects found, 0 of 20,000 others).
    assert not buckets & {old_bucket(a, settings) for a in SUSPECTS}
    key = counters.hour_key()
    caches["default"].delete(f"throttle-key:{counters.hour()}")
    assert counters.hour_key() != key  # another server, same SECRET_KEY: other buckets
    assert counters.address_bucket(request_from(SUSPECTS[0])) not in buckets

    frozen.advance(hours=1)
    time_travel = time.time() + 3601
    entries = list(file_cache.glob("*.djcache"))
    assert entries  # last hour's key and counters, still on disk until purged
    real_time = time.time
    try:
        time.time = lambda: time_travel  # the file cache reads the real clock
        counters.address_bucket(request_from(SUSPECTS[1]))  # the new hour's first request
        left = list(file_cache.glob("*.djcache"))
    finally:
        time.time = real_time
    assert all(e not in left for e in entries)  # the purge removed every expired entry
    assert len(left) == 1  # only the new hour's key


def test_every_throttle_entry_expires_on_the_hour(file_cache):
    receipts.begin_guess(request_from(SUSPECTS[0]))
    assert receipts.begin_submission(request_from(SUSPECTS[1]))
    expiries = []
    for entry in file_cache.glob("*.djcache"):
        with entry.open("rb") as f:
            expiries.append(pickle.load(f))  # noqa: S301 - the test's own cache files
    assert len(expiries) == 5  # the key, two counters for the guess, two for the report
    for expiry in expiries:
        assert abs(expiry - round(expiry / 3600) * 3600) < 0.01, expiry


def test_an_ipv6_subscriber_rotating_inside_her_64_is_one_place(settings):
    settings.LANTERNE_RECEIPT_TRIES_PER_HOUR = 3
    rotating = [f"2001:db8:5:7::{n:x}" for n in range(1, 6)]
    allowed = [receipts.begin_guess(request_from(a)) for a in rotating]
    assert allowed == [True, True, True, False, False]
    assert receipts.begin_guess(request_from("2001:db8:5:8::1"))  # the next /64 is another
    assert counters.client_network("::ffff:198.51.100.23") == "198.51.100.23"


def concurrent(n: int, begin) -> int:
    """n calls of begin() released at the same instant from threads; how many got through."""
    barrier, allowed = threading.Barrier(n), []

    def one() -> None:
        barrier.wait()
        allowed.append(begin())

    threads = [threading.Thread(target=one) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(allowed)


def test_a_burst_of_guesses_gets_no_more_than_the_limit_through_the_file_cache(
    file_cache, settings
):
    settings.LANTERNE_RECEIPT_TRIES_PER_HOUR = 10
    assert concurrent(24, lambda: receipts.begin_guess(request_from(SUSPECTS[0]))) == 10  # was 14


def test_a_burst_of_guesses_gets_no_more_than_the_limit_through_the_test_cache(settings):
    # Redis when REDIS_URL is set (as in CI), the memory cache otherwise.
    settings.LANTERNE_RECEIPT_TRIES_PER_HOUR = 10
    assert concurrent(24, lambda: receipts.begin_guess(request_from(SUSPECTS[0]))) == 10


def test_a_burst_of_reports_from_one_place_gets_no_more_than_the_limit_through(
    file_cache, settings
):
    settings.LANTERNE_SUBMISSIONS_PER_HOUR = 5
    assert concurrent(16, lambda: receipts.begin_submission(request_from(SUSPECTS[0]))) == 5
    assert not receipts.begin_submission(request_from(SUSPECTS[0]))
    receipts.forgive_submission(request_from(SUSPECTS[0]))  # one of them made no case
    assert receipts.begin_submission(request_from(SUSPECTS[0]))
    assert receipts.begin_submission(request_from(SUSPECTS[1]))  # another place is not held


def test_the_global_ceiling_is_not_used_up_by_one_place_over_its_limit(settings):
    settings.LANTERNE_RECEIPT_TRIES_PER_HOUR = 2
    settings.LANTERNE_RECEIPT_TRIES_GLOBAL_PER_HOUR = 5
    assert [receipts.begin_guess(request_from(SUSPECTS[0])) for _ in range(6)] == [True] * 2 + [
        False
    ] * 4
    others = [receipts.begin_guess(request_from(f"203.0.113.{n}")) for n in range(1, 6)]
    assert others == [True, True, True, False, False]


def test_beat_purges_the_file_cache_every_hour(file_cache):
    from cases import tasks
    from config.celery import app

    assert (
        app.conf.beat_schedule["purge-expired-cache"]["task"] == "cases.tasks.purge_expired_cache"
    )
    caches["default"].set("throttle-old", 1, 0)  # already expired
    caches["default"].set("throttle-live", 1, 3600)
    assert tasks.purge_expired_cache.delay().get() == 1
    assert [p.name for p in file_cache.glob("*.djcache")] == [
        Path(caches["default"]._key_to_file("throttle-live")).name
    ]


def cache_expiries(folder: Path) -> list[float]:
    expiries = []
    for entry in folder.glob("*.djcache"):
        with entry.open("rb") as f:
            expiries.append(pickle.load(f))  # noqa: S301 - the test's own cache files
    return expiries


@pytest.mark.django_db
def test_after_a_report_and_its_receipt_page_every_cache_entry_expires_on_the_hour(
    file_cache, client, coalition
):
    from tests.whistle.pages import form_data, receipt_of, send_report

    response = send_report(client, form_data())
    assert receipt_of(response)  # the receipt page was shown, once
    expiries = cache_expiries(file_cache)
    assert len(expiries) >= 2  # the throttle's entries and the shown receipt page's
    off_the_hour = [e for e in expiries if abs(e - round(e / 3600) * 3600) >= 0.01]
    assert off_the_hour == []
