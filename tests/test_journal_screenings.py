"""Screenings in the journal: round trips on real SQLite and MemoryJournal, migration, damaged rows."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ketavoice.errors import JournalError
from ketavoice.journal import open_journal
from ketavoice.journal.memory import MemoryJournal
from ketavoice.journal.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.screening.model import ItemAnswer, Screening

PHQ2 = Screening(
    "phq9", "PHQ-2", (ItemAnswer("phq9_1", "several_days", 1), ItemAnswer("phq9_2", "not_at_all", 0)),
    1, "negative", False,
)
ASQ = Screening(
    "asq", "ASQ",
    tuple(ItemAnswer(f"asq{n}", "yes" if n == 2 else "no", int(n == 2)) for n in range(1, 6)),
    1, "non-acute positive", True, crisis=True,
)


@pytest.fixture(params=["sqlite", "memory"])
def journal(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("KETAVOICE_HOME", str(tmp_path / "home"))
    opened: Any = open_journal() if request.param == "sqlite" else MemoryJournal()
    yield opened
    opened.close()


def test_screenings_round_trip(journal: Any) -> None:
    first = journal.start_session("ana", "checkin", 10.0)
    other = journal.start_session("ben", "checkin", 11.0)
    journal.save_screening(first, ASQ, 13.0)
    journal.save_screening(first, PHQ2, 12.0)
    journal.save_screening(other, PHQ2, 14.0)
    records = journal.screenings("ana")
    assert [(r.instrument, r.form, r.created_at, r.session_id) for r in records] == [
        ("phq9", "PHQ-2", 12.0, first),
        ("asq", "ASQ", 13.0, first),
    ]
    assert [r.result() for r in records] == [PHQ2, ASQ]
    assert records[1].positive and records[1].crisis and not records[1].acute
    assert len(journal.screenings()) == 3 and [r.patient_id for r in journal.screenings("ben")] == ["ben"]


def test_screening_for_an_unknown_session_is_refused(journal: Any) -> None:
    with pytest.raises(JournalError):
        journal.save_screening(99, PHQ2, 1.0)


def test_screenings_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with SqliteJournal(path) as journal:
        journal.save_screening(journal.start_session("ana", "checkin", 1.0), ASQ, 2.0)
    with SqliteJournal(path) as journal:
        assert [r.result() for r in journal.screenings("ana")] == [ASQ]


def test_a_journal_from_before_screenings_is_migrated_with_its_data(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    before = SCHEMA_VERSION - 1  # the version just before the screenings table
    conn = sqlite3.connect(path, isolation_level=None)
    for steps in MIGRATIONS[:before]:
        for statement in steps:
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {before}")
    conn.execute("INSERT INTO patients VALUES ('ana', 1.0)")
    conn.execute("INSERT INTO sessions (patient_id, dialogue, started_at) VALUES ('ana', 'checkin', 1.0)")
    conn.execute("INSERT INTO moods (session_id, rating, created_at) VALUES (1, 4, 2.0)")
    conn.close()
    with SqliteJournal(path) as journal:
        assert [m.rating for m in journal.moods("ana")] == [4]
        assert journal.screenings() == []
        journal.save_screening(1, PHQ2, 3.0)
        assert [r.form for r in journal.screenings("ana")] == ["PHQ-2"]
    check = sqlite3.connect(path)
    assert check.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    check.close()


def test_unreadable_stored_answers_are_a_journal_error(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with SqliteJournal(path) as journal:
        journal.save_screening(journal.start_session("ana", "checkin", 1.0), PHQ2, 2.0)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE screenings SET answers = '{\"not\": \"a list\"}'")
    conn.close()
    with SqliteJournal(path) as journal, pytest.raises(JournalError, match="unreadable answers"):
        journal.screenings()


def test_flags_are_constrained_to_booleans(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    with SqliteJournal(path) as journal:
        journal.start_session("ana", "checkin", 1.0)
    conn = sqlite3.connect(path, isolation_level=None)
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(
            "INSERT INTO screenings (session_id, instrument, form, answers, score, severity, positive,"
            " crisis, acute, complete, created_at)"
            " VALUES (1, 'asq', 'ASQ', '[]', 0, 'negative', 2, 0, 0, 1, 1.0)"
        )
    conn.close()
