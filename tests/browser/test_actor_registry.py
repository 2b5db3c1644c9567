"""The registry in a real browser with JavaScript off: Amani records "Comptoir Étoile",
links it to a report she holds a key to, and finds it again by typing "comptoir etoile"."""

from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from actors.models import Actor, CaseLink
from tests.conftest import PASSWORD, report


def log_in(page, server, profile) -> None:
    page.goto(server + reverse("admin:login"))
    page.get_by_label("Username").fill(profile.user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Next").click()
    device = TOTPDevice.objects.get(user=profile.user, confirmed=True)
    page.get_by_label("Code from your authenticator app").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(server + reverse("admin:index"))


def test_an_officer_records_an_actor_links_it_to_a_case_and_finds_it(server, page, amani):
    case = report(country="CD", categories=["TRD"], incident_date="2024-09-15").case
    requested = []
    page.context.on("request", lambda request: requested.append(request.url))
    log_in(page, server, amani)

    # From the staff home page to the registry, then a new record.
    page.get_by_role("link", name="Actors").first.click()
    expect(page.get_by_role("heading", name="Actor registry")).to_be_visible()
    page.get_by_role("link", name="Record an actor").click()
    page.locator("#id_kind").select_option("buying-house")
    page.locator("#id_name").fill("Comptoir Étoile")
    page.locator("#id_aliases").fill("Étoile Diamonds")
    page.locator("#id_province").select_option("CD-KS")
    page.locator("#id_registration").fill("CD/KNG/RCCM/14-B-0042")
    page.get_by_role("button", name="Record the actor").click()
    actor = Actor.objects.get()
    expect(page).to_have_url(server + reverse("admin:actors_actor_change", args=[actor.pk]))
    expect(page.get_by_role("heading", name="Comptoir Étoile")).to_be_visible()

    # A licence that expired before the incident, then the link: plain forms in <details>.
    page.locator("summary", has_text="Add a licence").click()
    page.locator("#id_licence-number").fill("BA-2023/117")
    page.locator("#id_licence-end").fill("2024-06-30")
    page.get_by_role("button", name="Add the licence").click()
    expect(page.locator(".messagelist")).to_contain_text("The licence was added.")
    page.locator("summary", has_text="Link to a case").click()
    page.locator("#id_link-reference").fill(case.reference.lower())
    page.locator("#id_link-role").select_option("buyer")
    page.get_by_role("button", name="Link", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text(f"Linked to case {case.reference}.")
    assert CaseLink.objects.get().case == case
    expect(page.locator("table.linked-cases")).to_contain_text(case.reference)
    expect(page.locator("table.linked-cases tr.flagged")).to_contain_text(
        "Licence expired on 2024-06-30, before the incident of 2024-09-15."
    )

    # Found again by its name typed without accents.
    page.get_by_role("link", name="Actor registry").click()
    page.get_by_label("Name, other name or identifier").fill("comptoir etoile")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Comptoir Étoile").click()
    expect(page).to_have_url(server + reverse("admin:actors_actor_change", args=[actor.pk]))
    expect(page.locator("table.linked-cases")).to_contain_text(case.reference)

    origin = server.rstrip("/")
    assert all(url.startswith(origin) for url in requested), "no third-party request"
