"""The province: a closed-list answer kept in clear, beside the sealed territory or town."""

import html
import json

import pytest
from django.urls import reverse
from django.utils import translation

from cases import content, report, workflow
from cases.models import AuditEvent, Case
from cases.permissions import NotAllowed
from lib import crypto
from tests.conftest import key_of, sign_in
from tests.conftest import report as send
from tests.whistle.pages import form_data, open_mailbox, receipt_of, send_report

pytestmark = pytest.mark.django_db


def test_the_province_is_kept_in_clear_and_the_town_only_sealed(coalition):
    case = send(province="CD-NK", place="Rubaya, behind the market").case
    stored = Case.objects.get(pk=case.pk)
    assert stored.province == "CD-NK"
    assert b"Rubaya" not in bytes(stored.report)
    answers = content.read_report(stored, key_of(stored, coalition["amani"]))
    assert (answers["province"], answers["place"]) == ("CD-NK", "Rubaya, behind the market")


def test_the_province_is_optional(coalition):
    assert send(province="").case.province == ""


@pytest.mark.parametrize(
    ("province", "reason"),
    [
        ("SL-E", "This province is not in the country you chose."),
        ("CD-XX", "Choose from the list."),
        ("Kivu", "Choose from the list."),
    ],
)
def test_a_province_outside_the_countrys_closed_list_is_refused(coalition, province, reason):
    with pytest.raises(report.InvalidReport, match=reason):
        send(country="CD", province=province)
    assert not Case.objects.exists()
    assert send(country="SL", province="SL-E").case.province == "SL-E"  # positive control


def test_the_public_form_offers_provinces_grouped_by_country_in_french(client, coalition):
    page = client.get("/report/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<optgroup label="Sierra Leone">' in page
    assert '<option value="CM-EN">Extrême-Nord</option>' in page
    assert 'name="place"' in page


def test_the_form_says_in_french_when_province_and_country_disagree(client, coalition):
    response = send_report(
        client, form_data(country="CD", province="SL-E"), HTTP_ACCEPT_LANGUAGE="fr"
    )
    page = html.unescape(response.content.decode())
    assert "Cette province n'est pas dans le pays choisi." in page
    assert not Case.objects.exists()
    fixed = send_report(client, form_data(country="SL", province="SL-E"))
    assert receipt_of(fixed) and Case.objects.get().province == "SL-E"


def test_an_officer_sets_then_corrects_the_province_and_each_act_is_audited(coalition):
    amani = coalition["amani"].user
    case = send(province="").case
    workflow.set_province(case, by=amani, province="CD-IT")
    workflow.set_province(case, by=amani, province="CD-HU")
    assert Case.objects.get(pk=case.pk).province == "CD-HU"
    events = AuditEvent.objects.filter(case_id=case.id, action="set_province")
    assert [(e.actor, e.detail["old"], e.detail["new"]) for e in events] == [
        ("amani", "", "CD-IT"),
        ("amani", "CD-IT", "CD-HU"),
    ]


def test_nobody_sets_a_province_of_another_country_or_without_the_key(coalition):
    case = send(country="CD").case
    with pytest.raises(NotAllowed, match="province of the case's country"):
        workflow.set_province(case, by=coalition["amani"].user, province="SL-E")
    with pytest.raises(NotAllowed, match="do not hold a key"):
        workflow.set_province(case, by=coalition["sia"].user, province="CD-IT")
    with pytest.raises(NotAllowed, match="Your role cannot"):
        workflow.set_province(case, by=coalition["chidi"].user, province="CD-IT")
    assert Case.objects.get(pk=case.pk).province == "CD-KS"


def test_the_case_page_offers_the_countrys_provinces_and_saves_the_choice(client, coalition):
    case = send().case
    sign_in(client, coalition["amani"])
    url = reverse("admin:cases_case_change", args=[case.pk])
    page = client.get(url).content.decode()
    assert 'value="CD-IT"' in page and 'value="SL-E"' not in page
    client.post(
        reverse("admin:cases_case_act", args=[case.pk, "set_province"]),
        {"set_province-province": "CD-IT"},
    )
    assert Case.objects.get(pk=case.pk).province == "CD-IT"
    assert "Ituri" in client.get(url).content.decode()


def sealed_the_old_way(case, case_key, **answers) -> None:
    """Re-seal a case's report as reports were sealed before the closed province list."""
    old = {**content.read_report(case, case_key), **answers}
    old.pop("place")
    case.report = crypto.seal_for_case(case_key, case.id.bytes, "report", json.dumps(old).encode())
    case.save(update_fields=["report"])


def test_an_old_report_shows_its_free_text_as_territory_or_town(client, coalition):
    sent = send()
    case = sent.case
    sealed_the_old_way(case, key_of(case, coalition["amani"]), province="Kasaï, near Tshikapa")
    sign_in(client, coalition["amani"])
    with translation.override("en"):
        page = client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert "<dt>Territory or town</dt>" in page
    assert "Kasaï, near Tshikapa" in page
    mailbox = open_mailbox(client, sent.receipt)
    assert mailbox.status_code == 200
    assert "Soldiers seized the diamonds" in mailbox.content.decode()
