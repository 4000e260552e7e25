"""The journal's record-identity step: every replicated record gets a globally unique id (`uid`).

A row id is only unique inside one file: a journal restored from backup reuses the row ids written after
the backup, and a cloned home makes the same row ids as its twin. The clinic store keys records by `uid`
(128 random bits, set by a trigger in the same transaction as the insert), so those can never overwrite
one another or inherit one another's acknowledgement. Rows already in the journal get
"<device id>:<row id>", the key the store gave them before it knew uids, so both sides agree on them.
`previous_device_id`/`renewed_at` record when the replicator gave this journal a new device identity
because it is a copy: `file_id` (the file's device and inode) no longer matches the file it is in, or the
store holds other records under its device id and row ids.
"""

from __future__ import annotations

UID_TABLES = ("sessions", "moods", "notes", "alerts")
NEW_UID_SQL = "lower(hex(randomblob(16)))"
_DEVICE = "(SELECT device_id FROM clinic_device WHERE id = 1)"


def _steps(table: str) -> tuple[str, ...]:
    return (
        f"ALTER TABLE {table} ADD COLUMN uid TEXT",
        f"UPDATE {table} SET uid = {_DEVICE} || ':' || id",
        f"CREATE UNIQUE INDEX {table}_uid ON {table}(uid)",
        f"CREATE TRIGGER {table}_uid AFTER INSERT ON {table} WHEN NEW.uid IS NULL BEGIN "
        f"UPDATE {table} SET uid = {NEW_UID_SQL} WHERE id = NEW.id; END",
    )


RECORD_UID_MIGRATION: tuple[str, ...] = (
    *(step for table in UID_TABLES for step in _steps(table)),
    "ALTER TABLE clinic_device ADD COLUMN previous_device_id TEXT",
    "ALTER TABLE clinic_device ADD COLUMN renewed_at REAL",
    "ALTER TABLE clinic_device ADD COLUMN file_id TEXT",
)
