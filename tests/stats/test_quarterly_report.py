"""The quarterly report to the KP working group: draft, issue, frozen as issued."""

import hashlib
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from pypdf import PdfReader

from cases.models import AuditEvent
from cases.permissions import NotAllowed
from stats import periods, reports
from stats.models import IssuedFile, QuarterlyReport
from tests.conftest import report as send
from tests.conftest import sign_in
from tests.stats.history import CANARY, QUARTER, a_quarter

pytestmark = pytest.mark.django_db

Q3 = periods.parse(QUARTER)
NARRATIVE = {
    "narrative_fr": "Trafic de diamants en hausse à la frontière ; deux renvois au PK.",
    "narrative_en": "Diamond smuggling rose at the border; two referrals to the KP.",
}


@pytest.fixture
def quarter(coalition, frozen):
    return a_quarter(coalition, frozen)


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_only_the_steering_committee_drafts_a_report_of_an_ended_quarter(coalition, quarter):
    with pytest.raises(NotAllowed, match="Your role cannot"):
        reports.save_draft(Q3, by=coalition["beatrice"].user, **NARRATIVE)
    made = reports.save_draft(Q3, by=coalition["chidi"].user, **NARRATIVE)
    assert made.status == "draft"
    event = AuditEvent.objects.get(action="report_draft_saved")
    assert (event.actor, event.detail) == ("chidi", {"quarter": QUARTER})
    with pytest.raises(NotAllowed, match="once it has ended"):
        reports.save_draft(periods.parse("2026-Q4"), by=coalition["chidi"].user, **NARRATIVE)
    with pytest.raises(NotAllowed, match="covers a quarter"):
        reports.save_draft(periods.parse("2026-07"), by=coalition["chidi"].user, **NARRATIVE)


def test_issuing_needs_both_narratives(coalition, quarter):
    chidi = coalition["chidi"].user
    draft = reports.save_draft(Q3, by=chidi, narrative_fr="Texte.", narrative_en="")
    with pytest.raises(NotAllowed, match="French and in English"):
        reports.finalise(draft, by=chidi)
    draft = reports.save_draft(Q3, by=chidi, **NARRATIVE)
    assert reports.finalise(draft, by=chidi).issued


def test_the_french_pdf_reads_back_with_the_figures_the_dashboard_shows(coalition, quarter):
    chidi = coalition["chidi"].user
    draft = reports.save_draft(Q3, by=chidi, **NARRATIVE)
    pdf = reports.download(draft, by=chidi, language="fr", kind="pdf")
    text = text_of(pdf)
    assert "Rapport trimestriel au Groupe de travail" in text
    assert "BROUILLON" in text
    assert NARRATIVE["narrative_fr"] in text.replace("\n", " ")
    assert "Sierra Leone" in text and "<5" in text
    assert CANARY not in text and "Kanyama" not in text
    for case in quarter["CD"]:
        assert case.reference not in text


def test_the_english_pdf_brings_smuggling_fraud_and_violence_forward(coalition, quarter):
    chidi = coalition["chidi"].user
    draft = reports.save_draft(Q3, by=chidi, **NARRATIVE)
    text = text_of(reports.download(draft, by=chidi, language="en", kind="pdf"))
    assert "Quarterly report to the Kimberley Process Working Group" in text
    forward = text.index("fraud, smuggling, corruption, financial crime and violence")
    assert text.index("TRD", forward) < text.index("COR", forward) < text.index("ABU", forward)


def test_an_issued_report_stays_as_issued_when_new_cases_arrive(coalition, quarter, frozen):
    chidi = coalition["chidi"].user
    draft = reports.save_draft(Q3, by=chidi, **NARRATIVE)
    issued = reports.finalise(draft, by=chidi)
    pdf = reports.download(issued, by=chidi, language="fr", kind="pdf")
    annex = reports.download(issued, by=chidi, language="en", kind="csv").decode()
    frozen.to(datetime(2026, 8, 20, 10, tzinfo=UTC))  # more reports in the quarter, late
    for _ in range(7):
        send(country="SL", categories=["TRD"], incident_date="2026-08-01")
    frozen.to(datetime(2026, 10, 20, 10, tzinfo=UTC))
    again = QuarterlyReport.objects.get(pk=issued.pk)
    assert reports.download(again, by=chidi, language="fr", kind="pdf") == pdf
    assert reports.download(again, by=chidi, language="en", kind="csv").decode() == annex
    live = reports.coalition_page(Q3).table("received_by_month")
    assert live.grid.cells[("*", "*")].value == 39  # the live figures did change
    finalised = AuditEvent.objects.get(action="report_finalised")
    assert finalised.detail["fr.pdf"] == hashlib.sha256(pdf).hexdigest()
    with pytest.raises(NotAllowed, match="can no longer change"):
        reports.save_draft(Q3, by=chidi, **NARRATIVE)
    with pytest.raises(ValueError, match="frozen"):
        again.narrative_en = "rewritten"
        again.save()
    with pytest.raises(ValueError, match="never changed"):
        file = IssuedFile.objects.first()
        file.content = b"forged"
        file.save()


def test_the_report_pages_draft_issue_and_download(client, coalition, quarter):
    sign_in(client, coalition["chidi"])
    url = reverse("admin:statistics_report", args=[QUARTER])
    assert client.get(reverse("admin:statistics_reports")).status_code == 200
    client.post(url, NARRATIVE)
    assert QuarterlyReport.objects.get().narrative_en == NARRATIVE["narrative_en"]
    issue = reverse("admin:statistics_report_finalise", args=[QUARTER])
    client.post(issue, {})  # without the confirmation box: nothing happens
    assert not QuarterlyReport.objects.get().issued
    client.post(issue, {"confirm": "yes"})
    assert QuarterlyReport.objects.get().issued
    pdf = client.get(reverse("admin:statistics_report_file", args=[QUARTER, "fr", "pdf"]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    downloaded = AuditEvent.objects.filter(action="report_downloaded").last()
    assert downloaded.detail["file"] == "fr.pdf" and downloaded.detail["status"] == "final"


def test_nobody_but_the_steering_committee_opens_the_reports(client, coalition):
    sign_in(client, coalition["beatrice"])
    assert client.get(reverse("admin:statistics_reports")).status_code == 403
    assert client.get(reverse("admin:statistics_report", args=[QUARTER])).status_code == 403
