"""The case's history in sentences: who did what, in the reader's language, reads folded."""

import pytest
from django.urls import reverse
from django.utils import translation

from cases import history, workflow
from cases.models import AuditEvent
from tests.conftest import key_of, report, sign_in

pytestmark = pytest.mark.django_db


def lines_of(case) -> list[str]:
    events = list(AuditEvent.objects.filter(case_id=case.id).order_by("-id"))
    return [line.text for line in history.story(events)]


@pytest.fixture
def worked_case(client, coalition):
    """Amani reads the case three times, acknowledges and assesses it; Béatrice escalates it."""
    amani, beatrice = coalition["amani"], coalition["beatrice"]
    amani.user.first_name = "Amani"
    amani.user.save()
    case = report().case
    sign_in(client, amani)
    page = reverse("admin:cases_case_change", args=[case.pk])
    for _ in range(3):
        client.get(page)
    workflow.acknowledge(case, by=amani.user, case_key=key_of(case, amani))
    workflow.assess(case, by=amani.user, priority="P2", categories=["DEF", "NSAG"], admissible=True)
    workflow.escalate(
        case,
        by=beatrice.user,
        case_key=key_of(case, beatrice),
        level="regional",
        reason="Armed group at the site.",
    )
    return case


def test_the_history_tells_each_act_as_a_sentence_with_reads_folded(worked_case):
    assert lines_of(worked_case) == [
        "beatrice escalated it to Regional",
        "Amani assessed it: priority P2; categories: Threats or reprisals against activists, "
        "whistle-blowers, journalists or witnesses, Armed groups (control of a site, illegal "
        "taxes, roadblocks, pillage); admissible: yes "
        "(status: Acknowledged → Under investigation)",
        "Amani acknowledged receipt to the reporter (status: Received → Acknowledged)",
        "Amani read the case (3 times)",
        "The reporter sent the report",
    ]


def test_reads_are_folded_only_when_nothing_happened_between_them(worked_case, client):
    client.get(reverse("admin:cases_case_change", args=[worked_case.pk]))
    texts = lines_of(worked_case)
    assert texts[0] == "Amani read the case"  # after the escalation: a line of its own
    assert "Amani read the case (3 times)" in texts


def test_the_history_is_in_the_readers_language_with_no_code_left(worked_case):
    with translation.override("fr"):
        texts = lines_of(worked_case)
    assert texts[0] == "beatrice a escaladé le dossier au niveau Régional"
    assert texts[3] == "Amani a lu le dossier (3 fois)"
    assert "Groupes armés" in texts[1] and "NSAG" not in texts[1]
    assert "categories" not in " ".join(texts)


def test_the_case_page_shows_the_sentences_not_the_raw_events(worked_case, client):
    response = client.get(reverse("admin:cases_case_change", args=[worked_case.pk]))
    text = response.content.decode()
    assert "Amani read the case (3 times)" in text  # this read came after the escalation
    assert "beatrice escalated it to Regional" in text
    assert "categories: [" not in text and "what: case page" not in text


ACTS_IN_CODE = (
    r'\brecord(?:_many)?\(\s*f?"([a-z_{}]+)"',  # audit.record("act", ...)
    r'\bact="([a-z_]+)"',  # workflow.move(..., act="act")
)


def acts_in_code() -> set[str]:
    """Every act name the code writes to the audit log, read from the source."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    found: set[str] = set()
    for folder in ("cases", "staff", "whistle", "actors", "stats", "alerts"):
        for path in (root / folder).rglob("*.py"):
            text = path.read_text()
            for pattern in ACTS_IN_CODE:
                found.update(re.findall(pattern, text, re.S))
    # The alert lifecycle writes f"alert_{act}" for each of its acts.
    from alerts import lifecycle

    found.discard("alert_{act}")
    found.update(f"alert_{act}" for act in lifecycle.TRANSITIONS)
    return found


def test_every_act_in_the_audit_log_has_a_name_in_the_readers_language():
    acts = acts_in_code()
    assert {"submit", "read", "alert_raised", "read_summaries"} <= acts  # the scan finds them
    assert sorted(acts - set(history.ACTION_NAMES)) == []
    with translation.override("fr"):
        assert history.action_name("alert_raised") == "alerte levée"


@pytest.mark.parametrize(
    ("language", "files", "wanted"),
    [
        ("en", 0, "The reporter wrote a message"),
        ("en", 1, "The reporter wrote a message, with 1 file"),
        ("en", 3, "The reporter wrote a message, with 3 files"),
        ("fr", 1, "L'auteur du signalement a écrit un message, avec 1 fichier"),
        ("fr", 3, "L'auteur du signalement a écrit un message, avec 3 fichiers"),
    ],
)
def test_a_reporters_act_counts_its_files_in_the_readers_language(language, files, wanted):
    with translation.override(language):
        assert history.SENTENCES["reporter_message"]("", {"files": files}) == wanted
