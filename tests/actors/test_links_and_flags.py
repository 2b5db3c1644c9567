"""Links to cases (only cases one holds a key to; never victims or witnesses), red flags on
an expired licence, and the network of actors sharing cases."""

import pytest
from django.urls import reverse

from actors import network, registry
from actors.models import CaseLink, Kind
from cases import sharing
from cases.models import AuditEvent
from cases.permissions import NotAllowed
from lib import crypto
from tests.actors.conftest import private, record, ring
from tests.conftest import key_of, report, sign_in

pytestmark = pytest.mark.django_db


def link(profile, actor, case, role="buyer"):
    return registry.link_case(
        actor,
        case,
        by=profile.user,
        key=ring(profile)[actor.registry_id],
        case_key=key_of(case, profile),
        role=role,
    )


def test_an_officer_links_only_cases_she_holds_a_key_to(coalition):
    amani = coalition["amani"]
    etoile = record(amani, "Comptoir Étoile")
    hers = report(country="CD").case
    not_hers = report(country="SL").case
    with pytest.raises(NotAllowed, match="You do not hold a key to this case"):
        registry.link_case(
            etoile,
            not_hers,
            by=amani.user,
            key=ring(amani)["CD"],
            case_key=key_of(not_hers, coalition["sia"]),
            role="buyer",
        )
    link(amani, etoile, hers)  # positive control
    assert CaseLink.objects.get().case == hers


def test_a_case_key_that_does_not_open_the_case_is_refused(coalition):
    amani = coalition["amani"]
    etoile = record(amani, "Comptoir Étoile")
    case = report(country="CD").case
    with pytest.raises(NotAllowed, match="You do not hold a key to this case"):
        registry.link_case(
            etoile, case, by=amani.user, key=ring(amani)["CD"], case_key=b"\1" * 32, role="buyer"
        )


@pytest.mark.parametrize("role", ["victim", "witness"])
def test_victims_and_witnesses_are_never_registry_entries(coalition, role):
    amani = coalition["amani"]
    etoile = record(amani, "Comptoir Étoile")
    case = report(country="CD").case
    with pytest.raises(NotAllowed, match="Victims and witnesses are never registry entries"):
        link(amani, etoile, case, role=role)
    link(amani, etoile, case, role="perpetrator")  # positive control
    assert not CaseLink.objects.filter(role__in=["victim", "witness"]).exists()


def test_linking_and_unlinking_are_audited_acts_on_the_case(coalition):
    amani = coalition["amani"]
    etoile = record(amani, "Comptoir Étoile")
    case = report(country="CD").case
    made = link(amani, etoile, case, role="exporter")
    registry.unlink_case(made, by=amani.user, key=ring(amani)["CD"])
    events = AuditEvent.objects.filter(case_id=case.id, action__in=["actor_link", "actor_unlink"])
    assert [(e.action, e.actor, e.detail["role"]) for e in events.order_by("id")] == [
        ("actor_link", "amani", "exporter"),
        ("actor_unlink", "amani", "exporter"),
    ]
    assert not CaseLink.objects.exists()


def test_the_link_s_incident_date_opens_with_the_case_key_not_the_registry_key(coalition):
    amani = coalition["amani"]
    etoile = record(amani, "Comptoir Étoile")
    case = report(country="CD", incident_date="2024-09-15").case
    made = link(amani, etoile, case)
    assert registry.link_facts(made, key_of(case, amani))["incident_date"] == "2024-09-15"
    with pytest.raises(crypto.CryptoError, match="cannot open"):
        registry.link_facts(made, ring(amani)["CD"].key)


LICENCE = {"number": "BA-2023/117", "start": "2023-07-01", "end": "2024-06-30"}


@pytest.fixture
def three_reports(coalition):
    """Comptoir Étoile, licensed until 2024-06-30, named in three smuggling reports; two
    other actors appear in the same cases."""
    amani = coalition["amani"]
    etoile = record(amani, "Comptoir Étoile", licences=[LICENCE])
    colonel = record(amani, "Colonel Mukendi", kind=Kind.PERSON)
    transport = record(amani, "Transports Rapides du Kasaï", kind=Kind.COMPANY)
    dates = ["2024-03-01", "2024-05-10", "2024-09-15"]
    cases = [report(country="CD", categories=["TRD"], incident_date=d).case for d in dates]
    for case in cases:
        link(amani, etoile, case, role="buyer")
    link(amani, colonel, cases[0], role="official")
    link(amani, colonel, cases[2], role="official")
    link(amani, transport, cases[1], role="transporter")
    return amani, etoile, colonel, transport, cases


