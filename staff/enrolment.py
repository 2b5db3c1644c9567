"""The enrolment page: a new (or reset) member redeems a one-time code.

Step one takes the code and the password the member chooses, and makes their key pair (one
Argon2id run). Step two shows a new authenticator secret and waits for a right first code;
only then does the account get its keys and its authenticator (staff.accounts.redeem), and
the member sees their recovery key, their backup codes and their key's fingerprint, once.

Between the two steps everything waits sealed under a key that lives only in a cookie of
this browser, the sealed blob in the server session (lib.split_secret): the authenticator
secret and the recovery key never reach the database before the enrolment is complete.
"""

import json
import secrets
from base64 import b32encode

import qrcode
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathFillImage

from lib import clock, crypto, split_secret

from . import accounts
from .account_forms import EnrolCodeForm, EnrolForm
from .login import SENSITIVE, WRONG_CODE, _page
from .throttle import begin_attempt, forgive_attempt, wait_message

COOKIE = "lanterne_staff_enrol"
PENDING = "staff_enrolment"
PENDING_SECONDS = 900
_CONTEXT = b"lanterne|staff-enrolment|"
# Guessing enrolment codes is throttled like passwords, under one name for every code.
THROTTLE_NAME = "enrolment code"


def qr_svg(text: str) -> str:
    """An inline SVG QR code of ``text`` (no data: URL, which the CSP forbids)."""
    image = qrcode.make(text, image_factory=SvgPathFillImage, box_size=15, border=4)
    svg = image.to_string(encoding="unicode")
    return svg.replace("<svg ", '<svg class="qr" role="img" aria-hidden="true" ', 1)


def _path() -> str:
    return "/" + settings.LANTERNE_ADMIN_PATH


def _hold(request, response, user, code: str, new_keys: accounts.NewKeys, totp_key: bytes):
    payload = {
        "code": code,
        "public": crypto.b64(new_keys.public),
        "sealed": crypto.b64(new_keys.sealed),
        "recovery_sealed": crypto.b64(new_keys.recovery_sealed),
        "recovery_key": new_keys.recovery_key,
        "totp": totp_key.hex(),
    }
    context = _CONTEXT + str(user.pk).encode()
    request.session[PENDING] = {
        "user": user.pk,
        "since": clock.now().timestamp(),
        "sealed": split_secret.seal(
            response, COOKIE, json.dumps(payload).encode(), context=context, path=_path()
        ),
    }


def _pending(request) -> tuple[object, dict] | None:
    """The user and what step one made, if this browser holds both halves and in time."""
    held = request.session.get(PENDING)
    if not isinstance(held, dict) or clock.now().timestamp() - held.get("since", 0) > (
        PENDING_SECONDS
    ):
        return None
    context = _CONTEXT + str(held.get("user")).encode()
    opened = split_secret.open_(request, COOKIE, held.get("sealed"), context=context)
    user = get_user_model().objects.filter(pk=held.get("user"), is_active=True).first()
    if opened is None or user is None:
        return None
    return user, json.loads(opened)


def _authenticator_page(request, site, user, payload: dict, form, response=None):
    device = TOTPDevice(user=user, key=payload["totp"])  # never saved: only for its URI
    secret = b32encode(bytes.fromhex(payload["totp"])).decode("ascii").rstrip("=")
    context = {
        "form": form,
        "qr": qr_svg(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "title": _("Set up your authenticator app"),
    }
    return _page(request, site, "staff/enrol.html", context, response)


def _check_totp(payload: dict, code: str) -> TOTP | None:
    try:
        token = int("".join(code.split()))
    except ValueError:
        return None
    totp = TOTP(bytes.fromhex(payload["totp"]))
    return totp if totp.verify(token, tolerance=1) else None


@sensitive_post_parameters(*SENSITIVE, "enrolment_code")
@csrf_protect
@never_cache
@login_not_required
@require_http_methods(["GET", "POST"])
def enrol(request, site):
    """Redeem an enrolment code: a password, then an authenticator; then the secrets, once."""
    if request.method == "POST" and request.POST.get("step") == "authenticator":
        return _second_step(request, site)
    request.session.pop(PENDING, None)
    initial = {"enrolment_code": request.GET.get("code", "")}
    form = EnrolCodeForm(request.POST if request.method == "POST" else None, initial=initial)
    if form.is_valid():
        wait = begin_attempt(THROTTLE_NAME, request)
        user = None if wait else accounts.code_holder(form.cleaned_data["enrolment_code"])
        if wait:
            form.add_error(None, wait_message(wait))
        elif user is None:
            form.add_error(
                "enrolment_code",
                _("This enrolment code is unknown, already used or expired. Ask for a new one."),
            )
        elif form.check_new_password(user):
            forgive_attempt(THROTTLE_NAME, request)
            new_keys = accounts.make_keys(form.cleaned_data["new_password1"])
            totp_key, response = secrets.token_bytes(20), HttpResponse()
            code = form.cleaned_data["enrolment_code"]
            _hold(request, response, user, code, new_keys, totp_key)
            payload = {"totp": totp_key.hex()}
            return _authenticator_page(request, site, user, payload, EnrolForm(), response)
        else:
            forgive_attempt(THROTTLE_NAME, request)
    context = {"form": form, "title": _("Enrol")}
    return _page(request, site, "staff/enrol_code.html", context)


def _second_step(request, site):
    pending = _pending(request)
    if pending is None:
        request.session.pop(PENDING, None)
        messages.error(request, _("Your enrolment expired or was interrupted. Please start again."))
        return redirect("admin:enrol")
    user, payload = pending
    form = EnrolForm(request.POST)
    if form.is_valid():
        wait = begin_attempt(user.get_username(), request)
        totp = None if wait else _check_totp(payload, form.cleaned_data["code"])
        if wait:
            form.add_error(None, wait_message(wait))
        elif totp is None:
            form.add_error("code", WRONG_CODE)
        else:
            forgive_attempt(user.get_username(), request)
            new_keys = accounts.NewKeys(
                public=crypto.unb64(payload["public"]),
                sealed=crypto.unb64(payload["sealed"]),
                recovery_sealed=crypto.unb64(payload["recovery_sealed"]),
                recovery_key=payload["recovery_key"],
            )
            try:
                done = accounts.redeem(
                    payload["code"],
                    new_keys,
                    totp_key=bytes.fromhex(payload["totp"]),
                    last_t=totp.t(),
                    drift=totp.drift,
                )
            except accounts.Refused:
                request.session.pop(PENDING, None)
                messages.error(
                    request,
                    _("This enrolment code was used or expired meanwhile. Ask for a new one."),
                )
                return redirect("admin:enrol")
            request.session.pop(PENDING, None)
            context = {
                "recovery_key": done.recovery_key,
                "codes": done.backup_codes,
                "fingerprint": accounts.fingerprint(new_keys.public),
                "title": _("Your account is ready"),
            }
            response = _page(request, site, "staff/enrolled.html", context)
            split_secret.forget(response, COOKIE, path=_path())
            return response
    return _authenticator_page(request, site, user, payload, form)
