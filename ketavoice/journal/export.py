"""Moods, notes and screenings as one time-ordered list of flat rows, and those rows as CSV or JSON text.

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

from ketavoice.journal.base import MoodRecord, NoteRecord, QuestionRecord, ScreeningRecord, StepAnswerRecord

# `ketavoice notes --json/--csv`: the keys are a contract (DESIGN.md), keep them as they are; new keys
# only ever go at the end (the screening ones did: null on mood and note rows).
ENTRY_FIELDS = ("type", "id", "patient", "session", "created_at", "rating", "text", "audio_path",
                "machine_transcript", "instrument", "form", "score", "severity", "positive", "crisis",
                "answers", "step", "question")
# The TUI's history export files: no row id, but the status, since they include drafts.
HISTORY_FIELDS = (*(name for name in ENTRY_FIELDS if name != "id"), "status")
# A spreadsheet reads a cell starting with one of these as a formula (or strips it and then does).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class HistoryRow:
    """One mood rating, note or screening, flattened; fields that do not apply to its type are None.

    A screening's `answers` are `{"item", "answer", "value", "status"}` objects in the order asked; an
    item declined or unclear with no answer option has `answer` and `value` null.
    """

    type: Literal["mood", "note", "screening", "answer", "question"]
    id: int
    patient: str
    session: int
    created_at: float
    rating: int | None = None
    text: str | None = None
    audio_path: str | None = None
    machine_transcript: bool | None = None
    status: str = "saved"
    instrument: str | None = None
    form: str | None = None
    score: int | None = None
    severity: str | None = None
    positive: bool | None = None
    crisis: bool | None = None
    answers: tuple[dict[str, object], ...] | None = None
    step: str | None = None  # an answer row: the step asked, its question; `text` is the answer
    question: str | None = None

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
            "instrument": self.instrument,
            "form": self.form,
            "score": self.score,
            "severity": self.severity,
            "positive": self.positive,
            "crisis": self.crisis,
            "answers": list(self.answers) if self.answers is not None else None,
            "step": self.step,
            "question": self.question,
        }
        return {name: values[name] for name in fields}


def iso_time(timestamp: float) -> str:
    """ISO-8601 in UTC with seconds, e.g. 2026-11-24T05:00:00+00:00."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).isoformat(timespec="seconds")


def history_rows(
    moods: Sequence[MoodRecord],
    notes: Sequence[NoteRecord],
    screenings: Sequence[ScreeningRecord] = (),
    step_answers: Sequence[StepAnswerRecord] = (),
    questions: Sequence[QuestionRecord] = (),
) -> list[HistoryRow]:
    """Moods, notes and screenings merged in time order (ties: moods, notes, screenings, then by id)."""
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
    for screening in screenings:
        keyed.append((screening.created_at, 2, screening.id, screening_row(screening)))
    for answer in step_answers:
        row = HistoryRow(
            type="answer", id=answer.id, patient=answer.patient_id, session=answer.session_id,
            created_at=answer.created_at, text=answer.answer if answer.answer != "other" else answer.said,
            step=answer.step, question=answer.question,
        )
        keyed.append((answer.created_at, 3, answer.id, row))
    for question in questions:
        row = HistoryRow(
            type="question", id=question.id, patient=question.patient_id, session=question.session_id,
            created_at=question.created_at, text=question.text,
        )
        keyed.append((question.created_at, 4, question.id, row))
    keyed.sort(key=lambda item: item[:3])
    return [row for *_key, row in keyed]


def screening_row(record: ScreeningRecord) -> HistoryRow:
    """A saved screening as one flat row."""
    return HistoryRow(
        type="screening", id=record.id, patient=record.patient_id, session=record.session_id,
        created_at=record.created_at, instrument=record.instrument, form=record.form, score=record.score,
        severity=record.severity, positive=record.positive, crisis=record.crisis,
        answers=tuple(
            {"item": a.item, "answer": a.answer or None, "value": a.value if a.scored or a.answer else None,
             "status": a.status}
            for a in record.answers
        ),
    )


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
    if isinstance(value, list):  # a screening's answers: compact JSON in one cell
        value = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    text = str(value).lower() if isinstance(value, bool) else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
