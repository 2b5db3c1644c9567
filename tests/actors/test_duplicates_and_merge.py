"""Possible duplicates are proposed (same identifier, or same name in the same country); a
merge is an audited act that keeps both records' history."""

import pytest
from django.urls import reverse

from actors import registry, search
from actors.models import Actor, CaseLink, Token
from cases.models import AuditEvent
from cases.permissions import NotAllowed
from tests.actors.conftest import record, ring
from tests.conftest import key_of, report, sign_in

pytestmark = pytest.mark.django_db

RCCM = [{"scheme": "registration", "value": "CD/KNG/RCCM/14-B-0042"}]


def test_the_same_identifier_written_differently_is_proposed_as_a_duplicate(amani, beatrice):
    first = record(amani, "Comptoir Étoile", identifiers=RCCM)
    second = record(
        amani,
        "Étoile Diamonds",
        identifiers=[{"scheme": "registration", "value": "cd kng rccm 14b0042"}],
    )
    assert search.duplicates_of(first) == [(second, "identifier")]
    assert search.duplicate_groups(ring(amani)) == [
        ("identifier", sorted([first.pk, second.pk], key=str))
    ]


def test_the_same_name_in_the_same_country_is_proposed_and_another_country_is_not(coalition):
    amani, beatrice = coalition["amani"], coalition["beatrice"]
    first = record(amani, "Comptoir Étoile")
    second = record(amani, "COMPTOIR ETOILE")
    elsewhere = record(beatrice, "Comptoir Étoile", country="CF")
    assert search.duplicates_of(first) == [(second, "name")]
    assert search.duplicates_of(elsewhere) == []
    assert record(amani, "Comptoir Lumière") not in [a for a, _r in search.duplicates_of(first)]


def test_a_merge_keeps_both_histories_and_moves_names_licences_and_links(client, coalition):
    amani = coalition["amani"]
    survivor = record(amani, "Comptoir Étoile", identifiers=RCCM)
    absorbed = record(
        amani, "Étoile Diamonds SPRL", licences=[{"number": "BA-2023/117", "end": "2024-06-30"}]
    )
    case = report(country="CD", categories=["TRD"]).case
    key = ring(amani)["CD"]
    registry.link_case(
        absorbed, case, by=amani.user, key=key, case_key=key_of(case, amani), role="buyer"
    )

    sign_in(client, amani)
    confirm = client.get(reverse("admin:actors_actor_merge", args=[survivor.pk, absorbed.pk]))
    assert (
        "Étoile Diamonds SPRL" in confirm.content.decode()
        and not Actor.objects.filter(merged_into__isnull=False).exists()
    ), "the first page only asks"
    client.post(reverse("admin:actors_actor_merge", args=[survivor.pk, absorbed.pk]))

    absorbed.refresh_from_db()
    survivor.refresh_from_db()
    assert absorbed.merged_into == survivor
    facts = registry.read(survivor, key)
    assert "Étoile Diamonds SPRL" in facts.aliases
    assert [f.number for _l, f in registry.licences_of(survivor, key)] == ["BA-2023/117"]
    assert CaseLink.objects.get().actor == survivor
    assert not Token.objects.filter(actor=absorbed).exists()
    hits, _more = search.search(ring(amani), "etoile diamonds sprl")
    assert [h.actor for h in hits] == [survivor], "the old name now finds the survivor"

    merge_event = AuditEvent.objects.get(action="actor_merge")
    assert merge_event.detail["merged"] == absorbed.reference and merge_event.actor == "amani"
    assert absorbed.history.count() == 2 and survivor.history.count() >= 2
    page = client.get(reverse("admin:actors_actor_change", args=[survivor.pk])).content.decode()
    assert "actor_licence_add" in page, "the absorbed record's history shows on the survivor's page"
    assert absorbed.reference in page
    old = client.get(reverse("admin:actors_actor_change", args=[absorbed.pk]))
    assert old.status_code == 302 and old.url == reverse(
        "admin:actors_actor_change", args=[survivor.pk]
    )


def test_records_of_two_registries_are_never_merged(coalition):
    beatrice = coalition["beatrice"]
    here = record(beatrice, "Comptoir Étoile")
    there = record(beatrice, "Comptoir Étoile", country="CF")
    with pytest.raises(NotAllowed, match="same registry"):
        registry.merge(here, there, by=beatrice.user, key=ring(beatrice)["CD"])
    with pytest.raises(NotAllowed, match="merged into itself"):
        registry.merge(here, here, by=beatrice.user, key=ring(beatrice)["CD"])
