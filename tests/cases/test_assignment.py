"""Who is in charge of a case: assign, take, hand over, and the same acts in bulk."""

import uuid

import pytest
from django.utils import translation

from cases import bulk, content, intake, keys, permissions, samples, sharing, workflow
from cases.models import AuditEvent, Case, KeyWrap, Note, Status
from staff import accounts
from tests.conftest import PASSWORD, key_of, report

pytestmark = pytest.mark.django_db


def events(case, action: str) -> list[dict]:
    return [e.detail for e in AuditEvent.objects.filter(case_id=case.id, action=action)]


def second_drc_officer():
    """Kahindo, a second DRC officer, admitted after the case arrived: no key to it yet."""
    return accounts.enrol("kahindo", role="officer", password=PASSWORD, countries=["CD"]).profile


def test_a_coordinator_assigns_an_officer_who_covers_the_country(coalition):
    case = report().case
    beatrice, amani = coalition["beatrice"].user, coalition["amani"].user
    sharing.assign(case, by=beatrice, to=amani)
    assert Case.objects.get().assignee == amani
    assert events(case, "assign") == [{"from": "received", "to": "amani"}]


def test_nobody_is_put_in_charge_of_a_country_they_do_not_work_on(coalition):
    case = report().case  # from the DRC
    beatrice, sia = coalition["beatrice"].user, coalition["sia"].user
    with pytest.raises(permissions.NotAllowed, match="sia does not work on cases from"):
        sharing.assign(case, by=beatrice, to=sia, case_key=key_of(case, coalition["beatrice"]))
    assert Case.objects.get().assignee is None
    assert not KeyWrap.objects.filter(case=case, user=sia).exists()
    assert events(case, "assign") == []
    sharing.assign(case, by=beatrice, to=coalition["amani"].user)  # positive control
    assert Case.objects.get().assignee == coalition["amani"].user


def test_an_officer_cannot_assign_but_can_take_an_unassigned_case(coalition):
    case = report().case
    amani = coalition["amani"].user
    with pytest.raises(permissions.NotAllowed, match="Your role cannot do this"):
        sharing.assign(case, by=amani, to=amani)
    sharing.take(case, by=amani)
    assert Case.objects.get().assignee == amani
    assert events(case, "take") == [{"from": "received", "to": "amani"}]
    with pytest.raises(permissions.NotAllowed, match="This case is already yours"):
        sharing.take(case, by=amani)


def test_a_case_someone_is_in_charge_of_is_not_taken_from_them(coalition):
    case = report().case
    sharing.take(case, by=coalition["amani"].user)
    with pytest.raises(permissions.NotAllowed, match="amani is in charge of this case"):
        sharing.take(case, by=coalition["beatrice"].user)
    assert Case.objects.get().assignee == coalition["amani"].user
    # A coordinator may still assign it (positive control).
    sharing.assign(case, by=coalition["beatrice"].user, to=coalition["beatrice"].user)
    assert Case.objects.get().assignee == coalition["beatrice"].user


def test_a_hand_over_gives_the_colleague_the_key_and_a_sealed_note(coalition):
    case = report().case
    kahindo = second_drc_officer()
    amani = coalition["amani"]
    assert not KeyWrap.objects.filter(case=case, user=kahindo.user).exists()
    sharing.take(case, by=amani.user)
    sharing.hand_over(
        case,
        by=amani.user,
        to=kahindo.user,
        case_key=key_of(case, amani),
        note="The comptoir owner called twice; wait for the second witness.",
    )
    case = Case.objects.get()
    assert case.assignee == kahindo.user
    note = Note.objects.get(case=case)
    assert b"comptoir" not in bytes(note.body)
    # Kahindo now opens the case and reads the note with her own key.
    assert content.notes(case, key_of(case, kahindo))[0].text.startswith("The comptoir owner")
    assert events(case, "grant_access") == [{"to": "kahindo", "via": "hand_over"}]
    assert events(case, "hand_over") == [{"from": "received", "to": "kahindo"}]


