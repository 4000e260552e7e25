"""Records that can't collide (review clinic-attack-v3, finding 3), against the real PostgreSQL server: a
journal restored from backup and a cloned home reuse row ids; nothing may be lost at the store and no
acknowledgement may land on a record it does not name. The copy is detected and renamed, with a note."""

from __future__ import annotations

import shutil
import sqlite3
import time
from contextlib import closing, suppress
from pathlib import Path

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.outbox import Outbox
from ketavoice.clinic.pgstore import ClinicStore
from ketavoice.clinic.replicator import Replicator, SyncReport
from ketavoice.journal.schema import APPLICATION_ID, MIGRATIONS
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.journal.uid_schema import RECORD_UID_MIGRATION


def sync(path: Path, url: str, room: str) -> SyncReport:
    replicator = Replicator(path, ClinicConfig(url, room))
    try:
        report = replicator.sync_once()
        assert report.pending == 0
        return report
    finally:
        replicator.close()


def raise_alert(path: Path, patient: str, text: str) -> None:
    with SqliteJournal(path) as journal:
        session = journal.start_session(patient, "post_session", time.time())
        journal.add_alert(session, patient, "emergency", text, time.time())


def device_id(path: Path) -> str:
    with Outbox(path) as outbox:
        return outbox.device_id()


def restore(backup: Path, path: Path) -> None:
    for side in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        with suppress(FileNotFoundError):
            side.unlink()
    shutil.copy2(backup, path)


def test_a_journal_restored_from_backup_loses_nothing_and_inherits_no_acknowledgement(
    tmp_path: Path, clinic_url: str
) -> None:
    path = tmp_path / "r" / "journal.sqlite3"
    raise_alert(path, "pr-one", "Emergency red flag: chest pain")
    sync(path, clinic_url, "Room R")
    backup = tmp_path / "backup.sqlite3"
    shutil.copy2(path, backup)  # the journal is closed: the copy is whole
    original = device_id(path)

    raise_alert(path, "pr-two", "Emergency red flag: can't breathe")
    sync(path, clinic_url, "Room R")
    with ClinicStore(ClinicConfig(clinic_url, "")) as store:
        two = next(a for a in store.alerts() if a.patient == "pr-two")
        assert store.acknowledge(two.id, "Nurse A", via="station") == "acknowledged"
    sync(path, clinic_url, "Room R")

    restore(backup, path)
    raise_alert(path, "pr-three", "Emergency red flag: overdose")
    report = sync(path, clinic_url, "Room R")
    sync(path, clinic_url, "Room R")  # a second pass pulls acknowledgements again: still none for pr-three

    with ClinicStore(ClinicConfig(clinic_url, "")) as store:
        alerts = {a.patient: a for a in store.alerts()}
        rooms = store.devices()
    assert sorted(alerts) == ["pr-one", "pr-three", "pr-two"]  # 0 lost
    assert alerts["pr-three"].text == "Emergency red flag: overdose"
    assert alerts["pr-three"].acknowledged_at is None
    assert alerts["pr-two"].acknowledged_by == "Nurse A"
    with SqliteJournal(path) as journal:
        local = {a.patient_id: a for a in journal.alerts()}
        trail = [r for s in journal.sessions("pr-three") for r in journal.audit_trail(s.id)]
    assert local["pr-three"].acknowledged_at is None and local["pr-three"].acknowledged_by is None  # 0 false
    assert not [r for r in trail if r.kind == "acknowledge_remote"]
    # The copy was detected and given a new identity, with a note staff can read at the station.
    assert report.renewed_from == original and device_id(path) != original
    renamed = next(d for d in rooms if d.device_id == device_id(path))
    assert "copy" in renamed.note and original[:8] in renamed.note
    assert alerts["pr-three"].device_id == device_id(path) and alerts["pr-one"].device_id == original


def test_a_cloned_home_is_two_rooms_each_with_its_own_alerts_and_acknowledgements(
    tmp_path: Path, clinic_url: str
) -> None:
    ward2 = tmp_path / "ward2" / "journal.sqlite3"
    raise_alert(ward2, "p-old", "Emergency red flag: fall")
    sync(ward2, clinic_url, "Ward 2")
    ward2b = tmp_path / "ward2b" / "journal.sqlite3"
    shutil.copytree(ward2.parent, ward2b.parent)  # `cp -a` of a used home
    with Outbox(ward2b) as outbox:
        outbox.set_room("Ward 2B")  # what the clone's KETAVOICE_ROOM does as it starts

    raise_alert(ward2, "p-ward2", "Emergency red flag: chest pain")
    raise_alert(ward2b, "p-ward2b", "Emergency red flag: bleeding")
    sync(ward2, clinic_url, "Ward 2")
    sync(ward2b, clinic_url, "Ward 2B")
    with ClinicStore(ClinicConfig(clinic_url, "")) as store:
        mine = next(a for a in store.alerts() if a.patient == "p-ward2")
        assert store.acknowledge(mine.id, "Nurse B", via="station") == "acknowledged"
    for _ in range(2):
        sync(ward2, clinic_url, "Ward 2")
        sync(ward2b, clinic_url, "Ward 2B")

    with ClinicStore(ClinicConfig(clinic_url, "")) as store:
        alerts = {a.patient: a for a in store.alerts()}
        rooms = {d.room: d for d in store.devices()}
    assert sorted(alerts) == ["p-old", "p-ward2", "p-ward2b"]  # 0 lost, 0 overwritten
    assert (alerts["p-ward2"].room, alerts["p-ward2b"].room) == ("Ward 2", "Ward 2B")
    assert alerts["p-ward2b"].text == "Emergency red flag: bleeding"
    assert alerts["p-ward2b"].acknowledged_at is None
    assert sorted(rooms) == ["Ward 2", "Ward 2B"]  # two rooms, not one shared row
    assert rooms["Ward 2"].device_id != rooms["Ward 2B"].device_id
    assert [d.room for d in rooms.values() if d.note] == ["Ward 2B"]  # the copy that came second is renamed
    with SqliteJournal(ward2) as journal:
        assert {a.patient_id: a.acknowledged_by for a in journal.alerts()}["p-ward2"] == "Nurse B"
    with SqliteJournal(ward2b) as journal:
        assert {a.patient_id: a.acknowledged_by for a in journal.alerts()}["p-ward2b"] is None


