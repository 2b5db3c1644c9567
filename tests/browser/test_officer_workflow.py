"""The whole loop in real browsers: a reporter sends, Amani answers, the reporter reads it.

The reporter has JavaScript off and reads French; Amani works in the admin, in another
browser context, through plain form posts (the admin's own scripts may run, none is needed).
"""

import io
import re
from urllib.parse import urlsplit

from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from cases import workflow
from cases.models import AuditEvent, Case, Level, Status
from tests.conftest import PASSWORD

WHAT_HAPPENED = "Des soldats ont pris les diamants des creuseurs au comptoir de Tshikapa vendredi."
REPLY = "Bonjour, nous avons lu votre signalement. Savez-vous à quelle unité appartenaient-ils ?"
WHY = "Soldiers are involved: the regional team should follow this with us."


def french(text: str) -> str:
    with translation.override("fr"):
        return translation.gettext(text)


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def watch_requests(page) -> list[str]:
    """Every URL the page's browser context asks for, from now on."""
    requested = []
    page.context.on("request", lambda request: requested.append(request.url))
    return requested


def test_an_officer_acknowledges_and_replies_and_the_reporter_reads_it(
    server, new_page, amani, beatrice
):
    # 1. The reporter, JavaScript off, sends a report in French and keeps the receipt.
    reporter = new_page(locale="fr-FR")
    reporter_requests = watch_requests(reporter)
    reporter.goto(server + "/report/")
    expect(reporter.locator("html")).to_have_attribute("lang", "fr")
    with translation.override("fr"):  # the public form's own words for the category
        reporter.get_by_label(translation.pgettext("reporter", "Corruption and bribery")).check()
    reporter.get_by_label(french("Country")).select_option("CD")
    reporter.get_by_label(french("What happened?")).fill(WHAT_HAPPENED)
    reporter.get_by_role("button", name=french("Send my report")).click()
    receipt = reporter.locator("#receipt").inner_text().strip()
    assert re.fullmatch(r"\d{4}( \d{4}){4}", receipt), receipt

    case = Case.objects.get()
    assert case.language == "fr" and case.country == "CD"

    # 2. Amani logs in with her password, then a code from her authenticator app.
    officer = new_page(javascript=True, locale="en-GB")
    officer_requests = watch_requests(officer)
    officer.goto(server + reverse("admin:login"))
    officer.get_by_label("Username").fill("amani")
    officer.get_by_label("Password").fill(PASSWORD)
    officer.get_by_role("button", name="Next").click()
    expect(officer).to_have_url(server + reverse("admin:login_code"))
    device = TOTPDevice.objects.get(user=amani.user, confirmed=True)
    officer.get_by_label("Code from your authenticator app").fill(f"{totp(device.bin_key):06d}")
    officer.get_by_role("button", name="Log in").click()
    expect(officer).to_have_url(server + reverse("admin:index"))

    # Her queue lists the case by reference; its page shows the report, decrypted.
    officer.goto(server + reverse("admin:cases_case_changelist"))
    expect(officer.get_by_role("heading", name="Your queue")).to_be_visible()
    officer.get_by_role("link", name=case.reference, exact=True).click()
    expect(officer).to_have_url(server + reverse("admin:cases_case_change", args=[case.pk]))
    expect(officer.locator(".case-report")).to_contain_text(WHAT_HAPPENED)
    done = officer.locator(".messagelist .success")

    officer.get_by_role("button", name="Acknowledge and tell the reporter").click()
    expect(done).to_have_text("Done: Acknowledge receipt.")

    def act_form(title: str):
        """The act's form, its <details> opened (with a click: no script needed)."""
        summary = officer.locator("details.act > summary").filter(
            has_text=re.compile(f"^{re.escape(title)}$")
        )
        summary.click()
        return summary.locator("xpath=..")

    write = act_form("Write to the reporter")
    write.get_by_label("Message to the reporter").fill(REPLY)
    write.get_by_role("button", name="Send", exact=True).click()
    expect(done).to_have_text("Done: Write to the reporter.")
    expect(officer.locator(".message-staff .message-text").last).to_have_text(REPLY)

    # Only an assessed case can be escalated: found admissible, it goes under investigation.
    assess = act_form("Assess")
    assess.get_by_label("Priority").select_option("P2")
    assess.get_by_label("Yes: investigate").check()
    assess.get_by_role("button", name="Record the assessment").click()
    expect(done).to_have_text("Done: Assess.")

    escalate = act_form("Escalate")
    escalate.get_by_label("Level").select_option(Level.REGIONAL)
    escalate.get_by_label("To whom (optional)").select_option(str(beatrice.user.pk))
    escalate.get_by_label("Why").fill(WHY)
    escalate.get_by_role("button", name="Escalate").click()
    expect(done).to_have_text("Done: Escalate.")
    expect(officer.locator(".case-table").first).to_contain_text(WHY)

    case.refresh_from_db()
    assert (case.status, case.level) == (Status.ESCALATED, Level.REGIONAL)

    # 3. The reporter comes back with the receipt and reads both answers, in French.
    reporter.goto(server + "/follow-up/")
    reporter.get_by_label(french("Your receipt")).fill(receipt)
    reporter.get_by_role("button", name=french("Open"), exact=True).click()
    expect(reporter).to_have_url(server + "/follow-up/case/")
    expect(reporter.locator("#status")).not_to_have_text(
        french("Received. It has not been opened yet.")
    )
    expect(reporter.locator("#status")).to_have_text(french("Being handled by the coalition."))
    answers = reporter.locator(".msg.staff .text")
    expect(answers).to_have_count(2)
    acknowledgement = french(workflow.ACKNOWLEDGEMENT)
    assert acknowledgement.startswith("Merci")
    expect(answers.first).to_have_text(acknowledgement)
    expect(answers.last).to_have_text(REPLY)

    # 4. Nothing was fetched from elsewhere; the audit chain holds, with Amani's reads.
    for requested in (reporter_requests, officer_requests):
        assert requested and [u for u in requested if origin(u) != origin(server)] == []
    out = io.StringIO()
    call_command("verify_audit", stdout=out)
    assert "audit chain intact" in out.getvalue()
    assert AuditEvent.objects.filter(case_id=case.id, action="read", actor="amani").exists()