def test_hand_over_refusals_name_their_reason(coalition):
    case = report().case
    kahindo = second_drc_officer()
    amani, sia = coalition["amani"], coalition["sia"]
    key = key_of(case, amani)
    with pytest.raises(permissions.NotAllowed, match="Only the person in charge"):
        sharing.hand_over(case, by=amani.user, to=kahindo.user, case_key=key, note="n")
    sharing.take(case, by=amani.user)
    with pytest.raises(permissions.NotAllowed, match="sia does not work on cases from"):
        sharing.hand_over(case, by=amani.user, to=sia.user, case_key=key, note="n")
    with pytest.raises(permissions.NotAllowed, match="Say where the case stands"):
        sharing.hand_over(case, by=amani.user, to=kahindo.user, case_key=key, note="  ")
    assert Case.objects.get().assignee == amani.user
    assert not KeyWrap.objects.filter(case=case, user=sia.user).exists()
    assert Note.objects.count() == 0
    sharing.hand_over(case, by=amani.user, to=kahindo.user, case_key=key, note="Over to you.")
    assert Case.objects.get().assignee == kahindo.user  # positive control


def test_a_regional_only_case_is_never_handed_to_the_national_team(coalition):
    case = report(regional_only=True).case
    beatrice = coalition["beatrice"]
    with pytest.raises(permissions.NotAllowed, match="national team"):
        sharing.assign(
            case, by=beatrice.user, to=coalition["amani"].user, case_key=key_of(case, beatrice)
        )
    assert not KeyWrap.objects.filter(case=case, user=coalition["amani"].user).exists()


def submit_in(language: str) -> Case:
    return intake.submit(answers=samples.answers(), language=language).case


def test_bulk_acknowledge_tells_each_reporter_in_her_language(coalition):
    amani = coalition["amani"]
    cases = [submit_in(language) for language in ("fr", "en", "pt")]
    elsewhere = report(country="SL").case  # Sierra Leone: not Amani's
    private = keys.unseal_private_key(amani, PASSWORD)
    outcomes = bulk.run(
        "acknowledge",
        [str(c.pk) for c in cases] + [str(elsewhere.pk), "not-a-uuid", str(uuid.uuid4())],
        by=amani.user,
        private_key=private,
    )
    assert [o.done for o in outcomes] == [True, True, True, False, False, False]
    assert {o.refusal for o in outcomes[3:]} == {bulk.NOT_FOUND}
    assert [o.case for o in outcomes[3:]] == [None, None, None]  # nothing said about them
    for case in cases:
        case.refresh_from_db()
        assert case.status == Status.ACKNOWLEDGED
        [entry] = content.conversation(case, key_of(case, amani))
        with translation.override(case.language):
            assert entry.text == translation.gettext(workflow.ACKNOWLEDGEMENT)
        assert events(case, "acknowledge") == [{"from": "received", "to": "acknowledged"}]
    elsewhere.refresh_from_db()
    assert elsewhere.status == Status.RECEIVED
    assert events(elsewhere, "acknowledge") == []


def test_bulk_assign_refuses_each_case_for_its_own_reason(coalition):
    beatrice, amani = coalition["beatrice"], coalition["amani"]
    drc, rwanda = report().case, report(country="RW").case
    outcomes = bulk.run(
        "assign",
        [drc.pk, rwanda.pk],
        by=beatrice.user,
        private_key=keys.unseal_private_key(beatrice, PASSWORD),
        to=amani.user,
    )
    assert outcomes[0].done and outcomes[0].case == drc
    assert outcomes[1].case == rwanda
    assert "amani does not work on cases from Rwanda" in outcomes[1].refusal
    assert Case.objects.get(pk=drc.pk).assignee == amani.user
    assert Case.objects.get(pk=rwanda.pk).assignee is None
    assert len(events(drc, "assign")) == 1 and events(rwanda, "assign") == []
    # An officer's bulk assign is refused by her role, case by case.
    [refused] = bulk.run(
        "assign",
        [drc.pk],
        by=amani.user,
        private_key=keys.unseal_private_key(amani, PASSWORD),
        to=amani.user,
    )
    assert refused.refusal == "Your role cannot do this."


def test_a_bulk_act_over_too_many_cases_does_nothing_and_says_why(coalition):
    amani = coalition["amani"]
    case = report().case
    private = keys.unseal_private_key(amani, PASSWORD)
    chosen = [case.pk] + [uuid.uuid4() for _ in range(bulk.LIMIT)]
    with pytest.raises(permissions.NotAllowed, match="Choose at most 100 cases at once"):
        bulk.run("acknowledge", chosen, by=amani.user, private_key=private)
    assert Case.objects.get().status == Status.RECEIVED
    [outcome] = bulk.run("acknowledge", chosen[:1], by=amani.user, private_key=private)
    assert outcome.done  # positive control
