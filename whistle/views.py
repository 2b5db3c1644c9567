"""The anonymous intake: report form, receipt, follow-up mailbox. Works with JavaScript off."""

import logging
import uuid

from django.conf import settings
from django.http import Http404, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cases import access, content, intake, multipart
from cases.models import Status
from cases.uploads import Draft, FileErrors, take_uploads
from lib.crypto import format_receipt

from . import handoff, receipts, session
from .forms import MessageForm, ReceiptForm, ReportForm

log = logging.getLogger(__name__)


@require_GET
def home(request):
    return render(request, "whistle/home.html")


def load_draft(request) -> tuple[Draft, FileErrors]:
    """The files kept from earlier attempts at this form, plus this request's uploads."""
    draft = Draft.load(request.POST.get("draft", ""))
    draft.remove(set(request.POST.getlist("remove")))
    errors = take_uploads(draft, request.FILES.getlist("attachments"))
    return draft, errors


def keep_draft(draft: Draft) -> Draft:
    """Save the draft for the next attempt; on a disk with no room, keep the last saved one."""
    if draft.files:
        try:
            draft.save()
        except OSError:
            log.warning("a draft could not be saved; its last saved list is kept")
            return Draft.load(draft.token)
    return draft


def as_typed(data, form) -> dict:
    """The answers as sent, to show again without judging them (the reporter only attached)."""
    lists = {n for n, f in form.fields.items() if getattr(f.widget, "allow_multiple_selected", 0)}
    return {name: data.getlist(name) if name in lists else data.get(name) for name in data}


# Whatever failed, nothing was committed and the draft keeps the files already accepted.
NOT_SAVED = gettext_lazy(
    "Your report could not be saved just now. Nothing you typed or attached is lost: "
    "please send it again."
)
# A disk with no room refused a file of this attempt: that file must be attached again.
DISK_FULL = gettext_lazy(
    "Your report could not be saved just now. Nothing you typed is lost: please send it again."
)
TOO_MANY_REPORTS = gettext_lazy(
    "Many reports were sent from your network in the last hour. "
    "Nothing you typed or attached is lost: please send it again later."
)
MESSAGE_NOT_SAVED = gettext_lazy(
    "Your message could not be saved just now. Nothing you typed is lost: please send it again."
)


@require_http_methods(["GET", "POST"])
def report(request):
    if request.method == "GET":
        return render(
            request,
            "whistle/report.html",
            {"form": ReportForm(), "token": receipts.new_submission_token()},
        )
    token = request.POST.get("submission") or receipts.new_submission_token()
    draft, file_errors = load_draft(request)
    if request.POST.get("attach"):  # attach only: show what is attached, and its size
        form = ReportForm(initial=as_typed(request.POST, ReportForm()))
        context = {"form": form, "draft": keep_draft(draft), "file_errors": file_errors}
        return render(request, "whistle/report.html", {**context, "token": token})
    form = ReportForm(request.POST)
    if refused := multipart.refusal(request):
        form.add_error(None, refused)
    if file_errors.server_fault:
        form.add_error(None, DISK_FULL)
    if receipts.submissions_blocked(request):
        form.add_error(None, TOO_MANY_REPORTS)
    elif form.is_valid() and not file_errors:
        # Counted before it is saved, so a burst cannot slip past the limit.
        if not receipts.begin_submission(request):
            form.add_error(None, TOO_MANY_REPORTS)
            return render_report(request, form, draft, file_errors, token)
        try:
            submission = intake.submit(
                answers=form.answers(), files=draft.files, language=get_language(), token=token
            )
        except Exception:  # noqa: BLE001 - whatever failed, nothing was committed: say so
            receipts.forgive_submission(request)
            log.exception("a submission could not be saved; the reporter was asked to retry")
            form.add_error(None, NOT_SAVED)
        else:
            if submission.repeated or submission.receipt is None:
                receipts.forgive_submission(request)  # no new case
            return show_receipt(request, submission, draft)
    return render_report(request, form, draft, file_errors, token)


def render_report(request, form, draft, file_errors, token: str):
    return render(
        request,
        "whistle/report.html",
        {"form": form, "draft": keep_draft(draft), "file_errors": file_errors, "token": token},
    )


def show_receipt(request, submission: intake.Submission, draft: Draft):
    """Redirect to the receipt page, for a new case or for the same form sent again."""
    draft.discard(keep_files=True)
    if submission.receipt is None:
        return render(request, "whistle/already_sent.html", status=409)
    return handoff.redirect_to_receipt(
        submission.receipt, [f.name for f in draft.files if not f.scrubbed]
    )


@require_GET
def receipt(request, handle: str):
    """The receipt, shown once after the redirect; Back or a reload shows it no more."""
    shown = handoff.take(request, handle)
    if shown is None:
        response = render(request, "whistle/already_sent.html", status=410)
    else:
        context = {"receipt": format_receipt(shown["receipt"]), "uncleaned": shown["uncleaned"]}
        response = render(request, "whistle/receipt.html", context)
    handoff.forget(response, handle)
    return response


