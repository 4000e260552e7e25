"""The shared moods+notes export: merge order, JSON keys, and CSV cells safe from formula injection."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from ketavoice.journal.base import MoodRecord, NoteRecord
from ketavoice.journal.export import (
    ENTRY_FIELDS,
    HISTORY_FIELDS,
    csv_cell,
    history_rows,
    to_csv,
    to_json,
)
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.tui.export import export_history

T = 1_700_000_000.0
DANGEROUS = ("=HYPERLINK(\"http://x\",\"y\")", "+1+2", "-3", "@SUM(A1)", "\tlead tab", "\rlead cr")


def note(note_id: int, text: str, at: float, patient: str = "ana") -> NoteRecord:
    return NoteRecord(note_id, patient, 1, text, None, True, "saved", at)


def test_merge_is_time_ordered_moods_first_on_ties() -> None:
    moods = [MoodRecord(2, "ana", 1, 5, T + 10), MoodRecord(1, "ana", 1, 3, T + 10)]
    notes = [note(9, "first", T), note(8, "same time as the moods", T + 10)]
    rows = history_rows(moods, notes)
    assert [(r.type, r.id) for r in rows] == [("note", 9), ("mood", 1), ("mood", 2), ("note", 8)]
    assert rows[1].text is None and rows[1].machine_transcript is None


def test_json_has_exactly_the_requested_keys() -> None:
    rows = history_rows([MoodRecord(1, "ana", 1, 7, T)], [note(1, "ok", T + 1)])
    entries = json.loads(to_json(rows))
    assert [tuple(e) for e in entries] == [ENTRY_FIELDS, ENTRY_FIELDS]
    assert entries[0]["created_at"] == "2023-11-14T22:13:20+00:00"
    assert [tuple(e) for e in json.loads(to_json(rows, HISTORY_FIELDS))] == [HISTORY_FIELDS] * 2


@pytest.mark.parametrize("text", DANGEROUS)
def test_formula_like_csv_cells_are_neutralised(text: str) -> None:
    rows = history_rows([], [note(1, text, T, patient="=cmd|' /C calc'!A0")])
    record = next(csv.DictReader(io.StringIO(to_csv(rows), newline="")))
    assert record["text"] == "'" + text
    assert record["patient"] == "'=cmd|' /C calc'!A0"
    assert json.loads(to_json(rows))[0]["text"] == text  # JSON keeps the words exactly


def test_ordinary_cells_are_untouched() -> None:
    assert csv_cell("felt calmer, 3 = fine") == "felt calmer, 3 = fine"
    assert csv_cell(None) == "" and csv_cell(True) == "true" and csv_cell(0) == "0"
    assert csv_cell(" =leading space") == " =leading space"


def test_tui_export_file_is_neutralised_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KETAVOICE_HOME", str(tmp_path))
    journal = SqliteJournal(tmp_path / "journal.sqlite3")
    session = journal.start_session("ana", "checkin", T)
    journal.save_note(session, "=1+1 felt odd", None, False, T + 5)
    rows = history_rows(journal.moods("ana"), journal.notes("ana"))
    journal.close()
    path = export_history(rows, tmp_path / "exports", "ana", "csv", T + 60)
    record = next(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert record["text"] == "'=1+1 felt odd" and record["machine_transcript"] == "false"
    assert tuple(record) == HISTORY_FIELDS


def test_a_carriage_return_inside_a_note_stays_in_its_cell() -> None:
    rows = history_rows([MoodRecord(1, "ana", 1, 6, T)], [note(2, "line one\rline two, still", T + 1)])
    text = to_csv(rows)
    records = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["type"] for r in records] == ["mood", "note"]
    assert records[1]["text"] == "line one\rline two, still"
    assert text.startswith(",".join(ENTRY_FIELDS) + "\nmood,1,ana,")  # plain rows stay unquoted
