"""The case page: what an officer reads and the acts she posts, through the real admin."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import translation

from cases import access, content, intake, uploads, workflow
from cases.models import AuditEvent, Status
from tests.conftest import ANSWERS, key_of, report, sign_in

pytestmark = pytest.mark.django_db

LOGIN, CODE = reverse("admin:login"), reverse("admin:login_code")


def page(case) -> str:
    return reverse("admin:cases_case_change", args=[case.pk])


def act_url(case, name: str) -> str:
    return reverse("admin:cases_case_act", args=[case.pk, name])


def shown_messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def amanis_case(coalition):
    return report()


@pytest.fixture
def amani_in(client, coalition):
    sign_in(client, coalition["amani"])
    return client


def test_amani_opens_her_case_and_reads_the_report(amani_in, amanis_case):
    response = amani_in.get(page(amanis_case.case))
    assert response.status_code == 200
    text = response.content.decode()
    assert ANSWERS["what_happened"] in text
    assert ANSWERS["mine_site"] in text
    assert "What happened?" in text and "Smuggling and illicit trade" in text


def test_a_case_without_her_key_a_random_id_and_a_malformed_id_all_give_the_same_404(
    amani_in, coalition
):
    elsewhere = report(country="SL").case
    urls = [
        page(elsewhere),
        reverse("admin:cases_case_change", args=[uuid.uuid4()]),
        reverse("admin:cases_case_change", args=["not-a-uuid"]),
    ]
    responses = [amani_in.get(url) for url in urls]
    assert {r.status_code for r in responses} == {404}
    # The same page, but for the address asked for (in the language links).
    bodies = {
        r.content.decode().replace(url, "URL") for r, url in zip(responses, urls, strict=True)
    }
    assert len(bodies) == 1
    assert not AuditEvent.objects.filter(case_id=elsewhere.id, action="read").exists()


def test_without_a_login_the_case_page_sends_to_the_login(client, amanis_case):
    response = client.get(page(amanis_case.case))
    assert response.status_code == 302 and LOGIN in response.url


def test_every_view_writes_a_read_event(amani_in, amanis_case):
    case = amanis_case.case
    amani_in.get(page(case))
    amani_in.get(page(case))
    reads = AuditEvent.objects.filter(case_id=case.id, action="read")
    assert [(e.actor, e.detail) for e in reads] == [("amani", {"what": "case page"})] * 2


def test_acknowledging_from_the_page_tells_a_french_reporter_in_french(amani_in, amanis_case):
    case = amanis_case.case
    response = amani_in.post(act_url(case, "acknowledge"), follow=True)
    assert "Done" in " ".join(shown_messages(response))
    case.refresh_from_db()
    assert case.status == Status.ACKNOWLEDGED
    _case, case_key = access.case_for_receipt(amanis_case.receipt)
    mailbox = content.conversation(case, case_key)
    with translation.override("fr"):
        expected = translation.gettext(workflow.ACKNOWLEDGEMENT)
    assert expected.startswith("Merci.")
    assert [entry.text for entry in mailbox] == [expected]


def test_a_forbidden_act_shows_why_and_changes_nothing(client, amanis_case, coalition):
    case = amanis_case.case
    sign_in(client, coalition["sia"])
    response = client.post(act_url(case, "acknowledge"))
    assert response.status_code == 404  # not her case: she cannot even find it
    case.refresh_from_db()
    assert case.status == Status.RECEIVED


def test_closing_before_concluding_is_refused_with_a_message(client, amanis_case, coalition):
    case = amanis_case.case
    sign_in(client, coalition["beatrice"])
    response = client.post(act_url(case, "close"), follow=True)
    assert response.status_code == 200
    assert "cannot be done while the case is" in " ".join(shown_messages(response))
    case.refresh_from_db()
    assert case.status == Status.RECEIVED
    assert not AuditEvent.objects.filter(case_id=case.id, action="close").exists()


def test_an_officer_cannot_close_even_through_a_handmade_post(amani_in, amanis_case):
    case = amanis_case.case
    response = amani_in.post(act_url(case, "close"), follow=True)
    assert "Your role cannot do this." in shown_messages(response)
    case.refresh_from_db()
    assert case.status == Status.RECEIVED


def test_bad_input_gives_a_message_never_an_error(amani_in, amanis_case, coalition):
    case = amanis_case.case
    workflow.acknowledge(
        case, by=coalition["amani"].user, case_key=key_of(case, coalition["amani"])
    )
    events = AuditEvent.objects.count()
    for name, data, reason in [
        ("assess", {"assess-priority": "P9", "assess-categories": ["XXX"]}, "Priority: "),
        ("mark_duplicate", {"mark_duplicate-reference": "ZZZZ-ZZZZ"}, "No case with this"),
        (
            "escalate",
            {"escalate-level": "regional", "escalate-to": "999999", "escalate-reason": "x"},
            "To whom (optional): ",
        ),
        ("note", {}, "This field is required"),
    ]:
        response = amani_in.post(act_url(case, name), data, follow=True)
        assert response.status_code == 200, name
        said = [(m.level_tag, str(m)) for m in response.context["messages"]]
        assert said and all(level == "error" for level, _text in said), (name, said)
        assert any(reason in text for _level, text in said), (name, said)
    assert AuditEvent.objects.count() == events + 4  # only the four page reads
    # Positive control: the same form, filled in right, succeeds and says so.
    response = amani_in.post(act_url(case, "note"), {"note-text": "A real note"}, follow=True)
    assert [(m.level_tag, str(m)) for m in response.context["messages"]] == [
        ("success", "Done: Add an internal note.")
    ]
    assert amani_in.post(act_url(case, "no_such_act")).status_code == 404
    assert amani_in.get(act_url(case, "note")).status_code == 405
    case.refresh_from_db()
    assert case.status == Status.ACKNOWLEDGED


def test_a_note_written_on_the_page_is_sealed_and_shown_to_key_holders(amani_in, amanis_case):
    case = amanis_case.case
    amani_in.post(act_url(case, "note"), {"note-text": "Call the comptoir's neighbour."})
    response = amani_in.get(page(case))
    assert "Call the comptoir&#x27;s neighbour." in response.content.decode()


def test_the_page_marks_the_reporters_messages_read(amani_in, amanis_case):
    submission = amanis_case
    _case, case_key = access.case_for_receipt(submission.receipt)
    message = intake.add_reporter_message(submission.case, case_key=case_key, text="More.")
    response = amani_in.get(page(submission.case))
    assert "More." in response.content.decode()
    message.refresh_from_db()
    assert message.read_at is not None


def test_the_download_streams_the_decrypted_file(amani_in, coalition):
    staged = uploads.seal_new(
        b"%PDF-1.4 the certificate", "certificate.pdf", "application/pdf", True
    )
    case = intake.submit(answers={**ANSWERS}, files=[staged], language="fr").case
    url = reverse("admin:cases_case_attachment", args=[case.pk, staged.id])
    assert url in amani_in.get(page(case)).content.decode()
    response = amani_in.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == 'attachment; filename="certificate.pdf"'
    assert b"".join(response.streaming_content) == b"%PDF-1.4 the certificate"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "script-src" in amani_in.get(page(case))["Content-Security-Policy"]  # the pages'
    assert AuditEvent.objects.filter(
        case_id=case.id, action="read", detail={"what": "attachment"}
    ).exists()


def test_a_file_of_another_case_is_not_found(amani_in, coalition):
    staged = uploads.seal_new(b"secret", "a.txt", "text/plain", True)
    other = intake.submit(answers={**ANSWERS}, files=[staged], language="fr").case
    mine = report().case
    url = reverse("admin:cases_case_attachment", args=[mine.pk, staged.id])
    assert amani_in.get(url).status_code == 404
    assert other.attachments.count() == 1


def test_granting_access_lets_sia_open_the_case_and_revoking_takes_it_back(
    client, amanis_case, coalition
):
    case = amanis_case.case
    sia = coalition["sia"]
    sign_in(client, coalition["beatrice"])
    response = client.post(act_url(case, "grant"), {"grant-to": sia.user.pk}, follow=True)
    assert "Done" in " ".join(shown_messages(response))

    sia_client = type(client)()
    sign_in(sia_client, sia)
    assert sia_client.get(page(case)).status_code == 200

    client.post(act_url(case, "revoke"), {"revoke-who": sia.user.pk, "confirmed": "yes"})
    assert sia_client.get(page(case)).status_code == 404


def test_the_page_offers_only_the_acts_that_fit_the_role_and_state(client, amanis_case, coalition):
    case = amanis_case.case
    sign_in(client, coalition["amani"])
    offered = {form.name for form, _url in client.get(page(case)).context["acts"]}
    assert "acknowledge" in offered
    assert not offered & {"close", "grant", "revoke", "assign", "reopen", "resume", "conclude"}
    sign_in(client, coalition["beatrice"])
    offered = {form.name for form, _url in client.get(page(case)).context["acts"]}
    assert {"acknowledge", "grant", "assign", "revoke"} <= offered
    assert "close" not in offered


def test_a_coordinator_walks_a_case_to_closure_from_the_page(client, amanis_case, coalition):
    case = amanis_case.case
    sign_in(client, coalition["beatrice"])
    amani = coalition["amani"].user
    steps = [
        ("acknowledge", {}),
        (
            "assess",
            {
                "assess-priority": "P2",
                "assess-categories": ["TRD", "SEC"],
                "assess-admissible": "yes",
            },
        ),
        ("assign", {"assign-to": amani.pk}),
        ("escalate", {"escalate-level": "regional", "escalate-reason": "Army involved."}),
        ("resume", {}),
        ("request_information", {"request_information-text": "Which unit?"}),
        ("conclude", {"conclude-outcome": "substantiated"}),
        ("close", {"confirmed": "yes"}),
        ("reopen", {"reopen-reason": "New evidence."}),
    ]
    for name, data in steps:
        response = client.post(act_url(case, name), data, follow=True)
        assert [m.level_tag for m in response.context["messages"]] == ["success"], (
            name,
            shown_messages(response),
        )
    case.refresh_from_db()
    assert case.status == Status.INVESTIGATING and case.assignee == amani
    text = client.get(page(case)).content.decode()
    assert "Army involved." in text and "New evidence." in text and "Which unit?" in text


def test_an_officer_who_recuses_goes_back_to_her_queue(amani_in, amanis_case, coalition):
    case = amanis_case.case
    response = amani_in.post(act_url(case, "recuse"), {"confirmed": "yes"})
    assert response.url == reverse("admin:cases_case_changelist")
    assert amani_in.get(page(case)).status_code == 404
    assert get_user_model().objects.get(username="beatrice").key_wraps.filter(case=case).exists()
