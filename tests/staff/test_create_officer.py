import pytest
from django.core.management import CommandError, call_command

from cases import keys
from cases.models import StaffProfile
from lib import crypto
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def run(*args, **env) -> str:
    from io import StringIO

    out = StringIO()
    call_command("create_officer", *args, stdout=out)
    return out.getvalue()


def test_it_creates_an_officer_with_keys_and_an_authenticator(monkeypatch):
    monkeypatch.setenv("LANTERNE_OFFICER_PASSWORD", PASSWORD)
    output = run("grace", "--role", "officer", "--countries", "cd,CF")
    profile = StaffProfile.objects.get(user__username="grace")
    assert profile.country_list == ["CD", "CF"] and profile.user.is_staff
    assert "otpauth://totp/" in output and "secret=" in output
    recovery = output.split("Recovery key (shown once, keep it offline): ")[1].split()[0]
    private = keys.unseal_private_key(profile, PASSWORD)
    assert crypto.public_key_of(private) == bytes(profile.public_key)
    assert crypto.open_with_recovery_key(recovery, bytes(profile.recovery_sealed_private_key)) == (
        private
    )
    assert profile.user.totpdevice_set.get().confirmed


def test_a_coordinator_named_by_country_leads_its_regions(monkeypatch):
    monkeypatch.setenv("LANTERNE_OFFICER_PASSWORD", PASSWORD)
    run("henri", "--role", "coordinator", "--countries", "CD")
    assert StaffProfile.objects.get().region_list == ["central", "great-lakes"]


def test_unknown_countries_are_refused(monkeypatch):
    monkeypatch.setenv("LANTERNE_OFFICER_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="unknown country code"):
        run("ines", "--role", "officer", "--countries", "CD,XX")
    assert not StaffProfile.objects.exists()


def test_a_short_password_is_refused(monkeypatch):
    monkeypatch.setenv("LANTERNE_OFFICER_PASSWORD", "short")
    with pytest.raises(CommandError, match="at least 12"):
        run("jo", "--role", "officer", "--countries", "CD")


def test_a_duplicate_username_is_refused(monkeypatch, amani):
    monkeypatch.setenv("LANTERNE_OFFICER_PASSWORD", PASSWORD)
    with pytest.raises(CommandError, match="already exists"):
        run("amani", "--role", "officer", "--countries", "CD")


def test_the_seeded_demo_covers_a_few_countries_and_prints_logins(settings, tmp_path):
    from io import StringIO

    settings.DATA_DIR = tmp_path
    out = StringIO()
    call_command("seed_demo", stdout=out)
    text = out.getvalue()
    assert "DEMO ORGANISATION" in text and "demo-officer-cd" in text and "otpauth://" in text
    count = StaffProfile.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert StaffProfile.objects.count() == count  # first run only
