"""A reporter on a phone others pick up: no lasting cookie, and Back brings nothing back.

Each test drives Debian's Chromium with JavaScript off, as Tor Browser's safest level does.
"""

import re

from django.conf import settings
from playwright.sync_api import expect

from cases.models import Case

WHAT_HAPPENED = "The comptoir at Tshikapa buys stones from the soldiers' pit every Friday."
RECEIPT = re.compile(r"^\d{4}( \d{4}){4}$")


def stay_on_this_machine(page) -> None:
    """Answer the "Leave quickly" site here: the test sends nothing to another origin."""
    page.route(
        settings.LANTERNE_QUICK_EXIT_URL.split("?")[0] + "*",
        lambda route: route.fulfill(body="<p>Weather: sunny</p>", content_type="text/html"),
    )


def fill_a_report(page) -> None:
    page.get_by_label("Country").select_option("CD")
    page.get_by_label("What happened?").fill(WHAT_HAPPENED)
    page.get_by_label("Smuggling and illicit trade").check()


def test_visiting_the_public_pages_and_switching_language_leaves_only_session_cookies(server, page):
    page.goto(server + "/report/")
    page.locator('nav.langs a[hreflang="fr"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.goto(server + "/follow-up/")

    cookies = {c["name"]: c for c in page.context.cookies()}
    # The positive control: the form's CSRF cookie and the language choice are there...
    assert {"csrftoken", "django_language"} <= set(cookies), sorted(cookies)
    # ...and none of them outlives the browser: no expiry date is written to the disk.
    lasting = {name: c["expires"] for name, c in cookies.items() if c["expires"] != -1}
    assert lasting == {}, f"cookies that outlive the browser: {lasting}"


def test_back_after_leave_quickly_does_not_refill_the_form(server, page):
    stay_on_this_machine(page)
    page.goto(server + "/report/")
    fill_a_report(page)
    page.get_by_role("link", name="Leave quickly").click()
    expect(page.locator("body")).to_contain_text("Weather")

    page.go_back()

    expect(page).to_have_url(server + "/report/")
    expect(page.get_by_label("What happened?")).to_be_visible()  # the form is back...
    expect(page.get_by_label("What happened?")).to_have_value("")  # ...with nothing in it
    expect(page.get_by_label("Country")).to_have_value("")
    expect(page.get_by_label("Smuggling and illicit trade")).not_to_be_checked()


def test_back_after_a_sent_report_shows_no_report_and_cannot_send_it_again(server, page):
    page.goto(server + "/report/")
    fill_a_report(page)
    page.get_by_role("button", name="Send my report").click()
    receipt = page.locator("#receipt").inner_text().strip()
    assert RECEIPT.match(receipt)
    # The receipt came after a redirect, and neither its address nor a cookie holds it.
    assert re.fullmatch(re.escape(server) + r"/report/sent/[\w-]+/", page.url), page.url
    assert receipt.replace(" ", "") not in page.url
    assert all(receipt.replace(" ", "") not in c["value"] for c in page.context.cookies())
    receipt_page = page.url

    page.go_back()
    expect(page).to_have_url(server + "/report/")
    expect(page.get_by_label("What happened?")).to_have_value("")
    page.get_by_role("button", name="Send my report").click()  # whatever Back left, send it
    expect(page.get_by_role("alert")).to_be_visible()
    assert Case.objects.count() == 1

    page.goto(receipt_page)  # the receipt page again: it was shown once, and is not shown twice
    expect(page.locator("h1")).to_have_text("This report was already sent")
    expect(page.locator("#receipt")).to_have_count(0)
    page.reload()
    expect(page.locator("#receipt")).to_have_count(0)
