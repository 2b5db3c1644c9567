"""The dashboard and its CSV through the real staff site, role by role."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import translation

from cases.models import AuditEvent
from staff import accounts
from tests.conftest import PASSWORD, sign_in
from tests.stats.attacker import from_csv, recovered
from tests.stats.history import CANARY, QUARTER, a_quarter

pytestmark = pytest.mark.django_db

DASHBOARD, CSV = reverse("admin:statistics"), reverse("admin:statistics_csv")
LINKS = [("received_by_month", "received_by_category")]


@pytest.fixture
def quarter(coalition, frozen):
    return a_quarter(coalition, frozen)


def test_the_staff_home_page_links_the_dashboard_for_roles_that_may_see_it(client, coalition):
    sign_in(client, coalition["chidi"])
    home = client.get(reverse("admin:index")).content.decode()
    assert DASHBOARD in home and reverse("admin:statistics_reports") in home
    client.logout()
    sign_in(client, coalition["amani"])
    home = client.get(reverse("admin:index")).content.decode()
    assert DASHBOARD in home and reverse("admin:statistics_reports") not in home


def test_an_administrator_has_no_statistics(client, db):
    accounts.enrol("root", role="admin", password=PASSWORD)
    sign_in(client, "root")
    assert DASHBOARD not in client.get(reverse("admin:index")).content.decode()
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(CSV).status_code == 403


def test_a_steering_member_sees_the_last_quarter_for_the_whole_coalition(
    client, coalition, quarter
):
    sign_in(client, coalition["chidi"])
    with translation.override("en"):
        page = client.get(DASHBOARD, {"period": QUARTER}).content.decode()
    assert "Quarter 3 of 2026" in page and "the whole coalition" in page
    assert "Sierra Leone" in page and "Democratic Republic of the Congo" in page
    assert "<svg" in page and "<script" not in page.split('id="content-main"')[1]
    assert CANARY not in page
    for case in quarter["CD"]:
        assert case.reference not in page
    default = client.get(DASHBOARD)  # without a period: the last complete quarter
    assert default.context["page"].period.code == QUARTER


def test_an_officer_sees_only_her_country_and_filters_cannot_widen_it(client, coalition, quarter):
    sign_in(client, coalition["amani"])
    response = client.get(DASHBOARD, {"period": QUARTER})
    assert response.context["page"].scope.countries == ("CD",)
    assert "Sierra Leone" not in response.content.decode()
    tampered = client.get(DASHBOARD, {"period": QUARTER, "country": "SL"})
    assert tampered.context["page"].scope.countries == ("CD",)
    assert "Choose the filters from the lists." in tampered.content.decode()
    odd = client.get(DASHBOARD, {"period": "2026-02-30"})
    assert odd.status_code == 200 and odd.context["page"].period.code == QUARTER
    french = client.get(DASHBOARD, {"period": QUARTER}, HTTP_ACCEPT_LANGUAGE="fr").content
    assert "Signalements reçus" in french.decode() and "Délais légaux" in french.decode()


def test_the_csv_holds_the_page_with_the_same_suppression_and_is_audited(
    client, coalition, quarter
):
    sign_in(client, coalition["chidi"])
    response = client.get(CSV, {"period": QUARTER})
    text = response.content.decode()
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(text)))
    small = [r for r in rows if r["table"] == "received_by_month" and r["row"] == "SL"]
    assert {r["column"]: r["value"] for r in small}["2026-07"] == "<5"
    assert recovered(from_csv(text, 5, LINKS)) == []
    assert CANARY not in text
    event = AuditEvent.objects.get(action="statistics_exported")
    assert event.actor == "chidi" and event.case_id is None
    assert event.detail["period"] == QUARTER and event.detail["table"] == "all"
    one = client.get(CSV, {"period": QUARTER, "table": "deadlines"}).content.decode()
    assert {r["table"] for r in csv.DictReader(io.StringIO(one))} == {"deadlines"}
    assert client.get(CSV, {"period": QUARTER, "table": "nope"}).status_code == 404


def test_an_officer_without_a_country_is_refused_not_failed(client, db):
    accounts.enrol("nowhere", role="officer", password=PASSWORD)
    sign_in(client, "nowhere")
    assert client.get(DASHBOARD).status_code == 403
