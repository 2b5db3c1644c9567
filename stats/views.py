"""The statistics pages of the staff site: the dashboard, its CSV, the quarterly reports.

Mounted in the staff admin (staff.sites), so every view sits behind the two-factor login
and a live key session. Who may see what is cases.permissions; each export and each act
on a report is audited (cases.audit) with what was asked, never any content.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import content_disposition_header, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from cases import audit, permissions
from cases.permissions import NotAllowed
from lib import clock

from . import charts, exports, page, periods, reports, scope
from .forms import Filters, Narrative
from .models import QuarterlyReport


def allowed(request: HttpRequest, permission: str) -> None:
    if not permissions.may(request.user, permission):
        raise PermissionDenied


def context(request: HttpRequest, title: str, **extra) -> dict:
    return {**admin.site.each_context(request), "title": title, "subtitle": "", **extra}


def chosen_page(request: HttpRequest) -> tuple[Filters, dict, page.Page]:
    """The filters as asked (or the defaults, with a message), and the page they give."""
    form = Filters(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Choose the filters from the lists."))
    chosen = form.chosen()
    try:
        where = scope.for_user(
            request.user,
            country=chosen["country"],
            region=chosen["region"],
            category=chosen["category"],
        )
    except ValueError:
        messages.error(request, _("This country is not in that region."))
        chosen.update(country="", region="")
        try:
            where = scope.for_user(request.user, category=chosen["category"])
        except ValueError:  # an officer whose account names no country yet
            raise PermissionDenied from None
    return form, chosen, page.build(where, periods.parse(chosen["period"]))


def table_body(table: page.Table, k: int) -> str:
    """The table's rows as HTML, built here: a template tag per cell would cost more than
    the whole page's SQL. Hidden and small counts carry their meaning in a title."""
    small = escape(_("between 1 and %(k)d") % {"k": k - 1})
    hidden = escape(_("hidden so that no small number can be worked out"))
    rows = []
    for label, total, values in table.lines():
        cells = []
        for value, state in values:
            text = escape(value)
            if state == "small":
                text = f'<abbr title="{small}">{text}</abbr>'
            elif state == "hidden":
                text = f'<abbr title="{hidden}">{text}</abbr>'
            cells.append(f'<td class="cell-{state}">{text}</td>')
        css = ' class="total"' if total else ""
        rows.append(f'<tr{css}><th scope="row">{escape(label)}</th>{"".join(cells)}</tr>')
    return mark_safe("\n".join(rows))  # noqa: S308 - every piece above is escaped


def sections_shown(built: page.Page) -> list:
    return [
        (
            section,
            [
                (table, charts.bars(table.title, table.chart_series()), table_body(table, built.k))
                for table in section.tables
            ],
        )
        for section in built.sections
    ]


@require_http_methods(["GET"])
def dashboard(request: HttpRequest) -> HttpResponse:
    allowed(request, "view_statistics")
    form, chosen, built = chosen_page(request)
    query = urlencode({k: v for k, v in chosen.items() if v})
    return TemplateResponse(
        request,
        "stats/dashboard.html",
        context(
            request,
            _("Statistics"),
            form=form,
            page=built,
            sections=sections_shown(built),
            csv_url=f"{reverse('admin:statistics_csv')}?{query}",
            k_minus_one=built.k - 1,
            may_report=permissions.may(request.user, "quarterly_report"),
        ),
    )


@require_http_methods(["GET"])
def export_csv(request: HttpRequest) -> HttpResponse:
    allowed(request, "export_statistics")
    _form, chosen, built = chosen_page(request)
    table = request.GET.get("table", "")
    if table and table not in {t.key for t in built.tables()}:
        raise Http404
    audit.record(
        "statistics_exported",
        by=request.user,
        detail={**chosen, "table": table or "all", "countries": list(built.scope.countries)},
    )
    name = f"lanterne-{built.period.code}-{table or 'statistics'}.csv"
    response = HttpResponse(exports.page_csv(built, table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@require_http_methods(["GET", "POST"])
def report_list(request: HttpRequest) -> HttpResponse:
    allowed(request, "quarterly_report")
    if request.method == "POST":
        code = request.POST.get("quarter", "")
        try:
            period = periods.parse(code)
            reports.check_quarter(period)
        except (ValueError, NotAllowed):
            messages.error(request, _("Choose a quarter that has ended."))
            return redirect("admin:statistics_reports")
        return redirect("admin:statistics_report", quarter=period.code)
    now = clock.now()
    quarters = [p for p in periods.recent(now, periods.QUARTER, 9) if p.end <= now]
    known = {r.quarter: r for r in QuarterlyReport.objects.all()}
    return TemplateResponse(
        request,
        "stats/report_list.html",
        context(
            request,
            _("Quarterly reports to the KP working group"),
            rows=[(q, known.get(q.code)) for q in quarters],
        ),
    )


def quarter_or_404(code: str) -> periods.Period:
    try:
        period = periods.parse(code)
    except ValueError:
        raise Http404 from None
    if period.kind != periods.QUARTER:
        raise Http404
    return period


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest, quarter: str) -> HttpResponse:
    """A quarter's report: the narrative form and the figures (live for a draft)."""
    allowed(request, "quarterly_report")
    period = quarter_or_404(quarter)
    existing = QuarterlyReport.objects.filter(quarter=period.code).first()
    form = Narrative(
        request.POST or None,
        initial={
            "narrative_fr": existing.narrative_fr if existing else "",
            "narrative_en": existing.narrative_en if existing else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            reports.save_draft(period, by=request.user, **form.cleaned_data)
        except NotAllowed as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("The draft is saved."))
        return redirect("admin:statistics_report", quarter=period.code)
    built = reports.coalition_page(period) if not (existing and existing.issued) else None
    return TemplateResponse(
        request,
        "stats/report.html",
        context(
            request,
            _("Quarterly report, %(period)s") % {"period": period.label()},
            period=period,
            report=existing,
            form=form,
            sections=sections_shown(built) if built else [],
            k_minus_one=(built.k if built else page.min_count()) - 1,
            files=[(lang, kind) for lang in reports.LANGUAGES for kind in reports.KINDS],
        ),
    )


@require_POST
def finalise(request: HttpRequest, quarter: str) -> HttpResponse:
    allowed(request, "quarterly_report")
    period = quarter_or_404(quarter)
    existing = QuarterlyReport.objects.filter(quarter=period.code).first()
    if existing is None:
        messages.error(request, _("Save a draft first."))
    elif request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that the report is issued as it is."))
    else:
        try:
            reports.finalise(existing, by=request.user)
        except NotAllowed as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(request, _("The report is issued; it will not change again."))
    return redirect("admin:statistics_report", quarter=period.code)


@require_http_methods(["GET"])
def report_file(request: HttpRequest, quarter: str, language: str, kind: str) -> HttpResponse:
    allowed(request, "quarterly_report")
    period = quarter_or_404(quarter)
    existing = QuarterlyReport.objects.filter(quarter=period.code).first()
    if existing is None or language not in reports.LANGUAGES or kind not in reports.KINDS:
        raise Http404
    content = reports.download(existing, by=request.user, language=language, kind=kind)
    status = "" if existing.issued else "-draft"
    name = f"lanterne-kp-report-{period.code}{status}-{language}.{kind}"
    types = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8"}
    response = HttpResponse(content, content_type=types[kind])
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
