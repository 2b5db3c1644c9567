"""Lanterne's one settings module, driven by environment variables.

Every variable is documented in deploy/env.example. Two modes:

* ``LANTERNE_ENV=local`` (the default, what ``make run`` uses): secrets that are not in the
  environment are generated once into ``$LANTERNE_DATA_DIR/local-secrets.json`` (mode 0600),
  so a fresh clone runs with no set-up. A system check warns that this is not for production.
* ``LANTERNE_ENV=production``: ``SECRET_KEY``, ``LANTERNE_RECEIPT_PEPPER``, ``ALLOWED_HOSTS``
  and ``DATABASE_URL`` must come from the environment, or start-up is refused.

A malformed value is refused at start-up in both modes.
"""

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name).lower()
    if not value:
        return default
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    value = env(name)
    try:
        number = int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}")
    return number


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


# What SQLite needs to behave under concurrent web workers (dj-database-url parses the URL).
SQLITE_OPTIONS = {
    # IMMEDIATE makes concurrent writers queue on the lock instead of failing with
    # "database is locked" halfway through a submission.
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        # Deleted rows (shredded keys) are overwritten, not left in free pages.
        "PRAGMA secure_delete=ON;"
    ),
}


def database_from_url(url: str) -> dict:
    """Turn sqlite:////abs/path.sqlite3 or postgres://user:pw@host:port/name into DATABASES."""
    scheme = url.split(":", 1)[0]
    if scheme not in ("sqlite", "postgres", "postgresql", "pgsql"):
        raise ImproperlyConfigured(f"DATABASE_URL: unsupported scheme {scheme!r}")
    try:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL: {error}") from None
    if config["ENGINE"].endswith("sqlite3"):
        if not config.get("NAME") or config["NAME"] in ("/", ":memory:"):
            raise ImproperlyConfigured("DATABASE_URL: a sqlite URL needs a file path")
        if not Path(config["NAME"]).is_absolute():  # sqlite:///name: inside the data dir
            config["NAME"] = str(DATA_DIR / config["NAME"])
        config.update(CONN_MAX_AGE=0, CONN_HEALTH_CHECKS=False)
        config["OPTIONS"] = {**SQLITE_OPTIONS, **config.get("OPTIONS", {})}
    return config


LANTERNE_ENV = env("LANTERNE_ENV", "local")
if LANTERNE_ENV not in ("local", "production"):
    raise ImproperlyConfigured("LANTERNE_ENV must be 'local' or 'production'")
PRODUCTION = LANTERNE_ENV == "production"

DATA_DIR = Path(env("LANTERNE_DATA_DIR", str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)


def local_secret(name: str, nbytes: int) -> str:
    """Read a secret from the environment, or in local mode from the data dir's secrets file."""
    value = env(name)
    if value:
        return value
    if PRODUCTION:
        raise ImproperlyConfigured(f"{name} must be set in the environment in production")
    path = DATA_DIR / "local-secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    if name not in stored:
        stored[name] = secrets.token_urlsafe(nbytes)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(stored, out, indent=1)
    return stored[name]


SECRET_KEY = local_secret("SECRET_KEY", 48)
if len(SECRET_KEY) < 40:
    raise ImproperlyConfigured("SECRET_KEY must be at least 40 characters")

# Mixed into every receipt derivation: a stolen database without it cannot test receipts.
LANTERNE_RECEIPT_PEPPER = local_secret("LANTERNE_RECEIPT_PEPPER", 32)
if len(LANTERNE_RECEIPT_PEPPER) < 32:
    raise ImproperlyConfigured("LANTERNE_RECEIPT_PEPPER must be at least 32 characters")

# Signs the audit log's checkpoints (cases/checkpoints.py). Never stored in the database,
# so whoever can write the database alone cannot sign a rewritten chain.
# In production a missing key stops only the checkpoints (and `check --deploy` says so).
LANTERNE_AUDIT_SIGNING_KEY = env("LANTERNE_AUDIT_SIGNING_KEY") or (
    "" if PRODUCTION else local_secret("LANTERNE_AUDIT_SIGNING_KEY", 32)
)
if LANTERNE_AUDIT_SIGNING_KEY and len(LANTERNE_AUDIT_SIGNING_KEY) < 32:
    raise ImproperlyConfigured("LANTERNE_AUDIT_SIGNING_KEY must be at least 32 characters")

DEBUG = env_bool("DEBUG", False)
if DEBUG and PRODUCTION:
    raise ImproperlyConfigured("DEBUG must be off in production: error pages can show data")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

if PRODUCTION and not env("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must be set in production")
DATABASES = {
    "default": database_from_url(env("DATABASE_URL", f"sqlite:///{DATA_DIR}/lanterne.sqlite3"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "staff.sites.LanterneAdminConfig",  # the admin with Lanterne's two-step login
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "simple_history",
    "config.apps.ProjectConfig",
    "cases",
    "staff",
    "whistle",
    "actors",
    "stats",
    "alerts",
]

MIDDLEWARE = [
    "config.security.SecurityHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Reads every form whole (or refuses it) and removes uploads nobody kept.
    "config.request_body.RequestBodyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.security.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "staff.language.StaffLanguageMiddleware",  # a signed-in staff member's own language
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Before the apps' folders: the admin's own base_site.html is replaced there (the
        # staff header, with the count of alerts to acknowledge), and the admin app comes
        # first among the apps.
        "DIRS": [BASE_DIR / "staff" / "overrides"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "whistle.context.public",
            ],
        },
    },
]

# Caches hold the short-lived throttling counters. Locally a file cache shared by the
# web workers; in production Redis (REDIS_URL). Never the database: counters are
# derived from network addresses and must not outlive the hour.
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # A Redis that is down or stuck must fail fast: lib.counters then counts in
            # process memory instead, and no request waits on it.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
            # Entries are few and small; culling would drop throttle counters and claims.
            "OPTIONS": {"MAX_ENTRIES": 100000, "CULL_FREQUENCY": 10},
        }
    }

