"""Staff sign-in in two steps, password change and recovery.

Step one checks the password and unseals the officer's private key, which waits, split
between the session and a cookie (cases.staff_keys), until step two accepts a TOTP or
backup code; only then is the user logged in and the key session opened. Nothing here
stores or reads a network address: guessing is slowed per account, and an unknown username
is slowed and answered exactly like a known one (cases.login_throttle).
"""

from base64 import b32encode

import django_otp
import qrcode
from django import forms
from django.contrib import auth, messages
from django.contrib.auth import password_validation
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from qrcode.image.svg import SvgPathFillImage

from . import audit, crypto, officers, staff_keys
from .login_throttle import begin_attempt, clear_failures, forgive_attempt, wait_message
from .models import KeyWrap, StaffProfile

BACKUP_CODES = 10

# --- the acts ---------------------------------------------------------------------------


class Refused(Exception):
    """Wrong credentials; the caller shows one message whatever was wrong."""


def profile_of(user) -> StaffProfile | None:
    return StaffProfile.objects.filter(user=user).first()


def verify_code(user, code: str, *, devices=None) -> django_otp.models.Device | None:
    """The confirmed device (TOTP or backup codes) that accepts ``code``, or None."""
    code = "".join(code.split()).replace("-", "").lower()
    if not code:
        return None
    with transaction.atomic():
        if devices is None:
            devices = django_otp.devices_for_user(user, for_verify=True)
        for device in devices:
            if device.verify_token(code):
                return device
    return None


def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes with BACKUP_CODES fresh ones; each works once."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name="backup codes", confirmed=True)
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def change_password(user, *, old_password: str, new_password: str) -> bytes | None:
    """Re-seal the private key under the new password and set it; return the key.

    Raises Refused if the old password is wrong or does not open the key."""
    if not user.check_password(old_password):
        raise Refused
    profile = profile_of(user)
    private_key = sealed = None
    if profile is not None:
        try:
            private_key = officers.unseal_private_key(profile, old_password)
        except crypto.CryptoError:
            raise Refused from None
        # Argon2id runs outside the transaction: SQLite would hold its write lock meanwhile.
        sealed = officers.seal_private_key(new_password, private_key)
    with transaction.atomic():
        if profile is not None:
            profile.sealed_private_key = sealed
            profile.save(update_fields=["sealed_private_key"])
        user.set_password(new_password)
        user.save(update_fields=["password"])
    return private_key


def recover(username: str, *, recovery_key: str, code: str, new_password: str) -> None:
    """Open the key with the recovery key, check a TOTP code, re-seal under a new password."""
    user = auth.get_user_model().objects.filter(username=username).first()
    profile = profile_of(user) if user is not None and user.is_active else None
    if profile is None:
        raise Refused
    try:
        private_key = crypto.open_with_recovery_key(
            recovery_key, bytes(profile.recovery_sealed_private_key)
        )
    except crypto.CryptoError:
        raise Refused from None
    totp = TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update()
    if verify_code(user, code, devices=totp) is None:
        raise Refused
    sealed = officers.seal_private_key(new_password, private_key)
    with transaction.atomic():
        profile.sealed_private_key = sealed
        profile.save(update_fields=["sealed_private_key"])
        user.set_password(new_password)
        user.save(update_fields=["password"])


def reset_without_recovery(user, new_password: str, *, by) -> str | None:
    """Give an officer who lost password and recovery key a new password and a NEW key pair.

    Every case wrapped to the old key becomes unreadable to them (its wraps are deleted) until
    a coordinator grants access again. Returns the new recovery key, to hand over once; None
    for an account without keys. Only an active superuser may do this."""
    if not (by.is_active and by.is_superuser):
        raise PermissionDenied
    profile = profile_of(user)
    recovery_key = None
    if profile is not None:
        private_key, public_key = crypto.generate_keypair()
        recovery_key = crypto.generate_recovery_key()
        sealed = officers.seal_private_key(new_password, private_key)
        recovery_sealed = crypto.seal_with_recovery_key(recovery_key, private_key)
    with transaction.atomic():
        if profile is not None:
            KeyWrap.objects.filter(user=user).delete()
            profile.public_key = public_key
            profile.sealed_private_key = sealed
            profile.recovery_sealed_private_key = recovery_sealed
            profile._history_user = by
            profile.save()
        user.set_password(new_password)
        user.save(update_fields=["password"])
        audit.record(
            "reset_without_recovery",
            by=by,
            detail={"who": user.get_username(), "keys_replaced": profile is not None},
        )
    return recovery_key


