"""An officer's triage in a real browser with JavaScript off, in French: she acknowledges
three cases at once from her queue, takes a fourth, and recuses herself from it only after
the confirmation page."""

from django.urls import reverse
from django.utils import translation
from playwright.sync_api import expect

from cases.models import Case, KeyWrap, Status
from tests.browser.test_dashboard_without_javascript import log_in
from tests.conftest import report


def french(text: str, **values) -> str:
    with translation.override("fr"):
        return translation.gettext(text) % values if values else translation.gettext(text)


def test_amani_triages_with_bulk_acts_and_a_confirmed_recusal_in_french(
    server, new_page, coalition
):
    amani = coalition["amani"]
    cases = [report().case for _ in range(4)]
    page = new_page(locale="fr-FR")
    log_in(page, server, amani)

    page.goto(server + reverse("admin:cases_case_changelist"))
    for case in cases[:3]:
        page.locator(f"input[name=_selected_action][value='{case.pk}']").check()
    page.locator("select[name=action]").select_option("acknowledge_selected")
    page.locator("button[name=index]").first.click()
    done = page.locator(".messagelist .success")
    expect(done).to_contain_text("Fait pour 3 dossiers")
    assert {Case.objects.get(pk=c.pk).status for c in cases[:3]} == {Status.ACKNOWLEDGED}

    fourth = cases[3]
    page.get_by_role("link", name=fourth.reference, exact=True).click()
    page.get_by_role("button", name=french("Assign to me"), exact=True).click()
    expect(done).to_contain_text(french("Assign to me"))
    assert Case.objects.get(pk=fourth.pk).assignee == amani.user

    page.locator("form[action$='/act/recuse/'] button").click()  # one button: no fields
    # The second page: nothing is done yet.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        french("Step away from case %(reference)s?", reference=fourth.reference)
    )
    assert KeyWrap.objects.filter(case=fourth, user=amani.user).exists()
    page.get_by_role("button", name=french("Yes: %(act)s", act=french("Recuse"))).click()
    expect(page).to_have_url(server + reverse("admin:cases_case_changelist"))
    assert not KeyWrap.objects.filter(case=fourth, user=amani.user).exists()