# Staff sign in through the admin's two-step login (staff/login.py). For a key holder the
# sealed private key is the password's only verifier (staff/backends.py).
LOGIN_URL = "admin:login"
AUTHENTICATION_BACKENDS = ["staff.backends.KeyHolderBackend"]
# Failed staff sign-in attempts on the whole site per hour before everyone waits for the
# next hour (staff/throttle.py); below it, each account is slowed per address bucket.
LANTERNE_STAFF_FAILURES_PER_HOUR = env_int("LANTERNE_STAFF_FAILURES_PER_HOUR", 1000, minimum=10)
# A one-time enrolment code (staff/accounts.py) works for this many hours.
LANTERNE_ENROLMENT_HOURS = env_int("LANTERNE_ENROLMENT_HOURS", 72, minimum=1)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
OTP_TOTP_ISSUER = env("LANTERNE_ORGANISATION", "Lanterne")
# Guessing is slowed per account across both login steps and recovery (staff/throttle.py);
# the devices' own throttles would add a second, wall-clock delay on top of it.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

# Reporters' mailbox sessions are stored expiring on the hour (whistle/session_store.py).
SESSION_ENGINE = "whistle.session_store"
SESSION_COOKIE_AGE = env_int("LANTERNE_SESSION_MINUTES", 30, minimum=5) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the age counts from the last request: inactivity expiry
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_AGE = None  # a browser-session cookie: nothing of a visit outlives the browser
CSRF_COOKIE_SAMESITE = "Strict"
LANGUAGE_COOKIE_SAMESITE = "Strict"
LANGUAGE_COOKIE_HTTPONLY = True
SECURE_COOKIES = env_bool("LANTERNE_SECURE_COOKIES", PRODUCTION)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
if SECURE_COOKIES:  # __Host- cookies cannot be set or overwritten by any subdomain
    SESSION_COOKIE_NAME, CSRF_COOKIE_NAME = "__Host-sessionid", "__Host-csrftoken"
