"""`ketavoice notes`: the saved moods and notes, as a table, one JSON list, or CSV.

Reading never creates a journal: with no journal file yet it prints an empty result. A journal that
cannot be written (read-only media, a mounted backup, a full disk) is read without changing anything.
Journal errors (damaged file, foreign file) are reported by the CLI as a clear message and exit status
1. The tables (with or without --drafts/--alerts) pass every value through `terminal.safe_text`: a note,
a patient id or an alert cannot move the cursor, retitle the window or write the clipboard of whoever
reads it.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketavoice.journal.base import AlertRecord
    from ketavoice.journal.export import HistoryRow

NAMES = ("notes",)
HELP = "Show saved moods, notes and screenings (all patients, or --patient); --drafts, --alerts add those."


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--patient", default=None, help="only this patient's moods and notes")
    parser.add_argument("--drafts", action="store_true",
                        help="also list unconfirmed drafts (with a status column)")
    parser.add_argument("--alerts", action="store_true",
                        help="also list staff alerts (type alert, with level, certainty and acknowledgement)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON list of objects")
    output.add_argument("--csv", action="store_true", help="print CSV with a header row")


def run(args: argparse.Namespace) -> int:
    import sys

    from ketavoice.errors import JournalCorrupt, JournalError
    from ketavoice.journal import journal_path, open_journal
    from ketavoice.journal.export import history_rows, to_csv, to_json

    patient: str | None = args.patient
    rows: list[HistoryRow] = []
    alerts: list[dict[str, object]] = []
    if journal_path().exists() or journal_path().is_symlink():
        try:
            journal = open_journal()
        except JournalCorrupt:
            raise
        except JournalError:  # read-only medium, full disk: what is saved can still be read
            journal = open_journal(readonly=True)
        with journal:
            rows = history_rows(
                journal.moods(patient),
                journal.notes(patient, include_drafts=args.drafts),
                journal.screenings(patient),
                journal.step_answers(patient),
                journal.questions(patient),
            )
            if args.alerts:
                alerts = alert_entries(journal.alerts_with_rooms(), patient)
    if args.drafts or args.alerts:
        sys.stdout.write(_with_extras(rows, alerts, as_csv=args.csv, as_json=args.json))
        if args.alerts:
            from ketavoice.commands._clinic import report_refused

            report_refused()  # records the clinic store refused: on stderr, by id, no patient words
        return 0
    if args.json:
        sys.stdout.write(to_json(rows))
    elif args.csv:
        sys.stdout.write(to_csv(rows))
    else:
        sys.stdout.write(format_table(rows))
    return 0


def format_table(rows: list[HistoryRow]) -> str:
    """A plain human-readable table: when, patient, session, and the rating or the note."""
    from ketavoice.journal.export import ENTRY_FIELDS, iso_time
    from ketavoice.terminal import safe_text

    if not rows:
        return "No saved moods or notes.\n"
    header = ("when (UTC)", "patient", "session", "what")
    table = [header]
    for row in rows:
        when = iso_time(row.created_at).replace("T", " ")[:16]
        what = what_line(row.as_dict((*ENTRY_FIELDS, "status")))
        table.append((when, safe_text(row.patient), str(row.session), what))
    widths = [max(len(line[col]) for line in table) for col in range(3)]
    lines = ["  ".join(line[col].ljust(widths[col]) for col in range(3)) + "  " + line[3] for line in table]
    return "\n".join(lines) + "\n"


def what_line(entry: Mapping[str, object]) -> str:
    """What one saved row is (mood, question, answer, screening or note), the same in every view of
    `notes`: the plain table and the one with --alerts / --drafts."""
    from ketavoice.terminal import safe_line

    kind = entry.get("type")
    if kind == "mood":
        return f"mood {safe_line(entry.get('rating'))}/10"
    if kind == "question":
        return f"question for the care team: {safe_line(entry.get('text'))}"
    if kind == "answer":
        return f"answer to {safe_line(entry.get('step'))}: {safe_line(entry.get('text'))}"
    if kind == "screening":
        get = entry.get
        return screening_line(get("form"), get("score"), get("severity"), get("crisis"))
    draft = " [draft]" if entry.get("status") == "draft" else ""
    flags = " [spoken]" if entry.get("audio_path") else ""
    flags += " (machine transcript)" if entry.get("machine_transcript") else ""
    return f"note{draft}: {safe_line(entry.get('text'))}{flags}"


def screening_line(form: object, score: object, severity: object, crisis: object) -> str:
    """One screening as every table shows it: `PHQ-9 score 12: moderate`, `[crisis flag]` when set."""
    from ketavoice.terminal import safe_line

    line = f"{safe_line(form)} score {safe_line(score)}: {safe_line(severity)}"
    return line + (" [crisis flag]" if crisis else "")


ALERT_FIELDS = ("room", "level", "certainty", "acknowledged_at", "acknowledged_by")


def alert_entries(found: list[tuple[AlertRecord, str]], patient: str | None) -> list[dict[str, object]]:
    """Alerts as entries beside the moods and notes (oldest first, like them)."""
    from ketavoice.journal.export import iso_time

    entries: list[dict[str, object]] = []
    for alert, room in sorted(found, key=lambda item: (item[0].created_at, item[0].id)):
        if patient is not None and alert.patient_id != patient:
            continue
        entries.append({
            "type": "alert", "id": alert.id, "patient": alert.patient_id, "session": alert.session_id,
            "created_at": iso_time(alert.created_at), "text": alert.text, "room": room, "level": alert.level,
            "certainty": alert.certainty,
            "acknowledged_at": iso_time(alert.acknowledged_at) if alert.acknowledged_at is not None else None,
            "acknowledged_by": alert.acknowledged_by, "_at": alert.created_at,
        })
    return entries


def _with_extras(rows: list[HistoryRow], alerts: list[dict[str, object]], *, as_csv: bool,
                 as_json: bool) -> str:
    """Moods, notes (drafts marked by status) and alerts in one time-ordered list, every key on every row."""
    import csv
    import io
    import json

    from ketavoice.journal.export import ENTRY_FIELDS, csv_cell

    fields = (*ENTRY_FIELDS, "status", *ALERT_FIELDS)
    merged: list[tuple[float, int, dict[str, object]]] = []
    for row in rows:
        entry: dict[str, object] = dict.fromkeys(fields)
        entry.update(row.as_dict((*ENTRY_FIELDS, "status")))
        merged.append((row.created_at, 0, entry))
    for alert in alerts:
        at = alert.pop("_at")
        assert isinstance(at, float)
        alert_entry: dict[str, object] = dict.fromkeys(fields)
        alert_entry.update(alert)
        merged.append((at, 1, alert_entry))
    merged.sort(key=lambda item: (item[0], item[1], str(item[2]["id"]).zfill(12)))
    entries = [entry for *_key, entry in merged]
    if as_json:
        return json.dumps(entries, indent=1, ensure_ascii=False) + "\n"
    if as_csv:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(fields)
        for entry in entries:
            writer.writerow([csv_cell(entry[key]) for key in fields])
        return buffer.getvalue()
    from ketavoice.terminal import safe_line

    lines = []
    for entry in entries:
        when = safe_line(entry["created_at"]).replace("T", " ")[:16]
        if entry["type"] == "alert":
            state = (f"acknowledged by {safe_line(entry['acknowledged_by'])}" if entry["acknowledged_at"]
                     else "OPEN")
            what = (f"ALERT {safe_line(entry['level']).upper()} ({safe_line(entry['certainty'])}, {state}): "
                    f"{safe_line(entry['text'])}")
        else:
            what = what_line(entry)
        lines.append(f"{when}  {safe_line(entry['patient'])}  {what}")
    return ("\n".join(lines) + "\n") if lines else "Nothing saved.\n"
