"""The steering committee's dashboard in a real browser with JavaScript off, and on a phone."""

import csv
import io

from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from cases.models import AuditEvent
from tests.conftest import PASSWORD
from tests.stats.history import CANARY, QUARTER, a_quarter


def log_in(page, server, profile) -> None:
    """The two steps by field names, so the browser may ask for any language."""
    page.goto(server + reverse("admin:login"))
    page.locator("input[name=username]").fill(profile.user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("#login-form input[type=submit]").click()
    expect(page).to_have_url(server + reverse("admin:login_code"))
    device = TOTPDevice.objects.get(user=profile.user, confirmed=True)
    page.locator("input[name=code]").fill(f"{totp(device.bin_key):06d}")
    page.locator("#login-form input[type=submit]").click()
    expect(page).to_have_url(server + reverse("admin:index"))


def test_chidi_reads_the_quarter_filters_it_and_downloads_the_csv_with_js_off(
    server, new_page, coalition, frozen, tmp_path
):
    a_quarter(coalition, frozen)
    page = new_page(locale="en-GB", accept_downloads=True)
    log_in(page, server, coalition["chidi"])
    page.get_by_role("link", name="Statistics").click()  # from the staff home page
    expect(page.locator("#id_period")).to_have_value(QUARTER)
    expect(page.locator(".stat-scope")).to_contain_text("the whole coalition")
    volume = page.locator("#received_by_month")
    expect(volume.locator("svg.chart rect").first).to_be_visible()
    expect(volume.get_by_role("row", name="Sierra Leone").locator("td").first).to_have_text("<5")
    drc = volume.get_by_role("row", name="Democratic Republic of the Congo").locator("td")
    expect(drc.first).to_have_text("x")
    expect(drc.first).to_be_visible()  # hidden counts are shown as "x", not left out
    assert CANARY not in page.content()

    page.locator("#id_region").select_option("west")  # a plain GET form: no script needed
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".stat-scope")).to_contain_text("West Africa (Mano River)")
    expect(page.locator("#received_by_month")).not_to_contain_text("Democratic Republic")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download every table (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert {r["row"] for r in rows if r["table"] == "received_by_month"} >= {"SL", "*"}
    assert AuditEvent.objects.filter(action="statistics_exported", actor="chidi").exists()
    page.screenshot(path=tmp_path / "dashboard.png", full_page=True)


def test_the_dashboard_fits_a_phone_and_prints_without_the_filters(
    server, new_page, coalition, frozen
):
    a_quarter(coalition, frozen)
    phone = new_page(locale="fr-FR", viewport={"width": 360, "height": 740}, is_mobile=True)
    log_in(phone, server, coalition["amani"])
    phone.goto(server + reverse("admin:statistics") + f"?period={QUARTER}")
    expect(phone.get_by_role("heading", name="Signalements reçus", exact=True)).to_be_visible()
    # Wide tables scroll inside their own box; the page itself does not.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.emulate_media(media="print")
    expect(phone.locator(".stat-filters")).to_be_hidden()
    expect(phone.locator("#received_by_month table")).to_be_visible()
