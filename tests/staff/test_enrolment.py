"""Enrolment by one-time code: the member chooses the password, makes the keys and sets up
the authenticator; a coordinator of their region admits them to cases."""

import pytest
from django.core import mail
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import access, keys
from cases.models import AuditEvent, KeyWrap, StaffProfile
from lib import crypto
from staff import accounts
from staff.throttle import FREE_FAILURES
from tests.conftest import PASSWORD, report, sign_in
from tests.staff.enrol_pages import ENROL, NEW_PASSWORD, invite, redeem, shown, totp_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada_in(client):
    sign_in(client, accounts.enrol("ada", role="admin", password=PASSWORD).profile)
    return client


def profile_of(username: str) -> StaffProfile:
    return StaffProfile.objects.select_related("user").get(user__username=username)


def test_an_administrator_enrols_a_member_who_chooses_their_own_password(ada_in):
    code = invite(ada_in, "grace", countries=["CD"])
    grace = profile_of("grace")
    assert not grace.has_keys and not grace.user.has_usable_password()
    assert AuditEvent.objects.filter(action="invite", detail__who="grace").exists()

    _client, done, secret = redeem(code)
    recovery = shown(done, "recovery-key")
    grace.refresh_from_db()
    private = keys.unseal_private_key(grace, NEW_PASSWORD)
    assert crypto.public_key_of(private) == bytes(grace.public_key)
    assert crypto.open_with_recovery_key(recovery, bytes(grace.recovery_sealed_private_key))
    assert shown(done, "fingerprint") == accounts.fingerprint(grace.public_key)
    assert done.content.decode().count("<li><code>") == accounts.BACKUP_CODES
    device = TOTPDevice.objects.get(user=grace.user)
    assert device.confirmed and device.bin_key == secret
    assert not grace.user.has_usable_password()  # the sealed key is the only verifier
    assert AuditEvent.objects.filter(action="enrol", actor="grace").exists()
    sign_in(ada_in, "grace", NEW_PASSWORD)


