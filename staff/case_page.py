"""The case page, its acts and attachment downloads: what an officer sees and does.

Every view loads the case through `case_for`, which answers 404 alike for a missing id, a
malformed id, a case the officer holds no key to and a browser without a key session.
Every change goes through one function of cases.workflow or cases.sharing (via the forms
in staff.forms); every read is audited. Nothing decrypted is cached, logged or kept in the
session.
"""

import uuid
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import access, audit, content, deadlines, permissions, report, taxonomy, workflow
from cases import history as case_history
from cases.models import AuditEvent, Case, KeyWrap, Message, Sender
from lib import clock
from places import provinces

from . import forms
from .display import due
from .key_session import private_key

DOWNLOAD_CSP = "default-src 'none'; sandbox"

# --- loading a case -----------------------------------------------------------------------


def case_for(request: HttpRequest, object_id: str) -> tuple[Case, bytes]:
    """Return the case and its key for this officer, or raise Http404 (the same every time)."""
    try:
        case_id = uuid.UUID(unquote(str(object_id)))
    except ValueError:
        raise Http404 from None
    key = private_key(request)
    case = Case.objects.filter(pk=case_id).first()
    if case is None or key is None:
        raise Http404
    try:
        return case, access.case_key_for_staff(case, request.user, key)
    except access.NotFound:
        raise Http404 from None


def page_url(case: Case) -> str:
    return reverse("admin:cases_case_change", args=[case.pk])


# --- the acts -----------------------------------------------------------------------------


CONFIRMED = "confirmed"


@require_POST
def act(request: HttpRequest, object_id: str, name: str) -> HttpResponse:
    """Validate one act's form, call its one workflow function, and go back to the page.

    An act that cannot easily be undone (close, recuse, revoke, mark duplicate) is done on
    the second POST only: the first answers a page that asks to confirm, carrying the same
    fields, so a stray click does nothing (and needs no JavaScript).
    """
    if name not in forms.ACTS:
        raise Http404
    case, case_key = case_for(request, object_id)
    form = forms.ACTS[name](request.POST, case=case, user=request.user)
    if not form.is_valid():
        for error in forms.form_errors(form):
            messages.error(request, error)
        return redirect(page_url(case))
    if form.confirm and request.POST.get(CONFIRMED) != "yes":
        try:  # an act refused anyway is refused now, not after "are you sure?"
            workflow.check(case, request.user, form.name, permission=form.permission_for(case))
        except permissions.NotAllowed as refusal:
            messages.error(request, str(refusal))
            return redirect(page_url(case))
        return confirmation(request, case, form)
    try:
        form.run(case_key)
    except permissions.NotAllowed as refusal:
        messages.error(request, str(refusal))
        return redirect(page_url(case))
    messages.success(request, _("Done: %(act)s.") % {"act": form.title})
    if not KeyWrap.objects.filter(case=case, user=request.user).exists():
        return redirect("admin:cases_case_changelist")  # recused: the case is gone for them
    return redirect(page_url(case))


def confirmation(request: HttpRequest, case: Case, form: forms.ActForm) -> HttpResponse:
    """The second page of a safe act: what will happen, and the button that does it."""
    context = {
        **admin.site.each_context(request),
        "opts": Case._meta,
        "title": form.question(),
        "subtitle": "",
        "case": case,
        "form": form,
        "consequence": form.consequence(),
        "confirmed": CONFIRMED,
        "url": reverse("admin:cases_case_act", args=[case.pk, form.name]),
    }
    return TemplateResponse(request, "admin/cases/case/confirm.html", context)


# --- the page and the files ---------------------------------------------------------------


@dataclass(frozen=True)
class EntryView:
    entry: content.Entry
    new: bool
    author: str


