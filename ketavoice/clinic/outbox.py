"""The device side of replication: read the journal's outbox, mark what was delivered, apply acks.

It opens its own connection to the journal file (WAL lets it read and write beside the front end's), so
the replicating thread never waits on the UI's lock. Each record is read in its current state when it is
delivered: delivering it twice is the same upsert. Audio is never read or sent.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

from ketavoice.errors import JournalError
from ketavoice.journal import schema
from ketavoice.journal.sqlerrors import is_busy, translate
from ketavoice.textclean import storable

Kind = Literal["session", "mood", "note", "alert"]
T = TypeVar("T")
BUSY_RETRIES = 8


@dataclass(frozen=True)
class OutboxItem:
    """One queued record: `payload` is its current state (None if it is gone, which journals never do)."""

    seq: int
    kind: Kind
    row_id: int
    payload: dict[str, Any] | None


@dataclass(frozen=True)
class RefusedRecord:
    """A record the clinic store refused: kept only in this journal, named by kind and row id."""

    kind: str
    row_id: int

    def __str__(self) -> str:
        return f"{self.kind} {self.row_id}"


REFUSED_KIND = "clinic_refused"  # the audit row that marks a record quarantined (text: "KIND ROW_ID")


@dataclass(frozen=True)
class PulledAck:
    """An acknowledgement made elsewhere, applied here: `alert_id` is this journal's row id."""

    alert_id: int
    acknowledged_at: float
    acknowledged_by: str


@dataclass(frozen=True)
class RemoteAck:
    """An acknowledgement as the store holds it, naming its alert by the alert's globally unique id."""

    uid: str
    acknowledged_at: float
    acknowledged_by: str


@dataclass(frozen=True)
class Identity:
    """This journal's device id; `previous_device_id` is set once it was renamed as a copy of another."""

    device_id: str
    previous_device_id: str | None
    renewed_at: float | None


_PAYLOAD_SQL: dict[str, str] = {
    "session": "SELECT id, patient_id, dialogue, started_at, ended_at, status, room, uid FROM sessions"
    " WHERE id = ?",
    "mood": "SELECT m.id, m.session_id, s.patient_id, m.rating, m.created_at, s.room, m.uid FROM moods m"
    " JOIN sessions s ON s.id = m.session_id WHERE m.id = ?",
    "note": "SELECT n.id, n.session_id, s.patient_id, n.text, n.machine_transcript, n.status, n.created_at,"
    " s.room, n.uid FROM notes n JOIN sessions s ON s.id = n.session_id WHERE n.id = ?",
    "alert": "SELECT id, session_id, patient_id, level, certainty, text, created_at, acknowledged_at,"
    " acknowledged_by, room, uid FROM alerts WHERE id = ?",
}
_PAYLOAD_KEYS: dict[str, tuple[str, ...]] = {
    "session": ("id", "patient_id", "dialogue", "started_at", "ended_at", "status", "room", "uid"),
    "mood": ("id", "session_id", "patient_id", "rating", "created_at", "room", "uid"),
    "note": ("id", "session_id", "patient_id", "text", "machine_transcript", "status", "created_at", "room",
             "uid"),
    "alert": ("id", "session_id", "patient_id", "level", "certainty", "text", "created_at",
              "acknowledged_at", "acknowledged_by", "room", "uid"),
}
def unsaved_alert(
    *, local_id: int, session_id: int | None, patient_id: str, level: str, certainty: str, text: str,
    created_at: float, room: str,
) -> OutboxItem:
    """An alert the journal could not keep (a full disk), as an outbox record sent from memory. Its
    `local_id` is negative, so it can never collide with a journal row id of this device."""
    payload: dict[str, Any] = {
        "id": local_id, "session_id": session_id, "patient_id": patient_id, "level": level,
        "certainty": certainty, "text": text, "created_at": created_at, "acknowledged_at": None,
        "acknowledged_by": None, "room": room or None, "words": None, "uid": secrets.token_hex(16),
    }
    return OutboxItem(seq=0, kind="alert", row_id=local_id, payload=payload)


# The patient's own words that raised an alert: their last utterance in that session up to the alert.
_WORDS_SQL = (
    "SELECT text FROM audit WHERE session_id = ? AND actor = 'patient' AND kind IN ('heard', 'typed')"
    " AND at <= ? ORDER BY at DESC, id DESC LIMIT 1"
)


