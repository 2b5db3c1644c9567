"""The alerts page (by urgency) and the coordinators' rule pages, mounted in the staff site.

The page of one alert, which opens its sealed assessment, is staff.alert_page: reading it
needs the officer's private key, which alerts/ never touches.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cases import audit, permissions
from lib import clock
from places import provinces
from places.countries import COUNTRIES

from . import access
from .forms import RuleForm
from .models import OPEN, Rule


def allowed(request: HttpRequest, permission: str) -> None:
    if not permissions.may(request.user, permission):
        raise PermissionDenied


def context(request: HttpRequest, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, "subtitle": "", **extra}


def area_label(alert) -> str:
    if alert.area == "*":
        return _("the whole scope")
    if len(alert.area) == 2:
        return str(COUNTRIES.get(alert.area, alert.area))
    return provinces.name(alert.area)


def alert_list(request: HttpRequest) -> HttpResponse:
    allowed(request, "view_alerts")
    mine = access.visible(request.user).select_related("rule")
    show_closed = request.GET.get("closed") == "1"
    alerts = access.by_urgency(mine if show_closed else mine.filter(status__in=OPEN))
    rows = [(a, area_label(a)) for a in alerts[:200]]
    return TemplateResponse(
        request,
        "alerts/alert_list.html",
        context(
            request,
            _("Alerts"),
            rows=rows,
            show_closed=show_closed,
            may_edit=permissions.may(request.user, "edit_alert_rules"),
        ),
    )


def rule_list(request: HttpRequest) -> HttpResponse:
    allowed(request, "edit_alert_rules")
    rows = [(rule, access.may_edit_rule(request.user, rule)) for rule in Rule.objects.all()]
    return TemplateResponse(
        request,
        "alerts/rule_list.html",
        context(request, _("Early-warning rules"), rows=rows),
    )


def not_yours(countries: list[str]) -> str:
    names = ", ".join(str(COUNTRIES.get(c, c)) for c in countries)
    return _(
        "This rule reaches countries outside your regions (%(countries)s): the coordinators "
        "of their regions edit it."
    ) % {"countries": names}


@require_http_methods(["GET", "POST"])
def rule_edit(request: HttpRequest, rule_id: str | None = None) -> HttpResponse:
    allowed(request, "edit_alert_rules")
    rule = None
    if rule_id is not None:
        rule = Rule.objects.filter(pk=int(rule_id) if rule_id.isdigit() else 0).first()
        if rule is None:
            raise Http404
        if strays := access.outside_regions(request.user, rule):
            messages.error(request, not_yours(strays))
            return redirect("admin:alert_rules")
    form = RuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if strays := access.outside_regions(request.user, saved):
            choose = _("Choose countries of your regions, or none for the whole coalition.")
            form.add_error(None, f"{not_yours(strays)} {choose}")
        else:
            return save_rule(request, saved, new=rule is None)
    title = _("New early-warning rule") if rule is None else _("Edit the rule")
    return TemplateResponse(
        request, "alerts/rule_form.html", context(request, title, form=form, rule=rule)
    )


def save_rule(request: HttpRequest, saved: Rule, *, new: bool) -> HttpResponse:
    saved.updated_at = clock.now()
    if new:
        saved.created_by = request.user
    saved.save()
    audit.record(
        "alert_rule_saved",
        by=request.user,
        detail={"rule": saved.pk, "new": new, "active": saved.active},
    )
    messages.success(request, _("The rule was saved."))
    return redirect("admin:alert_rules")


@require_http_methods(["GET", "POST"])
def feed_tokens(request: HttpRequest) -> HttpResponse:
    """Issue and revoke the tokens of one's CAP feed; a new token is shown once, here."""
    from . import feed
    from .models import FeedToken

    allowed(request, "view_alerts")
    issued = ""
    if request.method == "POST":
        if request.POST.get("revoke", "").isdigit():
            if feed.revoke(request.user, int(request.POST["revoke"])):
                messages.success(request, _("The token was revoked."))
            return redirect("admin:alert_feed_tokens")
        label = request.POST.get("label", "").strip()
        if not label or len(label) > 80:
            messages.error(request, _("Name the system the token is for (80 characters at most)."))
            return redirect("admin:alert_feed_tokens")
        issued = feed.issue(request.user, label=label)
    tokens = FeedToken.objects.filter(user=request.user)
    return TemplateResponse(
        request,
        "alerts/feed_tokens.html",
        context(request, _("CAP feed for partners"), tokens=tokens, issued=issued),
    )


@csrf_exempt  # a machine's GET with a bearer token: no cookie, no session
@require_http_methods(["GET"])
def cap_feed(request: HttpRequest) -> HttpResponse:
    from . import feed

    header = request.headers.get("Authorization", "")
    user = feed.user_for(header[7:].strip() if header.startswith("Bearer ") else "")
    if user is None:
        response = HttpResponse(_("A valid token is needed."), status=401)
        response["WWW-Authenticate"] = 'Bearer realm="lanterne-alerts"'
        return response
    response = HttpResponse(feed.document(user), content_type="application/xml; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response
