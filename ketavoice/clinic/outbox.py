"""The device side of replication: read the journal's outbox, mark what was delivered, apply acks.

It opens its own connection to the journal file (WAL lets it read and write beside the front end's), so
the replicating thread never waits on the UI's lock. Each record is read in its current state when it is
delivered: delivering it twice is the same upsert. Audio is never read or sent.
"""

from __future__ import annotations

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
    alert_id: int
    acknowledged_at: float
    acknowledged_by: str


_PAYLOAD_SQL: dict[str, str] = {
    "session": "SELECT id, patient_id, dialogue, started_at, ended_at, status, room FROM sessions"
    " WHERE id = ?",
    "mood": "SELECT m.id, m.session_id, s.patient_id, m.rating, m.created_at, s.room FROM moods m"
    " JOIN sessions s ON s.id = m.session_id WHERE m.id = ?",
    "note": "SELECT n.id, n.session_id, s.patient_id, n.text, n.machine_transcript, n.status, n.created_at,"
    " s.room FROM notes n JOIN sessions s ON s.id = n.session_id WHERE n.id = ?",
    "alert": "SELECT id, session_id, patient_id, level, certainty, text, created_at, acknowledged_at,"
    " acknowledged_by, room FROM alerts WHERE id = ?",
}
_PAYLOAD_KEYS: dict[str, tuple[str, ...]] = {
    "session": ("id", "patient_id", "dialogue", "started_at", "ended_at", "status", "room"),
    "mood": ("id", "session_id", "patient_id", "rating", "created_at", "room"),
    "note": ("id", "session_id", "patient_id", "text", "machine_transcript", "status", "created_at", "room"),
    "alert": ("id", "session_id", "patient_id", "level", "certainty", "text", "created_at",
              "acknowledged_at", "acknowledged_by", "room"),
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
        "acknowledged_by": None, "room": room or None, "words": None,
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
    def open_alert_ids(self) -> list[int]:
        return [int(row[0]) for row in self._all(
            "SELECT id FROM alerts WHERE acknowledged_at IS NULL ORDER BY id", ())]

    def apply_acks(self, acks: Sequence[PulledAck], now: float) -> list[PulledAck]:
        """Write acknowledgements made elsewhere (the station) to the journal, each audited.
        Returns those that closed an alert still open here."""
        applied: list[PulledAck] = []

        def write(conn: sqlite3.Connection) -> None:
            applied.clear()
            for ack in acks:
                cur = conn.execute(
                    "UPDATE alerts SET acknowledged_at = ?, acknowledged_by = ?"
                    " WHERE id = ? AND acknowledged_at IS NULL",
                    (ack.acknowledged_at, ack.acknowledged_by, ack.alert_id),
                )
                if cur.rowcount == 1:
                    session = conn.execute(
                        "SELECT session_id FROM alerts WHERE id = ?", (ack.alert_id,)).fetchone()
                    conn.execute(
                        "INSERT INTO audit (session_id, actor, kind, text, at) VALUES (?, 'staff', ?, ?, ?)",
                        (session[0] if session else None, "acknowledge_remote",
                         f"alert {ack.alert_id} acknowledged at the station by {ack.acknowledged_by}", now),
                    )
                    applied.append(ack)

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
