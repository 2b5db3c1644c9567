"""The quarterly report as a PDF (fpdf2), in the language active when it is called.

fpdf2 is pure Python (fonttools and Pillow, which we already have, are its only real
needs), so `make run` and `make test` stay two commands: no Pango, Cairo or browser. It
embeds DejaVu Sans (Debian's fonts-dejavu-core) for French accents and typographic marks;
text drawn with it extracts back as text (the tests read it with pypdf).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from cases import taxonomy

from .page import FORWARD, Page, Table

FONT = "DejaVu"
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


def font_paths() -> dict[str, Path]:
    folder = Path(settings.LANTERNE_PDF_FONT_DIR)
    paths = {style: folder / name for style, name in FONT_FILES.items()}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise ImproperlyConfigured(
            f"PDF fonts not found ({', '.join(missing)}): install Debian's fonts-dejavu-core "
            "or set LANTERNE_PDF_FONT_DIR"
        )
    return paths


class LanternePDF(FPDF):
    """An A4 page in DejaVu (every script our languages need), with the given margins and a
    footer of `footer_text` and the page number, `footer_y` mm above the page's bottom."""

    footer_y = 12

    def __init__(self, orientation: str, margin: float, bottom: float, footer_text: str):
        super().__init__(orientation=orientation, format="A4")
        for style, path in font_paths().items():
            self.add_font(FONT, style, str(path))
        self.set_margins(margin, margin, margin)
        self.set_auto_page_break(True, margin=bottom)
        self.footer_text = footer_text

    def footer(self):
        self.set_y(-self.footer_y)
        self.set_font(FONT, "", 7)
        self.cell(0, 6, f"{self.footer_text} — {self.page_no()}/{{nb}}", align="C")


class ReportPDF(LanternePDF):
    def __init__(self, footer_text: str):
        super().__init__("landscape", 14, 16, footer_text)


def heading(pdf: FPDF, text: str, size: int = 13) -> None:
    pdf.ln(3)
    pdf.set_font(FONT, "B", size)
    pdf.multi_cell(0, size * 0.5, str(text), align="L")
    pdf.ln(1)
    pdf.set_font(FONT, "", 9)


def paragraph(pdf: FPDF, text: str, size: int = 9) -> None:
    pdf.set_font(FONT, "", size)
    pdf.multi_cell(0, size * 0.5, str(text), align="L")
    pdf.ln(1)


def draw_table(pdf: FPDF, table: Table) -> None:
    heading(pdf, table.title, 10)
    if table.collapsed:
        paragraph(
            pdf,
            _("Total: %(total)s. Too few cases to break this down without singling anyone out.")
            % {"total": table.base_shown},
        )
        return
    header = ["", *table.header()]
    first = 62
    rest = (pdf.epw - first) / max(1, len(header) - 1)
    pdf.set_font(FONT, "", 7 if len(header) > 10 else 8)
    bold = FontFace(emphasis="BOLD")
    with pdf.table(
        col_widths=[first] + [rest] * (len(header) - 1),
        width=pdf.epw,
        text_align=["LEFT"] + ["RIGHT"] * (len(header) - 1),
        headings_style=bold,
        line_height=4,
        first_row_as_headings=True,
    ) as grid:
        row = grid.row()
        for text in header:
            row.cell(text)
        for label, total, values in table.lines(skip_zero_rows=True):
            row = grid.row(style=bold if total else None)
            row.cell(label)
            for value, _state in values:
                row.cell(value)
    if table.note:
        paragraph(pdf, table.note, 7)


def highlights(pdf: FPDF, page: Page) -> None:
    """Smuggling and fraud, corruption, financial crime, violence: brought forward."""
    heading(pdf, _("Reports on fraud, smuggling, corruption, financial crime and violence"))
    by_category = next((t for t in page.tables() if t.key == "received_by_category"), None)
    if by_category is None or by_category.collapsed:
        paragraph(pdf, _("Too few reports this quarter to count them by category."))
        return
    bold = FontFace(emphasis="BOLD")
    pdf.set_font(FONT, "", 8)
    with pdf.table(
        col_widths=[20, 160, 30],
        width=210,
        align="LEFT",
        text_align=["LEFT", "LEFT", "RIGHT"],
        headings_style=bold,
        line_height=4,
    ) as grid:
        row = grid.row()
        for text in (_("Code"), _("Category"), _("Reports")):
            row.cell(text)
        for code in FORWARD:
            row = grid.row()
            row.cell(code)
            row.cell(str(taxonomy.CATEGORIES[code]))
            row.cell(by_category.display("*", code))


def render(
    page: Page,
    *,
    narrative: str,
    organisation: str,
    issued: tuple[datetime, str] | None,
) -> bytes:
    """The whole report; `issued` is (when, by whom) for an issued report, None for a draft."""
    status = (
        _("Issued on %(when)s by %(who)s")
        % {"when": issued[0].strftime("%Y-%m-%d"), "who": issued[1]}
        if issued
        else _("DRAFT — not issued; the figures change until the report is finalised")
    )
    pdf = ReportPDF(f"{organisation} — {page.period.label()} — {status}")
    pdf.set_title(_("Quarterly report") + f" {page.period.code}")
    pdf.set_creator("Lanterne")
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(
        0,
        8,
        _(
            "Quarterly report to the Kimberley Process Working Group on Artisanal and "
            "Alluvial Production"
        ),
        align="L",
    )
    pdf.ln(2)
    paragraph(pdf, organisation, 11)
    paragraph(
        pdf,
        _("Period: %(period)s (%(start)s to %(end)s, UTC)")
        % {
            "period": page.period.label(),
            "start": page.period.start.strftime("%Y-%m-%d"),
            "end": (page.period.end - timedelta(days=1)).strftime("%Y-%m-%d"),
        },
        10,
    )
    paragraph(pdf, _("Scope: %(scope)s") % {"scope": page.scope.words()}, 10)
    paragraph(pdf, status, 10)
    heading(pdf, _("The steering committee's account"))
    paragraph(pdf, narrative or _("(no narrative written yet)"), 10)
    highlights(pdf, page)
    for section in page.sections:
        if not section.in_report:
            continue
        heading(pdf, section.title)
        if section.intro:
            paragraph(pdf, section.intro, 8)
        for table in section.tables:
            draw_table(pdf, table)
    heading(pdf, _("How to read these figures"))
    paragraph(
        pdf,
        _(
            "“<%(k)d” is a count between 1 and %(k1)d. “x” is a count hidden so that no "
            "small count can be worked out from the totals. “—” is a share or a duration "
            "left out because too few cases stand behind it. Every figure counts reports "
            "and cases from clear metadata only; none can be traced to the person who sent "
            "a report. The CSV annex holds the same figures."
        )
        % {"k": page.k, "k1": page.k - 1},
        8,
    )
    heading(pdf, _("Categories"), 10)
    for code, words in taxonomy.CATEGORIES.items():
        paragraph(pdf, f"{code} — {words}", 7)
    return bytes(pdf.output())