class Outbox:
    """The journal's outbox and device identity, on a connection of its own."""

    def __init__(self, journal_path: Path) -> None:
        self.path = Path(journal_path)
        self._conn: sqlite3.Connection | None = schema.connect(self.path)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- identity --
    def device_id(self) -> str:
        return str(self._one("SELECT device_id FROM clinic_device WHERE id = 1", ())[0])

    def identity(self) -> Identity:
        row = self._one(
            "SELECT device_id, previous_device_id, renewed_at FROM clinic_device WHERE id = 1", ())
        return Identity(str(row[0]), None if row[1] is None else str(row[1]),
                        None if row[2] is None else float(row[2]))

    def renew_device_id(self, copied_from: str, now: float) -> str:
        """Give this journal a new device id because the store holds other records under `copied_from`
        (this file is a restored backup or a clone). Only if it still has that id: another replicator
        on the same journal may have renewed it first. Audited; returns the id in force afterwards."""
        self._write("give the journal a new device identity", lambda conn: _renew(
            conn, copied_from, f"the clinic store holds other records under device {copied_from}", now))
        return self.device_id()

    def bind_to_file(self, now: float) -> str | None:
        """Bind the identity to this file (device and inode). A journal recorded as living in another
        file was copied (`cp -a` of a home, a backup restored as a new file): it takes a new device id
        at once, before it delivers or publishes anything. Returns the id it was copied from, if so."""
        try:
            stat = os.stat(self.path)
        except OSError as error:
            raise JournalError(f"could not read the journal {self.path} ({error.strerror}).") from None
        here = f"{stat.st_dev}:{stat.st_ino}"
        if self._one("SELECT file_id FROM clinic_device WHERE id = 1", ())[0] == here:
            return None
        copied: list[str] = []

        def write(conn: sqlite3.Connection) -> None:
            copied.clear()
            device_id, bound = conn.execute(
                "SELECT device_id, file_id FROM clinic_device WHERE id = 1").fetchone()
            if bound is not None and bound != here and _renew(
                    conn, str(device_id), "this journal was made in another file", now):
                copied.append(str(device_id))
            conn.execute("UPDATE clinic_device SET file_id = ? WHERE id = 1", (here,))

        self._write("bind the journal's identity to its file", write)
        return copied[0] if copied else None

    def room(self) -> str:
        value = self._one("SELECT room FROM clinic_device WHERE id = 1", ())[0]
        return "" if value is None else str(value)

    def set_room(self, room: str) -> None:
        """Name this machine's room; records made from now on carry it."""
        if room == self.room():
            return
        self._write("set the room name", lambda c: c.execute(
            "UPDATE clinic_device SET room = ? WHERE id = 1", (room or None,)))

    # -- outgoing --
    def pending_count(self) -> int:
        return int(self._one("SELECT count(*) FROM outbox", ())[0])

    def pending_alert_count(self) -> int:
        return int(self._one("SELECT count(*) FROM outbox WHERE kind = 'alert'", ())[0])

    def alert_waiting(self) -> bool:
        return bool(self._all("SELECT 1 FROM outbox WHERE kind = 'alert' LIMIT 1", ()))

    def pending(self, limit: int = 200, default_room: str = "") -> list[OutboxItem]:
        """The oldest `limit` queued records, in the order they were written, with their current state.
        A record made before this machine had a room name gets `default_room`."""
        rows = self._all("SELECT seq, kind, row_id FROM outbox ORDER BY seq LIMIT ?", (limit,))
        items: list[OutboxItem] = []
        for seq, kind, row_id in rows:
            payload = self._payload(kind, int(row_id))
            if payload is not None and not payload["room"]:
                payload["room"] = default_room or None
            items.append(OutboxItem(int(seq), kind, int(row_id), payload))
        return items

    def mark_delivered(self, seqs: Sequence[int]) -> None:
        if not seqs:
            return

        def write(conn: sqlite3.Connection) -> None:
            conn.executemany("DELETE FROM outbox WHERE seq = ?", [(seq,) for seq in seqs])

        self._write("mark records delivered", write)

    def quarantine(self, item: OutboxItem, now: float) -> None:
        """Take a record the store refused out of the queue, so it never blocks the ones behind it. The
        record itself stays in the journal; an audit row (no patient words) marks it refused."""
        payload = item.payload or {}
        session = payload.get("id") if item.kind == "session" else payload.get("session_id")

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM outbox WHERE seq = ?", (item.seq,))
            conn.execute(
                "INSERT INTO audit (session_id, actor, kind, text, at) VALUES (?, 'system', ?, ?, ?)",
                (session, REFUSED_KIND, f"{item.kind} {item.row_id}", now),
            )

        self._write("set aside a record the clinic store refused", write)

    def refused(self) -> list[RefusedRecord]:
        """Every record the store refused so far, oldest first, each once."""
        rows = self._all("SELECT text FROM audit WHERE kind = ? GROUP BY text ORDER BY min(id)",
                         (REFUSED_KIND,))
        found: list[RefusedRecord] = []
        for (text,) in rows:
            kind, _, row_id = str(text).partition(" ")
            if row_id.lstrip("-").isdigit():
                found.append(RefusedRecord(kind, int(row_id)))
        return found

    # -- incoming --
    def open_alert_uids(self) -> list[str]:
        return [str(row[0]) for row in self._all(
            "SELECT uid FROM alerts WHERE acknowledged_at IS NULL ORDER BY id", ())]

    def apply_acks(self, acks: Sequence[RemoteAck], now: float) -> list[PulledAck]:
        """Write acknowledgements made elsewhere (the station) to the journal, each audited; each applies
        only to the alert its uid names (never by row id, which a restored journal reuses).
        Returns those that closed an alert still open here."""
        applied: list[PulledAck] = []

        def write(conn: sqlite3.Connection) -> None:
            applied.clear()
            for ack in acks:
                rows = conn.execute(
                    "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?"
                    " WHERE uid = ? AND acknowledged_at IS NULL RETURNING id, session_id",
                    (ack.acknowledged_at, ack.acknowledged_by, ack.uid),
                ).fetchall()
                for row in rows:
                    alert_id = int(row[0])
                    conn.execute(
                        "INSERT INTO audit (session_id, actor, kind, text, at) VALUES (?, 'staff', ?, ?, ?)",
                        (row[1], "acknowledge_remote",
                         f"alert {alert_id} acknowledged at the station by {ack.acknowledged_by}", now),
                    )
                    applied.append(PulledAck(alert_id, ack.acknowledged_at, ack.acknowledged_by))

        if acks:
            self._write("record acknowledgements from the station", write)
        return list(applied)

    # -- status for the station --
    def last_mood(self, patient_id: str) -> int | None:
        row = self._all(
            "SELECT m.rating FROM moods m JOIN sessions s ON s.id = m.session_id WHERE s.patient_id = ?"
            " ORDER BY m.created_at DESC, m.id DESC LIMIT 1", (patient_id,))
        return int(row[0][0]) if row else None

    # -- internals --
    def _payload(self, kind: str, row_id: int) -> dict[str, Any] | None:
        rows = self._all(_PAYLOAD_SQL[kind], (row_id,))
        if not rows:
            return None
        payload = dict(zip(_PAYLOAD_KEYS[kind], rows[0], strict=True))
        if kind == "alert":
            words: str | None = None
            if payload["session_id"] is not None:
                found = self._all(_WORDS_SQL, (payload["session_id"], payload["created_at"]))
                words = str(found[0][0]) if found else None
            payload["words"] = words
        # Rows written before input was cleaned may hold a NUL: cleaned here, so an alert still arrives.
        return {key: storable(value) if isinstance(value, str) else value for key, value in payload.items()}

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise JournalError(f"the outbox of {self.path} is closed.")
        return self._conn

    def _one(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...]:
        rows = self._all(sql, params)
        if not rows:
            raise JournalError(f"the journal {self.path} has no clinic identity (schema too old?).")
        return rows[0]

    def _all(self, sql: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        return self._retry("read the outbox", lambda conn: list(conn.execute(sql, params).fetchall()))

    def _write(self, what: str, body: Callable[[sqlite3.Connection], object]) -> None:
        def run(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                body(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

        self._retry(what, run)

    def _retry(self, what: str, body: Callable[[sqlite3.Connection], T]) -> T:
        conn = self._connection()
        for attempt in range(BUSY_RETRIES):
            try:
                return body(conn)
            except sqlite3.Error as error:
                if is_busy(error) and attempt < BUSY_RETRIES - 1:
                    time.sleep(0.02 * (attempt + 1))
                    continue
                raise translate(error, what, str(self.path)) from None
        raise AssertionError("unreachable")


def _renew(conn: sqlite3.Connection, copied_from: str, why: str, now: float) -> bool:
    """A new device id for a journal found to be a copy of `copied_from`, audited (in the caller's
    transaction); False when it no longer has that id (another replicator renewed it first)."""
    new_id = secrets.token_hex(16)
    cur = conn.execute(
        "UPDATE clinic_device SET device_id = ?, previous_device_id = ?, renewed_at = ?"
        " WHERE id = 1 AND device_id = ?", (new_id, copied_from, now, copied_from))
    if cur.rowcount != 1:
        return False
    conn.execute(
        "INSERT INTO audit (session_id, actor, kind, text, at) VALUES (NULL, 'system', ?, ?, ?)",
        ("device_renewed", f"{why}: this journal is a copy (restored or cloned) and is now device {new_id}",
         now))
    return True
