"""A form sent with a mistake comes back with the error in place and nothing lost."""

from playwright.sync_api import expect

WHAT_HAPPENED = "A buyer without a licence pays the diggers with fake banknotes.\nEvery week."


def test_a_report_without_a_country_comes_back_with_the_text_and_the_photo_kept(
    server, page, photo, open_mailbox
):
    page.goto(server + "/report/")
    page.get_by_label("Smuggling and illicit trade").check()
    page.get_by_label("What happened?").fill(WHAT_HAPPENED)
    page.get_by_label("Add files").set_input_files(photo)
    page.get_by_role("button", name="Send my report").first.click()

    expect(page.get_by_role("alert")).to_contain_text("need your attention")
    country_field = page.locator(".field.invalid", has=page.locator("#id_country"))
    expect(country_field.locator(".error")).to_have_text("Choose the country where it happened.")
    expect(page.get_by_label("What happened?")).to_have_value(WHAT_HAPPENED)
    expect(page.get_by_label("Smuggling and illicit trade")).to_be_checked()
    already_attached = page.locator("ul.files")
    expect(already_attached).to_contain_text(photo.name)
    expect(page.locator(".field.invalid")).to_have_count(1)

    page.get_by_label("Country").select_option("CD")
    page.get_by_role("button", name="Send my report").first.click()

    receipt = page.locator("#receipt").inner_text().strip()
    open_mailbox(page, receipt)
    expect(page.locator("#report")).to_contain_text("fake banknotes")
    expect(page.locator("#report .files li")).to_have_count(1)
    expect(page.locator("#report .files")).to_contain_text(photo.name)
