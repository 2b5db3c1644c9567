import pytest
from django.urls import reverse

from cases import keys
from cases.models import KeyWrap, StaffProfile
from lib import crypto
from staff import accounts
from tests.conftest import PASSWORD, report, sign_in

pytestmark = pytest.mark.django_db

NEW = "a much longer passphrase 2026"


@pytest.fixture
def ada_in(client):
    sign_in(client, accounts.enrol("ada", role="admin", password=PASSWORD).profile)
    return client


def reset_url(profile):
    return reverse("admin:auth_user_password_change", args=[profile.user.pk])


def test_an_admin_cannot_silently_set_an_officers_password(ada_in, coalition):
    page = ada_in.get(reset_url(coalition["amani"])).content.decode()
    assert "loses access to every case" in page
    assert 'name="understood"' in page
    response = ada_in.post(
        reset_url(coalition["amani"]), {"new_password1": NEW, "new_password2": NEW}
    )
    assert "This field is required." in response.content.decode()
    assert keys.unseal_private_key(StaffProfile.objects.get(user__username="amani"), PASSWORD)


def test_a_reset_without_recovery_makes_new_keys_and_drops_old_wraps(ada_in, coalition):
    report()
    amani = coalition["amani"]
    old_public = bytes(amani.public_key)
    response = ada_in.post(
        reset_url(amani), {"new_password1": NEW, "new_password2": NEW, "understood": "on"}
    )
    page = response.content.decode()
    recovery = page.split('id="recovery-key">')[1].split("<")[0]
    profile = StaffProfile.objects.get(pk=amani.pk)
    private = keys.unseal_private_key(profile, NEW)
    assert crypto.public_key_of(private) == bytes(profile.public_key) != old_public
    assert crypto.open_with_recovery_key(recovery, bytes(profile.recovery_sealed_private_key))
    assert not KeyWrap.objects.filter(user=amani.user).exists()


def test_an_account_without_keys_keeps_djangos_own_form(ada_in, django_user_model):
    plain = django_user_model.objects.create_user("auditor", password=PASSWORD)
    page = ada_in.get(reverse("admin:auth_user_password_change", args=[plain.pk]))
    assert page.status_code == 200 and "loses access" not in page.content.decode()


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
