"""The case dossier (a PDF for authorities) and the SHA-256 of each file, kept and checked."""

import hashlib
import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from cases import content, intake, workflow
from cases.models import AuditEvent, Case
from cases.uploads import file_context
from lib import clock, crypto
from tests.conftest import key_of, sign_in
from tests.whistle.pages import form_data, jpeg_with_gps, receipt_of, send_report

pytestmark = pytest.mark.django_db


def page(case) -> str:
    return reverse("admin:cases_case_change", args=[case.pk])


def download_url(case, file_id) -> str:
    return reverse("admin:cases_case_attachment", args=[case.pk, file_id])


@pytest.fixture
def sent(client, coalition):
    """A report with a GPS-tagged photo, sent through the public form; Amani signed in."""
    photo = jpeg_with_gps()
    original = photo.getvalue()
    receipt_of(send_report(client, form_data(attachments=photo)))
    case = Case.objects.get()
    officer = Client()
    sign_in(officer, coalition["amani"])
    amani_key = key_of(case, coalition["amani"])
    return case, amani_key, officer, original


def test_each_file_keeps_the_sha256_of_its_cleaned_copy_never_of_the_original(sent):
    case, case_key, officer, original = sent
    [info] = content.report_files(case, case_key)
    assert info.scrubbed
    kept = b"".join(officer.get(download_url(case, info.id)).streaming_content)
    assert info.sha256 == hashlib.sha256(kept).hexdigest()
    assert info.sha256 != hashlib.sha256(original).hexdigest()  # the GPS tags were removed
    # Sealed with the case: nowhere in the clear columns of the database.
    attachment = case.attachments.get()
    assert info.sha256.encode() not in bytes(attachment.sealed_meta)
    assert info.sha256 in officer.get(page(case)).content.decode()


def forge(case, case_key, file_id, data: bytes) -> None:
    """Replace a file by other bytes sealed under its own key: only its digest can tell."""
    attachment = case.attachments.get(id=file_id)
    purposes = content.attachment_purposes(attachment.id, attachment.message)["key"]
    key = content.open_bound(case.id, case_key, purposes, attachment.sealed_file_key)
    from cases import storage

    with storage.attachment_path(file_id).open("wb") as out:
        crypto.seal_stream(key, io.BytesIO(data), out, context=file_context(file_id))


def test_a_file_changed_since_it_arrived_is_not_handed_out_and_the_mismatch_is_audited(sent):
    case, case_key, officer, _original = sent
    [info] = content.report_files(case, case_key)
    url = download_url(case, info.id)
    assert officer.get(url).status_code == 200  # positive control: intact, it downloads
    forge(case, case_key, info.id, b"another picture altogether")
    response = officer.get(url, follow=True)
    assert response.request["PATH_INFO"] == page(case)
    shown = " ".join(str(m) for m in response.context["messages"])
    assert "no longer matches the SHA-256 recorded when it arrived" in shown
    assert AuditEvent.objects.filter(case_id=case.id, action="file_mismatch").count() == 1


def pdf_text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_the_dossier_reads_back_with_the_report_the_chosen_messages_hashes_and_watermark(
    sent, coalition
):
    case, case_key, officer, _original = sent
    amani = coalition["amani"].user
    amani.first_name, amani.last_name = "Amani", "Kabila"
    amani.save()
    chosen = intake.add_reporter_message(
        case, case_key=case_key, text="The trucks leave Nyabibwe at night."
    )
    intake.add_reporter_message(case, case_key=case_key, text="My cousin drives one of them.")
    workflow.acknowledge(case, by=amani, case_key=case_key)
    url = reverse("admin:cases_case_dossier", args=[case.pk])
    choice = officer.get(url)
    assert choice.status_code == 200 and "My cousin drives" in choice.content.decode()

    response = officer.post(url, {"messages": [chosen.id]})
    assert response["Content-Type"] == "application/pdf"
    assert f"lanterne-dossier-{case.reference}.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    [info] = content.report_files(case, case_key)
    told = content.read_report(case, case_key)["what_happened"]
    assert told and " ".join(told.split()) in " ".join(text.split())
    assert "The trucks leave Nyabibwe at night." in text
    assert "My cousin drives" not in text  # not chosen
    assert f"SHA-256: {info.sha256}" in text
    assert f"Exported by Amani Kabila on {clock.now():%Y-%m-%d}" in text
    assert case.reference in text
    event = AuditEvent.objects.get(case_id=case.id, action="export_dossier")
    assert (event.actor, event.detail) == ("amani", {"messages": 1, "files": 1})


def test_the_dossier_is_refused_alike_to_staff_without_the_key(sent, coalition):
    case, _case_key, officer, _original = sent
    url = reverse("admin:cases_case_dossier", args=[case.pk])
    assert officer.get(url).status_code == 200  # positive control
    sia = Client()
    sign_in(sia, coalition["sia"])
    assert sia.get(url).status_code == 404
    assert sia.post(url, {}).status_code == 404
    assert not AuditEvent.objects.filter(case_id=case.id, action="export_dossier").exists()
