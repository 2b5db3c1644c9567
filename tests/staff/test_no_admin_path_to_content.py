"""An administrator, with every power the staff site gives them, reaches no case content.

The walk: every staff URL (GET, and every act on the case as a POST), as the administrator;
then the administrator's own powers used against the case: enrol accounts and redeem their
codes himself, reset the officer who holds the case and redeem her new code, try to admit
the accounts he controls, and walk everything again as each of them. Every byte served to
him is searched for the case's report, messages, note, file and the officers' second
factors. The control: the coordinator who holds the case sees its text in the same search.
"""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from actors.models import Actor
from cases import content, workflow
from cases.models import AuditEvent, Case, StaffProfile
from lib import clock
from staff import accounts
from stats import periods
from tests.actors.conftest import record
from tests.conftest import PASSWORD, key_of, sign_in
from tests.staff.enrol_pages import NEW_PASSWORD, invite, redeem, shown
from tests.staff.test_access_matrix import concrete, staff_patterns
from tests.whistle.pages import form_data, jpeg_with_gps, open_mailbox, receipt_of, send_report

pytestmark = pytest.mark.django_db

STORY = "The buyer at Kamituga weighs gold with a false scale"
MESSAGE = "They came back at night with the soldiers"
NOTE = "Call the contact at the provincial mining office"
ACTOR = "Comptoir Étoile-Kamituga"


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


class Watcher:
    """Everything served to the clients the administrator controls."""

    def __init__(self):
        self.seen: list[bytes] = []

    def visit(self, client, method: str, path: str, data=None):
        response = getattr(client, method)(path, data or {}, follow=True)
        assert response.status_code < 500, (method, path)
        self.seen.append(body(response))
        return response

    def walk(self, client, objects) -> None:
        for name, route in staff_patterns():
            if name == "admin:logout":
                continue
            for method, path in concrete(name, route, objects):
                self.visit(client, method, path)
                for form_action in re.findall(
                    r'<form[^>]*action="([^"]+)"', self.seen[-1].decode()
                ):
                    if form_action.startswith("/") and "logout" not in form_action:
                        self.visit(client, "post", form_action)


@pytest.fixture
def world(client, coalition):
    receipt = receipt_of(
        send_report(client, form_data(what_happened=STORY, attachments=jpeg_with_gps()))
    )
    open_mailbox(client, receipt)
    client.post("/follow-up/case/", {"text": MESSAGE})
    case = Case.objects.get()
    amani = coalition["amani"]
    key = key_of(case, amani)
    workflow.add_note(case, by=amani.user, case_key=key, text=NOTE)
    [info] = content.report_files(case, key)
    _, chunks = content.open_file(case, key, info.id)
    photo = b"".join(chunks)
    # The actor registry too: whom the coalition tracks is as secret as what was reported.
    record(amani, ACTOR)
    record(amani, ACTOR.replace("É", "E"))
    secrets = [STORY.encode(), MESSAGE.encode(), NOTE.encode(), photo[len(photo) // 2 :][:48]]
    secrets += [ACTOR.encode(), ACTOR.replace("É", "E").encode()]
    for device in TOTPDevice.objects.all():
        secrets += [device.key.encode(), device.key.upper().encode()]
    secrets += [t.token.encode() for t in StaticToken.objects.all()]
    return case, secrets


def objects_for(case) -> dict:
    amani = StaffProfile.objects.get(user__username="amani")
    actor, other = Actor.objects.order_by("created_at", "id")[:2]
    return {
        "actor": actor.pk,
        "other": other.pk,
        "case": case.pk,
        "auditevent": AuditEvent.objects.exclude(case_id=None).first().pk,
        "staffprofile": amani.pk,
        "user": amani.user.pk,
        "group": 1,
        "totpdevice": TOTPDevice.objects.filter(user=amani.user).first().pk,
        "staticdevice": amani.user.staticdevice_set.first().pk,
        "file": case.attachments.get().pk,
        "quarter": periods.last_quarter(clock.now()).code,
    }


def leaks(watcher: Watcher, secrets: list[bytes]) -> list[str]:
    return [
        f"secret #{n} in response #{i}"
        for i, page in enumerate(watcher.seen)
        for n, secret in enumerate(secrets)
        if secret in page
    ]


def test_no_sequence_of_an_administrators_powers_reaches_a_cases_content(world, coalition):
    case, secrets = world
    objects = objects_for(case)
    watcher = Watcher()
    ada = Client()
    sign_in(ada, accounts.enrol("ada", role="admin", password=PASSWORD).profile)

    # 1. Every page and every act, as the administrator.
    watcher.walk(ada, objects)

    # 2. Accounts of his own making: an officer for the case's country, a coordinator.
    moles = []
    for username, role, scope in (
        ("mole", "officer", {"countries": ["CD"]}),
        ("mole-lead", "coordinator", {"regions": ["central"]}),
    ):
        _client, done, _secret = redeem(invite(ada, username, role, **scope))
        watcher.seen.append(body(done))
        moles.append(username)

    # 3. The officer who holds the case, reset; her new code redeemed by him.
    reset = watcher.visit(
        ada,
        "post",
        reverse("admin:auth_user_password_change", args=[objects["user"]]),
        {"understood": "on"},
    )
    _client, done, _secret = redeem(shown(reset, "enrolment-code"))
    watcher.seen.append(body(done))
    moles.append("amani")

    # 4. Admission is not his to give, for any of them.
    for username in moles:
        profile = StaffProfile.objects.get(user__username=username)
        page = watcher.visit(
            ada,
            "post",
            reverse("admin:cases_staffprofile_admit", args=[profile.pk]),
            {"checked": "on"},
        )
        assert page.status_code == 403
        profile.refresh_from_db()
        assert profile.admitted_at is None

    # 5. Each account he controls, signed in, walks everything too.
    objects = objects_for(case)
    for username in moles:
        mole = Client()
        sign_in(mole, username, NEW_PASSWORD)
        watcher.walk(mole, objects)
        assert not case.wraps.filter(user__username=username).exists()

    # A new report after all this goes to none of them either.
    reporter = Client()
    receipt_of(send_report(reporter, form_data(what_happened="A second, later report")))
    later = Case.objects.exclude(pk=case.pk).get()
    assert set(later.wraps.values_list("user__username", flat=True)) == {"beatrice"}

    assert len(watcher.seen) > 100
    assert leaks(watcher, secrets) == []

    # The control: the coordinator holding the case sees the story where the search looks.
    holder = Watcher()
    beatrice = Client()
    sign_in(beatrice, coalition["beatrice"])
    holder.visit(beatrice, "get", reverse("admin:cases_case_change", args=[case.pk]))
    assert leaks(holder, secrets[:1]) == ["secret #0 in response #0"]
