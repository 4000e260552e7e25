"""Export one patient's mood history (ratings and notes) as CSV and JSON files, owner-only.

The rows are the same shape in both formats, so a care team can open either in a spreadsheet or a
script. Files go to a private folder (0700) and are written 0600.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from ketavoice.journal.base import MoodRecord, NoteRecord
from ketavoice.paths import private_dir, private_file_opener

ExportFormat = Literal["csv", "json"]
COLUMNS = ("type", "patient", "session", "created_at", "rating", "text", "audio_path",
           "machine_transcript", "status")


@dataclass(frozen=True)
class HistoryRow:
    """One mood rating or one note, flattened for export and display."""

    type: Literal["mood", "note"]
    patient: str
    session: int
    created_at: float
    rating: int | None = None
    text: str = ""
    audio_path: str | None = None
    machine_transcript: bool | None = None
    status: str = "saved"

    def as_dict(self) -> dict[str, object]:
        return {
            "type": self.type,
            "patient": self.patient,
            "session": self.session,
            "created_at": iso_time(self.created_at),
            "rating": self.rating,
            "text": self.text,
            "audio_path": self.audio_path,
            "machine_transcript": self.machine_transcript,
            "status": self.status,
        }


def iso_time(timestamp: float) -> str:
    """ISO-8601 in UTC with seconds, e.g. 2026-11-24T05:00:00+00:00."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")


def history_rows(moods: Sequence[MoodRecord], notes: Sequence[NoteRecord]) -> list[HistoryRow]:
    """Moods and notes merged in time order (ties: moods first, then by id, so output is stable)."""
    rows: list[tuple[float, int, int, HistoryRow]] = []
    for mood in moods:
        rows.append((mood.created_at, 0, mood.id, HistoryRow(
            type="mood", patient=mood.patient_id, session=mood.session_id, created_at=mood.created_at,
            rating=mood.rating)))
    for note in notes:
        rows.append((note.created_at, 1, note.id, HistoryRow(
            type="note", patient=note.patient_id, session=note.session_id, created_at=note.created_at,
            text=note.text, audio_path=note.audio_path, machine_transcript=note.machine_transcript,
            status=note.status)))
    rows.sort(key=lambda item: item[:3])
    return [row for *_key, row in rows]


def to_csv(rows: Sequence[HistoryRow]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        values = row.as_dict()
        values["rating"] = "" if row.rating is None else row.rating
        values["audio_path"] = row.audio_path or ""
        machine = row.machine_transcript
        values["machine_transcript"] = "" if machine is None else str(machine).lower()
        writer.writerow(values)
    return buffer.getvalue()


def to_json(rows: Sequence[HistoryRow]) -> str:
    return json.dumps([row.as_dict() for row in rows], indent=2, ensure_ascii=False) + "\n"


def safe_name(patient_id: str) -> str:
    """A file-name-safe form of a patient id (letters, digits, - and _ only)."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", patient_id).strip("_")
    return cleaned[:40] or "patient"


def export_history(
    rows: Sequence[HistoryRow], folder: Path, patient_id: str, fmt: ExportFormat, now: float
) -> Path:
    """Write the rows to `folder` as `history-<patient>-<UTC time>.<fmt>`, 0600; return the path."""
    private_dir(folder)
    stamp = datetime.fromtimestamp(now, tz=timezone.utc).strftime("%Y%m%d-%H%M%S")
    path = folder / f"history-{safe_name(patient_id)}-{stamp}.{fmt}"
    text = to_csv(rows) if fmt == "csv" else to_json(rows)
    with open(path, "w", encoding="utf-8", newline="", opener=private_file_opener) as handle:
        handle.write(text)
    path.chmod(0o600)
    return path
