"""The CAP 1.2 feed of one's open alerts: a hashed, revocable token; metadata only."""

from xml.etree import ElementTree as ET

import pytest
from django.urls import reverse

from alerts import feed
from alerts.models import Alert, FeedToken
from tests.conftest import ANSWERS, report, sign_in

CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"


@pytest.fixture
def alert(coalition, urgent_rule, django_capture_on_commit_callbacks) -> Alert:
    with django_capture_on_commit_callbacks(execute=True):
        report(urgent=True)
    return Alert.objects.get()


def read(client, token: str):
    return client.get(reverse("admin:alert_feed"), headers={"Authorization": f"Bearer {token}"})


def test_a_partner_reads_the_open_alerts_with_a_token_until_it_is_revoked(client, alert, amani):
    sign_in(client, amani)
    page = client.post(reverse("admin:alert_feed_tokens"), {"label": "Taskforce CD"})
    token = page.context["issued"]
    assert token and token in page.content.decode()
    assert FeedToken.objects.get().digest == feed.digest(token)  # only the hash is kept
    assert not FeedToken.objects.filter(digest=token).exists()
    client.logout()

    response = read(client, token)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    (cap,) = ET.fromstring(response.content).findall(f"{CAP}alert")  # noqa: S314 (our own XML)
    assert cap.findtext(f"{CAP}identifier") == f"lanterne-alert-{alert.pk}"
    assert cap.findtext(f"{CAP}info/{CAP}urgency") == "Immediate"
    assert cap.findtext(f"{CAP}info/{CAP}area/{CAP}geocode/{CAP}value") == "CD"
    body = response.content.decode()
    case = alert.cases.get()
    for canary in (ANSWERS["what_happened"], ANSWERS["mine_site"], case.reference):
        assert canary not in body

    sign_in(client, amani)
    client.post(reverse("admin:alert_feed_tokens"), {"revoke": FeedToken.objects.get().pk})
    client.logout()
    assert read(client, token).status_code == 401


def test_a_wrong_or_missing_token_is_refused_and_another_officer_sees_only_hers(client, alert, sia):
    assert read(client, "not-a-token").status_code == 401
    assert client.get(reverse("admin:alert_feed")).status_code == 401
    token = feed.issue(sia.user, label="Taskforce SL")
    response = read(client, token)
    assert response.status_code == 200  # positive control: her token works
    assert ET.fromstring(response.content).findall(f"{CAP}alert") == []  # noqa: S314
