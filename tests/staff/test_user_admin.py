"""The administrator's reset of a member who lost password and recovery key: a new
enrolment code, never a password, and no case until a coordinator admits them again."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from cases import keys
from cases.models import KeyWrap, StaffProfile
from staff import accounts
from tests.conftest import PASSWORD, report, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada_in(client):
    sign_in(client, accounts.enrol("ada", role="admin", password=PASSWORD).profile)
    return client


def reset_url(profile):
    return reverse("admin:auth_user_password_change", args=[profile.user.pk])


def test_an_admin_cannot_set_an_officers_password(ada_in, coalition):
    page = ada_in.get(reset_url(coalition["amani"])).content.decode()
    assert "loses every case sent to them" in page and 'name="understood"' in page
    assert 'name="new_password1"' not in page
    response = ada_in.post(reset_url(coalition["amani"]), {})
    assert "This field is required." in response.content.decode()
    assert keys.unseal_private_key(StaffProfile.objects.get(user__username="amani"), PASSWORD)


def test_a_reset_issues_an_enrolment_code_and_takes_keys_wraps_and_admission(ada_in, coalition):
    case = report().case
    amani = coalition["amani"]
    response = ada_in.post(reset_url(amani), {"understood": "on"})
    page = response.content.decode()
    code = page.split('id="enrolment-code">')[1].split("<")[0]
    assert accounts.code_holder(code) == amani.user
    assert f"{reverse('admin:enrol')}?code={code}" in page
    profile = StaffProfile.objects.get(pk=amani.pk)
    assert not profile.has_keys and profile.admitted_at is None
    assert profile.lost_cases == [str(case.id)]
    assert not KeyWrap.objects.filter(user=amani.user).exists()
    assert not TOTPDevice.objects.filter(user=amani.user).exists()
    assert not get_user_model().objects.get(pk=amani.user.pk).has_usable_password()


def test_an_account_without_a_profile_keeps_djangos_own_form(ada_in, django_user_model):
    plain = django_user_model.objects.create_user("auditor", password=PASSWORD)
    page = ada_in.get(reverse("admin:auth_user_password_change", args=[plain.pk]))
    assert page.status_code == 200 and "loses every case" not in page.content.decode()


def test_nobody_adds_a_user_behind_the_enrolment(ada_in):
    assert ada_in.get(reverse("admin:auth_user_add")).status_code == 403


def change_url(profile):
    return reverse("admin:auth_user_change", args=[profile.user.pk])


def deactivation(profile, **extra) -> dict:
    """The user form as the admin sends it with "Active" unticked."""
    user = profile.user
    return {
        "username": user.username,
        "email": user.email,
        "is_staff": "on",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        **extra,
    }


def test_deactivating_the_last_officer_of_a_country_asks_first(ada_in, coalition):
    sia = coalition["sia"]
    response = ada_in.post(change_url(sia), deactivation(sia))
    page = response.content.decode()
    assert response.status_code == 200
    assert "sia is the last active recipient of some reports" in page
    assert "reports from Sierra Leone would go to every coordinator of the coalition" in page
    sia.user.refresh_from_db()
    assert sia.user.is_active

    response = ada_in.post(change_url(sia), deactivation(sia, deactivate_anyway="on"))
    assert response.status_code == 302
    sia.user.refresh_from_db()
    assert not sia.user.is_active


def test_deactivating_the_last_coordinator_warns_that_reports_would_reach_nobody(ada_in, coalition):
    beatrice = coalition["beatrice"]
    page = ada_in.post(change_url(beatrice), deactivation(beatrice)).content.decode()
    assert "would reach nobody and be refused" in page and "Great Lakes" in page


def test_deactivating_one_of_two_officers_goes_through_without_a_question(ada_in, coalition):
    accounts.enrol("jean", role="officer", password=PASSWORD, countries=["CD"])
    amani = coalition["amani"]
    response = ada_in.post(change_url(amani), deactivation(amani))
    assert response.status_code == 302
    amani.user.refresh_from_db()
    assert not amani.user.is_active
