"""`ketavoice notes`: the saved moods and notes, as a table, one JSON list, or CSV.

Reading never creates a journal: with no journal file yet it prints an empty result. Journal errors
(damaged file, foreign file) are reported by the CLI as a clear message and exit status 1.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketavoice.journal.export import HistoryRow

NAMES = ("notes",)
HELP = "show the saved moods, notes and screenings (all patients, or one with --patient)"


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--patient", default=None, help="only this patient's moods and notes")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print one JSON list of objects")
    output.add_argument("--csv", action="store_true", help="print CSV with a header row")


def run(args: argparse.Namespace) -> int:
    import sys

    from ketavoice.journal import journal_path, open_journal
    from ketavoice.journal.export import history_rows, to_csv, to_json

    patient: str | None = args.patient
    rows: list[HistoryRow] = []
    if journal_path().exists():
        with open_journal() as journal:
            rows = history_rows(journal.moods(patient), journal.notes(patient), journal.screenings(patient))
    if args.json:
        sys.stdout.write(to_json(rows))
    elif args.csv:
        sys.stdout.write(to_csv(rows))
    else:
        sys.stdout.write(format_table(rows))
    return 0


def format_table(rows: list[HistoryRow]) -> str:
    """A plain human-readable table: when, patient, session, and the rating or the note."""
    from ketavoice.journal.export import iso_time

    if not rows:
        return "No saved moods or notes.\n"
    header = ("when (UTC)", "patient", "session", "what")
    table = [header]
    for row in rows:
        when = iso_time(row.created_at).replace("T", " ")[:16]
        if row.type == "mood":
            what = f"mood {row.rating}/10"
        elif row.type == "screening":
            what = f"{row.form} score {row.score}: {row.severity}" + (" [crisis flag]" if row.crisis else "")
        else:
            flags = " [spoken]" if row.audio_path else ""
            flags += " (machine transcript)" if row.machine_transcript else ""
            what = f"note: {' '.join(str(row.text).split())}{flags}"
        table.append((when, row.patient, str(row.session), what))
    widths = [max(len(line[col]) for line in table) for col in range(3)]
    lines = ["  ".join(line[col].ljust(widths[col]) for col in range(3)) + "  " + line[3] for line in table]
    return "\n".join(lines) + "\n"
