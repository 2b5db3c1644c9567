"""Staff sign-in in two steps, logout, password change and recovery: the views.

Step one checks the password by unsealing the officer's private key (staff.backends), which
waits, split
between the session and a cookie (staff.key_session), until step two accepts a TOTP or
backup code; only then is the user logged in and the key session opened. Nothing here
stores or reads a network address: guessing is slowed per account, and an unknown username
is slowed and answered exactly like a known one (staff.throttle). The acts themselves are
in staff.accounts.
"""

import django_otp
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_not_required
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
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import accounts, key_session
from .account_forms import CodeForm, KeyPasswordChangeForm, PasswordStepForm, RecoveryForm
from .throttle import Wait, begin_attempt, clear_failures, forgive_attempt, wait_message

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
        wait = begin_attempt(username, request)
        # authenticate() hashes the password even for an unknown name, so both take as long.
        user = None if wait else auth.authenticate(request, username=username, password=password)
        if wait:
            form.add_error(None, wait_message(wait))
        elif user is None or not user.is_staff:
            form.add_error(None, WRONG_PASSWORD)
        else:
            forgive_attempt(username, request)
            # The backend opened the key to check the password (staff.backends): one Argon2id.
            private_key = getattr(user, "lanterne_private_key", None)
            response = redirect("admin:login_code")
            key_session.hold(request, response, user, private_key, next_url)
            return response
    return _page(
        request, site, "staff/login.html", {"form": form, "next": next_url, "title": _("Log in")}
    )


def _pending_user(request):
    user_id = key_session.pending_user_id(request)
    if user_id is None:
        return None
    return auth.get_user_model().objects.filter(pk=user_id, is_active=True, is_staff=True).first()


def _log_in(request, user, device, response) -> bool:
    """Log the pending user in with the device that verified them and open the key session."""
    opened, private_key = key_session.release(request)
    if not opened:
        return False
    auth.login(request, user)
    django_otp.login(request, device)
    clear_failures(user.get_username(), request)
    key_session.start(request, response, private_key)
    return True


def _restart(request):
    key_session.drop_pending(request)
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
    if user is None or not key_session.release(request)[0]:
        return _restart(request)
    if not TOTPDevice.objects.devices_for_user(user, confirmed=True).exists():
        # A password alone never sets up a second factor: that takes an enrolment code.
        key_session.drop_pending(request)
        messages.error(
            request,
            _(
                "This account has no authenticator. Ask an administrator or your coordinator "
                "for an enrolment code."
            ),
        )
        return redirect("admin:login")
    form = CodeForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        wait = begin_attempt(user.get_username(), request)
        device = None if wait else accounts.verify_code(user, form.cleaned_data["code"])
        if wait:
            form.add_error(None, wait_message(wait))
        elif device is None:
            form.add_error("code", WRONG_CODE)
        else:
            next_url = _safe_next(request, key_session.pending_next(request))
            response = redirect(next_url or reverse("admin:index"))
            return response if _log_in(request, user, device, response) else _restart(request)
    return _page(request, site, "staff/verify.html", {"form": form, "title": _("Second step")})


@csrf_protect
@never_cache
@login_not_required
@require_POST
def logout(request, site):
    """Log out and destroy the key session: the server half and the cookie half."""
    auth.logout(request)
    response = HttpResponse()
    key_session.end(request, response)
    return _page(request, site, "staff/logged_out.html", {"title": _("Logged out")}, response)


@sensitive_post_parameters(*SENSITIVE)
@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request, site):
    """Change the password and re-seal the private key under it; stay logged in."""
    username = request.user.get_username()
    data = request.POST if request.method == "POST" else None
    wait = begin_attempt(username, request) if data is not None else Wait()
    if wait:
        data = None  # not even validated: the old password is not checked while refused
    form = KeyPasswordChangeForm(request.user, data)
    if form.is_valid():
        try:
            private_key = accounts.change_password(
                request.user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password1"],
            )
        except accounts.Refused:
            form.add_error("old_password", _("Your old password does not open your key."))
        else:
            forgive_attempt(username, request)
            auth.update_session_auth_hash(request, request.user)
            response = redirect("admin:password_change_done")
            key_session.start(request, response, private_key)
            return response
    elif data is not None and not form.has_error("old_password"):
        forgive_attempt(username, request)
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
        wait = begin_attempt(username, request)
        if wait:
            form.add_error(None, wait_message(wait))
        else:
            try:
                accounts.recover(
                    username,
                    recovery_key=form.cleaned_data["recovery_key"],
                    code=form.cleaned_data["code"],
                    new_password=form.cleaned_data["new_password1"],
                )
            except accounts.Refused:
                form.add_error(
                    None,
                    _("These details do not match an account. Check each one and try again."),
                )
            else:
                clear_failures(username, request)
                messages.success(request, _("Your new password is set. You can log in with it."))
                return redirect("admin:login")
    return _page(
        request, site, "staff/recover.html", {"form": form, "title": _("Recover your account")}
    )
