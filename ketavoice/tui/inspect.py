"""Read back what the app shows: the visible screen as text, and every widget's text in the whole DOM.

Used by the kiosk privacy tests (nothing of the previous patient may remain anywhere) and by the
screen-text snapshots; kept in the package so tests use the same code as anyone auditing a kiosk.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from textual.app import App
from textual.widget import Widget
from textual.widgets import Button, DataTable, Input, Static


def screen_text(app: App[Any]) -> str:
    """The visible screen, one line per terminal row, trailing spaces removed."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


def _plain(value: object) -> str:
    plain = getattr(value, "plain", None)
    if isinstance(plain, str):
        return plain
    return str(value)


def widget_texts(widget: Widget) -> Iterator[str]:
    """Every piece of text a widget holds, shown or not (values, placeholders, labels, table cells)."""
    if isinstance(widget, Static):
        yield _plain(widget.content)
    if isinstance(widget, Input):
        yield widget.value
        yield widget.placeholder
    if isinstance(widget, Button):
        yield _plain(widget.label)
    if isinstance(widget, DataTable):
        for row_key in widget.rows:
            yield " ".join(_plain(cell) for cell in widget.get_row(row_key))
    yield _plain(widget.render())


def dom_text(app: App[Any]) -> str:
    """The text of every widget on every screen in the stack (and installed screens), plus the clipboard."""
    parts: list[str] = [app.clipboard]
    screens = list(app.screen_stack)
    for screen in screens:
        for node in screen.walk_children(with_self=True):
            if isinstance(node, Widget):
                parts.extend(widget_texts(node))
    return "\n".join(part for part in parts if part)
