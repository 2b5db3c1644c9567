"""The page of one alert and its acts: acknowledge, assess (the text sealed to the alert's
recipients), close. Loaded through alerts.access.alert_for (404 alike for missing and not
yours); each act is one function of alerts.lifecycle; reading the sealed assessment needs
this officer's private key (the key session)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from alerts import access, lifecycle
from alerts.forms import AssessForm
from alerts.models import Alert, AssessmentWrap
from alerts.views import allowed, area_label, context
from cases import alert_seal, audit, permissions
from cases.models import Case, StaffProfile

from .key_session import private_key


def alert_or_404(request: HttpRequest, alert_id: str) -> Alert:
    try:
        return access.alert_for(request.user, alert_id)
    except access.NotFound:
        raise Http404 from None


def assessments(alert: Alert, user, key: bytes | None) -> list[tuple]:
    """(assessment, its text for this reader, or None when not sealed to them)."""
    wraps = dict(
        AssessmentWrap.objects.filter(assessment__alert=alert, user=user).values_list(
            "assessment_id", "wrapped"
        )
    )
    found = []
    for item in alert.assessments.select_related("by"):
        text = ""
        if bytes(item.text):
            wrapped = wraps.get(item.pk)
            text = alert_seal.open_(alert.pk, key, wrapped, item.text) if wrapped and key else None
        found.append((item, text))
    return found


def alert_page(request: HttpRequest, alert_id: str) -> HttpResponse:
    allowed(request, "view_alerts")
    alert = alert_or_404(request, alert_id)
    notes = assessments(alert, request.user, private_key(request))
    if any(text for _item, text in notes):
        audit.record("alert_read", by=request.user, detail={"alert": alert.pk})
    cases = Case.objects.filter(alert_links__alert=alert, wraps__user=request.user)
    linked = alert.links.count()
    acts = {
        act: lifecycle.refusal(alert, request.user, act) is None for act in lifecycle.TRANSITIONS
    }
    return TemplateResponse(
        request,
        "alerts/alert_page.html",
        context(
            request,
            _("Alert %(number)s") % {"number": alert.pk},
            alert=alert,
            area=area_label(alert),
            assessments=notes,
            cases=cases.order_by("-received_at"),
            unseen=linked - cases.count(),
            recipients=alert.recipients.select_related("user").order_by("tier", "user__username"),
            acts=acts,
            form=AssessForm(),
        ),
    )


@require_POST
def alert_act(request: HttpRequest, alert_id: str, act: str) -> HttpResponse:
    allowed(request, "view_alerts")
    alert = alert_or_404(request, alert_id)
    back = redirect(reverse("admin:alert", args=[alert.pk]))
    try:
        if act == "acknowledge":
            lifecycle.acknowledge(alert, by=request.user)
        elif act == "assess":
            form = AssessForm(request.POST)
            if not form.is_valid():
                messages.error(
                    request, _("Choose a finding (and keep the text under 5,000 characters).")
                )
                return back
            lifecycle.check(alert, request.user, "assess")
            sealed, wraps = b"", {}
            if form.cleaned_data["text"].strip():
                sealed, wraps = alert_seal.seal(
                    alert.pk, form.cleaned_data["text"], sealed_to(alert)
                )
            lifecycle.assess(
                alert,
                by=request.user,
                finding=form.cleaned_data["finding"],
                sealed_text=sealed,
                wraps=wraps,
            )
        elif act == "close":
            lifecycle.close(alert, by=request.user)
        else:
            raise Http404
    except permissions.NotAllowed as refusal:
        messages.error(request, str(refusal))
        return back
    messages.success(request, _("Done."))
    return back


def sealed_to(alert: Alert) -> list[tuple[int, bytes]]:
    """The (user id, public key) of every recipient of the alert who has keys."""
    profiles = StaffProfile.objects.filter(user__in=alert.recipients.values("user"))
    return [(p.user_id, bytes(p.public_key)) for p in profiles if p.public_key]
