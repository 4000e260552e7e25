"""The SQLite journal's file-level promises: private modes, checked pragmas, schema identity, reopening,
thread safety, and error messages free of patient text."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from ketavoice.errors import JournalError
from ketavoice.journal import DB_NAME, open_journal
from ketavoice.journal.schema import APPLICATION_ID, SCHEMA_VERSION, apply_pragmas
from ketavoice.journal.sqlerrors import translate
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.journal.wavfile import TEMP_PREFIX

SECRET = "zebra-lighthouse-marmalade"
PCM = b"\x10\x00" * 1600


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("KETAVOICE_HOME", str(path))
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_files_and_folders_are_private_even_with_an_open_umask(home: Path) -> None:
    old = os.umask(0)
    try:
        journal = open_journal()
        session = journal.start_session("ana", "default", 1.0)
        stored = journal.save_note(session, "note", PCM, True, 2.0)
        db = home / DB_NAME
        assert mode(home) == 0o700
        assert mode(home / "audio") == 0o700
        assert mode(db) == 0o600
        for side in ("-wal", "-shm"):
            assert Path(f"{db}{side}").exists()
            assert mode(Path(f"{db}{side}")) == 0o600
        assert stored.audio_path is not None
        assert mode(Path(stored.audio_path)) == 0o600
        journal.close()
    finally:
        os.umask(old)


def test_loose_modes_are_tightened_on_open(home: Path) -> None:
    open_journal().close()
    os.chmod(home, 0o755)
    os.chmod(home / "audio", 0o777)
    os.chmod(home / DB_NAME, 0o644)
    journal = open_journal()
    journal.start_session("ana", "default", 1.0)
    assert (mode(home), mode(home / "audio"), mode(home / DB_NAME)) == (0o700, 0o700, 0o600)
    assert mode(Path(f"{home / DB_NAME}-wal")) == 0o600
    journal.close()


def test_every_connection_has_its_pragmas(home: Path) -> None:
    expected = {
        "busy_timeout": 5000,
        "journal_mode": "wal",
        "synchronous": 2,
        "secure_delete": 1,
        "foreign_keys": 1,
    }
    for _ in range(2):  # a fresh file, then a reopened one
        journal = open_journal()
        assert journal.pragmas() == expected
        journal.close()


def test_a_pragma_that_does_not_take_is_an_error() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)  # WAL is impossible in memory
    with pytest.raises(JournalError, match="journal_mode"):
        apply_pragmas(conn, ":memory:")
    conn.close()


def test_schema_is_marked_as_ours_and_versioned(home: Path) -> None:
    open_journal().close()
    conn = sqlite3.connect(home / DB_NAME)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"patients", "sessions", "moods", "notes", "alerts", "audit"} <= tables
    conn.close()


def test_everything_survives_a_reopen_and_alerts_stay_open(home: Path) -> None:
    journal = open_journal()
    session = journal.start_session("ana", "default", 1.0)
    journal.save_mood(session, 6, 2.0)
    stored = journal.save_note(session, "spoken note", PCM, True, 3.0)
    kept = journal.add_alert(session, "ana", "emergency", "chest pain", 4.0)
    done = journal.add_alert(session, "ana", "staff", "no ride", 5.0)
    journal.acknowledge_alert(done, "nurse kim", 6.0)
    journal.close()

    reopened = open_journal()
    assert [a.id for a in reopened.open_alerts()] == [kept]
    assert [m.rating for m in reopened.moods()] == [6]
    assert [n.audio_path for n in reopened.notes()] == [stored.audio_path]
    reopened.acknowledge_alert(kept, "dr lee", 7.0)
    reopened.close()

    final = open_journal()
    assert final.open_alerts() == []
    conn = sqlite3.connect(home / DB_NAME)
    rows = conn.execute("SELECT id, acknowledged_by, acknowledged_at FROM alerts ORDER BY id").fetchall()
    assert rows == [(kept, "dr lee", 7.0), (done, "nurse kim", 6.0)]
    conn.close()
    assert final.integrity_check() == ["ok"]
    final.close()


def test_failed_insert_removes_its_wav_and_message_has_no_patient_text(home: Path) -> None:
    journal = open_journal()
    with pytest.raises(JournalError) as caught:
        journal.save_note(777, f"{SECRET} my private words", PCM, True, 1.0)
    assert SECRET not in str(caught.value)
    assert "private" not in str(caught.value)
    assert list((home / "audio").iterdir()) == []
    journal.close()


def test_sqlite_full_is_reported_as_a_full_disk_without_patient_text(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "tiny.db", isolation_level=None)
    conn.execute("CREATE TABLE t (x TEXT)")
    conn.execute("PRAGMA max_page_count = 3")
    with pytest.raises(sqlite3.Error) as raw:
        for _ in range(50):
            conn.execute("INSERT INTO t VALUES (?)", (SECRET * 100,))
    conn.close()
    error = translate(raw.value, "save the note", "/x/journal.sqlite3")
    assert "disk is full" in str(error)
    assert SECRET not in str(error)


def test_leftover_temp_wavs_from_a_crash_are_removed_on_open_but_not_live_ones(home: Path) -> None:
    open_journal().close()
    leftover = home / "audio" / f"{TEMP_PREFIX}deadbeef.wav"
    leftover.write_bytes(b"RIFF torn")
    live = home / "audio" / f"{TEMP_PREFIX}cafef00d.wav"
    live.write_bytes(b"RIFF being written")
    fd = os.open(live, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # what a writer in another process holds while writing
    try:
        open_journal().close()
        assert not leftover.exists()
        assert live.exists()
    finally:
        os.close(fd)
    open_journal().close()
    assert not live.exists()


def test_two_threads_and_a_second_connection_write_at_once(home: Path) -> None:
    journal = open_journal()
    other = open_journal()
    sessions = [journal.start_session("ana", "default", 1.0), other.start_session("ben", "default", 1.0)]
    errors: list[BaseException] = []

    def writer(target: SqliteJournal, session: int, label: str) -> None:
        try:
            for number in range(40):
                audio = PCM if number % 4 == 0 else None
                target.save_note(session, f"{label}-{number}", audio, True, float(number))
                target.save_mood(session, number % 11, float(number))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [
        threading.Thread(target=writer, args=(journal, sessions[0], "main")),
        threading.Thread(target=writer, args=(journal, sessions[0], "worker")),
        threading.Thread(target=writer, args=(other, sessions[1], "other")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    texts = {n.text for n in journal.notes()}
    assert texts == {f"{label}-{n}" for label in ("main", "worker", "other") for n in range(40)}
    assert len(journal.moods()) == 120
    assert all(Path(n.audio_path).exists() for n in journal.notes() if n.audio_path)
    assert journal.integrity_check() == ["ok"]
    other.close()
    journal.close()
