"""The clinic store's PostgreSQL schema, versioned like the journal's: step N brings `schema_version`
from N-1 to N, in one transaction, under an advisory lock (several devices may start at once).

Every record's key is its `uid` (step 2), a globally unique id made in the journal, so a re-delivery is
recognised and a journal restored from backup or a cloned home (which reuse row ids) can never overwrite
another record or inherit its acknowledgement. (device_id, local_id) stays unique: a delivery that reuses
one under a different uid is refused, which tells the device its journal is a copy.
Triggers audit every acknowledgement (whoever made it) and NOTIFY the station with ids only, never a
patient's words.
"""

from __future__ import annotations

NOTIFY_CHANNEL = "ketavoice_station"
MIGRATION_LOCK = 0x4B56504D  # advisory lock key: "KVPM"

PG_MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE devices (
            device_id text PRIMARY KEY,
            room text,
            patient_id text,
            step text,
            last_mood integer,
            updated_at double precision NOT NULL
        )""",
        """CREATE TABLE sessions (
            device_id text NOT NULL,
            local_id bigint NOT NULL,
            room text,
            patient_id text NOT NULL,
            dialogue text NOT NULL,
            started_at double precision NOT NULL,
            ended_at double precision,
            status text,
            PRIMARY KEY (device_id, local_id)
        )""",
        """CREATE TABLE moods (
            device_id text NOT NULL,
            local_id bigint NOT NULL,
            session_local_id bigint NOT NULL,
            room text,
            patient_id text NOT NULL,
            rating integer NOT NULL,
            created_at double precision NOT NULL,
            PRIMARY KEY (device_id, local_id)
        )""",
        """CREATE TABLE notes (
            device_id text NOT NULL,
            local_id bigint NOT NULL,
            session_local_id bigint NOT NULL,
            room text,
            patient_id text NOT NULL,
            text text NOT NULL,
            machine_transcript boolean NOT NULL,
            status text NOT NULL,
            created_at double precision NOT NULL,
            PRIMARY KEY (device_id, local_id)
        )""",
        """CREATE TABLE alerts (
            id bigserial UNIQUE NOT NULL,
            device_id text NOT NULL,
            local_id bigint NOT NULL,
            session_local_id bigint,
            room text,
            patient_id text NOT NULL,
            level text NOT NULL,
            certainty text NOT NULL CHECK (certainty IN ('certain', 'possible')),
            text text NOT NULL,
            words text,
            created_at double precision NOT NULL,
            received_at double precision NOT NULL DEFAULT extract(epoch FROM clock_timestamp()),
            acknowledged_at double precision,
            acknowledged_by text,
            acknowledged_via text,
            PRIMARY KEY (device_id, local_id)
        )""",
        "CREATE INDEX alerts_open ON alerts (created_at) WHERE acknowledged_at IS NULL",
        """CREATE TABLE acknowledgements (
            id bigserial PRIMARY KEY,
            alert_id bigint NOT NULL REFERENCES alerts (id),
            staff text NOT NULL,
            acknowledged_at double precision NOT NULL,
            via text NOT NULL,
            recorded_at double precision NOT NULL DEFAULT extract(epoch FROM clock_timestamp())
        )""",
        f"""CREATE FUNCTION ketavoice_alert_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.acknowledged_at IS NOT NULL
               AND (TG_OP = 'INSERT' OR OLD.acknowledged_at IS NULL) THEN
                INSERT INTO acknowledgements (alert_id, staff, acknowledged_at, via)
                VALUES (NEW.id, coalesce(NEW.acknowledged_by, ''), NEW.acknowledged_at,
                        coalesce(NEW.acknowledged_via, 'device'));
            END IF;
            IF TG_OP = 'INSERT' OR OLD.acknowledged_at IS DISTINCT FROM NEW.acknowledged_at THEN
                PERFORM pg_notify('{NOTIFY_CHANNEL}',
                                  json_build_object('table', 'alerts', 'id', NEW.id)::text);
            END IF;
            RETURN NEW;
        END $$""",
        """CREATE TRIGGER alerts_changed AFTER INSERT OR UPDATE ON alerts
           FOR EACH ROW EXECUTE FUNCTION ketavoice_alert_changed()""",
        f"""CREATE FUNCTION ketavoice_device_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'INSERT' OR OLD.room IS DISTINCT FROM NEW.room
               OR OLD.patient_id IS DISTINCT FROM NEW.patient_id OR OLD.step IS DISTINCT FROM NEW.step
               OR OLD.last_mood IS DISTINCT FROM NEW.last_mood THEN
                PERFORM pg_notify('{NOTIFY_CHANNEL}',
                                  json_build_object('table', 'devices', 'id', NEW.device_id)::text);
            END IF;
            RETURN NEW;
        END $$""",
        """CREATE TRIGGER devices_changed AFTER INSERT OR UPDATE ON devices
           FOR EACH ROW EXECUTE FUNCTION ketavoice_device_changed()""",
    ),
)


def _uid_steps(table: str) -> tuple[str, ...]:
    # Rows stored before uids existed get the key they had, as the journal's own migration gives them.
    return (
        f"ALTER TABLE {table} ADD COLUMN uid text",
        f"UPDATE {table} SET uid = device_id || ':' || local_id",
        f"ALTER TABLE {table} ALTER COLUMN uid SET NOT NULL",
        f"ALTER TABLE {table} ADD CONSTRAINT {table}_uid UNIQUE (uid)",
    )


PG_MIGRATIONS += (
    (
        *(step for table in ("sessions", "moods", "notes", "alerts") for step in _uid_steps(table)),
        # Staff-facing note on a room, e.g. that its journal was found to be a copy and renamed.
        "ALTER TABLE devices ADD COLUMN note text",
        # When the store last heard from the room, by the server's clock (a device's may be wrong).
        "ALTER TABLE devices ADD COLUMN seen_at double precision",
    ),
)
PG_SCHEMA_VERSION = len(PG_MIGRATIONS)
