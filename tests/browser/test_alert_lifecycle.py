"""An urgent report becomes an alert; Amani acknowledges and assesses it with JavaScript off,
and Béatrice, the coordinator, sees it was handled."""

from django.urls import reverse
from playwright.sync_api import expect

from alerts.models import Alert, Condition, Grouping, Rule
from tests.browser.test_dashboard_without_javascript import log_in
from tests.conftest import report

ASSESSMENT = "Confirmed with our contact at the site: the group arrived on Tuesday."


def test_amani_acknowledges_and_confirms_an_alert_with_js_off(server, new_page, coalition):
    Rule.objects.create(
        name="Urgent report",
        condition=Condition.EACH,
        priorities=["P1"],
        group_by=Grouping.COUNTRY,
    )
    report(urgent=True, categories=["NSAG"])  # committed: evaluated at once (eager worker)
    alert = Alert.objects.get()

    page = new_page(locale="en-GB")
    log_in(page, server, coalition["amani"])
    header = page.locator("#alerts-count")
    expect(header).to_have_text("1 alert to acknowledge")
    header.click()
    page.get_by_role("link", name=f"Alert {alert.pk}").click()
    expect(page.locator("#alert-status")).to_have_text("Raised")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.locator("#alert-status")).to_have_text("Acknowledged")
    expect(page.locator("#alerts-count")).to_have_text("0 alerts to acknowledge")

    page.get_by_label("Finding").select_option("confirmed")
    page.get_by_label("Assessment (sealed to the alert's recipients)").fill(ASSESSMENT)
    page.get_by_role("button", name="Record the assessment").click()
    expect(page.locator("#alert-status")).to_have_text("Assessed — Confirmed")
    expect(page.locator("#assessments")).to_contain_text(ASSESSMENT)
    page.get_by_role("button", name="Close the alert").click()
    expect(page.locator("#alert-status")).to_have_text("Closed — Confirmed")

    coordinator = new_page(locale="en-GB")
    log_in(coordinator, server, coalition["beatrice"])
    coordinator.goto(server + reverse("admin:alerts") + "?closed=1")
    row = coordinator.locator("#alert-list tbody tr").first
    expect(row).to_contain_text("Closed — Confirmed")
    coordinator.get_by_role("link", name=f"Alert {alert.pk}").click()
    expect(coordinator.locator(".alert-page")).to_contain_text("amani")
    # Sealed to the recipients only: the coordinator sees the finding, not the text.
    expect(coordinator.locator("#assessments")).to_contain_text("(sealed to others)")
    expect(coordinator.locator("#assessments")).not_to_contain_text(ASSESSMENT)
