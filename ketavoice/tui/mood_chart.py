"""The mood chart on a fixed 0-10 scale (Textual's Sparkline scales to the data's own min and max, so a
single 4 was drawn as tall as a 10): one column per rating, newest on the right, with a labelled axis."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import Static

SCALE_MAX = 10
EIGHTHS = " ▁▂▃▄▅▆▇█"


def mood_chart(ratings: Sequence[int], width: int = 60, height: int = 3) -> str:
    """Rows of block characters (top first) plus a baseline; the last `width` ratings, each clamped to
    0-10. A 10 fills every row, a 5 half of them, a 0 only shows on the baseline."""
    shown = [max(0, min(SCALE_MAX, rating)) for rating in ratings][-max(1, width):]
    band = SCALE_MAX / height
    rows: list[str] = []
    for row in range(height):
        low = (height - 1 - row) * band
        cells = []
        for rating in shown:
            fill = min(1.0, max(0.0, (rating - low) / band))
            cells.append(EIGHTHS[round(fill * 8)])
        label = f"{SCALE_MAX:>2}┤" if row == 0 else "  │"
        rows.append(label + "".join(cells))
    rows.append(" 0└" + "─" * len(shown))
    return "\n".join(rows)


class MoodChart(Static):
    """The chart as a widget; `ratings` is what it draws."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.ratings: list[int] = []

    def set_ratings(self, ratings: Sequence[int]) -> None:
        self.ratings = list(ratings)
        self.update(mood_chart(self.ratings) if self.ratings else "")
