"""Real-browser fixtures: one headless Chromium per test session, a fresh JS-off page per test.

Reporters often come through Tor Browser with JavaScript turned off ("safest" level), on
cheap phones, so every page here is driven with scripts disabled. Debian's chromium is used
as it is (never `playwright install`). Pages are served by pytest-django's live server,
which runs in a thread: tests that use it need `transactional_db`.

Playwright's sync API keeps an asyncio loop marked as running in this thread for as long
as it is started, which makes Django refuse database calls made here (fixtures, database
flushes: SynchronousOnlyOperation) and would break any later test that starts a loop. So the
browser lives in a package-scoped fixture: launched once, before the first browser test, and
stopped after the last, and DJANGO_ALLOW_ASYNC_UNSAFE is set only for that span. The live
server's own thread is unaffected.
"""

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("LANTERNE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


@pytest.fixture(scope="package")
def browser():
    if not (Path(CHROMIUM).is_file() or shutil.which(CHROMIUM)):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


def open_page(browser, *, javascript: bool = False, **context_options):
    context = browser.new_context(java_script_enabled=javascript, **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def new_page(browser) -> Iterator:
    """Make pages with their own browser context (cookies, locale, viewport); closed after."""
    contexts = []

    def make(**options):
        context, page = open_page(browser, **options)
        contexts.append(context)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A page with JavaScript turned off, as in Tor Browser's safest mode."""
    return new_page()


@pytest.fixture
def server(live_server, transactional_db, coalition):
    """The live server's base URL, with the coalition enrolled so reports have recipients."""
    return live_server.url


@pytest.fixture
def photo(tmp_path) -> Path:
    """A small JPEG, as a phone camera would give."""
    from PIL import Image

    path = tmp_path / "roadblock.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 83, 9)).save(buffer, format="JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
    return path


@pytest.fixture
def open_mailbox(server):
    """Open the follow-up mailbox with a receipt typed as the receipt page showed it."""

    def open_with(page, receipt: str) -> None:
        page.goto(server + "/follow-up/")
        page.get_by_label("Your receipt").fill(receipt)
        page.get_by_role("button", name="Open", exact=True).click()
        page.wait_for_url(server + "/follow-up/case/")

    return open_with
