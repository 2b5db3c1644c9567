"""A French-speaking reporter on a cheap phone: French pages, nothing wider than the screen."""

import re

from playwright.sync_api import expect

PHONE_WIDTH = 320


def test_a_browser_asking_for_french_gets_the_pages_in_french(server, new_page):
    page = new_page(locale="fr-FR")
    page.goto(server + "/")

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Signalez ce que vous avez vu, en sécurité et anonymement"
    )
    # Each language is named in itself, so a reporter who cannot read French finds theirs.
    languages = page.locator("nav.langs")
    expect(languages.locator("b")).to_have_text(re.compile("^français$", re.IGNORECASE))
    for code, name in [("en", "English"), ("pt", "Português"), ("sw", "Kiswahili")]:
        expect(languages.locator(f'a[hreflang="{code}"]')).to_have_text(name)

    languages.locator('a[hreflang="en"]').click()  # a plain link: no script needed
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(server + "/")


def page_width(page) -> int:
    # Playwright evaluates in its own isolated world: this works with the page's scripts off.
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_report_form_fits_a_320_pixel_phone_screen_without_sideways_scrolling(
    server, new_page, tmp_path
):
    page = new_page(
        locale="fr-FR",
        viewport={"width": PHONE_WIDTH, "height": 640},
        is_mobile=True,
        has_touch=True,
    )
    widths = {}
    for path in ["/", "/follow-up/", "/report/"]:
        page.goto(server + path)
        widths[path] = page_width(page)
    page.screenshot(path=tmp_path / "report-320px.png", full_page=True)

    page.goto(server + "/report/")
    page.get_by_role("button", name="Envoyer mon signalement").click()  # empty: errors shown
    expect(page.get_by_role("alert")).to_be_visible()
    widths["/report/ with errors"] = page_width(page)
    page.screenshot(path=tmp_path / "report-errors-320px.png", full_page=True)

    too_wide = {path: width for path, width in widths.items() if width > PHONE_WIDTH}
    assert too_wide == {}, f"pages wider than a {PHONE_WIDTH}px screen: {too_wide}"
