"""Triage in a real browser with JavaScript off: summaries in the queue, a word search
inside the sealed cases, and the case it finds."""

from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from cases import intake
from tests.conftest import PASSWORD, key_of, report


def test_amani_sees_what_each_case_is_searches_a_word_and_opens_the_case(server, page, amani):
    wanted = report(place="Nyabibwe", what_happened="Men in uniform taxed the diggers.").case
    intake.add_reporter_message(
        wanted, case_key=key_of(wanted, amani), text="The comptoir is by the Lemera road."
    )
    other = report(place="Kamituga", what_happened="A pit collapsed after the rains.").case

    page.goto(server + reverse("admin:login"))
    page.get_by_label("Username").fill("amani")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Next").click()
    device = TOTPDevice.objects.get(user=amani.user, confirmed=True)
    page.get_by_label("Code from your authenticator app").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(server + reverse("admin:index"))

    page.goto(server + reverse("admin:cases_case_changelist"))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=other.reference)).to_contain_text(
        "A pit collapsed after the rains."
    )
    expect(rows.filter(has_text=other.reference)).to_contain_text("Kamituga")
    expect(rows.filter(has_text=wanted.reference)).to_contain_text("Men in uniform taxed")

    # A word of the reporter's message, typed in capitals.
    page.locator("#searchbar").fill("LEMERA")
    page.locator("#changelist-search").get_by_role("button").click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(wanted.reference)

    page.get_by_role("link", name=wanted.reference, exact=True).click()
    assert page.url.startswith(server + reverse("admin:cases_case_change", args=[wanted.pk]))
    expect(page.locator(".case-report")).to_contain_text("Men in uniform taxed the diggers.")
