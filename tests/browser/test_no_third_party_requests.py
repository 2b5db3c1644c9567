"""Reporters' browsers talk to Lanterne only: no fonts, scripts or trackers from elsewhere."""

from urllib.parse import urlsplit

from playwright.sync_api import expect


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def test_every_request_on_the_reporter_pages_goes_to_lanterne_itself(server, page):
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    for path in ["/", "/report/", "/follow-up/"]:
        page.goto(server + path)
    page.goto(server + "/report/")
    page.get_by_label("Corruption and bribery").check()
    page.get_by_label("Country").select_option("CD")
    page.get_by_label("What happened?").fill("A customs officer asked for a bribe.")
    page.get_by_role("button", name="Send my report").click()
    expect(page.locator("#receipt")).to_be_visible()

    assert any(url.endswith(".css") for url in requested), "the stylesheet should be loaded"
    elsewhere = [url for url in requested if origin(url) != origin(server)]
    assert elsewhere == []
