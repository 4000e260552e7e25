"""Opening a journal file safely: identify it, check it, set and verify pragmas, migrate its schema.

Nothing here writes to a file before it is known to be ours (or empty): a foreign or damaged file is
refused with the bytes untouched, never reset.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from ketavoice.errors import JournalCorrupt, JournalError
from ketavoice.journal.outbox_schema import CLINIC_OUTBOX_MIGRATION
from ketavoice.journal.sqlerrors import RESTORE_HINT, translate

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


def connect(path: Path) -> sqlite3.Connection:
    """Open `path` as a checked, migrated journal connection (autocommit; callers BEGIN themselves)."""
    where = str(path)
    try:
        conn = sqlite3.connect(
            path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_MS / 1000
        )
    except sqlite3.Error as error:
        raise translate(error, "open it", where) from None
    try:
        set_pragma(conn, "busy_timeout", where)
        fresh = _identify(conn, where)
        if not fresh:
            _quick_check(conn, where)
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
    """True for a brand-new empty file; raise for anything that is not a ketavoice journal we can read."""
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
        raise JournalCorrupt(
            f"{where} is damaged or not a SQLite database ({getattr(error, 'sqlite_errorname', 'error')}); "
            f"ketavoice will not touch it: {RESTORE_HINT}."
        ) from None
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
