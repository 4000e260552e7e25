"""Shows the escort summary and saves it as a printable text file and an HTML page."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ketavoice.content.model import Content
from ketavoice.errors import KetavoiceError
from ketavoice.journal.base import AlertRecord, Journal
from ketavoice.tui.escort import build_summary, render_text, save_summary


class EscortScreen(Screen[None]):
    """The one-page summary for the person driving the patient home."""

    BINDINGS = [Binding("escape", "close", "Back", show=True)]

    def __init__(
        self,
        content: Content,
        journal: Journal,
        patient_id: str,
        folder: Path,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.content = content
        self.journal = journal
        self.patient_id = patient_id
        self.folder = folder
        self.clock = clock
        self.saved_paths: list[Path] = []
        self.summary_text = ""

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static("Escort summary", classes="panel-title")
            with VerticalScroll(id="escort-text"):
                yield Static("", id="escort-body")
            yield Static("", id="escort-status")
        yield Footer(compact=True, show_command_palette=False)  # every binding fits in 80 columns

    def on_mount(self) -> None:
        status = self.query_one("#escort-status", Static)
        now = self.clock()
        try:
            summary = build_summary(
                self.content, self.journal.moods(self.patient_id), self.journal.notes(self.patient_id), now,
                alerts=self._alerts(),
            )
        except KetavoiceError as error:
            status.update(f"✗ Could not read the journal: {error}")
            return
        self.summary_text = render_text(summary)
        self.query_one("#escort-body", Static).update(self.summary_text)
        stamp = datetime.fromtimestamp(now).strftime("%Y%m%d-%H%M%S")
        try:
            self.saved_paths = [save_summary(summary, self.folder, fmt, stamp) for fmt in ("txt", "html")]
        except OSError as error:
            status.update(f"✗ Could not save the summary: {error.strerror or type(error).__name__}")
            return
        status.update("✓ Saved for printing: " + ", ".join(path.name for path in self.saved_paths)
                      + f" in {self.folder}")

    def _alerts(self) -> list[AlertRecord]:
        """Every alert of this patient, acknowledged or not (the SQLite journal keeps them all)."""
        with_rooms = getattr(self.journal, "alerts_with_rooms", None)
        if with_rooms is None:
            return self.journal.open_alerts(self.patient_id)
        return [alert for alert, _room in with_rooms() if alert.patient_id == self.patient_id]

    def action_close(self) -> None:
        self.dismiss(None)
