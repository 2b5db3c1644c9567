"""Every staff URL × every kind of visitor: allowed or refused, as the rules below say.

The URLs come from the URL configuration itself, so a new view (or a newly registered
admin model) without a rule here fails this test until someone decides who may see it.
"""

import re

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from actors.forms import ACTS as ACTOR_ACTS
from cases.models import AuditEvent
from lib import clock
from staff import accounts
from staff.forms import ACTS
from stats import periods, reports
from tests.actors.conftest import record
from tests.conftest import PASSWORD, sign_in
from tests.whistle.pages import form_data, jpeg_with_gps, open_mailbox, receipt_of, send_report

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "reporter", "other_officer", "recipient", "coordinator", "steering", "admin")
STAFF = {"other_officer", "recipient", "coordinator", "steering", "admin"}
HOLDERS = {"recipient", "coordinator"}
ADMIN = {"admin"}
NOBODY: set[str] = set()
EVERYONE = set(ROLES)
READERS = {"other_officer", "recipient", "coordinator"}  # officers and coordinators
CD_REGISTRY = {"recipient", "coordinator"}

# Who may reach each staff URL (by URL name). "reach" means the page or act is served;
# whether an act then succeeds is the workflow's business (tests/cases/test_workflow.py).
RULES: dict[str, set[str]] = {
    "admin:login": {"anonymous", "reporter"},  # staff already signed in go on to the index
    "admin:login_code": NOBODY,  # only between the two login steps
    "admin:recover": EVERYONE,
    "admin:logout": NOBODY,  # POST only; a GET is refused
    "admin:index": STAFF,
    "admin:password_change": STAFF,
    "admin:language": STAFF,
    "admin:password_change_done": STAFF,
    "admin:autocomplete": NOBODY,  # no autocomplete fields anywhere
    "admin:jsi18n": STAFF,
    "admin:view_on_site": NOBODY,
    "admin:app_list": STAFF,
    "admin:catch_all": NOBODY,
    "admin:cases_case_changelist": STAFF,  # the queue; each sees only cases they hold a key to
    "admin:cases_case_add": NOBODY,  # cases come from the intake only
    "admin:cases_case_history": NOBODY,
    "admin:cases_case_delete": NOBODY,  # deletion is crypto-shredding by retention
    "admin:cases_case_change": HOLDERS,
    "admin:cases_case_redirect": HOLDERS,
    "admin:cases_case_act": HOLDERS,
    "admin:cases_case_attachment": HOLDERS,
    "admin:cases_case_dossier": HOLDERS,
    # The log lists account events to both; an event about a case only to its key holders
    # who may read the log (the event filled in below is the case's submission).
    "admin:cases_auditevent_changelist": ADMIN | {"coordinator"},
    "admin:cases_auditevent_change": {"coordinator"},
    "admin:cases_auditevent_redirect": {"coordinator"},
    "admin:cases_auditevent_add": NOBODY,
    "admin:cases_auditevent_delete": NOBODY,
    "admin:cases_auditevent_history": {"coordinator"},
    # Administrators and coordinators enrol members; only coordinators admit them to cases.
    "admin:cases_staffprofile_changelist": ADMIN | {"coordinator"},
    "admin:cases_staffprofile_change": ADMIN | {"coordinator"},
    "admin:cases_staffprofile_redirect": ADMIN | {"coordinator"},
    "admin:cases_staffprofile_add": ADMIN | {"coordinator"},
    "admin:cases_staffprofile_admit": {"coordinator"},
    "admin:cases_staffprofile_delete": NOBODY,
    "admin:cases_staffprofile_history": ADMIN | {"coordinator"},
    "admin:enrol": EVERYONE,  # the page that takes a one-time code
    # The actor registry: officers and coordinators read and edit the registries of their
    # scope (the world's actors are in the CD registry); the steering committee sees counts.
    "admin:actors_actor_changelist": READERS | {"steering"},
    "admin:actors_actor_add": READERS,
    "admin:actors_actor_change": CD_REGISTRY,
    "admin:actors_actor_redirect": CD_REGISTRY,
    "admin:actors_actor_act": CD_REGISTRY,
    "admin:actors_actor_merge": CD_REGISTRY,
    "admin:actors_actor_history": NOBODY,
    "admin:actors_actor_delete": NOBODY,
    "admin:actors_actor_duplicates": READERS,
    "admin:actors_actor_import": READERS,
    "admin:actors_actor_import_confirm": NOBODY,  # POST only (the preview's button)
    "admin:actors_actor_export": READERS,
    "admin:actors_actor_access": {"coordinator"},
    "admin:actors_actor_access_act": {"coordinator"},
    # Statistics: each over its own scope (cases.permissions.statistics_scope); none for admins.
    "admin:statistics": {"other_officer", "recipient", "coordinator", "steering"},
    "admin:statistics_csv": {"other_officer", "recipient", "coordinator", "steering"},
    "admin:statistics_reports": {"steering"},
    "admin:statistics_report": {"steering"},
    "admin:statistics_report_finalise": NOBODY,  # POST only; a GET is refused
    "admin:statistics_report_file": {"steering"},
    # Early warning: each sees the alerts sent to her (a coordinator, her regions' too); only
    # coordinators edit the rules; the CAP feed takes a bearer token, never a session.
    "admin:alerts": {"other_officer", "recipient", "coordinator", "steering"},
    "admin:alert": {"recipient", "coordinator"},
    "admin:alert_act": {"recipient", "coordinator"},  # the coordinator is told she may not
    "admin:alert_rules": {"coordinator"},
    "admin:alert_rule_add": {"coordinator"},
    "admin:alert_rule": {"coordinator"},
    "admin:alert_feed_tokens": {"other_officer", "recipient", "coordinator", "steering"},
    "admin:alert_feed": NOBODY,
}
for model in ("auth_group", "auth_user"):
    for view in ("changelist", "add", "history", "delete", "change", "redirect"):
        RULES[f"admin:{model}_{view}"] = ADMIN
