"""A case's dossier for authorities and partners: one PDF an officer exports, and audits.

The dossier holds the decrypted report, the messages of the conversation the officer
chooses (none by default: what the reporter wrote may identify her), the clear facts, and
the list of files with the SHA-256 each had when it arrived (cases.uploads), so whoever
receives the files apart can check they are the ones the coalition received. A file that
could not be cleaned of its metadata is listed without its digest: it would be the digest
of the reporter's own copy. Every page carries the name of the officer who exported it
and the date, across the page and in the footer. The PDF is made in memory and never
stored; the export is in the audit log (what was included, never the text).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from fpdf import FPDF

from cases import audit, content, permissions, report, taxonomy
from cases.models import Case, Sender
from lib import clock
from places import provinces
from stats.pdf import FONT, LanternePDF

from .case_page import case_for, page_url

WATERMARK_GREY = 215


class DossierForm(forms.Form):
    messages = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Messages of the conversation to include"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Include only what the recipient needs: the reporter's own words may identify her."
        ),
    )

    def __init__(self, *args, entries: list[content.Entry], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["messages"].choices = [
            (e.message_id, f"{author_of(e)} · {e.created_at:%Y-%m-%d %H:%M} · {preview(e.text)}")
            for e in entries
        ]


def author_of(entry: content.Entry) -> str:
    return _("Reporter") if entry.sender == Sender.REPORTER else (entry.author or _("Coalition"))


def preview(text: str, words: int = 12) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" …" if len(parts) > words else "")


def exporter_name(user) -> str:
    return user.get_full_name() or user.get_username()


class DossierPDF(LanternePDF):
    """Portrait, with the watermark across every page and in the footer."""

    footer_y = 13

    def __init__(self, watermark: str):
        super().__init__("portrait", 16, 18, footer_text=watermark)

    def header(self):
        self.set_font(FONT, "B", 30)
        self.set_text_color(WATERMARK_GREY)
        with self.rotation(45, x=self.w / 2, y=self.h / 2):
            width = self.get_string_width(self.footer_text)
            self.text(self.w / 2 - width / 2, self.h / 2, self.footer_text)
        self.set_text_color(0)
        self.set_xy(self.l_margin, self.t_margin)


def heading(pdf: FPDF, text: str, size: int = 12) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def line(pdf: FPDF, text: str, size: int = 9, style: str = "") -> None:
    pdf.set_font(FONT, style, size)
    pdf.multi_cell(0, size * 0.5, text, align="L", new_x="LMARGIN", new_y="NEXT")


def file_lines(pdf: FPDF, files: list[content.FileInfo]) -> None:
    if not files:
        line(pdf, _("No files."))
        return
    for info in files:
        line(pdf, f"{info.name} ({info.content_type}, {info.size} B)", 9, "B")
        if not info.scrubbed:
            line(
                pdf,
                _(
                    "Metadata could not be removed from this file: its SHA-256 is left out, "
                    "since it would also be the digest of the reporter's own copy."
                ),
                8,
            )
        elif info.sha256:
            line(pdf, f"SHA-256: {info.sha256}", 8)
        else:
            line(pdf, _("SHA-256: not recorded (sent before digests were kept)"), 8)
        pdf.ln(1)


def render(case: Case, case_key: bytes, *, by, message_ids: set[int]) -> tuple[bytes, dict]:
    """The dossier's PDF, in the active language, and what it included (for the audit)."""
    now = clock.now()
    watermark = _("Exported by %(name)s on %(date)s — confidential") % {
        "name": exporter_name(by),
        "date": f"{now:%Y-%m-%d}",
    }
    pdf = DossierPDF(watermark)
    pdf.set_title(_("Case dossier %(reference)s") % {"reference": case.reference})
    pdf.set_creator("Lanterne")
    pdf.add_page()
    heading(pdf, _("Case dossier %(reference)s") % {"reference": case.reference}, 16)
    facts = [
        (_("Received"), f"{case.received_at:%Y-%m-%d} UTC"),
        (_("Country"), str(case.get_country_display())),
        (_("Province"), provinces.name(case.province) if case.province else "—"),
        (
            _("Categories"),
            ", ".join(str(taxonomy.CATEGORIES.get(c, c)) for c in case.category_codes) or "—",
        ),
        (_("Status"), str(case.get_status_display())),
        (_("Priority"), str(case.get_priority_display()) if case.priority else "—"),
        (_("Level"), str(case.get_level_display())),
    ]
    for label, value in facts:
        line(pdf, f"{label}: {value}")

    heading(pdf, _("The report"))
    for answer in report.labelled(content.read_report(case, case_key)):
        line(pdf, answer.label, 9, "B")
        line(pdf, str(answer.text) or "—")
        pdf.ln(1)

    entries = [e for e in content.conversation(case, case_key) if e.message_id in message_ids]
    files = content.report_files(case, case_key)
    heading(pdf, _("Conversation with the reporter (messages chosen for this dossier)"))
    if not entries:
        line(pdf, _("No message is included."))
    for entry in entries:
        line(pdf, f"{author_of(entry)} · {entry.created_at:%Y-%m-%d %H:%M} UTC", 9, "B")
        line(pdf, entry.text)
        files += entry.files
        pdf.ln(1)

    heading(pdf, _("Files, with their SHA-256 on arrival"))
    line(
        pdf,
        _(
            "Each digest is of the file as the coalition keeps it, after its metadata was "
            "removed. The files themselves are not in this dossier."
        ),
        8,
    )
    pdf.ln(1)
    file_lines(pdf, files)
    included = {"messages": len(entries), "files": len(files)}
    return bytes(pdf.output()), included


def export(request: HttpRequest, object_id: str) -> HttpResponse:
    """Choose the messages to include (GET), then download the dossier (POST), audited."""
    case, case_key = case_for(request, object_id)
    try:
        permissions.check(request.user, "export_dossier", case)
    except permissions.NotAllowed as refusal:
        messages.error(request, str(refusal))
        return redirect(page_url(case))
    entries = content.conversation(case, case_key)
    form = DossierForm(request.POST or None, entries=entries)
    if request.method == "POST" and form.is_valid():
        chosen = set(form.cleaned_data["messages"])
        pdf, included = render(case, case_key, by=request.user, message_ids=chosen)
        audit.record("export_dossier", by=request.user, case=case, detail=included)
        response = HttpResponse(pdf, content_type="application/pdf")
        name = f"lanterne-dossier-{case.reference}.pdf"
        response["Content-Disposition"] = content_disposition_header(True, name)
        return response
    audit.record_read(case, by=request.user, what="dossier page")
    context = {
        **admin.site.each_context(request),
        "opts": Case._meta,
        "title": _("Dossier of case %(reference)s") % {"reference": case.reference},
        "case": case,
        "form": form,
    }
    return TemplateResponse(request, "admin/cases/case/dossier.html", context)
