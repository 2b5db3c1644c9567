"""A frightened reporter on a 320-px phone, in French: the one text that matters comes first,
"Envoyer" is near, a mistake is named at the top with a link to its field, and the language
links are big enough for a thumb.

`python -m pytest tests/browser/test_small_phone_form.py -s -n 0` prints the measurements.
"""

from playwright.sync_api import expect

PHONE = {"width": 320, "height": 640}


def small_french_phone(new_page):
    return new_page(locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True)


def top_of(page, selector: str) -> float:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not on the page"
    return box["y"]


def test_what_happened_and_the_send_button_come_first_on_a_320_pixel_phone(server, new_page):
    page = small_french_phone(new_page)
    page.goto(server + "/report/")
    height = page.evaluate("document.documentElement.scrollHeight")
    what = top_of(page, "#id_what_happened")
    country = top_of(page, "#id_country")
    send = top_of(page, "button[type=submit]")
    print(
        f"\n320 px, French: form page {height} px tall ({height / PHONE['height']:.1f} screens);"
        f" 'Que s'est-il passé ?' at {what:.0f} px, country at {country:.0f} px,"
        f" first 'Envoyer' at {send:.0f} px ({send / PHONE['height']:.1f} screens)"
    )
    assert what < PHONE["height"], "the text field must start on the first screen"
    assert country < PHONE["height"] * 1.5
    assert what < country < send, "what happened, then the country, then a send button"
    assert send < PHONE["height"] * 3, "a send button within three screens"


def test_an_error_is_named_at_the_top_with_a_link_to_its_field(server, new_page):
    page = small_french_phone(new_page)
    page.goto(server + "/report/")
    page.get_by_label("Que s'est-il passé ?").fill("Des soldats ont pris les diamants.")
    page.get_by_role("button", name="Envoyer mon signalement").first.click()

    summary = page.get_by_role("alert")
    expect(summary).to_be_visible()
    assert top_of(page, "[role=alert]") < PHONE["height"], "the summary is on the first screen"
    links = summary.get_by_role("link")
    expect(links).to_have_count(1)  # the country; the kind of problem may stay empty
    expect(links.nth(0)).to_contain_text("Choisissez le pays où cela s'est passé.")
    links.nth(0).click()  # a plain anchor: no script
    expect(page).to_have_url(server + "/report/#id_country")
    box = page.locator("#id_country").bounding_box()
    assert 0 <= box["y"] < PHONE["height"], "the link brings the field on screen"
    # The category boxes: a fieldset named by its legend.
    expect(page.get_by_role("group", name="De quoi s'agit-il ?")).to_be_visible()


def test_the_help_texts_are_read_with_their_fields(server, new_page):
    page = small_french_phone(new_page)
    page.goto(server + "/report/")
    contact = page.get_by_label("Un moyen de vous contacter")
    expect(contact).to_have_accessible_description(
        "Il est protégé (chiffré) comme le reste, mais vous êtes plus en sécurité sans : "
        "votre reçu suffit pour recevoir nos réponses."
    )
    described = page.locator("[aria-describedby]")
    assert described.count() >= 5
    for i in range(described.count()):
        for target in described.nth(i).get_attribute("aria-describedby").split():
            expect(page.locator(f"#{target}")).to_have_count(1)


def test_the_language_links_are_24_pixel_targets(server, new_page):
    page = small_french_phone(new_page)
    page.goto(server + "/report/")
    links = page.locator("nav.langs a")
    expect(links).to_have_count(3)
    for i in range(3):
        box = links.nth(i).bounding_box()
        assert box["width"] >= 24 and box["height"] >= 24, (links.nth(i).inner_text(), box)
