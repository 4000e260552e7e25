"""History for one patient: ratings as a sparkline, screening trends per form, notes, CSV/JSON export."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Static

from ketavoice.errors import KetavoiceError
from ketavoice.journal.base import Journal, ScreeningRecord
from ketavoice.journal.export import HistoryRow, history_rows
from ketavoice.tui.export import ExportFormat, export_history
from ketavoice.tui.mood_chart import MoodChart


def rating_summary(ratings: list[int]) -> str:
    """The chart in words, so nothing depends on reading a colour or a bar height."""
    if not ratings:
        return "No mood ratings yet."
    count = f"{len(ratings)} rating" + ("" if len(ratings) == 1 else "s")
    return (f"Mood (0-10), {count}: latest {ratings[-1]}, "
            f"lowest {min(ratings)}, highest {max(ratings)}.")


def screening_trends(records: list[ScreeningRecord]) -> list[str]:
    """One line per form asked (PHQ-2 and PHQ-9 are different scales), oldest to newest, in words."""
    by_form: dict[str, list[ScreeningRecord]] = {}
    for record in records:
        by_form.setdefault(record.form, []).append(record)
    lines: list[str] = []
    for form, taken in by_form.items():
        latest = taken[-1]
        count = f"{len(taken)} screen{'s' if len(taken) != 1 else ''}"
        if latest.instrument == "asq":
            trend = ", ".join(record.severity for record in taken)
            line = f"{form}, {count}: {trend}; latest {latest.severity}"
        else:
            trend = ", ".join(str(record.score) for record in taken)
            line = f"{form}, {count}: {trend}; latest {latest.score} ({latest.severity})"
            if len(taken) > 1:
                before = taken[-2].score
                line += (" same as before" if latest.score == before
                         else f", {'up' if latest.score > before else 'down'} from {before}")
        if latest.crisis:
            line += " [crisis flag]"
        lines.append(line + ".")
    return lines


def _when(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M")


class HistoryScreen(Screen[None]):
    """Ratings chart, notes table (date, transcript, audio file) and export buttons."""

    BINDINGS = [
        Binding("escape", "close", "Back", show=True),
        Binding("c", "export('csv')", "CSV", show=True),
        Binding("j", "export('json')", "JSON", show=True),
    ]

    def __init__(
        self,
        journal: Journal,
        patient_id: str,
        export_folder: Path,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__()
        self.journal = journal
        self.patient_id = patient_id
        self.export_folder = export_folder
        self.clock = clock
        self.rows: list[HistoryRow] = []
        self.exported: dict[str, Path] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static("Mood history", classes="panel-title", id="history-title")
            # The patient id only ever in small type (kiosk rule), never in a title.
            yield Static(f"patient {self.patient_id}", classes="small", id="history-patient", markup=False)
            yield Static("", id="rating-summary")
            yield MoodChart(id="sparkline")
            yield Static("", id="screening-trends", markup=False)
            yield DataTable(id="history-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="history-status")
            with Horizontal(classes="row"):
                yield Button("Export CSV (c)", id="export-csv", compact=True)
                yield Button("Export JSON (j)", id="export-json", compact=True)
                yield Button("Back (Esc)", id="history-back", compact=True)
        yield Footer(compact=True, show_command_palette=False)  # every binding fits in 80 columns

    def on_mount(self) -> None:
        self.reload()
        self.query_one(DataTable).focus()

    def reload(self) -> None:
        status = self.query_one("#history-status", Static)
        try:
            moods = self.journal.moods(self.patient_id)
            notes = self.journal.notes(self.patient_id, include_drafts=True)
            screenings = self.journal.screenings(self.patient_id)
        except KetavoiceError as error:
            status.update(f"✗ Could not read the journal: {error}")
            return
        self.rows = history_rows(moods, notes, screenings)
        trends = screening_trends(screenings)
        self.query_one("#screening-trends", Static).update("\n".join(trends) or "No screenings yet.")
        ratings = [row.rating for row in self.rows if row.rating is not None]
        self.query_one("#rating-summary", Static).update(rating_summary(ratings))
        self.query_one(MoodChart).set_ratings(ratings)
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("Date", "Kind", "Rating / note", "Audio")
        for row in self.rows:
            if row.type == "mood":
                table.add_row(_when(row.created_at), "mood", f"{row.rating} / 10", "")
            elif row.type == "screening":
                table.add_row(_when(row.created_at), str(row.form), f"{row.score}: {row.severity}", "")
            else:
                kind = "note" if row.status == "saved" else "draft"
                audio = Path(row.audio_path).name if row.audio_path else ""
                table.add_row(_when(row.created_at), kind, row.text, audio)
        note_count = len(self.rows) - len(ratings) - len(screenings)
        status.update(f"{len(ratings)} rating{'' if len(ratings) == 1 else 's'}, "
                      f"{note_count} note{'' if note_count == 1 else 's'}"
                      + (f", {len(screenings)} screenings." if screenings else "."))

    def action_export(self, fmt: ExportFormat) -> None:
        status = self.query_one("#history-status", Static)
        try:
            path = export_history(self.rows, self.export_folder, self.patient_id, fmt, self.clock())
        except OSError as error:
            status.update(f"✗ Export failed: {error.strerror or type(error).__name__}")
            return
        self.exported[fmt] = path
        status.update(f"✓ Exported {fmt.upper()}: {path}")

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#export-csv")
    def _csv(self) -> None:
        self.action_export("csv")

    @on(Button.Pressed, "#export-json")
    def _json(self) -> None:
        self.action_export("json")

    @on(Button.Pressed, "#history-back")
    def _back(self) -> None:
        self.action_close()