@require_http_methods(["GET", "POST"])
def follow_up(request):
    form = ReceiptForm(request.POST or None)
    status, blocked = 200, None
    # A reply written in a mailbox whose session lapsed, carried in this page's form.
    carried = MessageForm(request.POST or None)
    draft = Draft.load(request.POST.get("draft", "")) if request.method == "POST" else None
    if request.method == "POST":
        if form.is_valid() and not receipts.begin_guess(request):
            form = ReceiptForm()
            blocked = _(
                "Too many wrong receipts were tried. For your safety, please wait an "
                "hour and try again."
            )
            status = 429
        elif form.is_valid():
            try:
                case, case_key = access.case_for_receipt(form.cleaned_data["receipt"])
            except access.NotFound:
                form.add_error(
                    "receipt", _("No report matches this receipt. Check the digits and try again.")
                )
                status = 400
            else:
                receipts.forgive_guess(request)
                response = redirect("whistle:mailbox")
                if carried.is_valid() and (carried.cleaned_data["text"].strip() or draft.files):
                    response = send_reply(request, case, case_key, carried, draft)
                if response is not None:
                    session.start(request, response, case, case_key)
                    return response
                form.add_error(None, MESSAGE_NOT_SAVED)  # the reply stays in this page
                status = 503
        else:
            status = 400
    context = {"form": form, "blocked": blocked, "carried": carried, "draft": draft}
    return render(request, "whistle/follow_up.html", context, status=status)


def send_reply(request, case, case_key: bytes, form: MessageForm, draft: Draft):
    """Add the reporter's message; the redirect that shows it sent, or None if it failed."""
    try:
        intake.add_reporter_message(
            case, case_key=case_key, text=form.cleaned_data["text"], files=draft.files
        )
    except Exception:  # noqa: BLE001 - nothing was committed: say so
        log.exception("a reporter message could not be saved; retry asked")
        form.add_error(None, MESSAGE_NOT_SAVED)
        return None
    draft.discard(keep_files=True)
    return HttpResponseRedirect(reverse("whistle:mailbox") + "?sent=1#reply")


STATUS_FOR_REPORTER = {
    Status.RECEIVED: gettext_lazy("Received. It has not been opened yet."),
    Status.CLOSED: gettext_lazy("Closed."),
    Status.CONCLUDED: gettext_lazy("Handled: the follow-up is complete."),
    Status.INADMISSIBLE: gettext_lazy("Closed: it could not be followed up."),
    Status.DUPLICATE: gettext_lazy("Closed: it joins another report about the same events."),
}


def reporter_status(case) -> str:
    return str(STATUS_FOR_REPORTER.get(case.status) or _("Being handled by the coalition."))


@require_http_methods(["GET", "POST"])
def mailbox(request):
    opened = session.current(request)
    if opened is None and request.method == "POST":
        return ask_receipt_again(request)
    if opened is None:
        return redirect("whistle:follow_up")
    case, case_key = opened
    form, draft, file_errors = MessageForm(), None, []
    if request.method == "POST":
        draft, file_errors = load_draft(request)
        form = MessageForm(request.POST)
        if refused := multipart.refusal(request):
            form.add_error(None, refused)
        if file_errors.server_fault:
            form.add_error(None, MESSAGE_NOT_SAVED)
        if request.POST.get("attach"):
            form = MessageForm(initial={"text": request.POST.get("text", "")})
        elif form.is_valid() and not file_errors:
            if form.cleaned_data["text"].strip() or draft.files:
                if sent := send_reply(request, case, case_key, form, draft):
                    return sent
            else:
                form.add_error("text", _("Write a message or attach a file."))
        draft = keep_draft(draft)
    return render(
        request,
        "whistle/mailbox.html",
        {
            "case": case,
            "status": reporter_status(case),
            "report": content.read_report(case, case_key),
            "report_files": content.report_files(case, case_key),
            "conversation": content.conversation(case, case_key),
            "form": form,
            "draft": draft,
            "file_errors": file_errors,
            "sent": request.GET.get("sent") == "1",
        },
    )


def ask_receipt_again(request):
    """A reply sent after the mailbox closed: keep it in the page and ask for the receipt."""
    draft, file_errors = load_draft(request)
    context = {
        "form": ReceiptForm(),
        "carried": MessageForm(request.POST),
        "draft": keep_draft(draft),
        "file_errors": file_errors,
    }
    return render(request, "whistle/follow_up.html", context)


@require_GET
def mailbox_file(request, file_id: uuid.UUID):
    opened = session.current(request)
    if opened is None:
        raise Http404
    case, case_key = opened
    try:
        info, chunks = content.open_file(case, case_key, file_id)
    except KeyError:
        raise Http404 from None
    response = StreamingHttpResponse(chunks, content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, info.name)
    response["Content-Length"] = str(info.size)
    return response


@require_POST
def leave_mailbox(request):
    response = redirect("whistle:home")
    session.end(request, response)
    return response


@require_GET
def switch_language(request, code: str):
    """Plain-link language switch (Django's own needs a POST, i.e. a button or script)."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        samesite="Strict",
        httponly=True,
        secure=settings.SECURE_COOKIES,
    )  # no max_age: the choice ends with the browser session, as on a shared phone it must
    return response


def csrf_failure(request, reason=""):
    """A form sent after its page expired: say so in the reporter's language."""
    return render(
        request,
        "403.html",
        {
            "message": _(
                "This form had expired, so it was not sent. Go back, reload the page and send it "
                "again."
            )
        },
        status=403,
    )
