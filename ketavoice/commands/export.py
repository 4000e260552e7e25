"""`ketavoice export --fhir [--patient ID] [--output FILE]`: the journal as a FHIR R4 Bundle (JSON).

Screenings become QuestionnaireResponses, mood ratings Observations and staff alerts Flags (see
`ketavoice.journal.fhir`). Reading never creates a journal: with none yet the bundle is empty. A file
is written whole or not at all (a temporary file renamed into place), owner-only (0600).
"""

from __future__ import annotations

import argparse
from pathlib import Path

NAMES = ("export",)
HELP = "export the journal for the care team's record (--fhir: a FHIR R4 Bundle as JSON)"


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--fhir", action="store_true", help="a FHIR R4 Bundle (type collection), as JSON")
    parser.add_argument("--patient", default=None, help="only this patient (default: every patient)")
    parser.add_argument("--output", default=None, metavar="FILE", help="write to FILE (default: stdout)")


def run(args: argparse.Namespace) -> int:
    import json
    import sys
    import time

    from ketavoice.commands._args import UsageError
    from ketavoice.content.loader import load_content
    from ketavoice.journal import journal_path, open_journal
    from ketavoice.journal.fhir import JournalExtract, build_bundle

    if not args.fhir:
        raise UsageError("choose an export format: --fhir")
    content = load_content()
    patient: str | None = args.patient
    extract = JournalExtract(moods=(), screenings=(), alerts=())
    if journal_path().exists():
        with open_journal() as journal:
            extract = JournalExtract(
                moods=journal.moods(patient),
                screenings=journal.screenings(patient),
                alerts=journal.alerts(patient),
                step_answers=journal.step_answers(patient),
                questions=journal.questions(patient),
            )
    text = json.dumps(build_bundle(extract, content.instruments, time.time()), indent=1, ensure_ascii=False)
    if args.output is None:
        sys.stdout.write(text + "\n")
        return 0
    try:
        write_private(Path(args.output), text + "\n")
    except OSError as error:
        reason = error.strerror or type(error).__name__
        print(f"ketavoice: could not write {args.output}: {reason}", file=sys.stderr)
        return 1
    print(f"{args.output}: FHIR R4 Bundle, {len(extract.screenings)} screenings, {len(extract.moods)} moods, "
          f"{len(extract.alerts)} alerts")
    return 0


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` (0600) through a temporary file beside it, renamed into place."""
    import os

    from ketavoice.paths import private_file_opener

    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", opener=private_file_opener) as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
