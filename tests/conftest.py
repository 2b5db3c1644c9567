"""Shared fixtures: cheap key derivation, a private media folder, and our named people.

- Amani, national focal point for the DRC (officer, CD)
- Sia, national focal point for Sierra Leone (officer, SL)
- Béatrice, coordinator of Central Africa and the Great Lakes
- Chidi, steering committee member
- a reporter, who sends reports through intake.submit or the public pages
"""

import os
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.cache import cache
from django.utils import translation

from cases import access, intake, keys, samples
from config.celery import app as celery_app
from lib import clock
from staff import accounts

PASSWORD = "correct horse battery staple"

ANSWERS = samples.ANSWERS


class FrozenClock:
    """The one clock seam (lib.clock), stopped: tests move it, nothing sleeps."""

    def __init__(self, now):
        self.now = now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)

    def to(self, when) -> None:
        self.now = when


@pytest.fixture
def frozen(monkeypatch) -> FrozenClock:
    """The clock, stopped at the current second; move it with advance(days=...) or to()."""
    moment = FrozenClock(clock.now().replace(microsecond=0))
    monkeypatch.setattr(clock, "now", lambda: moment.now)
    return moment


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    """Use a real SQLite file (not memory) so threads, files and WAL behave as in production."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db["TEST"]["NAME"] = str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def redis_for_this_worker(url: str) -> str:
    """Parallel test workers (pytest-xdist) each take their own Redis database: the first
    uses REDIS_URL's, the second the next index, and so on. Tests clear the cache freely."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    parts = urlsplit(url)
    index = int(parts.path.lstrip("/") or 0) + int(worker.removeprefix("gw") or 0)
    return urlunsplit(parts._replace(path=f"/{index}"))


@pytest.fixture(autouse=True)
def lanterne_settings(settings, tmp_path):
    settings.LANTERNE_MEDIA_DIR = tmp_path / "media"
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        location = redis_for_this_worker(settings.REDIS_URL)
        if location != settings.CACHES["default"]["LOCATION"]:
            settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": location}}
    else:
        # The local file cache is shared by every process using this clone; tests get
        # their own. (With REDIS_URL set, as in CI, the suite runs against real Redis.)
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": f"lanterne-tests-{tmp_path.name}",
            }
        }
    settings.LANTERNE_RECEIPT_KDF = (64, 1)
    settings.LANTERNE_PASSWORD_KDF = (64, 1)
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    celery_app.conf.task_always_eager = True
    cache.clear()
    # A request in French leaves French active in the thread: each test starts in English.
    translation.activate(settings.LANGUAGE_CODE)
    yield settings
    cache.clear()
    translation.deactivate()


def report(**changes) -> intake.Submission:
    """Send a report as a reporter would, with the standard answers changed as asked."""
    return intake.submit(answers=samples.answers(**changes), language="fr")


@pytest.fixture
def amani(db):
    return accounts.enrol(
        "amani",
        role="officer",
        password=PASSWORD,
        countries=["CD"],
        email="amani@coalition.example",
    ).profile


@pytest.fixture
def sia(db):
    return accounts.enrol(
        "sia", role="officer", password=PASSWORD, countries=["SL"], email="sia@coalition.example"
    ).profile


@pytest.fixture
def beatrice(db):
    return accounts.enrol(
        "beatrice",
        email="beatrice@coalition.example",
        role="coordinator",
        password=PASSWORD,
        regions=["central", "great-lakes"],
    ).profile


@pytest.fixture
def chidi(db):
    return accounts.enrol("chidi", role="steering", password=PASSWORD).profile


@pytest.fixture
def coalition(amani, sia, beatrice, chidi):
    """Everyone, so routing has somebody to route to."""
    return {"amani": amani, "sia": sia, "beatrice": beatrice, "chidi": chidi}


def sign_in(client, who, password: str = PASSWORD, code: str | None = None, *, check=True):
    """Log a staff member (a profile, or a username) in through the two real steps.

    The second step takes `code`, by default a fresh backup code (a TOTP code works once
    per 30-second step). Returns the last response; with `check` (the default) asserts
    that it landed on the staff home page.
    """
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from staff import accounts

    username = who if isinstance(who, str) else who.user.username
    client.post(reverse("admin:login"), {"username": username, "password": password})
    if code is None:
        code = accounts.new_backup_codes(get_user_model().objects.get(username=username))[0]
    response = client.post(reverse("admin:login_code"), {"code": code})
    if check:
        assert response.status_code == 302 and response.url == reverse("admin:index"), username
    return response


def key_of(case, profile) -> bytes:
    """The case key as this staff member's browser session would unwrap it."""

    private = keys.unseal_private_key(profile, PASSWORD)
    return access.case_key_for_staff(case, profile.user, private)
