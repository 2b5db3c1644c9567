"""Bar charts as SVG made on the server: a few rectangles and words, no script, no styles
inline (the staff site's CSP allows neither). Each chart mirrors one line or column of the
table beside it, and draws only the values that table shows: a "<k" or "x" is written,
never drawn. A chart library would bring JavaScript or inline styles for so little.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, LABEL, BAR, ROW = 640, 250, 330, 22
LONGEST_LABEL = 34


@dataclass(frozen=True)
class Bar:
    y: int
    label: str
    width: float  # 0 when nothing is drawn
    shown: str
    text_x: float


@dataclass(frozen=True)
class Chart:
    title: str
    bars: list[Bar]
    height: int
    width: int = WIDTH
    label_x: int = LABEL - 8
    bar_x: int = LABEL


def short(label: str) -> str:
    return label if len(label) <= LONGEST_LABEL else label[: LONGEST_LABEL - 1] + "…"


def bars(title: str, series: list[tuple[str, float | None, str]]) -> Chart | None:
    """A horizontal bar per item: (label, value to draw or None, value as the table shows it)."""
    if not series:
        return None
    top = max((v for _l, v, _s in series if v), default=0) or 1
    drawn = []
    for i, (label, value, shown) in enumerate(series):
        width = BAR * value / top if value else 0
        drawn.append(Bar(i * ROW + 4, short(label), width, shown, LABEL + width + 6))
    return Chart(title, drawn, len(series) * ROW + 8)
