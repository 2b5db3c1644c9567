"""The officers' daily acts through the real admin: confirmation pages, the feedback tick,
ongoing deadlines, flagged cases at the top of the queue, and bulk acts from the queue."""

import pytest
from django.contrib.admin import helpers
from django.urls import reverse

from cases import access, intake, sharing, workflow
from cases.models import AuditEvent, Case, KeyWrap, Status
from tests.conftest import key_of, report, sign_in

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:cases_case_changelist")


def page(case) -> str:
    return reverse("admin:cases_case_change", args=[case.pk])


def act_url(case, name: str) -> str:
    return reverse("admin:cases_case_act", args=[case.pk, name])


def said(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def concluded(coalition) -> Case:
    beatrice = coalition["beatrice"]
    case = report().case
    key = key_of(case, beatrice)
    workflow.acknowledge(case, by=beatrice.user, case_key=key)
    workflow.assess(case, by=beatrice.user, priority="P2", categories=["TRD"], admissible=True)
    workflow.conclude(case, by=beatrice.user, outcome="partly")
    return Case.objects.get(pk=case.pk)


def acknowledged(coalition) -> Case:
    case = report().case
    workflow.acknowledge(
        case, by=coalition["beatrice"].user, case_key=key_of(case, coalition["beatrice"])
    )
    return Case.objects.get(pk=case.pk)


# Each safe act: how to reach a case it applies to, its form data, and what it does.
SAFE_ACTS = {
    "close": (concluded, lambda c, people: {}, lambda c: c.status == Status.CLOSED),
    "recuse": (
        lambda coalition: report().case,
        lambda c, people: {"recuse-who": people["amani"].user.pk},
        lambda c: not KeyWrap.objects.filter(case=c, user__username="amani").exists(),
    ),
    "revoke": (
        lambda coalition: report().case,
        lambda c, people: {"revoke-who": people["amani"].user.pk},
        lambda c: not KeyWrap.objects.filter(case=c, user__username="amani").exists(),
    ),
    "mark_duplicate": (
        acknowledged,
        lambda c, people: {"mark_duplicate-reference": report().case.reference},
        lambda c: c.status == Status.DUPLICATE,
    ),
}


@pytest.mark.parametrize("name", sorted(SAFE_ACTS))
def test_a_safe_act_asks_for_confirmation_and_happens_only_on_the_second_post(
    client, coalition, name
):
    setup, data_for, happened = SAFE_ACTS[name]
    case = setup(coalition)
    data = data_for(case, coalition)
    sign_in(client, coalition["beatrice"])
    before = AuditEvent.objects.exclude(action="read").count()

    first = client.post(act_url(case, name), data)
    assert first.status_code == 200
    text = first.content.decode()
    assert "Nothing has been done yet." in text and case.reference in text
    assert 'name="confirmed" value="yes"' in text
    assert not happened(Case.objects.get(pk=case.pk))
    assert AuditEvent.objects.exclude(action="read").count() == before

    second = client.post(act_url(case, name), {**data, "confirmed": "yes"}, follow=True)
    assert [level for level, _text in said(second)] == ["success"], said(second)
    assert happened(Case.objects.get(pk=case.pk))  # positive control


def test_the_confirmation_page_carries_the_choice_made_on_the_case_page(client, coalition):
    case = report().case
    sign_in(client, coalition["beatrice"])
    response = client.post(act_url(case, "revoke"), {"revoke-who": coalition["amani"].user.pk})
    text = response.content.decode()
    assert f'name="revoke-who" value="{coalition["amani"].user.pk}"' in text
    assert "from amani?" in text


def test_a_refused_safe_act_is_refused_at_once_without_a_confirmation_page(client, coalition):
    case = report().case  # received: it cannot be closed yet
    sign_in(client, coalition["beatrice"])
    response = client.post(act_url(case, "close"), follow=True)
    assert ("error", "This cannot be done while the case is “Received”.") in said(response)
    assert "Nothing has been done yet." not in response.content.decode()


@pytest.mark.parametrize("ticked", [False, True])
def test_the_feedback_tick_alone_meets_the_feedback_clock(client, coalition, ticked):
    case = acknowledged(coalition)
    sign_in(client, coalition["amani"])
    data = {"message-text": "We visited the site."}
    if ticked:
        data["message-feedback"] = "on"
    response = client.post(act_url(case, "message"), data, follow=True)
    assert [level for level, _text in said(response)] == ["success"]
    case.refresh_from_db()
    if ticked:
        assert case.first_feedback_at is not None and case.next_due is None
    else:
        assert case.first_feedback_at is None and case.next_due == case.feedback_due
    [event] = AuditEvent.objects.filter(case_id=case.id, action="message_reporter")
    assert event.detail["feedback"] is ticked
    assert "This message gives the reporter feedback" in client.get(page(case)).content.decode()


def test_an_escalated_case_shows_its_next_deadline_on_the_page_and_in_the_queue(client, coalition):
    beatrice = coalition["beatrice"]
    case = report().case
    key = key_of(case, beatrice)
    workflow.acknowledge(case, by=beatrice.user, case_key=key)
    workflow.assess(case, by=beatrice.user, priority="P2", categories=["TRD"], admissible=True)
    workflow.message_reporter(case, by=beatrice.user, case_key=key, text="News.", feedback=True)
    workflow.escalate(case, by=beatrice.user, case_key=key, level="steering", reason="KP")
    case.refresh_from_db()
    sign_in(client, coalition["amani"])
    text = client.get(page(case)).content.decode()
    assert "Next feedback by" in text
    assert case.next_due.strftime("%Y-%m-%d %H:%M") + " UTC" in text
    assert "none running" not in text
    queue = client.get(QUEUE).content.decode()
    assert case.next_due.strftime("%Y-%m-%d %H:%M UTC") in queue


def test_a_closed_case_a_reporter_writes_on_heads_the_queue_flagged(client, coalition):
    submission = report()
    beatrice = coalition["beatrice"]
    for case in (submission.case,):
        key = key_of(case, beatrice)
        workflow.acknowledge(case, by=beatrice.user, case_key=key)
        workflow.assess(case, by=beatrice.user, priority="P3", categories=["DEF"], admissible=False)
        workflow.close(case, by=beatrice.user)
    urgent = report(urgent=True).case
    sign_in(client, coalition["amani"])
    assert client.get(QUEUE).context["cl"].result_list[0] == urgent
    case, case_key = access.case_for_receipt(submission.receipt)
    intake.add_reporter_message(case, case_key=case_key, text="My brother was taken.")

    response = client.get(QUEUE)
    rows = list(response.context["cl"].result_list)
    assert [r.pk for r in rows] == [case.pk, urgent.pk]
    assert "the reporter wrote again" in response.content.decode()
    text = client.get(page(case)).content.decode()
    assert "The reporter wrote again on this finished case." in text
    assert act_url(case, "reopen") in text and act_url(case, "keep_finished") in text
    response = client.post(
        act_url(case, "reopen"), {"reopen-reason": "The reporter wrote."}, follow=True
    )
    assert [level for level, _text in said(response)] == ["success"], said(response)
    case.refresh_from_db()
    assert case.status == Status.INVESTIGATING and case.flagged_at is None


def tick(*cases, extra=()) -> list[str]:
    return [str(c.pk) for c in cases] + list(extra)


def bulk_post(client, action: str, chosen: list[str], **data):
    return client.post(
        QUEUE,
        {"action": action, "index": "0", helpers.ACTION_CHECKBOX_NAME: chosen, **data},
        follow=True,
    )


def test_an_officer_acknowledges_three_cases_at_once_and_one_she_cannot_open_is_untouched(
    client, coalition
):
    mine = [report().case for _ in range(3)]
    elsewhere = report(country="SL").case
    sign_in(client, coalition["amani"])
    response = bulk_post(
        client, "acknowledge_selected", tick(*mine, elsewhere, extra=["not-a-uuid"])
    )
    assert response.status_code == 200
    messages = said(response)
    references = ", ".join(c.reference for c in mine)
    assert ("success", f"Done for 3 cases: {references}.") in messages
    refusals = [text for level, text in messages if level == "error"]
    assert refusals == ["Not a case you can open: nothing was done to it."] * 2
    assert elsewhere.reference not in " ".join(text for _level, text in messages)
    for case in mine:
        case.refresh_from_db()
        assert case.status == Status.ACKNOWLEDGED
    elsewhere.refresh_from_db()
    assert elsewhere.status == Status.RECEIVED
    assert not AuditEvent.objects.filter(case_id=elsewhere.id).exclude(action="submit").exists()


def test_bulk_acts_refused_on_one_case_name_it_and_its_reason(client, coalition):
    done, already = report().case, acknowledged(coalition)
    sign_in(client, coalition["amani"])
    response = bulk_post(client, "acknowledge_selected", tick(done, already))
    assert ("success", f"Done for 1 case: {done.reference}.") in said(response)
    assert (
        "error",
        f"{already.reference}: This cannot be done while the case is “Acknowledged”.",
    ) in said(response)


def test_an_officer_takes_cases_from_the_queue_but_cannot_assign_others(client, coalition):
    free, taken = report().case, report().case
    sharing.assign(taken, by=coalition["beatrice"].user, to=coalition["beatrice"].user)
    sign_in(client, coalition["amani"])
    response = client.get(QUEUE)
    offered = {name for name, _label in response.context["action_form"].fields["action"].choices}
    assert offered == {"", "acknowledge_selected", "take_selected"}
    assert "to" not in response.context["action_form"].fields
    response = bulk_post(client, "take_selected", tick(free, taken))
    assert ("success", f"Done for 1 case: {free.reference}.") in said(response)
    assert (
        "error",
        f"{taken.reference}: beatrice is in charge of this case: ask them to hand it over.",
    ) in said(response)
    # A hand-made POST of the coordinators' act is not offered to her: nothing happens.
    response = bulk_post(client, "assign_selected", tick(free), to=coalition["sia"].user.pk)
    assert Case.objects.get(pk=free.pk).assignee == coalition["amani"].user


def test_a_coordinator_assigns_from_the_queue_only_to_someone_who_covers_the_country(
    client, coalition
):
    drc, rwanda = report().case, report(country="RW").case
    amani = coalition["amani"].user
    sign_in(client, coalition["beatrice"])
    assert "to" in client.get(QUEUE).context["action_form"].fields
    response = bulk_post(client, "assign_selected", tick(drc, rwanda), to=amani.pk)
    assert ("success", f"Done for 1 case: {drc.reference}.") in said(response)
    assert (
        "error",
        f"{rwanda.reference}: amani does not work on cases from Rwanda.",
    ) in said(response)
    assert Case.objects.get(pk=drc.pk).assignee == amani
    assert Case.objects.get(pk=rwanda.pk).assignee is None
    response = bulk_post(client, "assign_selected", tick(rwanda))
    assert ("error", "Choose the person to assign the cases to.") in said(response)


def test_the_confirmation_page_and_the_bulk_bar_speak_french(client, coalition):
    case = concluded(coalition)
    sign_in(client, coalition["beatrice"])
    page_fr = client.post(act_url(case, "close"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert f"Clore le dossier {case.reference} ?" in page_fr
    assert "Rien n'a encore été fait." in page_fr and "Non, revenir au dossier" in page_fr
    queue_fr = client.get(QUEUE, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "M&#x27;attribuer le dossier" in queue_fr
    assert "Attribuer à la personne choisie" in queue_fr
