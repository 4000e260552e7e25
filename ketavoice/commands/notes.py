"""`ketavoice notes`: the saved moods and notes, as a table, one JSON list, or CSV.

Reading never creates a journal: with no journal file yet it prints an empty result. Journal errors
(damaged file, foreign file) are reported by the CLI as a clear message and exit status 1.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ketavoice.journal.base import MoodRecord, NoteRecord

NAMES = ("notes",)
HELP = "show the saved moods and notes (all patients, or one with --patient)"
FIELDS = (
    "type",
    "id",
    "patient",
    "session",
    "created_at",
    "rating",
    "text",
    "audio_path",
    "machine_transcript",
)


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--patient", default=None, help="only this patient's moods and notes")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON list of objects")
    output.add_argument("--csv", action="store_true", help="print CSV with a header row")


def run(args: argparse.Namespace) -> int:
    import sys

    from ketavoice.journal import journal_path, open_journal

    patient: str | None = args.patient
    entries: list[dict[str, Any]] = []
    if journal_path().exists():
        with open_journal() as journal:
            entries = records_to_entries(journal.moods(patient), journal.notes(patient))
    if args.json:
        import json

        json.dump(entries, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif args.csv:
        import csv

        writer = csv.DictWriter(sys.stdout, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(entries)
    else:
        sys.stdout.write(format_table(entries))
    return 0


def records_to_entries(moods: list[MoodRecord], notes: list[NoteRecord]) -> list[dict[str, Any]]:
    """Moods and notes merged in time order, each as one flat object with every FIELD present."""
    timed: list[tuple[float, int, dict[str, Any]]] = []
    for mood in moods:
        entry = _entry("mood", mood.id, mood.patient_id, mood.session_id, mood.created_at)
        entry["rating"] = mood.rating
        timed.append((mood.created_at, 0, entry))
    for note in notes:
        entry = _entry("note", note.id, note.patient_id, note.session_id, note.created_at)
        entry.update(text=note.text, audio_path=note.audio_path, machine_transcript=note.machine_transcript)
        timed.append((note.created_at, 1, entry))
    timed.sort(key=lambda item: (item[0], item[1], item[2]["id"]))
    return [entry for _, _, entry in timed]


def format_table(entries: list[dict[str, Any]]) -> str:
    """A plain human-readable table: when, patient, session, and the rating or the note."""
    if not entries:
        return "No saved moods or notes.\n"
    header = ("when (UTC)", "patient", "session", "what")
    rows = [header]
    for entry in entries:
        when = str(entry["created_at"]).replace("T", " ")[:16]
        if entry["type"] == "mood":
            what = f"mood {entry['rating']}/10"
        else:
            flags = " [spoken]" if entry["audio_path"] else ""
            flags += " (machine transcript)" if entry["machine_transcript"] else ""
            what = f"note: {' '.join(str(entry['text']).split())}{flags}"
        rows.append((when, str(entry["patient"]), str(entry["session"]), what))
    widths = [max(len(row[col]) for row in rows) for col in range(3)]
    lines = ["  ".join(row[col].ljust(widths[col]) for col in range(3)) + "  " + row[3] for row in rows]
    return "\n".join(lines) + "\n"


def _entry(kind: str, record_id: int, patient: str, session: int, created_at: float) -> dict[str, Any]:
    from datetime import datetime, timezone

    when = datetime.fromtimestamp(created_at, tz=timezone.utc).isoformat(timespec="seconds")
    entry: dict[str, Any] = dict.fromkeys(FIELDS)
    entry.update(type=kind, id=record_id, patient=patient, session=session, created_at=when)
    return entry
