"""The steering committee's acts on the quarterly report: one function each, with `by=`,
checked (cases.permissions: "quarterly_report") and audited (cases.audit), no content."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from cases import audit, permissions
from cases.permissions import NotAllowed
from lib import clock

from . import exports, page, pdf
from .models import IssuedFile, QuarterlyReport
from .periods import QUARTER, Period, parse
from .scope import Scope

LANGUAGES = ("fr", "en")
KINDS = ("pdf", "csv")


def check_quarter(period: Period) -> None:
    if period.kind != QUARTER:
        raise NotAllowed(_("A quarterly report covers a quarter."))
    if period.end > clock.now():
        raise NotAllowed(_("A quarter is reported on once it has ended."))


def narrative(report: QuarterlyReport, language: str) -> str:
    return report.narrative_fr if language == "fr" else report.narrative_en


@transaction.atomic
def save_draft(period: Period, *, by, narrative_fr: str, narrative_en: str) -> QuarterlyReport:
    """Create or update the quarter's draft narrative."""
    permissions.check(by, "quarterly_report")
    check_quarter(period)
    now = clock.now()
    report = QuarterlyReport.objects.select_for_update().filter(quarter=period.code).first()
    if report is None:
        report = QuarterlyReport(quarter=period.code, created_by=by, created_at=now)
    elif report.issued:
        raise NotAllowed(_("This report was issued: it can no longer change."))
    report.narrative_fr, report.narrative_en = narrative_fr, narrative_en
    report.updated_by, report.updated_at = by, now
    report.save()
    audit.record("report_draft_saved", by=by, detail={"quarter": period.code})
    return report


def coalition_page(period: Period) -> page.Page:
    return page.build(Scope.coalition(), period)


def render(report: QuarterlyReport, built: page.Page, language: str, kind: str) -> bytes:
    """One file of the report from a page, in one language."""
    with translation.override(language):
        if kind == "csv":
            return exports.page_csv(built).encode()
        issued = (
            (report.finalised_at, report.finalised_by.get_username()) if report.issued else None
        )
        return pdf.render(
            built,
            narrative=narrative(report, language),
            organisation=settings.LANTERNE_ORGANISATION,
            issued=issued,
        )


@transaction.atomic
def finalise(report: QuarterlyReport, *, by) -> QuarterlyReport:
    """Issue the report: freeze its figures, narratives and files as they are now."""
    permissions.check(by, "quarterly_report")
    report = QuarterlyReport.objects.select_for_update().get(pk=report.pk)
    if report.issued:
        raise NotAllowed(_("This report was issued already."))
    if not (report.narrative_fr.strip() and report.narrative_en.strip()):
        raise NotAllowed(_("Write the narrative in French and in English before issuing."))
    period = period_of(report)
    check_quarter(period)
    built = coalition_page(period)
    report.figures = {}
    for language in LANGUAGES:
        with translation.override(language):
            report.figures[language] = [list(line) for line in exports.lines(built)]
    report.finalised_by, report.finalised_at = by, clock.now()
    report.status = QuarterlyReport.Status.FINAL
    files = {
        (language, kind): render(report, built, language, kind)
        for language in LANGUAGES
        for kind in KINDS
    }
    # The last save of this row: from here on save() refuses it.
    QuarterlyReport.objects.filter(pk=report.pk).update(
        figures=report.figures,
        finalised_by=by,
        finalised_at=report.finalised_at,
        status=report.status,
    )
    digests = {}
    for (language, kind), content in files.items():
        digest = hashlib.sha256(content).hexdigest()
        IssuedFile.objects.create(
            report=report, language=language, kind=kind, content=content, sha256=digest
        )
        digests[f"{language}.{kind}"] = digest
    audit.record("report_finalised", by=by, detail={"quarter": report.quarter, **digests})
    return report


def period_of(report: QuarterlyReport) -> Period:
    return parse(report.quarter)


def download(report: QuarterlyReport, *, by, language: str, kind: str) -> bytes:
    """The file as issued (byte for byte), or a draft's rendered now; audited either way."""
    permissions.check(by, "quarterly_report")
    if language not in LANGUAGES or kind not in KINDS:
        raise NotAllowed(_("Unknown file."))
    if report.issued:
        content = bytes(report.files.get(language=language, kind=kind).content)
    else:
        content = render(report, coalition_page(period_of(report)), language, kind)
    audit.record(
        "report_downloaded",
        by=by,
        detail={
            "quarter": report.quarter,
            "file": f"{language}.{kind}",
            "status": report.status,
            "sha256": hashlib.sha256(content).hexdigest(),
        },
    )
    return content
