"""The journal's clinic-replication schema step: a device identity, room columns and an outbox.

Triggers fill the outbox in the same transaction as the write they follow, so no code path that writes a
session, mood, note or alert (or ends a session, or acknowledges an alert) can forget to replicate it, and
a crash can never leave a record written but not queued. The outbox holds only (kind, row id): the
replicator reads the row's current state when it delivers, so a re-delivery is the same upsert.
Rows already in the journal when this step runs are queued too (sessions first), so nothing is left out.
"""

from __future__ import annotations

OUTBOX_KINDS = ("session", "mood", "note", "alert")

_ROOM = "(SELECT room FROM clinic_device WHERE id = 1)"


def _enqueue_trigger(name: str, event: str, table: str, kind: str) -> str:
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON {table} BEGIN "
        f"INSERT INTO outbox (kind, row_id) VALUES ('{kind}', NEW.id); END"
    )


CLINIC_OUTBOX_MIGRATION: tuple[str, ...] = (
    # One row: this journal's stable device id (part of every record's global id) and its room name.
    """CREATE TABLE clinic_device (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        device_id TEXT NOT NULL,
        room TEXT
    )""",
    "INSERT INTO clinic_device (id, device_id) VALUES (1, lower(hex(randomblob(16))))",
    # AUTOINCREMENT: a seq is never reused, so a replicator that delivered a batch late (two on one
    # journal: the kiosk and a manual `ketavoice sync`) can never delete a newer record's entry.
    """CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL CHECK (kind IN ('session', 'mood', 'note', 'alert')),
        row_id INTEGER NOT NULL
    )""",
    "ALTER TABLE sessions ADD COLUMN room TEXT",
    "ALTER TABLE alerts ADD COLUMN room TEXT",
    # The room a record was made in is the machine's room at that moment.
    f"CREATE TRIGGER sessions_room AFTER INSERT ON sessions WHEN NEW.room IS NULL BEGIN "
    f"UPDATE sessions SET room = {_ROOM} WHERE id = NEW.id; END",
    f"CREATE TRIGGER alerts_room AFTER INSERT ON alerts WHEN NEW.room IS NULL BEGIN "
    f"UPDATE alerts SET room = {_ROOM} WHERE id = NEW.id; END",
    _enqueue_trigger("outbox_session_new", "INSERT", "sessions", "session"),
    _enqueue_trigger("outbox_session_end", "UPDATE OF ended_at, status", "sessions", "session"),
    _enqueue_trigger("outbox_mood_new", "INSERT", "moods", "mood"),
    _enqueue_trigger("outbox_note_new", "INSERT", "notes", "note"),
    _enqueue_trigger("outbox_note_change", "UPDATE OF text, status", "notes", "note"),
    _enqueue_trigger("outbox_alert_new", "INSERT", "alerts", "alert"),
    _enqueue_trigger("outbox_alert_ack", "UPDATE OF acknowledged_at", "alerts", "alert"),
    # Everything already saved is queued once, in dependency order.
    "INSERT INTO outbox (kind, row_id) SELECT 'session', id FROM sessions ORDER BY id",
    "INSERT INTO outbox (kind, row_id) SELECT 'mood', id FROM moods ORDER BY id",
    "INSERT INTO outbox (kind, row_id) SELECT 'note', id FROM notes ORDER BY id",
    "INSERT INTO outbox (kind, row_id) SELECT 'alert', id FROM alerts ORDER BY id",
)
