"""Search inside sealed cases: her own blind index finds her cases' words, and nothing else."""

from datetime import timedelta

import pytest
from django.urls import reverse

from cases import intake, retention, search, sharing, uploads, workflow
from cases.models import SearchBacklog, SearchToken
from tests.conftest import key_of, report, sign_in
from tests.dump import database_dump

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:cases_case_changelist")


def found(client, query: str) -> list[str]:
    response = client.get(QUEUE, {"q": query})
    assert response.status_code == 200
    return [case.reference for case in response.context["cl"].result_list]


@pytest.fixture
def amanis_case(coalition):
    """A DRC case naming Nyabibwe, with a reporter message, a note and a file of hers."""
    amani = coalition["amani"]
    photo = uploads.seal_new(b"not really a photo", "pit_Rubaya.jpg", "image/jpeg", True)
    case = report(place="Nyabibwe", what_happened="Soldiers took the cassiterite.").case
    key = key_of(case, amani)
    intake.add_reporter_message(case, case_key=key, text="They came back to Kalehe.", files=[photo])
    workflow.add_note(case, by=amani.user, case_key=key, text="Ask the Mukungwa cooperative.")
    return case


def test_she_finds_a_word_of_the_report_a_message_a_note_and_a_file_name(
    client, coalition, amanis_case
):
    report(what_happened="Nothing about that town here.")
    sign_in(client, coalition["amani"])
    for word in ("Nyabibwe", "kalehe", "MUKUNGWA", "rubaya", "cassiterite"):
        assert found(client, word) == [amanis_case.reference], word


def test_search_folds_accents_and_case_and_needs_every_word(client, coalition, amanis_case):
    sign_in(client, coalition["amani"])
    assert found(client, "NYABÍBWÉ") == [amanis_case.reference]
    assert found(client, "nyabibwe soldiers") == [amanis_case.reference]
    assert found(client, "nyabibwe gold") == []


def test_she_finds_nothing_in_cases_she_cannot_open(client, coalition, amanis_case):
    hidden = report(place="Nyabibwe", regional_only=True).case  # the national team left out
    elsewhere = report(country="SL", place="Nyabibwe").case
    sign_in(client, coalition["amani"])
    assert found(client, "Nyabibwe") == [amanis_case.reference]
    # Positive controls: those who hold the keys find them.
    sign_in(client, coalition["beatrice"])
    assert set(found(client, "Nyabibwe")) == {amanis_case.reference, hidden.reference}
    sign_in(client, coalition["sia"])
    assert found(client, "Nyabibwe") == [elsewhere.reference]


def test_a_reference_still_finds_its_case(client, coalition, amanis_case):
    report(place="Nyabibwe")
    sign_in(client, coalition["amani"])
    assert found(client, amanis_case.reference.lower().replace("-", " ")) == [amanis_case.reference]


def test_losing_the_key_takes_her_digests_with_it(client, coalition, amanis_case):
    sia, beatrice = coalition["sia"].user, coalition["beatrice"].user
    key = key_of(amanis_case, coalition["beatrice"])
    sharing.grant_access(amanis_case, by=beatrice, to=sia, case_key=key)
    sign_in(client, coalition["sia"])
    assert found(client, "Nyabibwe") == [amanis_case.reference]
    assert SearchToken.objects.filter(user=sia, case=amanis_case).exists()
    sharing.revoke_access(amanis_case, by=beatrice, who=sia)
    assert not SearchToken.objects.filter(user=sia, case=amanis_case).exists()
    assert found(client, "Nyabibwe") == []


def test_shredding_removes_every_digest_of_the_case(client, coalition, amanis_case, frozen):
    sign_in(client, coalition["amani"])
    assert found(client, "Nyabibwe") == [amanis_case.reference]
    amani, beatrice = coalition["amani"].user, coalition["beatrice"].user
    key = key_of(amanis_case, coalition["amani"])
    workflow.acknowledge(amanis_case, by=amani, case_key=key)
    workflow.assess(amanis_case, by=amani, priority="P3", categories=["TRD"], admissible=False)
    workflow.close(amanis_case, by=beatrice)
    amanis_case.refresh_from_db()
    frozen.to(amanis_case.closed_at + timedelta(days=10_000))
    assert SearchToken.objects.filter(case=amanis_case).exists()
    assert retention.shred(amanis_case)
    assert not SearchToken.objects.filter(case=amanis_case).exists()
    assert not SearchBacklog.objects.filter(case=amanis_case).exists()


def test_the_index_holds_no_plaintext(client, coalition, amanis_case):
    for holder in ("amani", "beatrice"):
        sign_in(client, coalition[holder])
        assert found(client, "Nyabibwe") == [amanis_case.reference]
    assert SearchToken.objects.filter(case=amanis_case).count() > 10  # it was indexed
    dump = database_dump()
    for word in (b"Nyabibwe", b"nyabibwe", b"Kalehe", b"kalehe", b"Mukungwa", b"mukungwa"):
        assert word not in dump, word
        assert word.hex().encode() not in dump, word


def test_new_content_waits_in_her_backlog_until_she_searches(client, coalition, amanis_case):
    amani = coalition["amani"].user
    sign_in(client, coalition["amani"])
    assert found(client, "Nyabibwe") == [amanis_case.reference]
    assert not SearchBacklog.objects.filter(user=amani).exists()
    key = key_of(amanis_case, coalition["amani"])
    intake.add_reporter_message(amanis_case, case_key=key, text="Now at Lemera.")
    assert SearchBacklog.objects.filter(user=amani, case=amanis_case).exists()
    assert found(client, "Lemera") == [amanis_case.reference]


def test_a_long_backlog_is_worked_off_a_batch_at_a_time_and_says_so(client, coalition, monkeypatch):
    monkeypatch.setattr(search, "BATCH", 2)
    made = [report(place="Nyabibwe").case for _ in range(3)]
    sign_in(client, coalition["amani"])
    response = client.get(QUEUE, {"q": "Nyabibwe"})
    assert "not searchable yet" in response.content.decode()
    assert len(response.context["cl"].result_list) == 2
    assert set(found(client, "Nyabibwe")) == {c.reference for c in made}


def test_cases_sealed_before_search_existed_are_found_too(client, coalition, amanis_case):
    """The migration puts every held case in its holders' backlogs."""
    import importlib

    from django.apps import apps

    SearchBacklog.objects.all().delete()
    SearchToken.objects.all().delete()
    migration = importlib.import_module("cases.migrations.0009_search")
    migration.backlog_every_held_case(apps, None)
    sign_in(client, coalition["amani"])
    assert found(client, "Nyabibwe") == [amanis_case.reference]
