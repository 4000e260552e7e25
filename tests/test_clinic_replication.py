"""Replication from the SQLite journal to a real PostgreSQL clinic store, and acknowledgements back."""

from __future__ import annotations

from pathlib import Path

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.outbox import Outbox
from ketavoice.clinic.pgschema import PG_SCHEMA_VERSION
from ketavoice.clinic.pgstore import ClinicStore, connect
from ketavoice.clinic.replicator import Replicator
from ketavoice.journal.schema import SCHEMA_VERSION
from ketavoice.journal.sqlite import SqliteJournal


def journal_at(tmp_path: Path, name: str) -> SqliteJournal:
    return SqliteJournal(tmp_path / name / "journal.sqlite3")


def fill(journal: SqliteJournal, patient: str = "p1") -> tuple[int, int]:
    session = journal.start_session(patient, "post_session", 100.0)
    journal.audit(session, "patient", "typed", "my chest hurts badly", 101.0)
    journal.save_mood(session, 6, 102.0)
    journal.save_note(session, "a little floaty", None, False, 103.0)
    alert = journal.add_alert(session, patient, "emergency", "Emergency red flag", 104.0, certainty="certain")
    journal.end_session(session, "completed", 105.0)
    return session, alert


def test_every_record_reaches_the_store_once_with_its_room(tmp_path: Path, clinic_url: str) -> None:
    journal = journal_at(tmp_path, "a")
    fill(journal)
    config = ClinicConfig(clinic_url, "Room 3")
    replicator = Replicator(journal.path, config)
    report = replicator.sync_once()
    assert report.pending == 0
    assert report.delivered == 5  # session new + end, mood, note, alert
    again = replicator.sync_once()
    assert again.delivered == 0
    with ClinicStore(config) as store:
        assert [store.count(t) for t in ("sessions", "moods", "notes", "alerts")] == [1, 1, 1, 1]
        (alert,) = store.alerts()
        assert alert.room == "Room 3"  # made before the room was named: the machine's room
        assert alert.words == "my chest hurts badly"
        assert alert.certainty == "certain"
    replicator.close()
    journal.close()


def test_room_is_stamped_on_records_made_after_it_is_set(tmp_path: Path, clinic_url: str) -> None:
    journal = journal_at(tmp_path, "a")
    config = ClinicConfig(clinic_url, "Room 3")
    replicator = Replicator(journal.path, config)  # sets the room before anything is written
    fill(journal)
    replicator.sync_once()
    with ClinicStore(config) as store:
        assert [a.room for a in store.alerts()] == ["Room 3"]
    replicator.close()
    journal.close()


def test_station_ack_flows_back_and_is_audited_on_both_sides(tmp_path: Path, clinic_url: str) -> None:
    journal = journal_at(tmp_path, "a")
    config = ClinicConfig(clinic_url, "Room 1")
    replicator = Replicator(journal.path, config)
    _, local_alert = fill(journal)
    replicator.sync_once()
    with ClinicStore(config) as store:
        (alert,) = store.alerts(open_only=True)
        assert store.acknowledge(alert.id, "Nurse Kim", "station", now=200.0) == "acknowledged"
        assert store.acknowledge(alert.id, "Nurse Lee", "station", now=201.0) == "already"
        assert store.acknowledge(alert.id + 999, "Nurse Lee", "station") == "missing"
        report = replicator.sync_once()
        assert [(a.alert_id, a.acknowledged_by) for a in report.acknowledged] == [(local_alert, "Nurse Kim")]
        assert journal.open_alerts() == []
        assert store.acknowledgements(alert.id) == [("Nurse Kim", 200.0, "station")]
        # The local ack is queued back; delivering it does not override or re-audit the station's.
        replicator.sync_once()
        assert store.acknowledgements(alert.id) == [("Nurse Kim", 200.0, "station")]
    trail = journal.audit_trail(1)
    assert any(a.kind == "acknowledge_remote" and "Nurse Kim" in a.text for a in trail)
    replicator.close()
    journal.close()


def test_device_ack_reaches_the_store_and_is_audited(tmp_path: Path, clinic_url: str) -> None:
    journal = journal_at(tmp_path, "a")
    config = ClinicConfig(clinic_url, "Room 1")
    replicator = Replicator(journal.path, config)
    _, local_alert = fill(journal)
    replicator.sync_once()
    journal.acknowledge_alert(local_alert, "staff", 300.0)
    replicator.sync_once()
    with ClinicStore(config) as store:
        (alert,) = store.alerts()
        assert (alert.acknowledged_at, alert.acknowledged_by) == (300.0, "staff")
        assert store.acknowledgements(alert.id) == [("staff", 300.0, "device")]
    replicator.close()
    journal.close()


def test_history_written_before_the_upgrade_is_queued(tmp_path: Path, clinic_url: str) -> None:
    journal = journal_at(tmp_path, "a")
    fill(journal)
    with Outbox(journal.path) as outbox:
        assert outbox.pending_count() == 5
        assert [i.kind for i in outbox.pending()] == ["session", "mood", "note", "alert", "session"]
    journal.close()


def test_schema_versions_are_recorded_and_migration_is_repeatable(clinic_url: str) -> None:
    config = ClinicConfig(clinic_url, "")
    ClinicStore(config).close()
    ClinicStore(config).close()
    with connect(config) as conn:
        rows = conn.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    assert [r[0] for r in rows] == list(range(1, PG_SCHEMA_VERSION + 1))
    assert SCHEMA_VERSION >= 3


def test_alerts_are_ordered_by_when_the_store_took_them_not_the_device_clock(tmp_path: Path) -> None:
    """Clinic v3 finding 13: a device 2 h slow filed its new emergency below older alerts."""
    import time

    from ketavoice.clinic.config import ClinicConfig as Config
    from ketavoice.clinic.pgstore import ClinicStore as Store
    from ketavoice.clinic.replicator import Replicator as Rep
    from ketavoice.journal.sqlite import SqliteJournal as Journal
    from tests.clinic_support import fresh_database as fresh

    with fresh() as url:
        now = time.time()
        rooms = {}
        for room, created in (("Right clock", now - 60), ("Slow clock", now - 7200)):
            journal = Journal(tmp_path / room.replace(" ", "_") / "journal.sqlite3")
            session = journal.start_session("p", "post_session", created)
            journal.add_alert(session, "p", "emergency", "Emergency red flag", created)
            journal.close()
            rooms[room] = journal.path
        for room in ("Right clock", "Slow clock"):  # the slow device's alert reaches the store last
            replicator = Rep(rooms[room], Config(url, room))
            replicator.sync_once()
            replicator.close()
        with Store(Config(url, "")) as store:
            alerts = store.alerts()
        assert [a.room for a in alerts] == ["Slow clock", "Right clock"]  # newest at the store first
        assert all(a.received_at is not None and a.received_at >= now - 5 for a in alerts)