RULES["admin:auth_user_add"] = NOBODY  # staff come from enrolment only
RULES["admin:auth_user_password_change"] = ADMIN
# Which authenticators exist, read-only; their secrets never (no config or QR code page).
for model in ("otp_totp_totpdevice", "otp_static_staticdevice"):
    for view in ("changelist", "change", "redirect", "history"):
        RULES[f"admin:{model}_{view}"] = ADMIN
    for view in ("add", "delete"):
        RULES[f"admin:{model}_{view}"] = NOBODY


def staff_patterns():
    """(name, route) for every URL under the admin, named for the rules."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield pattern, prefix + str(pattern.pattern)

    admin_prefix = reverse("admin:index").lstrip("/")
    previous = ""
    for pattern, route in walk(get_resolver().url_patterns):
        if not route.startswith(admin_prefix):
            continue
        name = pattern.name
        if name is None and route.endswith("<path:object_id>/"):
            name = previous.rsplit("_", 1)[0] + "_redirect"  # the admin's id → change redirect
        elif name is None:
            name = "catch_all"
        previous = name
        yield f"admin:{name}", route


@pytest.fixture
def world(client, coalition):
    """One case for the CD officer, with a file, and a client for every kind of visitor."""
    sent = send_report(client, form_data(attachments=jpeg_with_gps()))
    receipt = receipt_of(sent)
    reporter = Client()
    open_mailbox(reporter, receipt)
    admin = accounts.enrol("ada", role="admin", password=PASSWORD).profile
    clients = {"anonymous": Client(), "reporter": reporter}
    for role, profile in (
        ("other_officer", coalition["sia"]),
        ("recipient", coalition["amani"]),
        ("coordinator", coalition["beatrice"]),
        ("steering", coalition["chidi"]),
        ("admin", admin),
    ):
        clients[role] = Client()
        sign_in(clients[role], profile)
    from cases.models import Case

    case = Case.objects.get()
    amani = coalition["amani"].user
    etoile = record(coalition["amani"], "Comptoir Étoile")
    twin = record(coalition["amani"], "Comptoir Etoile")
    objects = {
        "actor": etoile.pk,
        "other": twin.pk,
        "case": case.pk,
        "auditevent": AuditEvent.objects.exclude(case_id=None).first().pk,
        "staffprofile": coalition["amani"].pk,
        "user": amani.pk,
        "group": Group.objects.create(name="focal points").pk,
        "totpdevice": TOTPDevice.objects.get(user=amani).pk,
        "staticdevice": StaticDevice.objects.filter(user=amani).first().pk
        if StaticDevice.objects.filter(user=amani).exists()
        else StaticDevice.objects.create(user=amani, name="backup").pk,
        "file": case.attachments.get().pk,
        "quarter": periods.last_quarter(clock.now()).code,
    }
    from alerts import evaluate
    from alerts.models import Condition, Rule

    rule = Rule.objects.create(name="each", condition=Condition.EACH)
    objects["rule"] = rule.pk
    objects["alert"] = evaluate.raise_alert(rule, "CD", [case.pk], at=case.received_at).pk
    reports.save_draft(
        periods.parse(objects["quarter"]),
        by=coalition["chidi"].user,
        narrative_fr="Brouillon.",
        narrative_en="Draft.",
    )
    return clients, objects


def concrete(name: str, route: str, objects: dict) -> list[tuple[str, str]]:
    """(method, path) for a route, its parameters filled with real objects."""
    model = next(
        (
            m
            for m in (
                "actor",
                "case",
                "auditevent",
                "staffprofile",
                "totpdevice",
                "staticdevice",
                "user",
                "group",
            )
            if f"_{m}_" in name
        ),
        "case",
    )
    path = re.sub(r"\^\(\?P<app_label>[^)]*\)/\$", "cases/", route)
    path = path.replace("(?P<url>.*)$", "no/such/page/")
    path = path.replace("<path:content_type_id>", str(ContentType.objects.get(model="case").pk))
    path = re.sub(r"<(?:path:object_id|int:pk|id)>", str(objects[model]), path)
    path = path.replace("<uuid:file_id>", str(objects["file"]))
    path = path.replace("<str:quarter>", objects["quarter"])
    path = path.replace("<slug:language>.<slug:kind>", "fr.csv")
    path = path.replace("<uuid:other>", str(objects["other"]))
    path = path.replace("<str:rule_id>", str(objects.get("rule", 0)))
    path = path.replace("<str:alert_id>", str(objects.get("alert", 0)))
    if "<slug:act>" in path:  # every act of an alert's page
        return [
            ("post", "/" + path.replace("<slug:act>", act))
            for act in ("acknowledge", "assess", "close")
        ]
    if "<slug:act_name>" in path:  # granting and taking back a registry's key
        return [
            ("post", "/" + path.replace("<slug:act_name>", act))
            for act in ("grant", "revoke", "rekey")
        ]
    if "<slug:name>" in path and model == "actor":  # every act the actor page can post
        return [("post", "/" + path.replace("<slug:name>", act)) for act in sorted(ACTOR_ACTS)]
    if "<slug:name>" in path:  # every act the case page can post
        # Recusing takes the key away, so it goes last.
        acts = sorted(ACTS, key=lambda act: (act == "recuse", act))
        return [("post", "/" + path.replace("<slug:name>", act)) for act in acts]
    assert "<" not in path and "(?" not in path, f"fill in the parameters of {route}"
    return [("get", "/" + path)]


def reached(client, method: str, path: str) -> bool:
    """Whether the visitor was served this URL (acts and id links land on the case page)."""
    response = getattr(client, method)(path, follow=True)
    assert response.status_code < 500, (method, path)
    lands_on = path.split("act/")[0] + "change/" if "/act/" in path else path
    if "/alerts/" in path and "/act/" in path:  # an alert's act lands on the alert's page
        lands_on = path.split("act/")[0]
    if re.search(r"/(\d+|[0-9a-f-]{36})/$", path):  # the admin's id → change page redirect
        lands_on = path + "change/"
    landed = response.request["PATH_INFO"]
    if path.endswith("/act/recuse/") and landed == reverse("admin:cases_case_changelist"):
        return True  # who recuses herself no longer holds the case: back to her queue
    return response.status_code == 200 and landed in (path, lands_on)


def test_every_staff_url_has_a_rule():
    names = {name for name, _route in staff_patterns()}
    assert names - set(RULES) == set(), "a staff URL without an access rule"
    assert set(RULES) - names == set(), "a rule for a URL that no longer exists"


def test_every_staff_url_allows_exactly_the_roles_its_rule_names(world):
    clients, objects = world
    wrong = []
    # Acts change the case (and a recusal takes a key away): they run after every page.
    urls = sorted(staff_patterns(), key=lambda item: item[0] == "admin:cases_case_act")
    for name, route in urls:
        for method, path in concrete(name, route, objects):
            for role in ROLES:
                if reached(clients[role], method, path) != (role in RULES[name]):
                    expected = "allowed" if role in RULES[name] else "refused"
                    wrong.append(f"{role} should be {expected}: {method.upper()} {path}")
    assert wrong == [], "\n".join(wrong)
