"""A form a reporter with little schooling can finish: plain words, the coalition named, the
countries in her own order with the names she uses, the size of her files before she sends,
and a reply that survives a closed mailbox."""

import html
import re

import pytest

from cases.models import Message
from places import countries
from tests.conftest import report
from tests.whistle.pages import form_data, hidden, jpeg_with_gps

pytestmark = pytest.mark.django_db

HARD_WORDS = [
    "représailles",
    "redevances",
    "chaîne d'approvisionnement",
    "équipe nationale",
    "équipe régionale",
    "lanceurs d'alerte",
    "manquements de gouvernance",
]


def french(client, path="/report/"):
    return plain_text(client.get(path, HTTP_ACCEPT_LANGUAGE="fr"))


def plain_text(response) -> str:
    """The page's HTML with entities and French typography's no-break spaces as plain text."""
    return html.unescape(response.content.decode()).replace("\xa0", " ")


def test_the_french_form_speaks_plainly(client):
    page = french(client)
    assert "Que s'est-il passé ?" in page  # positive control: the page is in French
    found = [word for word in HARD_WORDS if word in page]
    assert found == []


def test_the_staff_words_are_unchanged_for_officers_and_statistics():
    from django.utils import translation

    from cases import taxonomy

    with translation.override("fr"):
        assert "redevances" in str(taxonomy.CATEGORIES["FIN"])


def test_the_form_names_the_coalition_that_receives_the_report(client, settings):
    settings.LANTERNE_COALITION_NAME = "la Coalition des Mines Propres"
    page = french(client)
    assert "Votre signalement est envoyé à la Coalition des Mines Propres." in page


def options(page: str) -> list[str]:
    select = re.search(r'<select name="country".*?</select>', page, re.S).group(0)
    return re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]*)<', select)


def test_countries_are_in_the_readers_order_with_the_names_people_use(client):
    shown = options(french(client))
    assert shown == sorted(shown, key=countries.in_reading_order)
    assert "RDC (République démocratique du Congo)" in shown
    assert "Congo-Brazzaville (République du Congo)" in shown
    assert shown.index("Congo-Brazzaville (République du Congo)") < shown.index("Côte d'Ivoire")
    english = options(client.get("/report/", HTTP_ACCEPT_LANGUAGE="en").content.decode())
    assert "DRC (Democratic Republic of the Congo)" in english


def test_the_reading_order_files_accented_names_with_their_letter():
    names = ["Zimbabwe", "Égypte", "Angola", "éthiopie"]
    assert sorted(names, key=countries.in_reading_order) == [
        "Angola",
        "Égypte",
        "éthiopie",
        "Zimbabwe",
    ]


def test_attaching_first_shows_the_files_size_and_keeps_the_answers_without_sending(
    client, coalition
):
    token = hidden(client.get("/report/"), "submission")
    data = {**form_data(attachments=jpeg_with_gps()), "submission": token, "attach": "1"}
    page = plain_text(client.post("/report/", data, HTTP_ACCEPT_LANGUAGE="fr"))

    assert 'id="receipt"' not in page and "Mongbwalu" in page  # nothing sent, answers kept
    assert re.search(r'value="COR"[^>]*checked', page)
    attached = re.search(r'<p id="attached">([^<]*)</p>', page).group(1)
    assert re.match(r"Déjà joint et chiffré : 1 fichier, [\d,]+\s(octets|Ko)\.$", attached)
    assert "envoyer d'abord votre texte" in page
    assert "24 heures" in page
    assert 'role="alert"' not in page and 'class="error"' not in page  # and not judged yet
    # Sent for real afterwards, the photo kept from the attach step goes with the report.
    sent = client.post(
        "/report/", {**form_data(), "submission": token, "draft": hidden_draft(page)}, follow=True
    )
    assert 'id="receipt"' in sent.content.decode()


def hidden_draft(page: str) -> str:
    return re.search(r'name="draft" value="([^"]+)"', page).group(1)


def test_a_reply_sent_after_the_mailbox_closed_is_kept_and_sent_with_the_receipt(client, coalition):
    submission = report()
    reply = "They came back on Monday with more soldiers.\nThree trucks."
    # The mailbox session has lapsed (no session, no cookie): the reply arrives anyway.
    lapsed = client.post(
        "/follow-up/case/",
        {"text": reply, "attachments": jpeg_with_gps()},
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    page = plain_text(lapsed)
    assert lapsed.status_code == 200 and "Votre reçu" in page
    assert "votre message n'est pas encore envoyé" in page
    assert "They came back on Monday with more soldiers.\nThree trucks.</textarea>" in page
    assert Message.objects.count() == 0

    wrong = client.post(
        "/follow-up/",
        {"receipt": "1" * 20, "text": reply, "draft": hidden_draft(page)},
    )
    assert wrong.status_code == 400 and "Three trucks.</textarea>" in wrong.content.decode()

    opened = client.post(
        "/follow-up/",
        {"receipt": submission.receipt, "text": reply, "draft": hidden_draft(page)},
        follow=True,
    )
    assert "Your message was sent." in opened.content.decode()
    sent = Message.objects.get()
    assert sent.sender == "reporter" and sent.attachments.count() == 1


def test_a_production_server_naming_the_demo_coalition_is_warned(settings):
    from django.core import checks

    def warned():
        found = checks.run_checks(include_deployment_checks=True)
        return [m for m in found if m.id == "lanterne.W021"]

    settings.PRODUCTION = True
    settings.LANTERNE_COALITION_NAME = "the DEMO Coalition (fictitious)"
    assert "goes to 'the DEMO Coalition (fictitious)'" in warned()[0].msg
    settings.LANTERNE_COALITION_NAME = "CENADEP"  # positive control: a real name passes
    assert warned() == []


def test_in_the_mailbox_attaching_first_shows_the_size_and_sends_nothing(client, coalition):
    from tests.whistle.pages import open_mailbox

    open_mailbox(client, report().receipt)
    data = {"text": "Photos of the trucks.", "attachments": jpeg_with_gps(), "attach": "1"}
    page = plain_text(client.post("/follow-up/case/", data))
    assert re.search(r'<p id="attached">Already attached and encrypted: 1 file, ', page)
    assert "Photos of the trucks.</textarea>" in page and Message.objects.count() == 0
    sent = client.post(
        "/follow-up/case/", {"text": "Photos of the trucks.", "draft": hidden_draft(page)}
    )
    assert sent.status_code == 302 and Message.objects.get().attachments.count() == 1


def test_a_carried_reply_that_cannot_be_saved_stays_in_the_page(client, coalition, monkeypatch):
    from cases import intake

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(intake, "add_reporter_message", broken)
    data = {"receipt": report().receipt, "text": "Three trucks at dawn."}
    response = client.post("/follow-up/", data)
    page = plain_text(response)
    assert response.status_code == 503 and "Your message could not be saved just now." in page
    assert "Three trucks at dawn.</textarea>" in page and Message.objects.count() == 0