def test_two_replicators_on_one_journal_never_take_it_for_a_copy(tmp_path: Path, clinic_url: str) -> None:
    path = tmp_path / "k" / "journal.sqlite3"
    raise_alert(path, "p1", "Emergency red flag")
    first = Replicator(path, ClinicConfig(clinic_url, "Room K"))
    second = Replicator(path, ClinicConfig(clinic_url, "Room K"))
    try:
        original = device_id(path)
        for n in range(3):
            raise_alert(path, f"p{n + 2}", "Emergency red flag")
            assert first.sync_once().renewed_from is None
            assert second.sync_once().renewed_from is None
    finally:
        first.close()
        second.close()
    assert device_id(path) == original
    with ClinicStore(ClinicConfig(clinic_url, "")) as store:
        assert len(store.alerts()) == 4 and len(store.devices()) == 1


def test_records_made_before_uids_keep_their_old_key_and_new_ones_are_random(
    tmp_path: Path, clinic_url: str
) -> None:
    """An old journal's rows get "<device>:<row>", the key the store backfills for what it already holds,
    so migrating either side first never makes an old record look like a new one."""
    path = tmp_path / "m" / "journal.sqlite3"
    before = MIGRATIONS.index(RECORD_UID_MIGRATION)
    path.parent.mkdir()
    conn = sqlite3.connect(path, isolation_level=None)
    for steps in MIGRATIONS[:before]:
        for statement in steps:
            conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {before}")
    conn.execute("INSERT INTO patients VALUES ('p1', 1.0)")
    conn.execute("INSERT INTO sessions (patient_id, dialogue, started_at) VALUES ('p1', 'checkin', 1.0)")
    conn.execute("INSERT INTO alerts (patient_id, session_id, level, text, created_at)"
                 " VALUES ('p1', 1, 'emergency', 'Emergency red flag', 2.0)")
    conn.close()
    raise_alert(path, "p2", "Emergency red flag")  # opens (migrates) and adds a new record
    with Outbox(path) as outbox:
        old, new = outbox.open_alert_uids()
        assert old == f"{outbox.device_id()}:1"
    assert len(new) == 32 and int(new, 16) >= 0  # 128 random bits
    sync(path, clinic_url, "Room M")
    with ClinicStore(ClinicConfig(clinic_url, "")) as store:
        assert sorted(a.local_id for a in store.alerts()) == [1, 2]


def test_a_cloned_home_takes_a_new_identity_before_it_publishes_anything(
    tmp_path: Path, clinic_url: str
) -> None:
    """The journal remembers the file it lives in: a `cp -a` copy is renamed as it starts, so the two
    rooms never share one status row, even before either makes a new record."""
    original_path = tmp_path / "a" / "journal.sqlite3"
    raise_alert(original_path, "p1", "Emergency red flag")
    sync(original_path, clinic_url, "Ward 3")
    clone_path = tmp_path / "b" / "journal.sqlite3"
    shutil.copytree(original_path.parent, clone_path.parent)
    report = sync(clone_path, clinic_url, "Ward 3B")
    assert report.renewed_from == device_id(original_path) != device_id(clone_path)
    assert sync(original_path, clinic_url, "Ward 3").renewed_from is None  # the original keeps its id
    with ClinicStore(ClinicConfig(clinic_url, "")) as store:
        rooms = {d.room: d for d in store.devices()}
        assert [a.room for a in store.alerts()] == ["Ward 3"]  # the copied record stays the original's
    assert sorted(rooms) == ["Ward 3", "Ward 3B"] and "copy" in rooms["Ward 3B"].note
    with closing(sqlite3.connect(clone_path)) as conn:
        audited = conn.execute("SELECT actor, text FROM audit WHERE kind = 'device_renewed'").fetchall()
    assert len(audited) == 1 and audited[0][0] == "system" and "p1" not in audited[0][1]


def test_sync_tells_staff_when_a_cloned_home_got_a_new_identity(tmp_path: Path, clinic_url: str) -> None:
    from tests.test_clinic_cli import cli

    first = tmp_path / "first"
    raise_alert(first / "journal.sqlite3", "p1", "Emergency red flag")
    env = {"KETAVOICE_DATABASE_URL": clinic_url, "KETAVOICE_ROOM": "Room C"}
    assert cli(first, "sync", env=env).returncode == 0
    second = tmp_path / "second"
    shutil.copytree(first, second)
    result = cli(second, "sync", env={**env, "KETAVOICE_ROOM": "Room C2"})
    assert result.returncode == 0, result.stderr
    assert "Note for staff: new device id" in result.stderr and "copy" in result.stderr
    assert "Traceback" not in result.stderr and "p1" not in result.stderr
    again = cli(second, "sync", env={**env, "KETAVOICE_ROOM": "Room C2"})
    assert again.returncode == 0 and "Note for staff" not in again.stderr  # said once, when it happened
