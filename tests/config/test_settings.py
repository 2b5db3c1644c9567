import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import database_from_url

ROOT = Path(__file__).resolve().parents[2]


def start(tmp_path, **env) -> subprocess.CompletedProcess:
    """Run `manage.py check` in a fresh process with exactly this environment."""
    base = {"PATH": os.environ["PATH"], "LANTERNE_DATA_DIR": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_refuses_to_start_without_secrets(tmp_path):
    result = start(tmp_path, LANTERNE_ENV="production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment in production" in result.stderr


def test_production_refuses_a_short_pepper(tmp_path):
    result = start(
        tmp_path,
        LANTERNE_ENV="production",
        SECRET_KEY="k" * 50,
        LANTERNE_RECEIPT_PEPPER="short",
        ALLOWED_HOSTS="example.org",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    assert result.returncode != 0
    assert "LANTERNE_RECEIPT_PEPPER must be at least 32 characters" in result.stderr


def test_production_starts_with_everything_set(tmp_path):
    result = start(
        tmp_path,
        LANTERNE_ENV="production",
        SECRET_KEY="k" * 50,
        LANTERNE_RECEIPT_PEPPER="p" * 40,
        ALLOWED_HOSTS="example.org",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
    )
    assert result.returncode == 0, result.stderr


def test_a_malformed_number_is_refused_at_start(tmp_path):
    result = start(tmp_path, LANTERNE_MAX_ATTACHMENT_MB="twenty")
    assert result.returncode != 0
    assert "LANTERNE_MAX_ATTACHMENT_MB must be a whole number" in result.stderr


def test_local_mode_generates_private_secrets_once(tmp_path):
    assert start(tmp_path).returncode == 0
    secrets_file = tmp_path / "local-secrets.json"
    first = secrets_file.read_text()
    assert oct(secrets_file.stat().st_mode & 0o777) == "0o600"
    start(tmp_path)
    assert secrets_file.read_text() == first


def test_database_urls_are_understood():
    sqlite = database_from_url("sqlite:////srv/lanterne/db.sqlite3")
    assert sqlite["NAME"] == "/srv/lanterne/db.sqlite3"
    assert sqlite["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    pg = database_from_url("postgres://lan:p%40ss@db.internal:5433/lanterne?sslmode=require")
    assert (pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"], pg["NAME"]) == (
        "lan",
        "p@ss",
        "db.internal",
        5433,
        "lanterne",
    )
    assert pg["OPTIONS"] == {"sslmode": "require"}
    with pytest.raises(ImproperlyConfigured, match="unsupported scheme 'mysql'"):
        database_from_url("mysql://x/y")
    with pytest.raises(ImproperlyConfigured, match="a sqlite URL needs a file path"):
        database_from_url("sqlite://")


def test_every_variable_the_settings_read_is_documented():
    import re

    source = (ROOT / "config" / "settings.py").read_text()
    read = set(
        re.findall(r'(?:env|env_int|env_bool|env_list|local_secret)\(\s*"([A-Z_]+)"', source)
    )
    documented = set(
        re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / "deploy" / "env.example").read_text(), re.M)
    )
    assert read and read - documented == set()


def test_check_deploy_raises_no_csrf_warning_for_our_own_middleware(settings, db):
    from django.core import checks

    found = {m.id for m in checks.run_checks(include_deployment_checks=True) if not m.is_silenced()}
    assert "security.W003" not in found and "lanterne.E005" not in found
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "Csrf" not in m]
    found = {m.id for m in checks.run_checks(include_deployment_checks=True) if not m.is_silenced()}
    assert "lanterne.E005" in found  # removing it is still caught


def test_an_escrow_key_that_cannot_take_a_wrap_is_refused_at_start(tmp_path):
    from lib import crypto

    # 32 bytes, valid base64, but a low-order point: wrapping to it fails as a submit would.
    result = start(tmp_path, LANTERNE_ESCROW_PUBLIC_KEY=crypto.b64(bytes(32)))
    assert result.returncode != 0
    assert "LANTERNE_ESCROW_PUBLIC_KEY must be an X25519 public key" in result.stderr
    padded = start(tmp_path, LANTERNE_ESCROW_PUBLIC_KEY=crypto.b64(bytes(31) + b"\x09") + "=")
    assert padded.returncode != 0  # unb64, as submit reads it, refuses the padding
    _private, public = crypto.generate_keypair()
    good = start(tmp_path, LANTERNE_ESCROW_PUBLIC_KEY=crypto.b64(public))
    assert good.returncode == 0, good.stderr


def test_a_mail_slot_that_does_not_divide_the_hour_is_refused(tmp_path):
    result = start(tmp_path, LANTERNE_MAIL_SLOT_MINUTES="7")
    assert result.returncode != 0
    assert "LANTERNE_MAIL_SLOT_MINUTES must divide 60" in result.stderr