def conversation(case: Case, case_key: bytes) -> list[EntryView]:
    """The mailbox, the reporter's unread messages flagged, then marked read.

    Only the messages shown are marked: one arriving meanwhile stays unread.
    """
    shown, unread = [], []
    for entry in content.conversation(case, case_key):
        new = entry.sender == Sender.REPORTER and entry.read_at is None
        if new:
            unread.append(entry.message_id)
        who = _("Reporter") if entry.sender == Sender.REPORTER else (entry.author or _("Coalition"))
        shown.append(EntryView(entry, new, who))
    Message.objects.filter(id__in=unread, read_at__isnull=True).update(read_at=clock.now())
    return shown


def holders(case: Case) -> list[str]:
    wraps = (
        KeyWrap.objects.filter(case=case).select_related("user__staff").order_by("user__username")
    )
    names = []
    for wrap in wraps:
        if wrap.user is None:
            names.append(_("disaster-recovery escrow key"))
        else:
            profile = getattr(wrap.user, "staff", None)
            role = profile.get_role_display() if profile else ""
            names.append(
                f"{wrap.user.get_username()} — {role}" if role else wrap.user.get_username()
            )
    return names


HISTORY_SHOWN = 200


def history(case: Case) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(case_id=case.id).order_by("-id")[:HISTORY_SHOWN])


def case_page(request: HttpRequest, object_id: str, model_admin) -> HttpResponse:
    """The read-only case page: report, files, mailbox, notes, clocks, keys, history, acts."""
    case, case_key = case_for(request, object_id)
    audit.record_read(case, by=request.user, what="case page")
    now = clock.now()
    events = history(case)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Case._meta,
        "title": _("Case %(reference)s") % {"reference": case.reference},
        "subtitle": "",
        "case": case,
        "answers": report.labelled(content.read_report(case, case_key)),
        "files": content.report_files(case, case_key),
        "conversation": conversation(case, case_key),
        "notes": content.notes(case, case_key),
        "escalations": content.escalations(case, case_key),
        "deadlines": [
            (
                _("Acknowledge by"),
                due(case.ack_due, now) if not case.acknowledged_at else None,
                case.ack_due,
                case.acknowledged_at,
            ),
            (
                _("First feedback by"),
                due(case.feedback_due, now) if not case.first_feedback_at else None,
                case.feedback_due,
                case.first_feedback_at,
            ),
            (
                _("Next feedback by"),
                due(deadlines.update_due(case), now),
                deadlines.update_due(case),
                None,
            ),
        ],
        "next_due": due(case.next_due, now),
        "holders": holders(case),
        "events": case_history.story(events),
        "more_events": len(events) == HISTORY_SHOWN,
        "acts": forms.acts_on_page(case, request.user),
        "categories": [(c, taxonomy.CATEGORIES.get(c, c)) for c in case.category_codes],
        "province": provinces.name(case.province) if case.province else "",
    }
    return TemplateResponse(request, "admin/cases/case/case_page.html", context)


def attachment(request: HttpRequest, object_id: str, file_id: uuid.UUID) -> HttpResponse:
    """Stream a decrypted attachment as a download; never rendered inline by the browser."""
    case, case_key = case_for(request, object_id)
    try:
        intact = content.file_intact(case, case_key, file_id)
        info, chunks = content.open_file(case, case_key, file_id)
    except KeyError:
        raise Http404 from None
    if intact is False:  # evidence that changed since it arrived is not handed out
        audit.record("file_mismatch", by=request.user, case=case, detail={"file": str(file_id)})
        messages.error(
            request,
            _(
                "“%(name)s” no longer matches the SHA-256 recorded when it arrived: it was not "
                "downloaded. Tell an administrator; the audit log records the mismatch."
            )
            % {"name": info.name},
        )
        return redirect(page_url(case))
    audit.record_read(case, by=request.user, what="attachment")
    response = StreamingHttpResponse(chunks, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, info.name)
    # Not the staff pages' policy: a hostile HTML or SVG file opened anyway runs nothing,
    # in an origin of its own.
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    return response
