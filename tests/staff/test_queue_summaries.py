"""The queue says what each case is, to key holders only, and keeps nothing of it."""

import logging

import pytest
from django.urls import reverse

from cases import intake, sharing, workflow
from cases.models import AuditEvent, KeyWrap, Level
from lib import crypto
from tests.conftest import key_of, report, sign_in
from tests.dump import cache_contents, database_dump

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:cases_case_changelist")
STORY = "Kavumu diggers were beaten by guards near the washing pit on Tuesday morning."


def rows(client, **params) -> dict:
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return {case.reference: case for case in response.context["cl"].result_list}


def test_amani_sees_what_happened_and_where_beside_the_clear_fields(client, coalition):
    case = report(what_happened=STORY + " " + "More words. " * 30).case
    sign_in(client, coalition["amani"])
    page = client.get(QUEUE).content.decode()
    assert (
        "Kavumu diggers were beaten by guards near the washing pit on Tuesday morning. More…"
        in page
    )
    assert "Tshikapa · Tshikapa river bank" in page
    summary = rows(client)[case.reference].summary
    assert summary.what.startswith("Kavumu diggers") and summary.what.endswith("…")
    reads = AuditEvent.objects.filter(action="read_summaries", actor="amani")
    assert [e.detail for e in reads] == [{"cases": [case.reference]}] * 2  # one per page drawn


def test_a_staff_member_without_the_key_sees_no_summary(client, coalition):
    hidden = report(what_happened=STORY, regional_only=True).case
    sign_in(client, coalition["amani"])
    page = client.get(QUEUE).content.decode()
    assert "Kavumu" not in page and hidden.reference not in page
    # Positive control: the regional coordinator holds the key and reads it.
    sign_in(client, coalition["beatrice"])
    assert rows(client)[hidden.reference].summary.what == STORY


def test_a_row_whose_wrap_does_not_open_shows_no_summary(client, coalition):
    case, control = report(what_happened=STORY).case, report().case
    # Her wrap made to someone else's public key: the row is hers, the key is not.
    stranger_public = crypto.generate_keypair()[1]
    KeyWrap.objects.filter(case=case, user=coalition["amani"].user).update(
        wrapped=crypto.wrap_for_recipient(stranger_public, crypto.random_key(), context=b"x")
    )
    sign_in(client, coalition["amani"])
    shown = rows(client)
    assert shown[case.reference].summary is None
    assert shown[control.reference].summary is not None  # positive control
    assert "Kavumu" not in client.get(QUEUE).content.decode()


def test_no_summary_text_is_cached_logged_or_stored(client, coalition, settings, caplog):
    caplog.set_level(logging.DEBUG)
    report(what_happened=STORY)
    sign_in(client, coalition["amani"])
    assert "Kavumu" in client.get(QUEUE).content.decode()
    assert "Kavumu" in client.get(QUEUE, {"q": "kavumu"}).content.decode()
    for where, blob in {
        "cache": cache_contents(settings),
        "logs": caplog.text.encode(),
        "database": database_dump(),
    }.items():
        assert b"Kavumu" not in blob and b"kavumu" not in blob, where


def test_the_show_filter_picks_her_own_views_of_the_queue(client, coalition, frozen):
    amani, beatrice = coalition["amani"], coalition["beatrice"]
    plain, urgent = report().case, report(urgent=True).case
    mine = report().case
    key = key_of(mine, amani)
    workflow.acknowledge(mine, by=amani.user, case_key=key)
    sharing.assign(mine, by=beatrice.user, to=amani.user)
    waiting = report().case
    intake.add_reporter_message(waiting, case_key=key_of(waiting, amani), text="Any news?")
    owed = report().case
    workflow.acknowledge(owed, by=amani.user, case_key=key_of(owed, amani))
    up = report().case
    up_key = key_of(up, amani)
    workflow.acknowledge(up, by=amani.user, case_key=up_key)
    workflow.assess(up, by=amani.user, priority="P2", categories=["TRD"], admissible=True)
    workflow.escalate(
        up, by=beatrice.user, case_key=up_key, level=Level.REGIONAL, reason="x", to=beatrice.user
    )
    frozen.advance(days=80)  # the feedback clocks of the acknowledged cases near their end
    sign_in(client, amani)
    assert set(rows(client, show="mine")) == {mine.reference}
    assert set(rows(client, show="unread")) == {waiting.reference}
    assert set(rows(client, show="p1")) == {urgent.reference}
    assert set(rows(client, show="feedback")) == {mine.reference, owed.reference, up.reference}
    assert set(rows(client)) >= {plain.reference, urgent.reference}  # no filter: all of them
    sign_in(client, beatrice)
    assert set(rows(client, show="escalated")) == {up.reference}
    sign_in(client, amani)
    assert set(rows(client, show="escalated")) == set()
