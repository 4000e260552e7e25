"""The clinic store on PostgreSQL (psycopg 3, imported lazily: a device without it works alone).

Every statement passes values as parameters, never as literals, so a patient's words never appear in a
statement the server might log. Driver errors become `ClinicUnreachable`/`ClinicError` with the
password removed and no SQL or values quoted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.liveness import (
    MIGRATION_DEADLINE_S,
    OPERATION_DEADLINE_S,
    WATCHDOG,
    connection_options,
    cut_socket,
)
from ketavoice.clinic.outbox import OutboxItem, RemoteAck
from ketavoice.clinic.pgschema import MIGRATION_LOCK, PG_MIGRATIONS, PG_SCHEMA_VERSION
from ketavoice.errors import ClinicError, ClinicRefused, ClinicUnreachable, RecordCollision

if TYPE_CHECKING:
    import psycopg

_ALERT_COLUMNS = (
    "id, device_id, local_id, coalesce(room, ''), patient_id, level, certainty, text, words, created_at,"
    " acknowledged_at, acknowledged_by, received_at"
)
AckOutcome = Literal["acknowledged", "already", "missing"]


@dataclass(frozen=True)
class ClinicAlert:
    """One alert as staff see it (`id` is the clinic-wide id)."""

    id: int
    device_id: str
    local_id: int
    room: str
    patient: str
    level: str
    certainty: str
    text: str
    words: str | None
    created_at: float
    acknowledged_at: float | None
    acknowledged_by: str | None
    # When the store took it (the server's clock): staff lists are ordered by it, not by the device's
    # clock, so a device hours slow cannot file its new emergency below old alerts.
    received_at: float | None = None


@dataclass(frozen=True)
class DeviceStatus:
    device_id: str
    room: str
    patient: str
    step: str
    last_mood: int | None
    updated_at: float
    note: str = ""
    seen_at: float | None = None  # the store's clock


def import_psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise ClinicError(
            "the clinic store needs psycopg: install ketavoice with the clinic extra "
            "(pip install -e '.[clinic]')"
        ) from None
    return psycopg


def connect(config: ClinicConfig, *, autocommit: bool = False) -> psycopg.Connection[Any]:
    """A connection to the clinic store; ClinicUnreachable (password hidden) when it does not answer."""
    psycopg_module = import_psycopg()
    try:
        conn: psycopg.Connection[Any] = psycopg_module.connect(
            config.database_url, autocommit=autocommit, application_name="ketavoice",
            **connection_options(),
        )
    except psycopg_module.Error as error:
        raise ClinicUnreachable(
            f"the clinic store at {config.safe_url} cannot be reached: {describe(error, config)}"
        ) from None
    return conn


def describe(error: BaseException, config: ClinicConfig) -> str:
    """A driver error in one line: its first line, password removed, no SQL text or values."""
    sqlstate = getattr(error, "sqlstate", None)
    diag = getattr(error, "diag", None)
    primary = getattr(diag, "message_primary", None) if diag is not None else None
    first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    text = primary or first_line
    if sqlstate and sqlstate[:2] in ("22", "23"):
        # Data and constraint errors may quote the offending value, which can be a patient's words.
        text = "a record was refused by the server (data or constraint error)"
    text = config.hide_secrets(str(text))
    return f"{text} ({sqlstate})" if sqlstate else text


class ClinicStore:
    """One connection to the clinic store, migrated on open. Not shared between threads."""

    def __init__(self, config: ClinicConfig) -> None:
        self.config = config
        self._psycopg = import_psycopg()
        self.conn = connect(config)
        with self._errors("prepare the clinic store", MIGRATION_DEADLINE_S):
            migrate(self.conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ClinicStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return bool(self.conn.closed)

    @contextmanager
    def _errors(self, what: str, deadline: float = OPERATION_DEADLINE_S) -> Iterator[None]:
        """Driver errors as ClinicError/ClinicUnreachable; an operation the store has not answered after
        `deadline` seconds is cut (see liveness) and reported unreachable."""
        try:
            fileno = self.conn.fileno()
        except self._psycopg.Error:
            fileno = -1
        try:
            with WATCHDOG.guard(deadline, lambda: cut_socket(fileno) if fileno >= 0 else None) as expired:
                yield
        except self._psycopg.OperationalError as error:
            cause = f"no answer in {deadline:g} s" if expired() else describe(error, self.config)
            self._rollback_quietly()
            raise ClinicUnreachable(
                f"could not {what}: the clinic store at {self.config.safe_url} stopped answering ({cause})"
            ) from None
        except (self._psycopg.DataError, self._psycopg.IntegrityError) as error:
            # The server (or the driver, for a NUL) answered: this record can't be stored as it is. A
            # reused (device id, row id) is no bad record but a copied journal: renamed, never set aside.
            self._rollback_quietly()
            if _is_key_reuse(error):
                raise RecordCollision(
                    f"could not {what}: the store holds another record under this device's id and row id "
                    "(this journal is a copy)") from None
            raise ClinicRefused(f"could not {what}: {describe(error, self.config)}") from None
        except self._psycopg.Error as error:
            self._rollback_quietly()
            if _is_key_reuse(error):
                raise RecordCollision(
                    f"could not {what}: the store holds another record under this device's id and row id "
                    "(this journal is a copy)") from None
            raise ClinicError(f"could not {what}: {describe(error, self.config)}") from None

    def _rollback_quietly(self) -> None:
        try:
            if not self.conn.closed:
                self.conn.rollback()
        except self._psycopg.Error:
            pass

    # -- device side --
    def deliver(self, device_id: str, items: Sequence[OutboxItem]) -> None:
        """Upsert `items` in order, in one transaction (all or nothing)."""
        with self._errors("deliver records"), self.conn.transaction(), self.conn.cursor() as cur:
            for item in items:
                if item.payload is None:
                    continue
                sql, params = _upsert(device_id, item)
                cur.execute(sql, params)

    def reused_keys(self, device_id: str, items: Sequence[OutboxItem]) -> int:
        """How many of `items` name a (device id, row id) the store holds under a different uid: more than
        none means this journal is a copy (restored from backup, or a cloned home)."""
        found = 0
        with self._errors("check record identities"), self.conn.transaction(), self.conn.cursor() as cur:
            for kind, table in _TABLES.items():
                keyed = [(i.payload["id"], i.payload["uid"]) for i in items if i.kind == kind and i.payload]
                if not keyed:
                    continue
                cur.execute(
                    f"SELECT count(*) FROM {table} t"
                    " JOIN unnest(%s::bigint[], %s::text[]) AS i(local_id, uid)"
                    " ON t.local_id = i.local_id WHERE t.device_id = %s AND t.uid <> i.uid",
                    ([k[0] for k in keyed], [k[1] for k in keyed], device_id),
                )
                row = cur.fetchone()
                found += int(row[0]) if row else 0
        return found

    def acks_for(self, alert_uids: Sequence[str]) -> list[RemoteAck]:
        """Acknowledgements of these alerts, matched by their globally unique id only."""
        if not alert_uids:
            return []
        with self._errors("read acknowledgements"), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                "SELECT uid, acknowledged_at, acknowledged_by FROM alerts WHERE uid = ANY(%s)"
                " AND acknowledged_at IS NOT NULL ORDER BY id",
                (list(alert_uids),),
            )
            rows = cur.fetchall()
        return [RemoteAck(str(r[0]), float(r[1]), str(r[2] or "staff")) for r in rows]

    def publish_status(self, status: DeviceStatus) -> None:
        with self._errors("publish the device status"), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                "INSERT INTO devices (device_id, room, patient_id, step, last_mood, updated_at, note,"
                " seen_at) VALUES (%s, %s, %s, %s, %s, %s, %s, extract(epoch FROM clock_timestamp()))"
                " ON CONFLICT (device_id) DO UPDATE SET"
                " room = EXCLUDED.room, patient_id = EXCLUDED.patient_id, step = EXCLUDED.step,"
                " last_mood = EXCLUDED.last_mood, updated_at = EXCLUDED.updated_at, note = EXCLUDED.note,"
                " seen_at = EXCLUDED.seen_at",
                (status.device_id, status.room or None, status.patient or None, status.step or None,
                 status.last_mood, status.updated_at, status.note or None),
            )

    # -- staff side --
    def alerts(self, *, open_only: bool = False, room: str | None = None) -> list[ClinicAlert]:
        with self._errors("read alerts"), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                f"SELECT {_ALERT_COLUMNS} FROM alerts"
                " WHERE (NOT %s OR acknowledged_at IS NULL) AND (%s::text IS NULL OR room = %s::text)"
                " ORDER BY received_at DESC, id DESC",
                (open_only, room, room),
            )
            rows = cur.fetchall()
        return [ClinicAlert(*row) for row in rows]

    def alert(self, alert_id: int) -> ClinicAlert | None:
        with self._errors("read the alert"), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                f"SELECT {_ALERT_COLUMNS} FROM alerts WHERE id = %s",
                (alert_id,),
            )
            row = cur.fetchone()
        return ClinicAlert(*row) if row is not None else None

    def acknowledge(self, alert_id: int, staff: str, via: str, now: float | None = None) -> AckOutcome:
        """Acknowledge one alert (the server's trigger audits it); its device pulls it on its next sync."""
        at = time.time() if now is None else now
        with self._errors("acknowledge the alert"), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                "UPDATE alerts SET acknowledged_at = %s, acknowledged_by = %s, acknowledged_via = %s"
                " WHERE id = %s AND acknowledged_at IS NULL",
                (at, staff, via, alert_id),
            )
            if cur.rowcount == 1:
                return "acknowledged"
            cur.execute("SELECT 1 FROM alerts WHERE id = %s", (alert_id,))
            return "already" if cur.fetchone() is not None else "missing"

    def devices(self) -> list[DeviceStatus]:
        with self._errors("read the rooms"), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                "SELECT device_id, coalesce(room, ''), coalesce(patient_id, ''), coalesce(step, ''),"
                " last_mood, updated_at, coalesce(note, ''), seen_at FROM devices ORDER BY room, device_id"
            )
            rows = cur.fetchall()
        return [DeviceStatus(*row) for row in rows]

    def health(self) -> tuple[float, bool]:
        """The store's clock and whether it accepts writes now (not read-only, not a standby)."""
        with self._errors("check the store"), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                "SELECT extract(epoch FROM clock_timestamp())::double precision,"
                " current_setting('transaction_read_only') = 'off' AND NOT pg_is_in_recovery()"
            )
            row = cur.fetchone()
        return (float(row[0]), bool(row[1])) if row else (time.time(), False)

    def acknowledgements(self, alert_id: int) -> list[tuple[str, float, str]]:
        with self._errors("read the audit"), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(
                "SELECT staff, acknowledged_at, via FROM acknowledgements WHERE alert_id = %s ORDER BY id",
                (alert_id,),
            )
            return [(str(r[0]), float(r[1]), str(r[2])) for r in cur.fetchall()]

    def count(self, table: Literal["sessions", "moods", "notes", "alerts"]) -> int:
        with self._errors("count records"), self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {table}")
            row = cur.fetchone()
        return int(row[0]) if row else 0


