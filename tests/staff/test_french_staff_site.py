"""The staff site in French: every page each role can reach, with no English left.

Two nets, so a string added later without its French translation fails here:
- every message looked up while a staff page renders in French (templates, forms, models'
  names, choices, Django's admin itself) must be in the French catalogue; a lookup that
  falls through to English is named with the page it was on;
- the titles the admin derives without a lookup (app names, model names, column and filter
  titles from field names) must be marked for translation, for every registered admin.
The pages come from the URL configuration (tests/staff/test_access_matrix.py), so a new
staff page is rendered here as soon as it has an access rule.
"""

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import trans_real

from cases.models import StaffProfile
from tests.conftest import sign_in
from tests.staff import test_access_matrix as matrix
from tests.staff.test_access_matrix import RULES, STAFF, concrete, staff_patterns

world = matrix.world  # every staff page's objects, and a signed-in client for each role

pytestmark = pytest.mark.django_db

# Looked up by Django but never shown on a staff page (or shown identically in French).
NOT_SHOWN = {
    "Django site admin",  # the title default; our site sets its own
    "Django administration",
}


class Lookups:
    """Records each French lookup that finds no French translation, with where it was."""

    def __init__(self, monkeypatch):
        self.missing: dict[str, str] = {}
        self.where = ""
        gettext, ngettext = (
            trans_real.DjangoTranslation.gettext,
            trans_real.DjangoTranslation.ngettext,
        )
        spy = self

        def french_gettext(self, message):
            if self.language() == "fr" and message not in self._catalog:
                spy.note(message)
            return gettext(self, message)

        def french_ngettext(self, singular, plural, n):
            if self.language() == "fr" and (singular, 0) not in self._catalog:
                spy.note(singular)
            return ngettext(self, singular, plural, n)

        monkeypatch.setattr(trans_real.DjangoTranslation, "gettext", french_gettext)
        monkeypatch.setattr(trans_real.DjangoTranslation, "ngettext", french_ngettext)

    def note(self, message: str) -> None:
        if message.strip() and message not in NOT_SHOWN:
            self.missing.setdefault(message, self.where)


def test_a_staff_member_chooses_french_and_the_staff_site_follows(client, coalition):
    amani = coalition["amani"]
    sign_in(client, amani)
    assert "Your queue" in client.get(reverse("admin:cases_case_changelist")).content.decode()
    response = client.post(reverse("admin:language"), {"language": "fr"}, follow=True)
    assert "Votre langue est enregistrée." in response.content.decode()
    amani.refresh_from_db()
    assert amani.language == "fr"
    queue = client.get(reverse("admin:cases_case_changelist"))
    assert queue["Content-Language"] == "fr"
    assert "Vos dossiers à traiter" in queue.content.decode()
    # The choice follows her, not the browser: another browser after sign-in is in French.
    other = Client(headers={"accept-language": "en"})
    sign_in(other, amani)
    assert other.get(reverse("admin:index"))["Content-Language"] == "fr"


def test_a_bad_language_choice_is_refused_in_her_language_and_nothing_changes(client, coalition):
    amani = coalition["amani"]
    sign_in(client, amani)
    response = client.post(reverse("admin:language"), {"language": "xx"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    amani.refresh_from_db()
    assert amani.language == ""


def test_every_staff_page_in_french_finds_every_string_in_the_french_catalogue(world, monkeypatch):
    clients, objects = world
    StaffProfile.objects.update(language="fr")
    lookups = Lookups(monkeypatch)
    seen = 0
    for name, route in staff_patterns():
        for method, path in concrete(name, route, objects):
            if method != "get":
                continue
            for role in sorted(RULES[name] & STAFF):
                lookups.where = f"{role} {path}"
                response = clients[role].get(path)
                assert response.status_code < 500, lookups.where
                if response.status_code == 200:
                    seen += 1
    assert seen > 60  # the net was cast: pages were really rendered
    assert lookups.missing == {}, "\n".join(
        f"{where}: {message!r}" for message, where in sorted(lookups.missing.items())
    )


OUR_APPS = {"cases", "staff", "actors", "stats", "alerts", "whistle", "places"}


def lazy(text) -> bool:
    return isinstance(text, Promise)


def test_every_title_the_admin_derives_is_marked_for_translation():
    untranslated = []
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        config = apps.get_app_config(meta.app_label)
        if not lazy(config.verbose_name):
            untranslated.append(f"app {meta.app_label}: {config.verbose_name!r}")
        for attribute in ("verbose_name", "verbose_name_plural"):
            if not lazy(getattr(meta, attribute)):
                untranslated.append(f"{meta.label}.{attribute}: {getattr(meta, attribute)!r}")
        ours = meta.app_label in OUR_APPS
        if ours and "verbose_name_plural" not in meta.original_attrs:  # not "case" + "s"
            untranslated.append(f"{meta.label}: no verbose_name_plural of its own")
        shown = [f for f in model_admin.list_display if f != "__str__"]
        for item in model_admin.list_filter:
            if isinstance(item, type):  # a filter class: its own title
                if not lazy(item.title):
                    untranslated.append(f"{meta.label} filter {item.__name__}: {item.title!r}")
            else:
                shown.append(item if isinstance(item, str) else item[0])
        for field_name in shown:
            if callable(field_name):
                description = getattr(field_name, "short_description", None)
            elif hasattr(model_admin, field_name):
                description = getattr(getattr(model_admin, field_name), "short_description", None)
            else:
                field = next((f for f in meta.get_fields() if f.name == field_name), None)
                if field is None or isinstance(field, models.ForeignObjectRel):
                    continue  # a model property: its title is rendered by the page test
                description = field.verbose_name
            if not lazy(description):
                untranslated.append(f"{meta.label} column or filter {field_name}: {description!r}")
    assert untranslated == [], "\n".join(untranslated)


def test_each_key_holder_is_mailed_in_her_own_language(coalition, mailoutbox):
    from cases import notifications
    from tests.conftest import report

    StaffProfile.objects.filter(pk=coalition["amani"].pk).update(language="fr")
    case = report().case
    assert notifications.deliver() == 2
    by_address = {mail.to[0]: mail for mail in mailoutbox}
    french = by_address["amani@coalition.example"]
    english = by_address["beatrice@coalition.example"]
    assert french.subject == f"[Lanterne] Le dossier {case.reference} demande votre attention"
    assert "ne dit volontairement rien du dossier" in french.body
    assert english.subject == f"[Lanterne] Case {case.reference} needs attention"
