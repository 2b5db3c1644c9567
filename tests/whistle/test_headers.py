"""Every response carries the security headers, and no page points at another origin."""

import re

import pytest
from django.test import Client

from tests.conftest import report
from tests.whistle.pages import form_data, hidden, open_mailbox, receipt_of, send_report

pytestmark = pytest.mark.django_db


def responses(client: Client, settings):
    """One of every kind of response a reporter or an attacker can get."""
    yield client.get("/")
    yield client.get("/report/")
    yield client.get("/follow-up/")
    yield client.get("/follow-up/case/")
    yield client.get("/does-not-exist/")
    yield client.get("/lang/fr/?next=https://evil.example/")
    yield client.get("/static/whistle/lanterne.css")
    yield client.post("/follow-up/", {"receipt": "12"})
    sent = send_report(client, form_data())
    yield sent
    yield open_mailbox(client, receipt_of(sent))
    yield Client(enforce_csrf_checks=True).post("/report/", {"what_happened": "x"})
    yield client.put("/report/")


def test_every_response_carries_the_security_headers(client, coalition, settings):
    for response in responses(client, settings):
        csp = response["Content-Security-Policy"]
        where = response.request["PATH_INFO"]
        assert "default-src 'none'" in csp, where
        assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp, where
        assert "base-uri 'none'" in csp and "script-src" not in csp, where
        assert response["Referrer-Policy"] == "no-referrer", where
        assert response["X-Content-Type-Options"] == "nosniff", where
        assert "camera=()" in response["Permissions-Policy"], where
        assert "geolocation=()" in response["Permissions-Policy"], where
        if not where.startswith("/static/"):
            assert "no-store" in response["Cache-Control"], where


def test_cookies_are_httponly_and_strict(client, coalition):
    open_mailbox(client, report().receipt)
    client.get("/lang/fr/")
    assert {"sessionid", "csrftoken", "lanterne_mailbox", "django_language"} <= set(client.cookies)
    for morsel in client.cookies.values():
        if morsel.value:
            assert morsel["httponly"], morsel.key
            assert morsel["samesite"] == "Strict", morsel.key


RESOURCE = re.compile(r'(?:src|href|action|formaction|poster|data)\s*=\s*"([^"]*)"|url\(([^)]*)\)')


def test_no_response_points_at_another_origin(client, coalition, settings):
    for response in responses(client, settings):
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode("utf-8", "replace")
        for match in RESOURCE.finditer(text):
            url = (match.group(1) or match.group(2) or "").strip("'\" ")
            if url == settings.LANTERNE_QUICK_EXIT_URL:
                continue  # the "leave quickly" link: a navigation away, never loaded by the page
            assert not re.match(r"^([a-z][a-z0-9+.-]*:|//)", url, re.I), (url, response)
        location = response.get("Location", "")
        assert not re.match(r"^([a-z]+:)?//", location), location


def test_the_quick_exit_link_sends_no_referrer(client):
    page = client.get("/").content.decode()
    assert 'class="exit"' in page and 'rel="noreferrer"' in page


def test_methods_other_than_get_and_post_are_refused_cleanly(client):
    assert client.put("/report/").status_code == 405
    assert client.delete("/follow-up/").status_code == 405


def test_a_form_posted_from_a_no_referrer_page_is_accepted(coalition):
    browser = Client(enforce_csrf_checks=True)
    token = hidden(browser.get("/follow-up/"), "csrfmiddlewaretoken")
    response = browser.post(
        "/follow-up/", {"csrfmiddlewaretoken": token, "receipt": "1" * 20}, HTTP_ORIGIN="null"
    )
    assert response.status_code == 400  # reached the view: "no report matches"


def test_a_form_posted_from_another_site_is_refused(coalition):
    browser = Client(enforce_csrf_checks=True)
    token = hidden(browser.get("/follow-up/"), "csrfmiddlewaretoken")
    response = browser.post(
        "/follow-up/",
        {"csrfmiddlewaretoken": token, "receipt": "1" * 20},
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