def migrate(conn: psycopg.Connection[Any]) -> int:
    """Bring the store's schema to PG_SCHEMA_VERSION; refuse a newer one. Returns the version.
    A store already current is only read: no lock, so a stalled device that holds the lock (its
    transaction open until the server's idle timeout ends it) cannot keep every other device out."""
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT to_regclass('schema_version') IS NOT NULL")
        row = cur.fetchone()
        if row and row[0]:
            cur.execute("SELECT coalesce(max(version), 0) FROM schema_version")
            row = cur.fetchone()
            if row and int(row[0]) == PG_SCHEMA_VERSION:
                return PG_SCHEMA_VERSION
    with conn.transaction(), conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        cur.execute("SELECT coalesce(max(version), 0) FROM schema_version")
        row = cur.fetchone()
        current = int(row[0]) if row else 0
        if current > PG_SCHEMA_VERSION:
            raise ClinicError(
                f"the clinic store has schema version {current}, newer than this ketavoice knows "
                f"({PG_SCHEMA_VERSION}): upgrade ketavoice on this machine."
            )
        for target in range(current + 1, PG_SCHEMA_VERSION + 1):
            for statement in PG_MIGRATIONS[target - 1]:
                cur.execute(statement)  # fixed DDL, no values
            cur.execute("INSERT INTO schema_version (version) VALUES (%s)", (target,))
    return PG_SCHEMA_VERSION


