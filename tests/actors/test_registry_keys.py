"""Who holds a registry's key: everyone in scope when it starts, newcomers by a coordinator's
grant, nobody after leaving the scope or after a key reset until granted again."""

import pytest

from actors import keys, registry, search, sharing
from actors.models import RegistryWrap
from cases.models import StaffProfile
from cases.permissions import NotAllowed
from lib import crypto
from staff import accounts
from tests.actors.conftest import key_for, private, record, ring
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_new_registry_is_wrapped_to_the_staff_of_its_country_and_nobody_else(coalition):
    record(coalition["amani"], "Comptoir Étoile")
    holders = set(RegistryWrap.objects.values_list("user__username", flat=True))
    assert holders == {"amani", "beatrice"}
    assert set(ring(coalition["beatrice"])) == {"CD"}
    assert ring(coalition["sia"]) == {} and ring(coalition["chidi"]) == {}


def test_an_officer_who_joins_later_needs_a_coordinator_to_give_her_the_key(coalition):
    record(coalition["amani"], "Comptoir Étoile")
    jean = accounts.enrol("jean", role="officer", password=PASSWORD, countries=["CD"]).profile
    assert ring(jean) == {}, "the server alone gives the key to nobody"
    with pytest.raises(NotAllowed, match="Your role cannot do this"):
        sharing.grant(
            "CD", by=coalition["amani"].user, key=ring(coalition["amani"])["CD"], to=jean.user
        )
    states = {h.profile.user.username: h.state for h in sharing.holders("CD")}
    assert states == {"amani": "holds", "beatrice": "holds", "jean": "missing"}

    sharing.grant(
        "CD", by=coalition["beatrice"].user, key=ring(coalition["beatrice"])["CD"], to=jean.user
    )
    assert set(ring(jean)) == {"CD"}
    assert ring(jean)["CD"].key == ring(coalition["amani"])["CD"].key


def test_the_key_goes_only_to_staff_of_the_registry_s_country(coalition):
    record(coalition["amani"], "Comptoir Étoile")
    beatrice = coalition["beatrice"]
    with pytest.raises(NotAllowed, match="Only active officers and coordinators of this country"):
        sharing.grant("CD", by=beatrice.user, key=ring(beatrice)["CD"], to=coalition["sia"].user)
    with pytest.raises(NotAllowed, match="Only active officers and coordinators of this country"):
        sharing.grant("CD", by=beatrice.user, key=ring(beatrice)["CD"], to=coalition["chidi"].user)


def test_an_officer_who_leaves_the_country_opens_nothing_even_with_her_old_wrap(coalition):
    record(coalition["amani"], "Comptoir Étoile")
    amani = coalition["amani"]
    assert set(ring(amani)) == {"CD"}  # positive control
    amani.countries = "CF"
    amani.save()
    amani = StaffProfile.objects.get(pk=amani.pk)  # a new request sees the new scope
    assert ring(amani) == {}
    states = {h.profile.user.username: h.state for h in sharing.holders("CD")}
    assert states["amani"] == "outside"
    sharing.revoke("CD", by=coalition["beatrice"].user, who=amani.user)
    assert not RegistryWrap.objects.filter(user=amani.user).exists()


def test_after_a_key_reset_her_wrap_is_stale_until_she_is_admitted_and_granted_again(coalition):
    record(coalition["amani"], "Comptoir Étoile")
    admin = accounts.enrol("ada", role="admin", password=PASSWORD).profile
    amani, beatrice = coalition["amani"], coalition["beatrice"]
    code, _expires = accounts.reset_without_recovery(amani.user, by=admin.user)
    accounts.redeem(code, accounts.make_keys(PASSWORD), totp_key=b"k" * 20)
    amani = StaffProfile.objects.get(pk=amani.pk)
    assert ring(amani) == {}

    def state():
        return {h.profile.user.username: h.state for h in sharing.holders("CD")}["amani"]

    assert state() == "unadmitted"
    with pytest.raises(NotAllowed, match="must admit this person to cases first"):
        sharing.grant("CD", by=beatrice.user, key=ring(beatrice)["CD"], to=amani.user)
    accounts.admit(amani, by=beatrice.user, private_key=private(beatrice))
    amani = StaffProfile.objects.get(pk=amani.pk)
    assert state() == "stale"
    sharing.grant("CD", by=beatrice.user, key=ring(beatrice)["CD"], to=amani.user)
    assert set(ring(amani)) == {"CD"}


def test_a_registry_started_by_the_fallback_chain_is_wrapped_to_its_country_only(coalition):
    # Sia's country with no coordinator of its region: reports fall to every coordinator of
    # the coalition, but the registry's key goes only to those who cover Sierra Leone.
    record(coalition["sia"], "Bureau d'achat Kono", country="SL")
    holders = set(RegistryWrap.objects.values_list("user__username", flat=True))
    assert holders == {"sia"}


def test_an_administrator_holds_no_registry_and_cannot_start_one(coalition):
    admin = accounts.enrol("ada", role="admin", password=PASSWORD).profile
    record(coalition["amani"], "Comptoir Étoile")
    assert keys.keyring(admin.user, b"\0" * 32) == {}
    with pytest.raises(NotAllowed, match="Your role cannot do this"):
        registry.start_registry("SL", by=admin.user)


def test_a_registry_is_started_once(coalition):
    key_for(coalition["amani"], "CD")
    with pytest.raises(NotAllowed, match="already exists"):
        registry.start_registry("CD", by=coalition["beatrice"].user)
    with pytest.raises(NotAllowed, match="not in your scope"):
        registry.start_registry("SL", by=coalition["amani"].user)


def test_a_new_key_after_a_departure_leaves_the_old_copy_useless(coalition):
    amani, beatrice = coalition["amani"], coalition["beatrice"]
    etoile = record(amani, "Comptoir Étoile", licences=[{"number": "BA-1"}])
    jean = accounts.enrol("jean", role="officer", password=PASSWORD, countries=["CD"]).profile
    sharing.grant("CD", by=beatrice.user, key=ring(beatrice)["CD"], to=jean.user)
    copied = ring(jean)["CD"]  # what Jean could have kept
    jean.countries = "CF"
    jean.save()
    with pytest.raises(NotAllowed, match="Your role cannot do this"):
        sharing.rekey("CD", by=amani.user, key=ring(amani)["CD"])
    fresh = sharing.rekey("CD", by=beatrice.user, key=ring(beatrice)["CD"])
    etoile.refresh_from_db()
    assert fresh.generation == 2 and fresh.key != copied.key
    assert registry.read(etoile, fresh).name == "Comptoir Étoile"
    with pytest.raises(crypto.CryptoError, match="cannot open"):
        registry.read(etoile, copied)
    assert set(RegistryWrap.objects.values_list("user__username", flat=True)) == {
        "amani",
        "beatrice",
    }
    assert ring(StaffProfile.objects.get(pk=amani.pk))["CD"].key == fresh.key
    hits, _more = search.search(ring(StaffProfile.objects.get(pk=amani.pk)), "BA 1")
    assert [h.actor for h in hits] == [etoile], "the index is rebuilt under the new key"
