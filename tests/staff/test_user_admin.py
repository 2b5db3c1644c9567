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
