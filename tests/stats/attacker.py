"""The attacker: reads what a page publishes and solves for every hidden number.

It knows only what a reader knows — each table's cells as displayed, which rows and columns
are totals, the display rules ("<k" is 1 to k−1, "x" is at least k, a number is exact,
an empty cell was not published) and the documented link between reports and category
mentions by place — and runs an integer program (HiGHS) for the smallest and largest value
each hidden cell can take. A cell is recovered when both are equal.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

import highspy
import numpy as np

from stats.suppression import TOTAL

INF = highspy.kHighsInf


@dataclass
class Table:
    rows: list[str]
    cols: list[str]
    row_totals: bool
    col_totals: bool
    shown: dict[tuple[str, str], str]  # every published cell, as displayed


@dataclass
class Published:
    k: int
    tables: dict[str, Table]
    links: list[tuple[str, str]] = field(default_factory=list)  # (reports, mentions)


def from_grids(grids, links, k: int) -> Published:
    tables = {
        g.key: Table(
            g.rows,
            g.cols,
            g.row_totals,
            g.col_totals,
            {key: cell.display(k) for key, cell in g.cells.items()},
        )
        for g in grids
    }
    return Published(k, tables, [(link.reports.key, link.mentions.key) for link in links])


def from_csv(text: str, k: int, links=()) -> Published:
    """Rebuild the count tables from a page's CSV; `links` names (reports, mentions) tables."""
    tables: dict[str, Table] = {}
    for line in csv.DictReader(io.StringIO(text)):
        if line["kind"] != "count":
            continue  # shares and durations are derived from shown counts
        table = tables.setdefault(line["table"], Table([], [], False, False, {}))
        row, col = line["row"], line["column"]
        if row == TOTAL:
            table.col_totals = True
        elif row not in table.rows:
            table.rows.append(row)
        if col == TOTAL:
            table.row_totals = True
        elif col not in table.cols:
            table.cols.append(col)
        table.shown[(row, col)] = line["value"]
    present = [(a, b) for a, b in links if a in tables and b in tables and tables[a].rows]
    return Published(k, tables, present)


def solve(published: Published) -> dict[tuple[str, tuple[str, str]], tuple[float, float]]:
    """For every hidden cell, the least and greatest value consistent with the page."""
    k = published.k
    index: dict[tuple[str, tuple[str, str]], int] = {}
    lower, upper = [], []
    for name, table in published.tables.items():
        for key, text in table.shown.items():
            if text == f"<{k}":
                bounds = (1, k - 1)
            elif text == "x":
                bounds = (k, INF)
            else:
                continue
            index[(name, key)] = len(lower)
            lower.append(bounds[0])
            upper.append(bounds[1])
    if not index:
        return {}
    rows: list[tuple[dict[int, float], float, float]] = []

    def term(name, key):
        """(variable index or None, constant) for one published cell."""
        text = published.tables[name].shown.get(key)
        if (name, key) in index:
            return index[(name, key)], 0.0
        if text in (None, ""):
            return "unknown", 0.0
        return None, float(text)

    def add(terms: list[tuple[str, tuple[str, str], float]], lo: float, hi: float) -> None:
        """Σ coefficient·cell within [lo, hi]; skipped when an unpublished cell is in it."""
        coeffs: dict[int, float] = {}
        constant = 0.0
        for name, key, coefficient in terms:
            var, value = term(name, key)
            if var == "unknown":
                return
            if var is None:
                constant += coefficient * value
            else:
                coeffs[var] = coeffs.get(var, 0.0) + coefficient
        if coeffs:
            rows.append((coeffs, lo - constant, hi - constant))

    for name, table in published.tables.items():
        if not (table.rows and table.cols):
            continue  # a table shown as its total alone states no sum
        if table.row_totals:
            for r in table.rows:
                add([(name, (r, c), 1) for c in table.cols] + [(name, (r, TOTAL), -1)], 0, 0)
        if table.col_totals:
            for c in table.cols:
                add([(name, (r, c), 1) for r in table.rows] + [(name, (TOTAL, c), -1)], 0, 0)
        if table.row_totals and table.col_totals:
            add([(name, (r, TOTAL), 1) for r in table.rows] + [(name, (TOTAL, TOTAL), -1)], 0, 0)
    for reports, mentions in published.links:
        rep, men = published.tables[reports], published.tables[mentions]
        rep_col = TOTAL if rep.row_totals else rep.cols[0]
        for place in rep.rows:
            r = (reports, (place, rep_col), 1)
            for c in men.cols:  # each category at most once per report
                add([(mentions, (place, c), 1), (reports, (place, rep_col), -1)], -INF, 0)
            # every report carries at least one category
            add([(mentions, (place, c), 1) for c in men.cols] + [(r[0], r[1], -1)], 0, INF)

    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    n = len(lower)
    highs.addVars(n, np.array(lower, dtype=float), np.array(upper, dtype=float))
    highs.changeColsIntegrality(
        n, np.arange(n, dtype=np.int32), np.array([highspy.HighsVarType.kInteger] * n)
    )
    for coeffs, lo, hi in rows:
        cols = np.array(list(coeffs), dtype=np.int32)
        highs.addRow(lo, hi, len(cols), cols, np.array(list(coeffs.values()), dtype=float))
    ranges = {}
    for cell, var in index.items():
        found = []
        for sense in (highspy.ObjSense.kMinimize, highspy.ObjSense.kMaximize):
            highs.changeColsCost(n, np.arange(n, dtype=np.int32), np.zeros(n))
            highs.changeColCost(var, 1.0)
            highs.changeObjectiveSense(sense)
            highs.run()
            status = highs.getModelStatus()
            if status == highspy.HighsModelStatus.kOptimal:
                found.append(highs.getInfo().objective_function_value)
            elif status in (
                highspy.HighsModelStatus.kUnbounded,
                highspy.HighsModelStatus.kUnboundedOrInfeasible,
            ):
                found.append(INF if sense == highspy.ObjSense.kMaximize else -INF)
            else:
                raise AssertionError(f"the published page is inconsistent: {status}")
        ranges[cell] = (found[0], found[1])
    return ranges


def recovered(published: Published) -> list[tuple[str, tuple[str, str], float]]:
    """The hidden cells whose value the page pins down: (table, cell, value)."""
    return [
        (name, key, lo)
        for (name, key), (lo, hi) in solve(published).items()
        if round(lo) == round(hi)
    ]
