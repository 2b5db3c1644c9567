"""CSV downloads of a page's tables, exactly as the page shows them (same suppression).

One line per published value: section, table, row and column codes and words, the kind of
value ("count", or a share or duration derived from shown counts), and the value as shown:
a number, "<k", "x" (hidden so that no small count can be worked out), or "—". Cells a
collapsed table does not publish are not in the file at all.
"""

from __future__ import annotations

import csv
import io

from .page import Page, Table
from .suppression import OMITTED

COLUMNS = ("section", "table", "row", "column", "row_label", "column_label", "kind", "value")


def lines(page: Page, only: str = "") -> list[tuple[str, ...]]:
    found = []
    for section in page.sections:
        for table in section.tables:
            if only and table.key != only:
                continue
            found += table_lines(section.key, table)
    return found


def table_lines(section: str, table: Table) -> list[tuple[str, ...]]:
    found = []
    for row in table.rows:
        for col in table.cols:
            if table.state(row, col) == OMITTED:
                continue
            found.append(
                (
                    section,
                    table.key,
                    row,
                    col,
                    table.label(row, True),
                    table.label(col, False),
                    "count",
                    table.display(row, col),
                )
            )
        if table.collapsed:
            continue
        for extra in table.extras:
            if row in table.grid.rows:
                found.append(
                    (
                        section,
                        table.key,
                        row,
                        extra.key,
                        table.label(row, True),
                        str(extra.label),
                        extra.kind,
                        extra.display(row),
                    )
                )
    return found


def page_csv(page: Page, only: str = "") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(lines(page, only))
    return out.getvalue()
