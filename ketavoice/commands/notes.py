"""`ketavoice notes`: the saved moods and notes, as a table, one JSON list, or CSV.

Reading never creates a journal: with no journal file yet it prints an empty result. A journal that
cannot be written (read-only media, a mounted backup, a full disk) is read without changing anything.
Journal errors (damaged file, foreign file) are reported by the CLI as a clear message and exit status
1. The table
passes every value through `terminal.safe_text`: a note cannot move the cursor, retitle the window or
write the clipboard of whoever reads it.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketavoice.journal.export import HistoryRow

NAMES = ("notes",)
HELP = "show the saved moods and notes (all patients, or one with --patient)"


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--patient", default=None, help="only this patient's moods and notes")
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
    if journal_path().exists() or journal_path().is_symlink():
        try:
            journal = open_journal()
        except JournalCorrupt:
            raise
        except JournalError:  # read-only medium, full disk: what is saved can still be read
            journal = open_journal(readonly=True)
        with journal:
            rows = history_rows(journal.moods(patient), journal.notes(patient))
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
    from ketavoice.terminal import safe_text

    if not rows:
        return "No saved moods or notes.\n"
    header = ("when (UTC)", "patient", "session", "what")
    table = [header]
    for row in rows:
        when = iso_time(row.created_at).replace("T", " ")[:16]
        if row.type == "mood":
            what = f"mood {row.rating}/10"
        else:
            flags = " [spoken]" if row.audio_path else ""
            flags += " (machine transcript)" if row.machine_transcript else ""
            what = f"note: {' '.join(safe_text(str(row.text)).split())}{flags}"
        table.append((when, safe_text(row.patient), str(row.session), what))
    widths = [max(len(line[col]) for line in table) for col in range(3)]
    lines = ["  ".join(line[col].ljust(widths[col]) for col in range(3)) + "  " + line[3] for line in table]
    return "\n".join(lines) + "\n"