_TABLES = {"session": "sessions", "mood": "moods", "note": "notes", "alert": "alerts"}


def _is_key_reuse(error: BaseException) -> bool:
    """A unique violation of a (device_id, local_id) primary key: the same row id under another uid."""
    diag = getattr(error, "diag", None)
    constraint = getattr(diag, "constraint_name", None) if diag is not None else None
    return getattr(error, "sqlstate", None) == "23505" and bool(constraint) and str(constraint).endswith(
        "_pkey")


def _upsert(device_id: str, item: OutboxItem) -> tuple[str, tuple[Any, ...]]:
    p = item.payload or {}
    if item.kind == "session":
        return (
            "INSERT INTO sessions (uid, device_id, local_id, room, patient_id, dialogue, started_at,"
            " ended_at, status) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (uid) DO UPDATE SET"
            " ended_at = EXCLUDED.ended_at, status = EXCLUDED.status",
            (p["uid"], device_id, p["id"], p["room"], p["patient_id"], p["dialogue"], p["started_at"],
             p["ended_at"], p["status"]),
        )
    if item.kind == "mood":
        return (
            "INSERT INTO moods (uid, device_id, local_id, session_local_id, room, patient_id, rating,"
            " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (uid) DO NOTHING",
            (p["uid"], device_id, p["id"], p["session_id"], p["room"], p["patient_id"], p["rating"],
             p["created_at"]),
        )
    if item.kind == "note":
        return (
            "INSERT INTO notes (uid, device_id, local_id, session_local_id, room, patient_id, text,"
            " machine_transcript, status, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
            " ON CONFLICT (uid) DO UPDATE SET text = EXCLUDED.text, status = EXCLUDED.status",
            (p["uid"], device_id, p["id"], p["session_id"], p["room"], p["patient_id"], p["text"],
             bool(p["machine_transcript"]), p["status"], p["created_at"]),
        )
    # An alert: the first acknowledgement the store hears of wins (a station's, or the device's own).
    return (
        "INSERT INTO alerts (uid, device_id, local_id, session_local_id, room, patient_id, level, certainty,"
        " text, words, created_at, acknowledged_at, acknowledged_by, acknowledged_via)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, CASE WHEN %s::double precision IS NULL"
        " THEN NULL ELSE 'device' END)"
        " ON CONFLICT (uid) DO UPDATE SET"
        " acknowledged_by = CASE WHEN alerts.acknowledged_at IS NULL THEN EXCLUDED.acknowledged_by"
        " ELSE alerts.acknowledged_by END,"
        " acknowledged_via = CASE WHEN alerts.acknowledged_at IS NULL THEN EXCLUDED.acknowledged_via"
        " ELSE alerts.acknowledged_via END,"
        " acknowledged_at = coalesce(alerts.acknowledged_at, EXCLUDED.acknowledged_at)",
        (p["uid"], device_id, p["id"], p["session_id"], p["room"], p["patient_id"], p["level"],
         p["certainty"], p["text"], p["words"], p["created_at"], p["acknowledged_at"], p["acknowledged_by"],
         p["acknowledged_at"]),
    )
