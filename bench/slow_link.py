"""The report on a 2G link: Debian's Chromium, JavaScript off, a 320-px phone in French.

Chromium's DevTools protocol throttles the page's network (Network.emulateNetworkConditions)
to a GSM/EDGE-like link: 300 ms latency, 50 kbit/s up, 250 kbit/s down. The time runs from
the tap on "Envoyer" to the receipt on screen, through the redirect to the receipt page.
JavaScript stays off in the page; the protocol acts on the browser, not in the page.
"""

import os
import time

CHROMIUM = os.environ.get("LANTERNE_CHROMIUM", "/usr/bin/chromium")
LINK = {"latency": 300, "upload": 50_000 / 8, "download": 250_000 / 8}  # bytes per second


def time_to_receipt(port: int, photo: bytes | None) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-quic"]
        )
        try:
            context = browser.new_context(
                java_script_enabled=False, locale="fr-FR", viewport={"width": 320, "height": 640}
            )
            context.set_default_timeout(600_000)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send(
                "Network.emulateNetworkConditions",
                {
                    "offline": False,
                    "latency": LINK["latency"],
                    "uploadThroughput": LINK["upload"],
                    "downloadThroughput": LINK["download"],
                },
            )
            t0 = time.monotonic()
            page.goto(f"http://127.0.0.1:{port}/report/")
            form_loaded = time.monotonic() - t0
            page.fill("#id_what_happened", "Des hommes armés sont arrivés au puits ce matin.")
            page.select_option("#id_country", "CD")
            page.check("input[name=categories][value=NSAG]")
            if photo is not None:
                page.set_input_files(
                    "input[type=file]",
                    {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": photo},
                )
            t1 = time.monotonic()
            page.locator("button[type=submit]").first.click()
            page.wait_for_selector("#receipt")
            return {"form": form_loaded, "receipt": time.monotonic() - t1}
        finally:
            browser.close()
