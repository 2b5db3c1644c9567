"""How a new member's browser and an administrator's go through enrolment, for the tests."""

import re
from base64 import b32decode

from django.test import Client
from django.urls import reverse
from django_otp.oath import totp

ENROL = reverse("admin:enrol")
NEW_PASSWORD = "a passphrase only I know 2026"


def shown(response, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]+)<', response.content.decode())
    assert match, f"no {element_id} on the page"
    return match.group(1)


def invite(admin_client, username: str, role: str = "officer", **scope) -> str:
    """The administrator's (or coordinator's) form; returns the enrolment code shown."""
    data = {"username": username, "role": role, "email": f"{username}@coalition.example"}
    data.update(scope)
    response = admin_client.post(reverse("admin:cases_staffprofile_add"), data)
    assert response.status_code == 200, response.status_code
    return shown(response, "enrolment-code")


def totp_secret(response) -> bytes:
    text = re.search(r'class="totp-secret">([^<]+)<', response.content.decode()).group(1)
    text = text.replace(" ", "")
    return b32decode(text + "=" * (-len(text) % 8))


def redeem(code: str, password: str = NEW_PASSWORD, client: Client | None = None):
    """Both steps of the enrolment page; returns (client, last response, TOTP secret)."""
    client = client or Client()
    first = client.post(
        ENROL, {"enrolment_code": code, "new_password1": password, "new_password2": password}
    )
    secret = totp_secret(first)
    done = client.post(ENROL, {"step": "authenticator", "code": f"{totp(secret):06d}"})
    return client, done, secret