def test_a_red_flag_marks_the_report_dated_after_the_licence_expired(three_reports):
    amani, etoile, _colonel, _transport, cases = three_reports
    licences = [f for _l, f in registry.licences_of(etoile, ring(amani)["CD"])]
    rows, flagged, total, others = network.linked_cases(
        etoile, amani.user, private(amani), licences
    )
    assert (total, others) == (3, 0)
    assert [item.case_id for item in flagged] == [cases[2].id]
    assert flagged[0].flags[0].kind == "licence-invalid"
    assert "2024-06-30" in flagged[0].flags[0].words
    assert {item.case: bool(item.flags) for item in rows} == {
        cases[0]: False,
        cases[1]: False,
        cases[2]: True,
    }


def test_no_red_flag_on_a_case_that_is_not_about_trade(coalition):
    amani = coalition["amani"]
    etoile = record(amani, "Comptoir Étoile", licences=[LICENCE])
    pollution = report(country="CD", categories=["ENV"], incident_date="2024-09-15").case
    link(amani, etoile, pollution, role="mentioned")
    licences = [f for _l, f in registry.licences_of(etoile, ring(amani)["CD"])]
    _rows, flagged, total, _others = network.linked_cases(
        etoile, amani.user, private(amani), licences
    )
    assert total == 1 and flagged == []


def test_a_buying_house_with_no_licence_on_record_is_flagged_in_a_trade_case(coalition):
    amani = coalition["amani"]
    unknown = record(amani, "Comptoir Sans Papiers")
    case = report(country="CD", categories=["TRD"]).case
    link(amani, unknown, case)
    _rows, flagged, _total, _others = network.linked_cases(unknown, amani.user, private(amani), [])
    assert [f.kind for f in flagged[0].flags] == ["no-licence"]


def test_the_actor_page_shows_the_two_other_actors_and_the_red_flag(client, three_reports):
    amani, etoile, colonel, transport, cases = three_reports
    sign_in(client, amani)
    page = client.get(reverse("admin:actors_actor_change", args=[etoile.pk])).content.decode()
    assert "<svg" in page and "Colonel Mukendi" in page and "Transports Rapides du Kasaï" in page
    assert page.count('class="flagged"') == 1
    assert "Licence expired on 2024-06-30, before the incident of 2024-09-15." in page


def test_the_network_goes_two_steps_and_no_further(coalition):
    amani = coalition["amani"]
    a, b, c, d = (record(amani, f"Actor {n}", kind=Kind.COMPANY) for n in "ABCD")
    first, second, third = (report(country="CD").case for _ in range(3))
    for actor, case in ((a, first), (b, first), (b, second), (c, second), (c, third), (d, third)):
        link(amani, actor, case, role="mentioned")
    graph = network.neighbourhood(a, registry.read(a, ring(amani)["CD"]), amani.user, ring(amani))
    assert {(n.facts.name, n.hop) for n in graph.nodes} == {("Actor B", 1), ("Actor C", 2)}


def test_cases_she_cannot_open_are_counted_never_shown(coalition):
    amani, beatrice = coalition["amani"], coalition["beatrice"]
    etoile = record(amani, "Comptoir Étoile")
    shown, hidden = report(country="CD").case, report(country="CD").case
    link(beatrice, etoile, shown)
    link(beatrice, etoile, hidden)
    sharing.revoke_access(hidden, by=beatrice.user, who=amani.user)
    rows, _flagged, total, others = network.linked_cases(etoile, amani.user, private(amani), [])
    assert (total, others) == (1, 1)
    assert [item.case for item in rows] == [shown]


def test_a_shredded_case_takes_its_links_to_actors_with_it(coalition, frozen, settings):
    from cases import retention, workflow

    amani, beatrice = coalition["amani"], coalition["beatrice"]
    etoile = record(amani, "Comptoir Étoile")
    kept, shredded = report(country="CD").case, report(country="CD").case
    link(amani, etoile, kept)
    link(amani, etoile, shredded)
    key = key_of(shredded, amani)
    workflow.acknowledge(shredded, by=amani.user, case_key=key)
    workflow.assess(shredded, by=amani.user, priority="P3", categories=["TRD"], admissible=False)
    workflow.close(shredded, by=beatrice.user)
    frozen.advance(days=settings.LANTERNE_RETENTION_DAYS + 1)
    assert retention.shred(shredded)
    assert list(CaseLink.objects.values_list("case", flat=True)) == [kept.id]
    assert not CaseLink.history.filter(case_id=shredded.id).exclude(facts=b"").exists()
    event = AuditEvent.objects.get(action="actor_unlink")
    assert (event.actor, event.case_id, event.detail["links"]) == ("system", shredded.id, 1)
