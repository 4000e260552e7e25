"""The real journal: one SQLite file in WAL mode, every write one short durable transaction.

Safe to call from several threads (one connection behind a lock) and from several processes at once
(WAL + busy timeout + retry). After a corruption is detected it refuses every further write.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar, cast

from ketavoice.errors import JournalCorrupt, JournalError, JournalReadOnly
from ketavoice.journal import probe, schema, wavfile
from ketavoice.journal.base import (
    Actor,
    AlertRecord,
    Certainty,
    MoodRecord,
    NoteRecord,
    NoteStatus,
    QuestionRecord,
    ScreeningRecord,
    StepAnswerRecord,
    StoredNote,
)
from ketavoice.journal.records import AuditRecord, SessionRecord
from ketavoice.journal.screening_rows import answers_from_json, answers_to_json
from ketavoice.journal.sqlerrors import RESTORE_HINT, is_busy, is_corruption, translate, translate_os
from ketavoice.paths import private_dir
from ketavoice.screening.model import Screening

T = TypeVar("T")
AUDIO_DIR = "audio"
BUSY_RETRIES = 6
SIDE_FILES = ("-wal", "-shm")


class SqliteJournal:
    """The Journal port on a SQLite file; WAVs live in `audio/` beside it (paths relative in the db)."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        """Open (creating it if missing) the journal at `path`; `readonly=True` opens an existing one for
        reading only, changing nothing on disk (read-only media, a backup copy)."""
        self.path = Path(path)
        self.home = self.path.parent
        self.audio_dir = self.home / AUDIO_DIR
        self.readonly = readonly
        self._lock = threading.RLock()
        self._broken: str | None = None
        self._sides_checked = False
        self._reader: probe.ReadOnlyConnection | None = None
        if readonly:
            try:
                self._reader = schema.check_read_only(self.path)
            except FileNotFoundError:
                raise JournalError(f"there is no journal at {self.path}.") from None
            self._conn: sqlite3.Connection | None = self._reader.conn
            return
        try:
            private_dir(self.home)
        except OSError as error:
            raise translate_os(error, "open the journal", str(self.home)) from None
        try:
            probe.check_file(self.path)
        except FileNotFoundError:
            schema.create(self.path)
        self._conn = self._open_with_retry()
        try:
            private_dir(self.audio_dir)
        except OSError as error:
            self.close()
            raise translate_os(error, "open the journal", str(self.home)) from None
        self._private_side_files()
        wavfile.remove_leftover_temps(self.audio_dir)

    # -- lifecycle --
    def close(self) -> None:
        with self._lock:
            if self._reader is not None:
                probe.close_quietly(self._reader)
                self._reader = None
                self._conn = None
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    def __enter__(self) -> SqliteJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writes --
    def start_session(self, patient_id: str, dialogue: str, now: float) -> int:
        def write(conn: sqlite3.Connection) -> int:
            self._ensure_patient(conn, patient_id, now)
            cur = conn.execute(
                "INSERT INTO sessions (patient_id, dialogue, started_at) VALUES (?, ?, ?)",
                (patient_id, dialogue, now),
            )
            return _rowid(cur)

        return self._write("start a session", write)

    def end_session(self, session_id: int, status: str, now: float) -> None:
        def write(conn: sqlite3.Connection) -> None:
            cur = conn.execute(
                "UPDATE sessions SET ended_at = ?, status = ? WHERE id = ?", (now, status, session_id)
            )
            if cur.rowcount != 1:
                raise JournalError(f"could not end session {session_id}: the journal has no such session.")

        self._write("end the session", write)

    def save_mood(self, session_id: int, rating: int, now: float) -> int:
        def write(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO moods (session_id, rating, created_at) VALUES (?, ?, ?)",
                (session_id, rating, now),
            )
            return _rowid(cur)

        return self._write("save the mood rating", write)

    def save_note(
        self,
        session_id: int,
        text: str,
        audio: bytes | None,
        machine_transcript: bool,
        now: float,
        status: NoteStatus = "saved",
    ) -> StoredNote:
        with self._lock:
            self._check_writable()
            wav = wavfile.write_wav(self.audio_dir, audio) if audio is not None else None
            relative = f"{AUDIO_DIR}/{wav.name}" if wav is not None else None

            def write(conn: sqlite3.Connection) -> int:
                cur = conn.execute(
                    "INSERT INTO notes (session_id, text, audio_path, machine_transcript, status, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (session_id, text, relative, int(machine_transcript), status, now),
                )
                return _rowid(cur)

            try:
                note_id = self._write("save the note", write)
            except BaseException:
                if wav is not None:
                    wavfile.remove_wav(wav)
                raise
            return StoredNote(id=note_id, audio_path=str(wav) if wav is not None else None)

    def add_alert(
        self,
        session_id: int | None,
        patient_id: str,
        level: str,
        text: str,
        now: float,
        certainty: Certainty = "certain",
    ) -> int:
        def write(conn: sqlite3.Connection) -> int:
            self._ensure_patient(conn, patient_id, now)
            cur = conn.execute(
                "INSERT INTO alerts (patient_id, session_id, level, text, created_at, certainty)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (patient_id, session_id, level, text, now, certainty),
            )
            return _rowid(cur)

        return self._write("save the staff alert", write)

    def acknowledge_alert(self, alert_id: int, staff: str, now: float) -> None:
        def write(conn: sqlite3.Connection) -> None:
            cur = conn.execute(
                "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?"
                " WHERE id = ? AND acknowledged_at IS NULL",
                (now, staff, alert_id),
            )
            if cur.rowcount == 0:
                exists = conn.execute("SELECT 1 FROM alerts WHERE id = ?", (alert_id,)).fetchone()
                if exists is None:
                    raise JournalError(
                        f"could not acknowledge alert {alert_id}: the journal has no such alert."
                    )

        self._write("acknowledge the alert", write)

    def save_screening(self, session_id: int, screening: Screening, now: float) -> int:
        def write(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO screenings (session_id, instrument, form, answers, score, severity, positive,"
                " crisis, acute, complete, created_at, unanswered)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    session_id,
                    screening.instrument,
                    screening.form,
                    answers_to_json(screening.answers),
                    screening.score,
                    screening.severity,
                    int(screening.positive),
                    int(screening.crisis),
                    int(screening.acute),
                    int(screening.complete),
                    now,
                    sum(1 for answer in screening.answers if answer.status != "answered"),
                ),
            )
            return _rowid(cur)

        return self._write("save the screening", write)

    def save_question(self, session_id: int, text: str, now: float) -> int:
        def write(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO questions (session_id, text, created_at) VALUES (?, ?, ?)",
                (session_id, text, now),
            )
            return _rowid(cur)

        return self._write("save the question", write)

    def questions(self, patient_id: str | None = None) -> list[QuestionRecord]:
        rows = self._read(
            "SELECT q.id, s.patient_id, q.session_id, q.text, q.created_at FROM questions q"
            " JOIN sessions s ON s.id = q.session_id WHERE (? IS NULL OR s.patient_id = ?)"
            " ORDER BY q.created_at, q.id",
            (patient_id, patient_id),
        )
        return [QuestionRecord(*row) for row in rows]

    def audit(self, session_id: int | None, actor: Actor, kind: str, text: str, now: float) -> None:
        def write(conn: sqlite3.Connection) -> None:
            conn.execute(
                "INSERT INTO audit (session_id, actor, kind, text, at) VALUES (?, ?, ?, ?, ?)",
                (session_id, actor, kind, text, now),
            )

        self._write("write the audit trail", write)

    # -- reads --
    def moods(self, patient_id: str | None = None) -> list[MoodRecord]:
        rows = self._read(
            "SELECT m.id, s.patient_id, m.session_id, m.rating, m.created_at FROM moods m"
            " JOIN sessions s ON s.id = m.session_id WHERE (? IS NULL OR s.patient_id = ?)"
            " ORDER BY m.created_at, m.id",
            (patient_id, patient_id),
        )
        return [MoodRecord(*row) for row in rows]

    def notes(self, patient_id: str | None = None, include_drafts: bool = False) -> list[NoteRecord]:
        rows = self._read(
            "SELECT n.id, s.patient_id, n.session_id, n.text, n.audio_path, n.machine_transcript, n.status,"
            " n.created_at FROM notes n JOIN sessions s ON s.id = n.session_id"
            " WHERE (? IS NULL OR s.patient_id = ?) AND (? OR n.status = 'saved')"
            " ORDER BY n.created_at, n.id",
            (patient_id, patient_id, int(include_drafts)),
        )
        return [
            NoteRecord(
                id=row[0],
                patient_id=row[1],
                session_id=row[2],
                text=row[3],
                audio_path=str(self.home / row[4]) if row[4] is not None else None,
                machine_transcript=bool(row[5]),
                status=row[6],
                created_at=row[7],
            )
            for row in rows
        ]

    def open_alerts(self, patient_id: str | None = None) -> list[AlertRecord]:
        rows = self._read(
            "SELECT id, patient_id, session_id, level, text, created_at, acknowledged_at, acknowledged_by,"
            " certainty FROM alerts WHERE acknowledged_at IS NULL AND (? IS NULL OR patient_id = ?)"
            " ORDER BY created_at, id",
            (patient_id, patient_id),
        )
        return [AlertRecord(*row) for row in rows]

    def alerts(self, patient_id: str | None = None) -> list[AlertRecord]:
        """Every alert, acknowledged or not (the export's full record; `open_alerts` is the live view)."""
        rows = self._read(
            "SELECT id, patient_id, session_id, level, text, created_at, acknowledged_at, acknowledged_by,"
            " certainty FROM alerts WHERE (? IS NULL OR patient_id = ?) ORDER BY created_at, id",
            (patient_id, patient_id),
        )
        return [AlertRecord(*row) for row in rows]

    def save_step_answer(
        self, session_id: int, step: str, question: str, answer: str, said: str, now: float
    ) -> int:
        def write(conn: sqlite3.Connection) -> int:
            cur = conn.execute(
                "INSERT INTO step_answers (session_id, step, question, answer, said, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, step, question, answer, said, now),
            )
            return _rowid(cur)

        return self._write("save the answer", write)

    def step_answers(self, patient_id: str | None = None) -> list[StepAnswerRecord]:
        rows = self._read(
            "SELECT a.id, s.patient_id, a.session_id, a.created_at, a.step, a.question, a.answer, a.said"
            " FROM step_answers a JOIN sessions s ON s.id = a.session_id"
            " WHERE (? IS NULL OR s.patient_id = ?) ORDER BY a.created_at, a.id",
            (patient_id, patient_id),
        )
        return [StepAnswerRecord(*row) for row in rows]

    def screenings(self, patient_id: str | None = None) -> list[ScreeningRecord]:
        rows = self._read(
            "SELECT c.id, s.patient_id, c.session_id, c.created_at, c.instrument, c.form, c.answers, c.score,"
            " c.severity, c.positive, c.crisis, c.acute, c.complete FROM screenings c"
            " JOIN sessions s ON s.id = c.session_id WHERE (? IS NULL OR s.patient_id = ?)"
            " ORDER BY c.created_at, c.id",
            (patient_id, patient_id),
        )
        return [
            ScreeningRecord(
                id=row[0],
                patient_id=row[1],
                session_id=row[2],
                created_at=row[3],
                instrument=row[4],
                form=row[5],
                answers=answers_from_json(row[6]),
                score=row[7],
                severity=row[8],
                positive=bool(row[9]),
                crisis=bool(row[10]),
                acute=bool(row[11]),
                complete=bool(row[12]),
            )
            for row in rows
        ]

    def alerts_with_rooms(self, open_only: bool = False) -> list[tuple[AlertRecord, str]]:
        """Every alert (or only open ones), newest first, each with the room it was raised in."""
        rows = self._read(
            "SELECT id, patient_id, session_id, level, text, created_at, acknowledged_at, acknowledged_by,"
            " certainty, coalesce(room, (SELECT room FROM clinic_device WHERE id = 1), '') FROM alerts"
            " WHERE (NOT ? OR acknowledged_at IS NULL) ORDER BY created_at DESC, id DESC",
            (int(open_only),),
        )
        return [(AlertRecord(*row[:9]), str(row[9])) for row in rows]

    def patients(self) -> list[str]:
        return [row[0] for row in self._read("SELECT id FROM patients ORDER BY id", ())]

    def sessions(self, patient_id: str | None = None) -> list[SessionRecord]:
        rows = self._read(
            "SELECT id, patient_id, dialogue, started_at, ended_at, status FROM sessions"
            " WHERE (? IS NULL OR patient_id = ?) ORDER BY started_at, id",
            (patient_id, patient_id),
        )
        return [SessionRecord(*row) for row in rows]

    def audit_trail(self, session_id: int) -> list[AuditRecord]:
        rows = self._read(
            "SELECT id, session_id, actor, kind, text, at FROM audit WHERE session_id = ? ORDER BY at, id",
            (session_id,),
        )
        return [AuditRecord(*row) for row in rows]

    def pragmas(self) -> dict[str, object]:
        """The connection's pragmas as SQLite reads them back (for diagnostics and tests)."""
        with self._lock:
            return schema.read_pragmas(self._connection())

    def integrity_check(self) -> list[str]:
        """Full `PRAGMA integrity_check`: ["ok"] when the file is sound."""
        return [str(row[0]) for row in self._read("PRAGMA integrity_check", ())]

    # -- internals --
    def _open_with_retry(self) -> sqlite3.Connection:
        for attempt in range(BUSY_RETRIES):
            try:
                return schema.connect(self.path)
            except JournalError as error:
                if "locked" not in str(error) or attempt == BUSY_RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise JournalError(f"the journal {self.path} is closed.")
        return self._conn

    def _check_writable(self) -> None:
        if self.readonly:
            raise JournalReadOnly(f"the journal {self.path} was opened read-only: nothing can be saved here.")
        if self._broken is not None:
            raise JournalCorrupt(
                f"the journal {self.path} was found damaged ({self._broken}); ketavoice will not write to "
                f"it again: {RESTORE_HINT}."
            )

    def _ensure_patient(self, conn: sqlite3.Connection, patient_id: str, now: float) -> None:
        conn.execute("INSERT OR IGNORE INTO patients (id, created_at) VALUES (?, ?)", (patient_id, now))

    def _write(self, what: str, body: Callable[[sqlite3.Connection], T]) -> T:
        """Run `body` in one BEGIN IMMEDIATE transaction; return only after COMMIT succeeded."""
        with self._lock:
            self._check_writable()
            conn = self._connection()
            for attempt in range(BUSY_RETRIES):
                try:
                    with _transaction(conn):
                        result = body(conn)
                    break
                except sqlite3.Error as error:
                    if is_busy(error) and attempt < BUSY_RETRIES - 1:
                        time.sleep(0.02 * (attempt + 1))
                        continue
                    if is_corruption(error):
                        self._broken = getattr(error, "sqlite_errorname", "corrupt")
                    raise translate(error, what, str(self.path)) from None
            if not self._sides_checked:
                self._private_side_files()
            return result

    def _read(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            conn = self._connection()
            for attempt in range(BUSY_RETRIES):
                try:
                    return cast(list[tuple[Any, ...]], conn.execute(sql, params).fetchall())
                except sqlite3.Error as error:
                    if is_busy(error) and attempt < BUSY_RETRIES - 1:
                        time.sleep(0.02 * (attempt + 1))
                        continue
                    if is_corruption(error):
                        self._broken = getattr(error, "sqlite_errorname", "corrupt")
                    raise translate(error, "read it", str(self.path)) from None
            raise AssertionError("unreachable")

    def _private_side_files(self) -> None:
        """SQLite gives -wal/-shm the db's mode; tighten them anyway, whoever created them."""
        found = 0
        for suffix in SIDE_FILES:
            side = Path(f"{self.path}{suffix}")
            try:
                if os.stat(side).st_mode & 0o777 != 0o600:
                    os.chmod(side, 0o600)
                found += 1
            except FileNotFoundError:
                continue
            except OSError as error:
                raise translate_os(error, "protect the journal's side files", str(self.home)) from None
        self._sides_checked = found == len(SIDE_FILES)


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")  # in WAL mode the pages are written here: disk-full errors surface here
    except BaseException:
        if conn.in_transaction:
            with suppress(sqlite3.Error):  # keep the original error, not a failed rollback's
                conn.execute("ROLLBACK")
        raise


def _rowid(cur: sqlite3.Cursor) -> int:
    if cur.lastrowid is None:
        raise JournalError("the journal did not return a row id.")
    return int(cur.lastrowid)