CSRF_FAILURE_VIEW = "whistle.views.csrf_failure"
# security.W003 looks for Django's own CsrfViewMiddleware by name; ours subclasses it (to
# accept the "Origin: null" that no-referrer pages send) and config/checks.py errors
# (lanterne.E005) if it is ever missing from MIDDLEWARE, so the silenced check loses nothing.
SILENCED_SYSTEM_CHECKS = ["security.W003"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "no-referrer"
X_FRAME_OPTIONS = "DENY"
if env_bool("LANTERNE_BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("fr", "Français"),
    ("en", "English"),
    ("pt", "Português"),
    ("sw", "Kiswahili"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"  # for collectstatic behind nginx; whitenoise serves locally
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True  # serve straight from the apps: no collectstatic step
WHITENOISE_AUTOREFRESH = DEBUG

# Ciphertext only, never served directly: downloads go through views that decrypt.
LANTERNE_MEDIA_DIR = Path(env("LANTERNE_MEDIA_DIR", str(DATA_DIR / "media")))
# Plaintext of an attachment exists only in memory; for metadata removal by mat2 it is
# written briefly to this memory-backed directory. Empty disables mat2 (Pillow/pypdf remain).
LANTERNE_SCRUB_DIR = env("LANTERNE_SCRUB_DIR", "/dev/shm" if Path("/dev/shm").is_dir() else "")  # noqa: S108
LANTERNE_MAX_ATTACHMENT_MB = env_int("LANTERNE_MAX_ATTACHMENT_MB", 20, minimum=1)
LANTERNE_MAX_ATTACHMENTS = env_int("LANTERNE_MAX_ATTACHMENTS", 10, minimum=1)
# Files larger than this are encrypted as they are, without metadata removal (memory bound).
LANTERNE_SCRUB_MAX_MB = env_int("LANTERNE_SCRUB_MAX_MB", 25, minimum=1)
# The first reads the body whole (cases.multipart), the second seals files as they come.
FILE_UPLOAD_HANDLERS = ["cases.multipart.WholeBodyHandler", "cases.uploads.SealingUploadHandler"]
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024  # text fields only; files stream to ciphertext
# Beyond LANTERNE_MAX_ATTACHMENTS a file is not even written, so a reporter who picks a
# whole folder of photos gets the form back with the first ones kept and a message.
DATA_UPLOAD_MAX_NUMBER_FILES = 1000

# Argon2id costs (KiB of memory, passes). Tests lower them; production keeps these.
LANTERNE_RECEIPT_KDF = (env_int("LANTERNE_RECEIPT_KDF_KIB", 65536, minimum=8), 2)
LANTERNE_PASSWORD_KDF = (env_int("LANTERNE_PASSWORD_KDF_KIB", 65536, minimum=8), 3)

# Receipt guessing: failed attempts per network address per hour, and for everyone.
LANTERNE_RECEIPT_TRIES_PER_HOUR = env_int("LANTERNE_RECEIPT_TRIES_PER_HOUR", 10, minimum=1)
# Reports accepted per client address per hour (flood control; needs a known address).
LANTERNE_SUBMISSIONS_PER_HOUR = env_int("LANTERNE_SUBMISSIONS_PER_HOUR", 30, minimum=1)
# Behind a proxy that passes the client's address (e.g. HTTP_X_REAL_IP): read it from there,
# for throttling only. Empty: REMOTE_ADDR. Loopback addresses are never counted.
LANTERNE_CLIENT_ADDRESS_HEADER = env("LANTERNE_CLIENT_ADDRESS_HEADER")
# Argon2id derivations running at once per process (each takes its memory cost).
LANTERNE_KDF_CONCURRENCY = env_int("LANTERNE_KDF_CONCURRENCY", 2, minimum=1)
LANTERNE_RECEIPT_TRIES_GLOBAL_PER_HOUR = env_int(
    "LANTERNE_RECEIPT_TRIES_GLOBAL_PER_HOUR", 2000, minimum=1
)

# Optional escrow public key (X25519, urlsafe base64) for disaster recovery: off by default.
# Checked by wrapping a throw-away key to it exactly as every submission will.
LANTERNE_ESCROW_PUBLIC_KEY = env("LANTERNE_ESCROW_PUBLIC_KEY")
if LANTERNE_ESCROW_PUBLIC_KEY:
    from lib import crypto as _crypto

    try:
        _crypto.wrap_for_recipient(
            _crypto.unb64(LANTERNE_ESCROW_PUBLIC_KEY), bytes(32), context=b"start-up check"
        )
    except (_crypto.CryptoError, ValueError):
        raise ImproperlyConfigured(
            "LANTERNE_ESCROW_PUBLIC_KEY must be an X25519 public key (32 bytes, urlsafe "
            "base64 without padding) that keys can be wrapped to"
        ) from None

LANTERNE_QUICK_EXIT_URL = env("LANTERNE_QUICK_EXIT_URL", "https://www.google.com/search?q=weather")
LANTERNE_ORGANISATION = env("LANTERNE_ORGANISATION", "Lanterne")
# The coalition that receives reports, named on the report form (a proper name: not translated).
LANTERNE_COALITION_NAME = env("LANTERNE_COALITION_NAME", "the DEMO Coalition (fictitious)")
LANTERNE_ADMIN_PATH = env("LANTERNE_ADMIN_PATH", "admin/").strip("/") + "/"
# Where staff reach Lanterne, for links in notifications (no trailing slash).
LANTERNE_BASE_URL = env("LANTERNE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Deadline reminders go out this many hours before a deadline (at most half its clock).
LANTERNE_REMINDER_HOURS = env_int("LANTERNE_REMINDER_HOURS", 48, minimum=1)
# Notification e-mails leave in fixed slots, every this many minutes from the hour
# (cases/notifications.py): never right after the act that caused them.
LANTERNE_MAIL_SLOT_MINUTES = env_int("LANTERNE_MAIL_SLOT_MINUTES", 10, minimum=1)
if 60 % LANTERNE_MAIL_SLOT_MINUTES:
    raise ImproperlyConfigured("LANTERNE_MAIL_SLOT_MINUTES must divide 60 (e.g. 5, 10, 15, 30)")
# Statistics show a count from 1 to this minus one as "<k", and hide more so none can be
# worked out (stats/suppression.py). At least 3: a hidden small count needs room to move.
LANTERNE_STATS_MIN_COUNT = env_int("LANTERNE_STATS_MIN_COUNT", 5, minimum=3)
# DejaVu Sans for the quarterly report's PDF (Debian's fonts-dejavu-core).
LANTERNE_PDF_FONT_DIR = env("LANTERNE_PDF_FONT_DIR", "/usr/share/fonts/truetype/dejavu")
# Closed cases are crypto-shredded this many days after closing (cases/retention.py).
LANTERNE_RETENTION_DAYS = env_int("LANTERNE_RETENTION_DAYS", 365, minimum=30)

# Celery: an embedded filesystem broker locally, Redis (or any kombu URL) in production.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "filesystem://")
BROKER_DIR = DATA_DIR / "broker"
if CELERY_BROKER_URL == "filesystem://":
    BROKER_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
    # kombu's filesystem transport, except that a message file it cannot read (left empty
    # by a full disk) is set aside instead of killing the worker (config/broker.py).
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR),
        "control_folder": str(BROKER_DIR / "control"),
        "data_folder_out": str(BROKER_DIR),
        "store_processed": False,
    }
else:
    # A task not acknowledged within this many seconds (its worker died) is delivered again.
    # Longer than any task runs or waits to retry, or live tasks would run twice.
    visibility_timeout = env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=1)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": visibility_timeout,
        # Look for such tasks every few seconds (kombu's default is every 100 s).
        "unacked_restore_interval": max(1, min(10, visibility_timeout // 5)),
        "unacked_restore_throttle": 1,
    }
# The worker logs through LOGGING below (times to the hour), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Where Celery still formats a line itself (its pool's messages at shutdown): no time.
CELERY_WORKER_LOG_FORMAT = "[%(levelname)s/%(processName)s] %(message)s"
CELERY_WORKER_TASK_LOG_FORMAT = "[%(levelname)s/%(processName)s] %(task_name)s %(message)s"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True  # a killed worker's task goes back to the queue
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")

# Locally, mail goes to one file per connection in var/mail/ (readable on first run: the
# demo staff have addresses); production names its backend (SMTP) in the environment.
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = Path(env("EMAIL_FILE_PATH", str(DATA_DIR / "mail")))
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "lanterne@localhost")
ADMINS = []  # error e-mails would carry request data; errors go to the log only

# Logs never carry a network address, user agent, referrer or request body: the
# request-aware loggers are silenced and the formatter has no request fields.
LANTERNE_LOG_FILE = env("LANTERNE_LOG_FILE")
LOG_TIME_FORMAT = "%Y-%m-%d %H:00"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"scrub": {"()": "config.security.ScrubLogFilter"}},
    # Times to the hour: a line about a reporter's request must not date it (and which
    # lines are about reporters cannot be told apart reliably, so no line is finer).
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "datefmt": LOG_TIME_FORMAT,
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["scrub"]},
        **(
            {
                "file": {
                    "class": "logging.FileHandler",
                    "filename": LANTERNE_LOG_FILE,
                    "formatter": "plain",
                    "filters": ["scrub"],
                }
            }
            if LANTERNE_LOG_FILE
            else {}
        ),
    },
    "root": {
        "handlers": ["console", *(["file"] if LANTERNE_LOG_FILE else [])],
        "level": env("LOG_LEVEL", "INFO"),
    },
    "loggers": {
        "django.server": {"level": "ERROR"},  # runserver's access log
        # "Bad Request: /follow-up/", "Not Found: ...": a reporter's mistyped receipt or
        # wrong link is not worth a line; errors (5xx) are still logged.
        "django.request": {"level": "ERROR"},
        "django.security.DisallowedHost": {"level": "CRITICAL"},  # scanners' noise
        # File parsers log what they read (Pillow's DEBUG prints EXIF: camera, GPS).
        "PIL": {"level": "WARNING"},
        "pypdf": {"level": "ERROR"},
        # The PDF's font subsetting narrates every glyph at INFO.
        "fontTools": {"level": "WARNING"},
        "fpdf": {"level": "WARNING"},
    },
}