def test_a_code_works_once(ada_in):
    code = invite(ada_in, "grace", countries=["CD"])
    redeem(code)
    again = ada_in.post(
        ENROL, {"enrolment_code": code, "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert "unknown, already used or expired" in again.content.decode()
    assert keys.unseal_private_key(profile_of("grace"), NEW_PASSWORD)


def test_a_code_used_in_another_browser_meanwhile_is_refused_at_the_last_step(ada_in, client):
    from django.test import Client

    code = invite(ada_in, "grace", countries=["CD"])
    slow = Client()
    first = slow.post(
        ENROL, {"enrolment_code": code, "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    redeem(code)  # the quicker browser
    secret = totp_secret(first)
    late = slow.post(ENROL, {"step": "authenticator", "code": f"{totp(secret):06d}"}, follow=True)
    assert "used or expired meanwhile" in late.content.decode()
    assert keys.unseal_private_key(profile_of("grace"), NEW_PASSWORD)


def test_an_expired_code_is_refused(ada_in, frozen, settings):
    code = invite(ada_in, "grace", countries=["CD"])
    frozen.advance(hours=settings.LANTERNE_ENROLMENT_HOURS, seconds=1)
    assert accounts.code_holder(code) is None
    page = ada_in.post(
        ENROL, {"enrolment_code": code, "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert "unknown, already used or expired" in page.content.decode()


def test_a_wrong_first_authenticator_code_completes_nothing(ada_in, client):
    code = invite(ada_in, "grace", countries=["CD"])
    client.post(
        ENROL, {"enrolment_code": code, "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    page = client.post(ENROL, {"step": "authenticator", "code": "000000"})
    assert "That code is not right" in page.content.decode()
    assert not profile_of("grace").has_keys and accounts.code_holder(code) is not None


def test_a_weak_password_is_refused_and_the_code_still_works(ada_in, client):
    code = invite(ada_in, "grace", countries=["CD"])
    page = client.post(
        ENROL, {"enrolment_code": code, "new_password1": "short", "new_password2": "short"}
    )
    assert "This password is too short" in page.content.decode()
    assert accounts.code_holder(code) is not None


def test_guessing_codes_is_throttled(client, frozen):
    for _ in range(FREE_FAILURES):
        client.post(
            ENROL,
            {"enrolment_code": "A" * 25, "new_password1": PASSWORD, "new_password2": PASSWORD},
        )
    page = client.post(
        ENROL, {"enrolment_code": "A" * 25, "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert "Wait 1 second" in page.content.decode()


def test_the_authenticator_secret_waits_in_no_table_before_the_last_step(ada_in, client):
    from tests.dump import database_dump

    code = invite(ada_in, "grace", countries=["CD"])
    first = client.post(
        ENROL, {"enrolment_code": code, "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    secret = totp_secret(first)
    dump = database_dump()
    assert (
        secret.hex().encode() not in dump
        and not TOTPDevice.objects.filter(user__username="grace").exists()
    )


def test_an_enrolled_member_receives_no_case_until_a_coordinator_admits_them(
    ada_in, coalition, client, django_capture_on_commit_callbacks
):
    code = invite(ada_in, "grace", countries=["CD"])
    redeem(code)
    grace = profile_of("grace")
    before = report().case
    assert not KeyWrap.objects.filter(user=grace.user).exists()

    sign_in(client, coalition["beatrice"])
    page = client.get(reverse("admin:cases_staffprofile_admit", args=[grace.pk]))
    assert shown(page, "fingerprint") == accounts.fingerprint(grace.public_key)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:cases_staffprofile_admit", args=[grace.pk]), {"checked": "on"})
    grace.refresh_from_db()
    assert grace.admitted_at is not None and grace.admitted_by == coalition["beatrice"].user
    after = report().case
    assert KeyWrap.objects.filter(user=grace.user, case=after).exists()
    assert not KeyWrap.objects.filter(user=grace.user, case=before).exists()
    [told] = [m for m in mail.outbox if m.to == ["grace@coalition.example"]]
    assert "admitted you to cases" in told.body and after.reference not in told.body


def test_an_administrator_cannot_admit_anyone(ada_in):
    code = invite(ada_in, "grace", countries=["CD"])
    redeem(code)
    grace = profile_of("grace")
    page = ada_in.post(
        reverse("admin:cases_staffprofile_admit", args=[grace.pk]), {"checked": "on"}
    )
    assert page.status_code == 403
    with pytest.raises(accounts.NotAllowed, match="Your role cannot do this"):
        accounts.admit(grace, by=profile_of("ada").user, private_key=None)
    grace.refresh_from_db()
    assert grace.admitted_at is None


def test_a_coordinator_admits_only_members_of_their_regions(coalition):
    west = accounts.enrol("kadi", role="coordinator", password=PASSWORD, regions=["west"])
    invitation = accounts.invite("grace", role="officer", by="console", countries=["CD"])
    accounts.redeem(invitation.code, accounts.make_keys(PASSWORD), totp_key=b"k" * 20)
    grace = profile_of("grace")
    with pytest.raises(accounts.NotAllowed, match="not in your regions"):
        accounts.admit(grace, by=west.profile.user, private_key=None)
    accounts.admit(grace, by=coalition["beatrice"].user, private_key=None)  # the control


def test_a_coordinator_enrols_only_in_their_regions(coalition):
    beatrice = coalition["beatrice"].user
    with pytest.raises(accounts.NotAllowed, match="may not enrol"):
        accounts.invite("kofi", role="officer", by=beatrice, countries=["SL"])
    with pytest.raises(accounts.NotAllowed, match="may not enrol"):
        accounts.invite("root2", role="admin", by=beatrice)
    assert accounts.invite("grace", role="officer", by=beatrice, countries=["CD"]).code


def test_after_a_reset_a_coordinator_gives_back_the_cases_she_holds(
    ada_in, coalition, client, django_capture_on_commit_callbacks
):
    amani = coalition["amani"]
    case = report().case
    other = report().case
    reset = ada_in.post(
        reverse("admin:auth_user_password_change", args=[amani.user.pk]), {"understood": "on"}
    )
    redeem(shown(reset, "enrolment-code"))
    amani.refresh_from_db()
    new_private = keys.unseal_private_key(amani, NEW_PASSWORD)
    with pytest.raises(access.NotFound, match="not one this person may open"):
        access.case_key_for_staff(case, amani.user, new_private)

    # Béatrice gave up the other case before: that one stays lost.
    KeyWrap.objects.filter(case=other, user=coalition["beatrice"].user).delete()
    sign_in(client, coalition["beatrice"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:cases_staffprofile_admit", args=[amani.pk]), {"checked": "on"})
    assert access.case_key_for_staff(case, amani.user, new_private)
    with pytest.raises(access.NotFound, match="not one this person may open"):
        access.case_key_for_staff(other, amani.user, new_private)
    amani.refresh_from_db()
    assert amani.lost_cases == [str(other.id)]
    event = AuditEvent.objects.get(action="admit_staff", actor="beatrice")
    assert event.detail["who"] == "amani" and event.detail["cases_restored"] == 1
    [told] = [m for m in mail.outbox if m.to == ["amani@coalition.example"]]
    assert "gave you back access to 1 case" in told.body and case.reference not in told.body


def test_the_console_enrols_and_admits_at_once():
    enrolment = accounts.enrol("kofi", role="officer", password=PASSWORD, countries=["SL"])
    assert enrolment.otpauth_uri.startswith("otpauth://totp/") and enrolment.recovery_key
    assert enrolment.profile.admitted_at is not None
    assert report(country="SL").case.wraps.filter(user=enrolment.profile.user).exists()