# --- forms ------------------------------------------------------------------------------


class PasswordStepForm(forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=gettext_lazy("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app, or a backup code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("The 6-digit code your app shows now"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class NewPasswordMixin:
    """Two new-password fields that must match and pass the configured validators."""

    def check_new_password(self, user) -> None:
        first = self.cleaned_data.get("new_password1")
        second = self.cleaned_data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", _("The two passwords differ."))
        elif first:
            try:
                password_validation.validate_password(first, user)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)


def _new_password_field(label):
    return forms.CharField(
        label=label,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html,
    )


class RecoveryForm(NewPasswordMixin, forms.Form):
    username = forms.CharField(
        label=gettext_lazy("Username"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    recovery_key = forms.CharField(
        label=gettext_lazy("Recovery key"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    new_password1 = _new_password_field(gettext_lazy("New password"))
    new_password2 = forms.CharField(
        label=gettext_lazy("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        # Validated against the name as typed, not the account: nothing says whether it exists.
        typed = auth.get_user_model()(username=cleaned.get("username", ""))
        self.check_new_password(typed)
        return cleaned


# --- views ------------------------------------------------------------------------------

SENSITIVE = ("password", "code", "recovery_key", "old_password", "new_password1", "new_password2")
WRONG_PASSWORD = gettext_lazy("The username or the password is not right.")
WRONG_CODE = gettext_lazy("That code is not right. Codes change every 30 seconds.")


def _page(request, site, template: str, context: dict, response=None):
    request.current_app = site.name
    context = {**site.each_context(request), **context}
    if response is None:
        return render(request, template, context)
    response.content = render_to_string(template, context, request)
    return response


def _safe_next(request, url: str) -> str:
    allowed = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if url and allowed else ""


@sensitive_post_parameters(*SENSITIVE)
@csrf_protect
@never_cache
@login_not_required
@require_http_methods(["GET", "POST"])
def login(request, site):
    """Step one: the password; on success the key waits in a pending login for step two."""
    if request.method == "GET" and site.has_permission(request):
        return redirect("admin:index")
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next", ""))
    form = PasswordStepForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        username, password = form.cleaned_data["username"], form.cleaned_data["password"]
        wait = begin_attempt(username)
        # authenticate() hashes the password even for an unknown name, so both take as long.
        user = None if wait else auth.authenticate(request, username=username, password=password)
        if wait:
            form.add_error(None, wait_message(wait))
        elif user is None or not user.is_staff:
            form.add_error(None, WRONG_PASSWORD)
        else:
            forgive_attempt(username)
            profile = profile_of(user)
            try:
                private_key = officers.unseal_private_key(profile, password) if profile else None
            except crypto.CryptoError:
                form.add_error(
                    None,
                    _(
                        "Your password was changed without re-sealing your key. Set a new "
                        "password with your recovery key."
                    ),
                )
            else:
                response = redirect("admin:login_code")
                staff_keys.hold(request, response, user, private_key, next_url)
                return response
    return _page(
        request, site, "staff/login.html", {"form": form, "next": next_url, "title": _("Log in")}
    )


def _pending_user(request):
    user_id = staff_keys.pending_user_id(request)
    if user_id is None:
        return None
    return auth.get_user_model().objects.filter(pk=user_id, is_active=True, is_staff=True).first()


def _log_in(request, user, device, response) -> bool:
    """Log the pending user in with the device that verified them and open the key session."""
    opened, private_key = staff_keys.release(request)
    if not opened:
        return False
    auth.login(request, user)
    django_otp.login(request, device)
    clear_failures(user.get_username())
    staff_keys.start(request, response, private_key)
    return True


def _restart(request):
    staff_keys.drop_pending(request)
    messages.error(request, _("Your sign-in expired or was interrupted. Please start again."))
    return redirect("admin:login")


@sensitive_post_parameters(*SENSITIVE)
@csrf_protect
@never_cache
@login_not_required
@require_http_methods(["GET", "POST"])
def second_factor(request, site):
    """Step two: a TOTP or backup code, or the authenticator's enrolment if it has none."""
    user = _pending_user(request)
    if user is None or not staff_keys.release(request)[0]:
        return _restart(request)
    if not TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        return enrol(request, site, user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        wait = begin_attempt(user.get_username())
        device = None if wait else verify_code(user, form.cleaned_data["code"])
        if wait:
            form.add_error(None, wait_message(wait))
        elif device is None:
            form.add_error("code", WRONG_CODE)
        else:
            next_url = _safe_next(request, staff_keys.pending_next(request))
            response = redirect(next_url or reverse("admin:index"))
            return response if _log_in(request, user, device, response) else _restart(request)
    return _page(request, site, "staff/verify.html", {"form": form, "title": _("Second step")})


def qr_svg(text: str) -> str:
    """An inline SVG QR code of ``text`` (no data: URL, which the CSP forbids)."""
    image = qrcode.make(text, image_factory=SvgPathFillImage, box_size=15, border=4)
    svg = image.to_string(encoding="unicode")
    return svg.replace("<svg ", '<svg class="qr" role="img" aria-hidden="true" ', 1)


def enrol(request, site, user):
    """Show a new authenticator's secret; confirm it on a right first code, give backup codes."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    form = EnrolForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        wait = begin_attempt(user.get_username())
        if wait:
            form.add_error(None, wait_message(wait))
        elif not verify_code(user, form.cleaned_data["code"], devices=[device]):
            form.add_error("code", WRONG_CODE)
        else:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = new_backup_codes(user)
            response = HttpResponse()
            if not _log_in(request, user, device, response):
                return _restart(request)
            context = {"codes": codes, "title": _("Your backup codes")}
            return _page(request, site, "staff/backup_codes.html", context, response)
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    context = {
        "form": form,
        "qr": qr_svg(device.config_url),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "title": _("Set up your authenticator app"),
    }
    return _page(request, site, "staff/enrol.html", context)


@csrf_protect
@never_cache
@login_not_required
@require_POST
def logout(request, site):
    """Log out and destroy the key session: the server half and the cookie half."""
    auth.logout(request)
    response = HttpResponse()
    staff_keys.end(request, response)
    return _page(request, site, "staff/logged_out.html", {"title": _("Logged out")}, response)


@sensitive_post_parameters(*SENSITIVE)
@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request, site):
    """Change the password and re-seal the private key under it; stay logged in."""
    username = request.user.get_username()
    data = request.POST if request.method == "POST" else None
    wait = begin_attempt(username) if data is not None else 0
    if wait:
        data = None  # not even validated: the old password is not checked while refused
    form = PasswordChangeForm(request.user, data)
    if form.is_valid():
        try:
            private_key = change_password(
                request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except Refused:
            form.add_error("old_password", _("Your old password does not open your key."))
        else:
            forgive_attempt(username)
            auth.update_session_auth_hash(request, request.user)
            response = redirect("admin:password_change_done")
            staff_keys.start(request, response, private_key)
            return response
    elif data is not None and not form.has_error("old_password"):
        forgive_attempt(username)
    context = {
        "form": form,
        "error": wait_message(wait) if wait else "",
        "title": _("Change password"),
    }
    return _page(request, site, "staff/password_change.html", context)


@sensitive_post_parameters(*SENSITIVE)
@csrf_protect
@never_cache
@login_not_required
@require_http_methods(["GET", "POST"])
def recovery(request, site):
    """Set a new password with the recovery key and a TOTP code, keeping every case."""
    form = RecoveryForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        username = form.cleaned_data["username"]
        wait = begin_attempt(username)
        if wait:
            form.add_error(None, wait_message(wait))
        else:
            try:
                recover(
                    username,
                    recovery_key=form.cleaned_data["recovery_key"],
                    code=form.cleaned_data["code"],
                    new_password=form.cleaned_data["new_password1"],
                )
            except Refused:
                form.add_error(
                    None,
                    _("These details do not match an account. Check each one and try again."),
                )
            else:
                clear_failures(username)
                messages.success(request, _("Your new password is set. You can log in with it."))
                return redirect("admin:login")
    return _page(
        request, site, "staff/recover.html", {"form": form, "title": _("Recover your account")}
    )
