"""Opening a journal file safely: identify it, check it, set and verify pragmas, migrate its schema.

Nothing here writes to a file before it is known to be ours: it is identified and checked through a
read-only connection first (`probe`), so a foreign, damaged, empty or linked file is refused with its
bytes, its side files and its mode untouched, never reset. A new journal is written whole under a
temporary name and only then linked into place, so an empty file under the journal's name is never ours.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import sqlite3
from pathlib import Path

from ketavoice.errors import JournalCorrupt, JournalError
from ketavoice.journal import probe
from ketavoice.journal.outbox_schema import CLINIC_OUTBOX_MIGRATION
from ketavoice.journal.sqlerrors import RESTORE_HINT, is_corruption, translate, translate_os
from ketavoice.journal.uid_schema import RECORD_UID_MIGRATION

APPLICATION_ID = 0x4B564A4E  # "KVJN": marks a SQLite file as a ketavoice journal.
BUSY_TIMEOUT_MS = 5000

# Ordered schema steps; step N (1-based) brings user_version from N-1 to N, each in one transaction.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE patients (
            id TEXT PRIMARY KEY NOT NULL,
            created_at REAL NOT NULL
        )""",
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            patient_id TEXT NOT NULL REFERENCES patients(id),
            dialogue TEXT NOT NULL,
            started_at REAL NOT NULL,
            ended_at REAL,
            status TEXT
        )""",
        "CREATE INDEX sessions_by_patient ON sessions(patient_id, started_at)",
        """CREATE TABLE moods (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            rating INTEGER NOT NULL,
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX moods_by_session ON moods(session_id)",
        """CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            text TEXT NOT NULL,
            audio_path TEXT,
            machine_transcript INTEGER NOT NULL CHECK (machine_transcript IN (0, 1)),
            status TEXT NOT NULL CHECK (status IN ('saved', 'draft')),
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX notes_by_session ON notes(session_id)",
        """CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            patient_id TEXT NOT NULL REFERENCES patients(id),
            session_id INTEGER REFERENCES sessions(id),
            level TEXT NOT NULL,
            text TEXT NOT NULL,
            created_at REAL NOT NULL,
            acknowledged_at REAL,
            acknowledged_by TEXT
        )""",
        "CREATE INDEX open_alerts ON alerts(acknowledged_at, patient_id)",
        """CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            session_id INTEGER REFERENCES sessions(id),
            actor TEXT NOT NULL CHECK (actor IN ('patient', 'assistant', 'staff', 'system')),
            kind TEXT NOT NULL,
            text TEXT NOT NULL,
            at REAL NOT NULL
        )""",
        "CREATE INDEX audit_by_session ON audit(session_id, at)",
    ),
    (
        # Version 2: an alert is certain (the full script ran) or possible (a check question was asked).
        "ALTER TABLE alerts ADD COLUMN certainty TEXT NOT NULL DEFAULT 'certain'"
        " CHECK (certainty IN ('certain', 'possible'))",
    ),
    (
        # Screenings: one row per administered instrument (ASQ, PHQ-2/9, GAD-2/7); `answers` is a JSON list
        # of {"item", "answer", "value"} in the order asked.
        """CREATE TABLE screenings (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            instrument TEXT NOT NULL,
            form TEXT NOT NULL,
            answers TEXT NOT NULL,
            score INTEGER NOT NULL,
            severity TEXT NOT NULL,
            positive INTEGER NOT NULL CHECK (positive IN (0, 1)),
            crisis INTEGER NOT NULL CHECK (crisis IN (0, 1)),
            acute INTEGER NOT NULL CHECK (acute IN (0, 1)),
            complete INTEGER NOT NULL CHECK (complete IN (0, 1)),
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX screenings_by_session ON screenings(session_id)",
    ),
    CLINIC_OUTBOX_MIGRATION,
    (
        # Version 5: every screening item ends in a record with a status (answered / declined / unclear,
        # in each `answers` entry); `unanswered` counts the items not answered, so a query can find the
        # incomplete screens without reading the JSON. Older rows: only the ASQ's "declined" answer was
        # not an answer.
        "ALTER TABLE screenings ADD COLUMN unanswered INTEGER NOT NULL DEFAULT 0 CHECK (unanswered >= 0)",
        """UPDATE screenings SET unanswered = (
            SELECT count(*) FROM json_each(screenings.answers)
            WHERE json_extract(json_each.value, '$.answer') = 'declined'
        )""",
        # Answers the patient is told are noted ("I'll note it"): side-effect checks, better/same/worse.
        """CREATE TABLE step_answers (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            step TEXT NOT NULL,
            question TEXT NOT NULL,
            answer TEXT NOT NULL,
            said TEXT NOT NULL,
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX step_answers_by_session ON step_answers(session_id)",
    ),
    (
        # Version 6: questions with no approved answer, kept for the care team (ask-anything).
        """CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id),
            text TEXT NOT NULL,
            created_at REAL NOT NULL
        )""",
        "CREATE INDEX questions_by_session ON questions(session_id)",
    ),
    RECORD_UID_MIGRATION,  # Version 7: a globally unique id per replicated record (see uid_schema).
)
SCHEMA_VERSION = len(MIGRATIONS)

# pragma -> (value to set, value PRAGMA reads back)
PRAGMAS: dict[str, tuple[str, object]] = {
    "busy_timeout": (str(BUSY_TIMEOUT_MS), BUSY_TIMEOUT_MS),
    "journal_mode": ("WAL", "wal"),
    "synchronous": ("FULL", 2),
    "secure_delete": ("ON", 1),
    "foreign_keys": ("ON", 1),
}


def create(path: Path) -> None:
    """Write a new, fully migrated journal at `path` unless one appears there first (another process).

    The journal is built under a temporary name (0600), closed (which folds its WAL in), fsynced and then
    hard-linked to `path`: the name never points at a half-made or empty file.
    """
    where = str(path)
    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.new")
    try:
        try:
            os.close(os.open(temp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
            conn = sqlite3.connect(temp, isolation_level=None, check_same_thread=False)
            try:
                apply_pragmas(conn, where)
                _migrate(conn, where)
            finally:
                conn.close()
            fd = os.open(temp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            _link_into_place(temp, path)
            _fsync_dir(path.parent)
        except sqlite3.Error as error:
            raise translate(error, "create it", where) from None
        except OSError as error:
            raise translate_os(error, "create the journal", str(path.parent)) from None
    finally:
        for leftover in (temp, Path(f"{temp}-wal"), Path(f"{temp}-shm"), Path(f"{temp}-journal")):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _link_into_place(temp: Path, path: Path) -> None:
    """Give the finished journal its name without ever replacing a journal another process made first."""
    try:
        os.link(temp, path)
    except FileExistsError:
        return  # another process made it first: theirs is used
    except OSError as error:
        if error.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EMLINK):
            raise
        if not path.exists() and not path.is_symlink():  # a file system without hard links
            os.rename(temp, path)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check_read_only(path: Path) -> probe.ReadOnlyConnection:
    """Identify and check `path` without writing anything; the open read-only connection on success.

    Raises JournalCorrupt for anything that is not a sound ketavoice journal, JournalError for a journal
    newer than this ketavoice, and a cause-specific JournalError (full disk, lock...) when it cannot tell.
    """
    where = str(path)
    probe.check_file(path)
    reader = probe.open_read_only(path)
    try:
        reader.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _identify(reader.conn, where)
        _quick_check(reader.conn, where)
    except BaseException:
        probe.close_quietly(reader)
        raise
    return reader


def connect(path: Path) -> sqlite3.Connection:
    """Open `path` as a checked, migrated journal connection (autocommit; callers BEGIN themselves).

    The file must exist (see `create`); it is checked read-only first and opened for writing only once it
    is known to be a sound ketavoice journal.
    """
    where = str(path)
    probe.close_quietly(check_read_only(path))
    try:
        if os.lstat(path).st_mode & 0o777 != 0o600:
            os.chmod(path, 0o600)  # ours (just identified) and not a link (checked): safe to tighten
        conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
    except sqlite3.Error as error:
        raise translate(error, "open it", where) from None
    except OSError as error:
        raise translate_os(error, "open the journal", str(path.parent)) from None
    try:
        set_pragma(conn, "busy_timeout", where)
        _identify(conn, where)
        # journal_mode=WAL rewrites the header, so it only runs once the file is known to be ours.
        apply_pragmas(conn, where)
        before = int(conn.execute("PRAGMA user_version").fetchone()[0])
        _migrate(conn, where)
        if before < SCHEMA_VERSION:
            # Move the schema's pages out of the WAL at once, so everyday writes start with a short log.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    except BaseException:
        conn.close()
        raise
    return conn


def apply_pragmas(conn: sqlite3.Connection, where: str) -> None:
    """Set every pragma in PRAGMAS and read each back; JournalError if one did not take."""
    for name in PRAGMAS:
        set_pragma(conn, name, where)


def read_pragmas(conn: sqlite3.Connection) -> dict[str, object]:
    """The current values of the pragmas we rely on, as SQLite reports them."""
    values: dict[str, object] = {}
    for name in PRAGMAS:
        values[name] = conn.execute(f"PRAGMA {name}").fetchone()[0]
    return values


def set_pragma(conn: sqlite3.Connection, name: str, where: str) -> None:
    value, expected = PRAGMAS[name]
    try:
        conn.execute(f"PRAGMA {name} = {value}").fetchall()
        row = conn.execute(f"PRAGMA {name}").fetchone()
    except sqlite3.Error as error:
        raise translate(error, f"set PRAGMA {name}", where) from None
    actual = row[0] if row else None
    if isinstance(actual, str) and isinstance(expected, str):
        actual = actual.lower()
    if actual != expected:
        raise JournalError(f"the journal {where} refused PRAGMA {name}={value} (it reads back {actual!r}).")


def _identify(conn: sqlite3.Connection, where: str) -> bool:
    """True for an empty SQLite database (nothing to lose: it becomes a journal); raise for anything that is
    not a ketavoice journal we can read. Errors that are not damage (full disk, lock) keep their own message.
    """
    try:
        # One read transaction, so a concurrent first migration is seen entirely or not at all.
        conn.execute("BEGIN")
        try:
            app_id = int(conn.execute("PRAGMA application_id").fetchone()[0])
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            objects = int(conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])
        finally:
            if conn.in_transaction:
                conn.execute("COMMIT")
    except sqlite3.Error as error:
        if not is_corruption(error):
            raise translate(error, "open it", where) from None
        raise probe.damaged(where, error) from None
    if app_id == 0 and version == 0 and objects == 0:
        return True
    if app_id != APPLICATION_ID:
        raise JournalCorrupt(
            f"{where} is a SQLite database but not a ketavoice journal (application_id {app_id:#x}); "
            f"ketavoice will not touch it: {RESTORE_HINT}, or point KETAVOICE_HOME elsewhere."
        )
    if version > SCHEMA_VERSION:
        raise JournalError(
            f"the journal {where} has schema version {version}, newer than this ketavoice knows "
            f"({SCHEMA_VERSION}): upgrade ketavoice to read it. The file was not changed."
        )
    return False


def _quick_check(conn: sqlite3.Connection, where: str) -> None:
    try:
        rows = conn.execute("PRAGMA quick_check").fetchall()
    except sqlite3.Error as error:
        if not is_corruption(error):
            raise translate(error, "check it", where) from None
        raise JournalCorrupt(
            f"the journal {where} is damaged ({getattr(error, 'sqlite_errorname', 'error')}); "
            f"ketavoice will not write to it: {RESTORE_HINT}."
        ) from None
    if [tuple(row) for row in rows] != [("ok",)]:
        raise JournalCorrupt(
            f"the journal {where} is damaged ({len(rows)} problem(s) found by quick_check); "
            f"ketavoice will not write to it: {RESTORE_HINT}."
        )


def _migrate(conn: sqlite3.Connection, where: str) -> None:
    """Apply missing steps, each in its own BEGIN IMMEDIATE transaction (re-reading the version inside it,
    since another process may have migrated in the meantime)."""
    for target, steps in enumerate(MIGRATIONS, start=1):
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                current = int(conn.execute("PRAGMA user_version").fetchone()[0])
                if current < target:
                    for statement in steps:
                        conn.execute(statement)
                    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                    conn.execute(f"PRAGMA user_version = {target}")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            raise translate(error, f"upgrade its schema to version {target}", where) from None
