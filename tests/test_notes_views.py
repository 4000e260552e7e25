"""Trial v3 finding 8: `notes --alerts` and `--drafts` showed rows differently from plain `notes`
(screenings as "note: None"; questions and step answers as notes). Every view now describes a row with
one `what_line`; a real SQLite home and the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from ketavoice.journal import open_journal
from ketavoice.screening.model import ItemAnswer, Screening

REPO = Path(__file__).parents[1]
PATIENT = "pat-9"


def notes(home: Path, *args: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "KETAVOICE_HOME": str(home)}
    done = subprocess.run([sys.executable, "-m", "ketavoice", "notes", *args], capture_output=True, text=True,
                          env=env, timeout=60, cwd=REPO, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def whats(lines: list[str]) -> list[str]:
    """The description of each of the patient's rows: the plain table's "what" column, or what follows
    the patient id in the table with --alerts / --drafts."""
    if lines and lines[0].startswith("when (UTC)"):
        column = lines[0].index("what")
        return [line[column:] for line in lines[1:]]
    return [line.split(f"{PATIENT}  ", 1)[1] for line in lines if f"{PATIENT}  " in line]


def test_every_view_describes_a_row_the_same_way(ketavoice_home: Path) -> None:
    phq9 = Screening("phq9", "PHQ-9", tuple(ItemAnswer(f"phq9_{n}", "several_days", 1) for n in range(1, 10)),
                     9, "mild", False, crisis=True)
    with open_journal(ketavoice_home) as journal:
        session = journal.start_session(PATIENT, "checkin", 1_700_000_000.0)
        journal.save_mood(session, 6, 1_700_000_001.0)
        journal.save_screening(session, phq9, 1_700_000_002.0)
        journal.save_question(session, "can i have coffee tonight?", 1_700_000_003.0)
        journal.save_step_answer(session, "since_last", "Better, same or worse?", "worse", "a bit worse",
                                 1_700_000_004.0)
        journal.save_note(session, "slept badly", None, False, 1_700_000_005.0)
    plain = whats(notes(ketavoice_home))
    assert plain == [
        "mood 6/10",
        "PHQ-9 score 9: mild [crisis flag]",
        "question for the care team: can i have coffee tonight?",
        plain[3],  # the step answer, as the plain table words it
        "note: slept badly",
    ]
    assert plain[3].startswith("answer to since_last:")
    for extra in (("--alerts",), ("--drafts",), ("--alerts", "--drafts")):
        assert whats(notes(ketavoice_home, *extra)) == plain, extra
