"""Files that are not a sound ketavoice journal are refused with a clear error, left byte-for-byte alone."""

from __future__ import annotations

import random
import sqlite3
from pathlib import Path

import pytest

from ketavoice.errors import JournalCorrupt, JournalError
from ketavoice.journal import DB_NAME, open_journal
from ketavoice.journal.schema import APPLICATION_ID

PAGE = 4096


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("KETAVOICE_HOME", str(home))
    return home / DB_NAME


def fill(db: Path, notes: int = 300) -> None:
    """A closed (checkpointed) journal spanning many pages, no overflow pages."""
    journal = open_journal(db.parent)
    session = journal.start_session("ana", "default", 1.0)
    for number in range(notes):
        journal.save_note(session, f"note {number} " + "x" * 300, None, False, float(number))
    journal.close()
    assert not Path(f"{db}-wal").exists()


def refused(db: Path, error: type[JournalError], match: str) -> JournalError:
    before = db.read_bytes()
    with pytest.raises(error, match=match) as caught:
        open_journal(db.parent)
    assert db.read_bytes() == before
    return caught.value


def test_random_bytes_over_a_page(db: Path) -> None:
    fill(db)
    pages = db.stat().st_size // PAGE
    assert pages > 20
    rng = random.Random(7)
    with open(db, "r+b") as handle:
        handle.seek((pages // 2) * PAGE)
        handle.write(rng.randbytes(PAGE))
    error = refused(db, JournalCorrupt, "damaged")
    assert "restore" in str(error) and "move it aside" in str(error)


def test_truncated_file(db: Path) -> None:
    fill(db)
    with open(db, "r+b") as handle:
        handle.truncate((db.stat().st_size // PAGE // 2) * PAGE)
    refused(db, JournalCorrupt, "damaged")


def test_not_a_sqlite_file(db: Path) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(b"Dear diary, this is not a database.\n" * 200)
    refused(db, JournalCorrupt, "not a SQLite database")


def test_foreign_sqlite_database(db: Path) -> None:
    db.parent.mkdir(parents=True)
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.execute("INSERT INTO recipes VALUES ('soup')")
    conn.commit()
    conn.close()
    refused(db, JournalCorrupt, "not a ketavoice journal")


def test_newer_schema_version(db: Path) -> None:
    fill(db, notes=3)
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    error = refused(db, JournalError, "newer")
    assert not isinstance(error, JournalCorrupt)
    assert "upgrade ketavoice" in str(error)


def test_damage_found_while_open_stops_all_writes(db: Path) -> None:
    """A page damaged under a running journal: the read that meets it fails, and no write follows."""
    journal = open_journal(db.parent)
    session = journal.start_session("ana", "default", 1.0)
    journal.close()
    conn = sqlite3.connect(db)  # bulk-fill past the page cache (2 MB) so the damaged page is re-read
    conn.executemany(
        "INSERT INTO notes (session_id, text, audio_path, machine_transcript, status, created_at)"
        " VALUES (?, ?, NULL, 0, 'saved', ?)",
        [(session, f"note {number} " + "y" * 900, float(number)) for number in range(6000)],
    )
    conn.commit()
    conn.close()
    journal = open_journal(db.parent)
    assert len(journal.notes()) == 6000
    pages = db.stat().st_size // PAGE
    with open(db, "r+b") as handle:  # a few pages across the file, so the notes' own pages are hit
        for fraction in (10, 4, 2):
            handle.seek((pages // fraction) * PAGE)
            handle.write(random.Random(fraction).randbytes(PAGE))
    with pytest.raises(JournalCorrupt):
        journal.notes()
    with pytest.raises(JournalCorrupt, match="will not write"):
        journal.save_mood(session, 5, 2.0)
    with pytest.raises(JournalCorrupt):
        journal.save_note(session, "after damage", b"\x00\x00" * 100, True, 3.0)
    assert list((db.parent / "audio").iterdir()) == []
    journal.close()
