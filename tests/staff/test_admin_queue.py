"""The queue: an officer's cases, most urgent first, in a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases import access, intake, sharing, workflow
from cases.models import AuditEvent
from staff import accounts
from tests.conftest import PASSWORD, key_of, report, sign_in

pytestmark = pytest.mark.django_db

QUEUE = reverse("admin:cases_case_changelist")
LOGIN, CODE = reverse("admin:login"), reverse("admin:login_code")


def queue(client, **params) -> list:
    response = client.get(QUEUE, params)
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def references(client, **params) -> list[str]:
    return [case.reference for case in queue(client, **params)]


@pytest.fixture
def amani_in(client, coalition):
    sign_in(client, coalition["amani"])
    return client


def test_amani_sees_her_drc_case_and_not_a_sierra_leone_case(amani_in):
    drc, sierra_leone = report().case, report(country="SL").case
    assert references(amani_in) == [drc.reference]
    assert sierra_leone.reference not in amani_in.get(QUEUE).content.decode()


def test_a_steering_member_and_an_admin_see_an_empty_queue(client, coalition, db):
    report()
    sign_in(client, coalition["chidi"])
    assert queue(client) == []
    client.post(reverse("admin:logout"))
    admin = accounts.enrol("root", role="admin", password=PASSWORD).profile
    sign_in(client, admin)
    assert queue(client) == []


def test_the_most_urgent_come_first(amani_in, coalition):
    amani = coalition["amani"]
    acknowledged = report().case
    workflow.acknowledge(acknowledged, by=amani.user, case_key=key_of(acknowledged, amani))
    waiting = report().case
    urgent = report(urgent=True).case
    finished = report().case
    key = key_of(finished, amani)
    workflow.acknowledge(finished, by=amani.user, case_key=key)
    workflow.assess(finished, by=amani.user, priority="P3", categories=["TRD"], admissible=False)
    assert references(amani_in) == [
        urgent.reference,  # P1 first
        waiting.reference,  # then the earliest deadline: acknowledge within 7 days
        acknowledged.reference,  # feedback within 3 months
        finished.reference,  # no deadline running
    ]


def test_the_overdue_filter_shows_cases_past_their_deadline(amani_in, coalition, frozen):
    amani = coalition["amani"]
    late = report().case
    on_time = report().case
    workflow.acknowledge(on_time, by=amani.user, case_key=key_of(on_time, amani))
    frozen.advance(days=9)
    assert references(amani_in, deadline="overdue") == [late.reference]
    html = amani_in.get(QUEUE).content.decode()
    assert 'class="deadline overdue"' in html and "overdue by 2 days" in html


def test_a_deadline_within_48_hours_is_marked(amani_in, frozen):
    report()
    frozen.advance(days=5, hours=12)
    html = amani_in.get(QUEUE).content.decode()
    assert 'class="deadline due-soon"' in html and "1 day left" in html


def test_search_finds_a_case_by_the_start_of_its_reference_in_any_case(amani_in):
    wanted, other = report().case, report().case
    typed = wanted.reference.replace("-", "").lower()[:6]
    assert references(amani_in, q=typed) == [wanted.reference]
    assert references(amani_in, q=wanted.reference) == [wanted.reference]
    assert other.reference in references(amani_in)


def test_the_filters_narrow_the_queue(amani_in):
    defenders = report(categories=["DEF"]).case
    report(categories=["ENV"])
    assert references(amani_in, category="DEF") == [defenders.reference]
    assert len(references(amani_in, status="received", country="CD")) == 2


def test_the_queue_counts_unread_messages_from_the_reporter(amani_in):
    submission = report()
    _case, case_key = access.case_for_receipt(submission.receipt)
    for text in ("One more thing.", "And another."):
        intake.add_reporter_message(submission.case, case_key=case_key, text=text)
    report()
    unread = {case.reference: case.unread for case in queue(amani_in)}
    assert unread[submission.case.reference] == 2
    assert sorted(unread.values()) == [0, 2]
    assert '<strong class="unread">2</strong>' in amani_in.get(QUEUE).content.decode()


def test_categories_show_their_words_on_hover(amani_in):
    report(categories=["DEF"])
    assert '<abbr title="Threats or reprisals' in amani_in.get(QUEUE).content.decode()


def test_the_queue_has_no_add_or_delete_and_only_the_bulk_acts_of_her_role(amani_in):
    case = report().case
    response = amani_in.get(QUEUE)
    actions = response.context["cl"].model_admin.get_actions(response.wsgi_request)
    assert set(actions) == {"acknowledge_selected", "take_selected"}  # no delete, no assign
    assert amani_in.get(reverse("admin:cases_case_add")).status_code == 403
    assert amani_in.get(reverse("admin:cases_case_delete", args=[case.pk])).status_code == 403


def count_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(QUEUE).status_code == 200
    return len(queries)


def test_the_queue_costs_the_same_few_queries_for_5_or_40_cases(amani_in, coalition):
    amani = coalition["amani"]

    def more(n: int) -> None:
        for i in range(n):
            submission = report(urgent=(i % 3 == 0))
            if i % 2:
                case_key = key_of(submission.case, amani)
                workflow.acknowledge(submission.case, by=amani.user, case_key=case_key)
                sharing.assign(submission.case, by=coalition["beatrice"].user, to=amani.user)

    more(5)
    with_five = count_queries(amani_in)
    more(35)
    assert len(queue(amani_in)) == 40
    assert count_queries(amani_in) == with_five <= 22  # bench QUEUE_QUERY_TARGET


def test_coordinators_read_the_audit_log_and_officers_do_not(client, coalition):
    case = report().case
    audit_log = reverse("admin:cases_auditevent_changelist")
    sign_in(client, coalition["amani"])
    assert client.get(audit_log).status_code == 403
    sign_in(client, coalition["beatrice"])
    response = client.get(audit_log)
    assert response.status_code == 200
    shown = [e for e in response.context["cl"].result_list if e.case_id]
    assert [e.case_reference for e in shown] == [case.reference]
    event = shown[0]
    assert client.get(reverse("admin:cases_auditevent_change", args=[event.pk])).status_code == 200
    assert client.post(reverse("admin:cases_auditevent_delete", args=[event.pk])).status_code == 403


def test_officers_do_not_list_staff_and_nobody_sees_their_keys(client, coalition):
    staff_list = reverse("admin:cases_staffprofile_changelist")
    sign_in(client, coalition["amani"])
    assert client.get(staff_list).status_code == 403
    admin = accounts.enrol("root", role="admin", password=PASSWORD).profile
    sign_in(client, admin)
    response = client.get(staff_list)
    assert response.status_code == 200
    assert "amani" in response.content.decode()
    detail = client.get(reverse("admin:cases_staffprofile_change", args=[coalition["amani"].pk]))
    assert detail.status_code == 200
    assert "sealed" not in detail.content.decode() and "public_key" not in detail.content.decode()


def test_coordinators_read_only_the_audit_events_of_cases_they_hold(client, coalition):
    """A recusal in West Africa is none of the Central coordinator's business."""
    west = accounts.enrol("kadi", role="coordinator", password=PASSWORD, regions=["west"])
    theirs = report(country="SL").case
    sharing.recuse(theirs, by=coalition["sia"].user)
    mine = report().case
    sign_in(client, coalition["beatrice"])
    listed = client.get(reverse("admin:cases_auditevent_changelist")).context["cl"].result_list
    assert {e.case_reference for e in listed if e.case_id} == {mine.reference}
    hidden = AuditEvent.objects.get(action="recuse")
    assert client.get(reverse("admin:cases_auditevent_change", args=[hidden.pk])).status_code == 302
    sign_in(client, west.profile)
    listed = client.get(reverse("admin:cases_auditevent_changelist")).context["cl"].result_list
    assert "recuse" in {e.action for e in listed}
