"""Small-cell suppression with complementary suppression, for every count table on a page.

The rule (docs/statistics.md): a count from 1 to k−1 is shown as "<k" (primary suppression);
other cells are hidden ("x") so that no such count can be worked out from what is shown —
not from a row, column or grand total, nor from another table published with it.

How it is guaranteed. The reader knows every sum a table states, the display rules (a "<k"
cell holds 1 to k−1, an "x" cell at least k, a shown cell exactly its number) and the links
between tables (`Realizable`). For every "<k" cell we find a *certificate*: a change of
±1 to a few non-shown cells that keeps every stated sum, every display rule and every link
true. Both the real figures and the changed ones then fit everything published, so the
reader cannot tell which holds: the cell's value is not determined. The changes are the
classic hypercube moves of statistical agencies' suppression (rectangles of four cells, or
pairs where a table states fewer sums); the cells a certificate needs are hidden if they
were shown. Each family's base total (the number of cases it counts) is never moved: a
base below k hides the whole family instead (the page builder collapses it).

Cells hidden for a certificate need no certificate of their own: the one that hid them
changes them too. A certificate stays valid when later ones hide more, so one pass works.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

TOTAL = "*"
SHOWN, SMALL, HIDDEN, OMITTED = "shown", "small", "hidden", "omitted"

Key = tuple[str, str]


@dataclass(eq=False)
class Cell:
    """One published count and how it is shown; compared by identity, not value."""

    value: int
    state: str = SHOWN

    def display(self, k: int) -> str:
        return {SMALL: f"<{k}", HIDDEN: "x", OMITTED: ""}.get(self.state, str(self.value))

    @property
    def shown(self) -> bool:
        return self.state == SHOWN


@dataclass(eq=False)
class Grid:
    """A count table: rows × columns, with the totals it states.

    With both row and column totals a grid states every row sum, column sum and the grand
    total; with one kind only, just those sums. `fixed` are the totals a certificate must not
    move (each family's base: the number of cases the table counts).
    """

    key: str
    rows: list[str]
    cols: list[str]
    cells: dict[Key, Cell]
    row_totals: bool
    col_totals: bool
    fixed: set[Key] = field(default_factory=set)

    @classmethod
    def of(
        cls,
        key: str,
        rows: Iterable[str],
        cols: Iterable[str],
        values: dict[Key, int],
        *,
        row_totals: bool = True,
        col_totals: bool = True,
        fixed: Iterable[Key] = (),
    ) -> Grid:
        rows, cols = list(rows), list(cols)
        cells = {(r, c): Cell(int(values.get((r, c), 0))) for r in rows for c in cols}
        if row_totals:
            for r in rows:
                cells[(r, TOTAL)] = Cell(sum(cells[(r, c)].value for c in cols))
        if col_totals:
            for c in cols:
                cells[(TOTAL, c)] = Cell(sum(cells[(r, c)].value for r in rows))
        if row_totals and col_totals:
            cells[(TOTAL, TOTAL)] = Cell(sum(cells[(r, TOTAL)].value for r in rows))
        return cls(key, rows, cols, cells, row_totals, col_totals, set(fixed))

    def cell(self, row: str, col: str) -> Cell:
        return self.cells[(row, col)]

    def sums(self) -> Iterator[tuple[Key, list[Key]]]:
        """Every sum the grid states: (total's key, keys of the cells it adds up)."""
        if self.row_totals:
            for r in self.rows:
                yield (r, TOTAL), [(r, c) for c in self.cols]
        if self.col_totals:
            for c in self.cols:
                yield (TOTAL, c), [(r, c) for r in self.rows]
        if self.row_totals and self.col_totals:
            yield (TOTAL, TOTAL), [(r, TOTAL) for r in self.rows]

    def moves(self, at: Key) -> Iterator[dict[Key, int]]:
        """Every ±1 change through `at` that keeps all the grid's stated sums.

        In the table extended by its totals, with the total row and column counted negative,
        every line sums to zero, so the changes are rectangles (+1 −1 / −1 +1), or pairs along
        the one direction whose sums are stated, or the cell alone when none is.
        """
        row, col = at
        rows = self.rows + ([TOTAL] if self.col_totals else [])
        cols = self.cols + ([TOTAL] if self.row_totals else [])

        def sign(r: str, c: str) -> int:
            return (-1 if r == TOTAL else 1) * (-1 if c == TOTAL else 1)

        def usable(keys: list[Key]) -> bool:
            # A zero is published as zero, and an omitted cell not at all: neither can move.
            return all(
                k in self.cells
                and k not in self.fixed
                and self.cells[k].value > 0
                and self.cells[k].state != OMITTED
                for k in keys
            )

        if self.row_totals and self.col_totals:
            for other_row in rows:
                for other_col in cols:
                    if other_row == row or other_col == col:
                        continue
                    corners = [at, (row, other_col), (other_row, col), (other_row, other_col)]
                    if usable(corners):
                        signs = [1, -1, -1, 1]
                        yield {k: s * sign(*k) for k, s in zip(corners, signs, strict=True)}
        elif self.col_totals:
            for other_row in rows:
                pair = [at, (other_row, col)]
                if other_row != row and usable(pair):
                    yield {at: sign(*at), (other_row, col): -sign(other_row, col)}
        elif self.row_totals:
            for other_col in cols:
                pair = [at, (row, other_col)]
                if other_col != col and usable(pair):
                    yield {at: sign(*at), (row, other_col): -sign(row, other_col)}
        elif usable([at]):
            yield {at: 1}

    def cycles(self, at: Key, fits, longest: int = 8) -> Iterator[dict[Key, int]]:
        """Longer changes through `at` for a grid with both totals: even cycles in the table
        extended by its totals, the cells of a cycle taking +1 and −1 in turn (in the signed
        table). A rectangle is the 4-cycle; a report alone in its row and column needs a
        6-cycle through the totals. `fits(key, delta)` prunes cells that cannot take a change.
        """
        if not (self.row_totals and self.col_totals):
            return
        by_row: dict[str, list[str]] = {}
        by_col: dict[str, list[str]] = {}
        for (r, c), cell in self.cells.items():
            if (r, c) != at and (r, c) not in self.fixed and cell.value > 0:
                by_row.setdefault(r, []).append(c)
                by_col.setdefault(c, []).append(r)

        def sign(r: str, c: str) -> int:
            return (-1 if r == TOTAL else 1) * (-1 if c == TOTAL else 1)

        start_row, start_col = at
        if not fits(at, sign(*at)):
            return
        path: list[tuple[Key, int]] = [(at, sign(*at))]
        rows_used, cols_used = {start_row}, {start_col}

        def walk(col: str, y: int) -> Iterator[dict[Key, int]]:
            # From a column, step to another row with the opposite sign, then along that
            # row to another column, closing the cycle when the row is the start row.
            for row in by_col.get(col, ()):
                key = (row, col)
                if row in rows_used or not fits(key, -y * sign(*key)):
                    continue
                path.append((key, -y * sign(*key)))
                rows_used.add(row)
                for other in by_row.get(row, ()):
                    closing = (start_row, other)
                    key2 = (row, other)
                    if other in cols_used or not fits(key2, y * sign(*key2)):
                        continue
                    path.append((key2, y * sign(*key2)))
                    if closing in self.cells and closing != at and closing not in self.fixed:
                        if self.cells[closing].value > 0 and fits(closing, -y * sign(*closing)):
                            if len(path) + 1 > 4:  # rectangles come from moves()
                                yield dict(path) | {closing: -y * sign(*closing)}
                    if len(path) + 3 <= longest:
                        cols_used.add(other)
                        yield from walk(other, y)
                        cols_used.discard(other)
                    path.pop()
                rows_used.discard(row)
                path.pop()

        yield from walk(start_col, 1)


Change = dict[Cell, int]


def in_grid(grid: Grid, move: dict[Key, int], direction: int) -> Change:
    return {grid.cells[k]: direction * d for k, d in move.items()}


@dataclass(eq=False)
class Realizable:
    """Reports by place (rows) and category mentions by place must fit together.

    Every report carries at least one category and no category more often than there are
    reports, so for each place: max over categories ≤ reports ≤ sum over categories. A
    change that breaks this is repaired by the matching move in the other table (a report
    moving from one place to another takes a category with it).
    """

    reports: Grid
    mentions: Grid

    def __post_init__(self) -> None:
        self.report_place = {self.report_cell(p): p for p in self.reports.rows}
        self.mention_place = {
            self.mentions.cells[(p, c)]: p for p in self.mentions.rows for c in self.mentions.cols
        }

    def report_cell(self, place: str) -> Cell:
        grid = self.reports
        return grid.cells[(place, TOTAL)] if grid.row_totals else grid.cells[(place, grid.cols[0])]

    def places_of(self, change: Change) -> dict[str, int]:
        """The places whose reports the change moves, and by how much."""
        return {self.report_place[c]: d for c, d in change.items() if c in self.report_place}

    def mention_places(self, change: Change) -> dict[str, int]:
        """The places whose category mentions the change moves, and the net change."""
        moved: dict[str, int] = {}
        for cell, delta in change.items():
            place = self.mention_place.get(cell)
            if place is not None:
                moved[place] = moved.get(place, 0) + delta
        return moved

    def counts(self, place: str, change: Change) -> tuple[int, list[int]]:
        reports = self.report_cell(place)
        mentions = [self.mentions.cells[(place, c)] for c in self.mentions.cols]
        return reports.value + change.get(reports, 0), [
            m.value + change.get(m, 0) for m in mentions
        ]

    def broken(self, change: Change) -> list[str]:
        """The places where the changed figures no longer fit."""
        places = set(self.places_of(change)) | set(self.mention_places(change))
        found = []
        for place in sorted(places):
            r, counts = self.counts(place, change)
            if max(counts, default=0) > r or r > sum(counts):
                found.append(place)
        return found

    def holds(self, change: Change) -> bool:
        return not self.broken(change)

    def place_moves(self, gain: str, lose: str) -> Iterator[Change]:
        """One report moving from `lose` to `gain` (in any month) in the reports table."""
        grid = self.reports
        for col in grid.cols:
            keys = [(gain, col), (lose, col)]
            if grid.row_totals:
                keys += [(gain, TOTAL), (lose, TOTAL)]
            if not all(k in grid.cells and k not in grid.fixed for k in keys):
                continue
            change = {grid.cells[(gain, col)]: 1, grid.cells[(lose, col)]: -1}
            if grid.row_totals:
                change[grid.cells[(gain, TOTAL)]] = 1
                change[grid.cells[(lose, TOTAL)]] = -1
            yield change

    def repairs(self, change: Change) -> Iterator[Change]:
        """Changes that mend the first broken place: a report moving in or out (the reports
        table), or a category mention moving between places or into the category's total."""
        broken = self.broken(change)
        if not broken:
            return
        place = broken[0]
        r, counts = self.counts(place, change)
        others = [p for p in self.reports.rows if p != place]
        if max(counts) > r:  # a category counted more often than there are reports
            for other in others:
                yield from self.place_moves(place, other)
            for c, n in zip(self.mentions.cols, counts, strict=True):
                if n > r:
                    for move in self.mentions.moves((place, c)):
                        yield in_grid(self.mentions, move, -1)
        if r > sum(counts):  # a report without any category
            for other in others:
                yield from self.place_moves(other, place)
            for c in self.mentions.cols:
                for move in self.mentions.moves((place, c)):
                    yield in_grid(self.mentions, move, 1)


@dataclass
class Protection:
    """Mark a page's cells: "<k" for small counts, hidden cells so none can be worked out."""

    k: int
    grids: list[Grid]
    links: list[Realizable] = field(default_factory=list)
    # The change that protects each small cell (kept for the tests and for explanation).
    certificates: dict[Cell, Change] = field(default_factory=dict)

    def run(self) -> None:
        if self.k < 3:
            raise ValueError("k must be at least 3: a '<k' cell needs room to move")
        for grid in self.grids:
            for cell in grid.cells.values():
                if cell.state == SHOWN and 0 < cell.value < self.k:
                    cell.state = SMALL
        covered: set[Cell] = set()
        for grid in self.grids:
            for key, cell in grid.cells.items():
                # A base below k is never broken down: the page shows it alone (collapse).
                if cell.state == SMALL and cell not in covered and key not in grid.fixed:
                    change = self.best_change(grid, key)
                    if change is None:
                        raise Unprotectable(grid, key)
                    for touched in change:
                        if touched.state == SHOWN:
                            touched.state = HIDDEN
                    covered |= set(change)
                    self.certificates[cell] = change

    def valid(self, change: Change) -> bool:
        for cell, delta in change.items():
            after = cell.value + delta
            if cell.value == 0 or cell.state == OMITTED:
                return False
            if cell.state == SMALL and not 1 <= after < self.k:
                return False
            if cell.state in (SHOWN, HIDDEN) and after < self.k:
                return False
        return True

    def linked(self, change: Change, depth: int = 3) -> Iterator[Change]:
        """The change itself if every link holds, else the change with repairs added."""
        broken = [link for link in self.links if not link.holds(change)]
        if not broken:
            yield change
            return
        if depth == 0:
            return
        for repair in broken[0].repairs(change):
            combined = dict(change)
            for cell, delta in repair.items():
                combined[cell] = combined.get(cell, 0) + delta
            combined = {cell: d for cell, d in combined.items() if d}
            if combined and self.valid(combined):
                yield from self.linked(combined, depth - 1)

    def best_change(self, grid: Grid, key: Key) -> Change | None:
        """The valid change through the cell that hides the fewest (then smallest) cells."""
        target = grid.cells[key]
        best = self.cheapest(grid, target, ((m, d) for m in grid.moves(key) for d in (1, -1)))
        if best is None:  # no rectangle will do: look for longer cycles through the totals
            for direction in (1, -1):

                def fits(k: Key, delta: int, direction=direction) -> bool:
                    return self.valid({grid.cells[k]: delta * direction})

                found = self.cheapest(
                    grid, target, ((c, direction) for c in grid.cycles(key, fits)), limit=200
                )
                if found is not None and (best is None or self.cost(found) < self.cost(best)):
                    best = found
        return best

    @staticmethod
    def cost(change: Change) -> tuple[int, int]:
        newly = [c.value for c in change if c.state == SHOWN]
        return len(newly), sum(newly)

    def cheapest(self, grid: Grid, target: Cell, moves, limit: int | None = None):
        best, best_cost = None, None
        for order, (move, direction) in enumerate(moves):
            if limit is not None and order >= limit:
                break
            for change in self.linked(in_grid(grid, move, direction)):
                if not change.get(target) or not self.valid(change):
                    continue
                cost = (*self.cost(change), order, -direction)
                if best_cost is None or cost < best_cost:
                    best, best_cost = change, cost
                    if cost[:2] == (0, 0):  # hides nothing more: none can do better
                        return best
        return best


class Unprotectable(Exception):
    """No certificate exists for a small cell: the page builder hides the whole family."""

    def __init__(self, grid: Grid, key: Key):
        super().__init__(f"{grid.key}: no certificate for {key}")
        self.grid, self.key = grid, key
