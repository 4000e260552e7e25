"""Toasts that never render outside text as markup or control sequences.

Every `notify` of a ketavoice app goes through `terminal.safe_text` and is shown with `markup=False`:
a patient id like `[/]` or `[@click=app.quit]`, or an escape sequence in a patient's words, is shown as
the characters it is (escapes removed) instead of crashing the app, acting, or retitling the terminal.
"""

from __future__ import annotations

from typing import TypeVar

from textual.app import App
from textual.notifications import SeverityLevel

from ketavoice.terminal import safe_text

ReturnType = TypeVar("ReturnType")


class PlainNotifyApp(App[ReturnType]):
    """An App whose notifications are plain, sanitised text whatever the caller passes."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Like `App.notify`; `markup` is accepted for compatibility and ignored (never markup)."""
        super().notify(safe_text(str(message), multiline=True), title=safe_text(str(title)),
                       severity=severity, timeout=timeout, markup=False)
