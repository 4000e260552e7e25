"""Moods and notes as one time-ordered list of flat rows, and those rows as CSV or JSON text.

Pure (records in, rows and strings out), so `ketavoice notes --json/--csv` and the TUI's history export
share one merge order and one cell format. CSV cells are neutralised against spreadsheet formula
injection, because a patient's own words end up in them.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Literal

from ketavoice.journal.base import MoodRecord, NoteRecord

# `ketavoice notes --json/--csv`: the keys are a contract (DESIGN.md), keep them as they are.
ENTRY_FIELDS = ("type", "id", "patient", "session", "created_at", "rating", "text", "audio_path",
                "machine_transcript")
# The TUI's history export files: no row id, but the status, since they include drafts.
HISTORY_FIELDS = (*(name for name in ENTRY_FIELDS if name != "id"), "status")
# A spreadsheet reads a cell starting with one of these as a formula (or strips it and then does).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class HistoryRow:
    """One mood rating or one note, flattened; fields that do not apply to its type are None."""

    type: Literal["mood", "note"]
    id: int
    patient: str
    session: int
    created_at: float
    rating: int | None = None
    text: str | None = None
    audio_path: str | None = None
    machine_transcript: bool | None = None
    status: str = "saved"

    def as_dict(self, fields: Sequence[str] = ENTRY_FIELDS) -> dict[str, object]:
        """The row as plain JSON-ready values (created_at as ISO-8601 UTC), only the given fields."""
        values: dict[str, object] = {
            "type": self.type,
            "id": self.id,
            "patient": self.patient,
            "session": self.session,
            "created_at": iso_time(self.created_at),
            "rating": self.rating,
            "text": self.text,
            "audio_path": self.audio_path,
            "machine_transcript": self.machine_transcript,
            "status": self.status,
        }
        return {name: values[name] for name in fields}


def iso_time(timestamp: float) -> str:
    """ISO-8601 in UTC with seconds, e.g. 2026-11-24T05:00:00+00:00."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")


def history_rows(moods: Sequence[MoodRecord], notes: Sequence[NoteRecord]) -> list[HistoryRow]:
    """Moods and notes merged in time order (ties: moods first, then by id, so output is stable)."""
    keyed: list[tuple[float, int, int, HistoryRow]] = []
    for mood in moods:
        keyed.append((mood.created_at, 0, mood.id, HistoryRow(
            type="mood", id=mood.id, patient=mood.patient_id, session=mood.session_id,
            created_at=mood.created_at, rating=mood.rating)))
    for note in notes:
        keyed.append((note.created_at, 1, note.id, HistoryRow(
            type="note", id=note.id, patient=note.patient_id, session=note.session_id,
            created_at=note.created_at, text=note.text, audio_path=note.audio_path,
            machine_transcript=note.machine_transcript, status=note.status)))
    keyed.sort(key=lambda item: item[:3])
    return [row for *_key, row in keyed]


def to_json(rows: Sequence[HistoryRow], fields: Sequence[str] = ENTRY_FIELDS) -> str:
    """One JSON list of objects with exactly `fields` as keys, ending in a newline."""
    return json.dumps([row.as_dict(fields) for row in rows], indent=1, ensure_ascii=False) + "\n"


def to_csv(rows: Sequence[HistoryRow], fields: Sequence[str] = ENTRY_FIELDS) -> str:
    """CSV with a header row; None is empty, booleans are true/false, formula-like cells are quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # With a "\n" terminator the csv module leaves a lone "\r" unquoted, which readers take as a row
    # break; a row holding one is written fully quoted instead, so no words are split or lost.
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(fields)
    for row in rows:
        cells = [csv_cell(value) for value in row.as_dict(fields).values()]
        (quoted if any("\r" in cell for cell in cells) else writer).writerow(cells)
    return buffer.getvalue()


def csv_cell(value: object) -> str:
    """One CSV cell as text, prefixed with ' where a spreadsheet would otherwise run it as a formula."""
    if value is None:
        return ""
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
