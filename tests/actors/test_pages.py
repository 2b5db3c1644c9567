"""The registry's pages through the staff site: record, find, link, read — each audited."""

import pytest
from django.urls import reverse

from actors.models import Actor, CaseLink
from cases.models import AuditEvent
from tests.actors.conftest import record
from tests.conftest import report, sign_in

pytestmark = pytest.mark.django_db

HOME = "admin:actors_actor_changelist"


def actor_form(**changes) -> dict:
    return {
        "country": "CD",
        "kind": "buying-house",
        "name": "Comptoir Étoile",
        "aliases": "Étoile Diamonds\nEtoile SARL",
        "province": "CD-KS",
        "registration": "CD/KNG/RCCM/14-B-0042",
        **changes,
    }


def test_the_staff_home_page_links_to_the_registry_for_officers_and_the_steering_committee(
    client, amani, chidi
):
    sign_in(client, amani)
    home = client.get(reverse("admin:index")).content.decode()
    assert reverse(HOME) in home
    client.logout()
    sign_in(client, chidi)
    assert reverse(HOME) in client.get(reverse("admin:index")).content.decode()


def test_an_officer_records_an_actor_and_finds_it_by_typing_its_name_without_accents(
    client, amani, beatrice
):
    sign_in(client, amani)
    response = client.post(reverse("admin:actors_actor_add"), actor_form())
    actor = Actor.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "admin:actors_actor_change", args=[actor.pk]
    )
    page = client.get(response.url).content.decode()
    assert "Comptoir Étoile" in page and "Kasaï" in page and "CD/KNG/RCCM/14-B-0042" in page

    found = client.get(reverse(HOME), {"q": "comptoir etoile"}).content.decode()
    assert actor.reference in found and "Comptoir Étoile" in found
    assert AuditEvent.objects.filter(action="actor_search").count() == 1
    assert "comptoir" not in str(AuditEvent.objects.get(action="actor_search").detail).lower()


def test_every_read_of_an_actor_page_is_audited(client, amani):
    actor = record(amani, "Comptoir Étoile")
    sign_in(client, amani)
    client.get(reverse("admin:actors_actor_change", args=[actor.pk]))
    client.get(reverse("admin:actors_actor_change", args=[actor.pk]))
    reads = AuditEvent.objects.filter(action="read", detail__actor=actor.reference)
    assert reads.count() == 2 and reads.first().actor == "amani"


def test_an_officer_links_an_actor_to_a_case_she_holds_a_key_to(client, amani, beatrice):
    actor = record(amani, "Comptoir Étoile")
    case = report(categories=["TRD"], country="CD").case
    sign_in(client, amani)
    url = reverse("admin:actors_actor_act", args=[actor.pk, "link"])
    client.post(url, {"link-reference": case.reference.lower(), "link-role": "buyer"})
    link = CaseLink.objects.get()
    assert (link.actor, link.case, link.role) == (actor, case, "buyer")
    event = AuditEvent.objects.get(action="actor_link")
    assert event.case_id == case.id and event.actor == "amani"
    page = client.get(reverse("admin:actors_actor_change", args=[actor.pk])).content.decode()
    assert case.reference in page


def test_a_steering_member_sees_counts_and_no_name(client, amani, chidi):
    for i in range(6):
        record(amani, f"Comptoir {i}")
    record(amani, "Groupe armé Alpha", kind="armed-group")
    sign_in(client, chidi)
    page = client.get(reverse(HOME)).content.decode()
    assert "Comptoir" not in page and "Alpha" not in page
    assert ">6<" in page and "&lt;5" in page


def test_access_follows_the_role_and_the_registry(client, coalition):
    actor = record(coalition["amani"], "Comptoir Étoile")
    page = reverse("admin:actors_actor_change", args=[actor.pk])
    expected = {"amani": 200, "beatrice": 200, "sia": 404, "chidi": 404}
    for name, status in expected.items():
        client.logout()
        sign_in(client, coalition[name])
        assert client.get(page).status_code == status, name
    client.logout()
    from staff import accounts
    from tests.conftest import PASSWORD

    admin = accounts.enrol("ada", role="admin", password=PASSWORD).profile
    sign_in(client, admin)
    assert client.get(reverse(HOME)).status_code == 403
    assert client.get(page).status_code == 404
    assert reverse(HOME) not in client.get(reverse("admin:index")).content.decode()


def test_a_coordinator_gives_the_key_to_an_officer_who_joined(client, coalition):
    from staff import accounts
    from tests.conftest import PASSWORD

    record(coalition["amani"], "Comptoir Étoile")
    jean = accounts.enrol("jean", role="officer", password=PASSWORD, countries=["CD"]).profile
    sign_in(client, coalition["beatrice"])
    listing = client.get(reverse("admin:actors_actor_access")).content.decode()
    assert "jean" in listing and "does not hold it yet" in listing
    client.post(
        reverse("admin:actors_actor_access_act", args=["grant"]),
        {"registry": "CD", "user": jean.user.pk},
    )
    assert AuditEvent.objects.filter(action="registry_grant", detail__to="jean").exists()
    client.logout()
    sign_in(client, jean)
    found = client.get(reverse(HOME), {"q": "comptoir etoile"}).content.decode()
    assert "Comptoir Étoile" in found


def test_forged_posts_get_a_message_never_an_error_page(client, coalition):
    actor = record(coalition["amani"], "Comptoir Étoile")
    sign_in(client, coalition["beatrice"])
    act = reverse("admin:actors_actor_act", args=[actor.pk, "unlink"])
    assert client.post(act, {"unlink-link": "not-a-uuid"}, follow=True).status_code == 200
    grant = reverse("admin:actors_actor_access_act", args=["grant"])
    page = client.post(grant, {"registry": "CD", "user": "1 OR 1=1"})
    assert page.status_code == 200 and "Choose a registry you hold" in page.content.decode()
    confirm = reverse("admin:actors_actor_import_confirm")
    page = client.post(confirm, {"batch": "x", "key": "%%%"})
    assert page.status_code == 200 and "no longer waiting" in page.content.decode()
    deep = b"[" * 100_000 + b"]" * 100_000
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post(
        reverse("admin:actors_actor_import"),
        {"format": "ftm", "country": "CD", "file": SimpleUploadedFile("deep.json", deep)},
    )
    assert page.status_code == 200 and "This line is not JSON." in page.content.decode()
