"""With JavaScript off, a reporter sends a report with a photo, then follows it up."""

import re

from playwright.sync_api import expect

RECEIPT = re.compile(r"^\d{4}( \d{4}){4}$")
WHAT_HAPPENED = "Soldiers took the diggers' diamonds at the Tshikapa comptoir on Friday."
FOLLOW_UP = "They came back on Monday with more soldiers."


def test_a_reporter_with_javascript_off_sends_a_report_and_follows_it_up(server, page, photo):
    page.goto(server + "/")
    page.get_by_role("link", name="Make a report").click()
    expect(page).to_have_url(server + "/report/")

    page.get_by_label("Corruption and bribery").check()
    page.get_by_label("Country").select_option("CD")
    page.get_by_label("What happened?").fill(WHAT_HAPPENED)
    page.get_by_label("Add files").set_input_files(photo)
    page.get_by_role("button", name="Send my report").click()

    receipt = page.locator("#receipt").inner_text().strip()
    assert RECEIPT.match(receipt), f"the receipt should show as 5 groups of 4 digits: {receipt!r}"

    page.goto(server + "/follow-up/")
    page.get_by_label("Your receipt").fill(receipt)  # with the spaces, as shown
    page.get_by_role("button", name="Open", exact=True).click()

    expect(page).to_have_url(server + "/follow-up/case/")
    expect(page.locator("#report")).to_contain_text(WHAT_HAPPENED)
    expect(page.locator("#report .files")).to_contain_text(photo.name)

    page.get_by_label("Your message").fill(FOLLOW_UP)
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page.get_by_role("status")).to_have_text("Your message was sent.")
    expect(page.locator(".msg.reporter .text")).to_have_text(FOLLOW_UP)
