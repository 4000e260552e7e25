"""Faults against the real PostgreSQL server: the store down at start and mid-session, kill -9 between a
write and its delivery, duplicate delivery, two devices and a station at once, an acknowledgement made
while the device is offline, and what the server logs."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.listener import StationFeed
from ketavoice.clinic.outbox import Outbox, PulledAck
from ketavoice.clinic.pgstore import ClinicStore, connect
from ketavoice.clinic.replicator import Replicator, SyncWorker
from ketavoice.errors import ClinicUnreachable
from ketavoice.journal.sqlite import SqliteJournal
from tests.clinic_support import relay_for

REPO = Path(__file__).resolve().parent.parent
WORDS = "quokka-saxophone-nebula pain"


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def store_counts(url: str) -> list[int]:
    with ClinicStore(ClinicConfig(url, "")) as store:
        return [store.count(t) for t in ("sessions", "moods", "notes", "alerts")]


def write_some(journal: SqliteJournal, patient: str, n: int) -> int:
    session = journal.start_session(patient, "post_session", time.time())
    for i in range(n):
        journal.save_mood(session, i % 11, time.time())
        journal.add_alert(session, patient, "emergency", "Emergency red flag", time.time())
    return session


def test_store_down_at_start_then_everything_arrives_once(tmp_path: Path, clinic_url: str) -> None:
    journal = SqliteJournal(tmp_path / "a" / "journal.sqlite3")
    with relay_for(clinic_url) as (relay, via_relay):
        relay.down()
        replicator = Replicator(journal.path, ClinicConfig(via_relay, "Room 1"))
        write_some(journal, "p1", 3)
        with pytest.raises(ClinicUnreachable) as caught:
            replicator.sync_once()
        assert WORDS not in str(caught.value)
        write_some(journal, "p1", 2)  # the device keeps working
        relay.up()
        report = replicator.sync_once()
        assert report.pending == 0
        replicator.sync_once()
        replicator.close()
    assert store_counts(clinic_url) == [2, 5, 0, 5]
    journal.close()


def test_store_down_mid_session_background_worker_catches_up(tmp_path: Path, clinic_url: str) -> None:
    journal = SqliteJournal(tmp_path / "a" / "journal.sqlite3")
    with relay_for(clinic_url) as (relay, via_relay):
        worker = SyncWorker(journal.path, ClinicConfig(via_relay, "Room 1"), interval=0.05, max_backoff=0.2)
        worker.start()
        try:
            write_some(journal, "p1", 2)
            wait_for(lambda: store_counts(clinic_url)[3] == 2)
            relay.down()
            write_some(journal, "p1", 3)
            wait_for(lambda: worker.last_error is not None)
            assert "Room" not in (worker.last_error or "") and WORDS not in (worker.last_error or "")
            assert store_counts(clinic_url)[3] == 2
            relay.up()
            wait_for(lambda: store_counts(clinic_url)[3] == 5 and worker.last_error is None)
        finally:
            worker.stop()
    assert store_counts(clinic_url) == [2, 5, 0, 5]
    journal.close()


def test_kill_after_the_store_commit_redelivers_without_duplicates(tmp_path: Path, clinic_url: str) -> None:
    path = tmp_path / "a" / "journal.sqlite3"
    child = subprocess.run([sys.executable, "-m", "tests.clinic_crash_writer", str(path), clinic_url,
                            "after-commit"], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                           capture_output=True, timeout=60)
    assert child.returncode == -signal.SIGKILL, child.stderr
    assert store_counts(clinic_url) == [1, 0, 0, 1]
    with Outbox(path) as outbox:
        assert outbox.pending_count() == 2  # delivered but never marked: the crash window
    replicator = Replicator(path, ClinicConfig(clinic_url, "Crash room"))
    assert replicator.sync_once().pending == 0
    replicator.close()
    assert store_counts(clinic_url) == [1, 0, 0, 1]


def test_kill_9_at_random_moments_loses_and_duplicates_nothing(tmp_path: Path, clinic_url: str) -> None:
    path = tmp_path / "a" / "journal.sqlite3"
    rng = random.Random(7)
    for _round in range(3):
        child = subprocess.Popen([sys.executable, "-m", "tests.clinic_crash_writer", str(path), clinic_url,
                                  "loop"], cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        assert child.stdout.readline().strip() == b"wrote"  # one round stored: each kill has data to keep
        time.sleep(rng.uniform(0.0, 0.35))  # then at a random moment of the rounds that follow
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    replicator = Replicator(path, ClinicConfig(clinic_url, "Crash room"))
    assert replicator.sync_once().pending == 0
    replicator.close()
    journal = SqliteJournal(path)
    local_alerts = len(journal.alerts_with_rooms())
    local_moods = len(journal.moods())
    journal.close()
    assert local_alerts >= 3  # each round wrote one before it was killed
    assert store_counts(clinic_url) == [3, local_moods, 0, local_alerts]


def test_duplicate_delivery_changes_nothing(tmp_path: Path, clinic_url: str) -> None:
    journal = SqliteJournal(tmp_path / "a" / "journal.sqlite3")
    write_some(journal, "p1", 2)
    config = ClinicConfig(clinic_url, "Room 1")
    with Outbox(journal.path) as outbox, ClinicStore(config) as store:
        items = outbox.pending()
        for _ in range(3):
            store.deliver(outbox.device_id(), items)
        first = store.alerts()
        assert store.acknowledge(first[0].id, "Nurse Kim", "station", now=50.0) == "acknowledged"
        store.deliver(outbox.device_id(), items)  # an old copy (no ack) must not reopen the alert
        again = {a.id: a for a in store.alerts()}
        assert again[first[0].id].acknowledged_by == "Nurse Kim"
        assert len(store.acknowledgements(first[0].id)) == 1
    assert store_counts(clinic_url) == [1, 2, 0, 2]
    journal.close()


def test_two_devices_and_a_station_at_once(tmp_path: Path, clinic_url: str) -> None:
    acked: dict[str, list[PulledAck]] = {"Room 1": [], "Room 2": []}
    journals = {room: SqliteJournal(tmp_path / room.replace(" ", "") / "journal.sqlite3") for room in acked}
    workers = {
        room: SyncWorker(journals[room].path, ClinicConfig(clinic_url, room),
                         on_acknowledged=lambda acks, room=room: acked[room].extend(acks), interval=0.05)
        for room in acked
    }
    feed = StationFeed(ClinicConfig(clinic_url, ""))
    try:
        for worker in workers.values():
            worker.start()
        sessions = {}
        for room, journal in journals.items():
            sessions[room] = journal.start_session(f"pat-{room[-1]}", "post_session", time.time())
            workers[room].set_status(f"pat-{room[-1]}", "feeling")
            journal.audit(sessions[room], "patient", "typed", WORDS, time.time())
            journal.add_alert(sessions[room], f"pat-{room[-1]}", "emergency", "Emergency red flag",
                              time.time())
        expected_rooms = {("Room 1", "pat-1", "feeling"), ("Room 2", "pat-2", "feeling")}
        deadline = time.monotonic() + 10
        snapshot = feed.snapshot()
        while (len(snapshot.open_alerts) < 2
               or {(d.room, d.patient, d.step) for d in snapshot.devices} != expected_rooms):
            assert time.monotonic() < deadline, f"the station never saw both rooms: {snapshot}"
            feed.wait(1.0)
            snapshot = feed.snapshot()
        assert sorted(a.room for a in snapshot.open_alerts) == ["Room 1", "Room 2"]
        assert all(a.words == WORDS for a in snapshot.open_alerts)
        for alert in snapshot.open_alerts:
            assert feed.store.acknowledge(alert.id, "Nurse Kim", "station") == "acknowledged"
        wait_for(lambda: all(acked[room] for room in acked))
        for room, journal in journals.items():
            assert journal.open_alerts() == []
            assert [a.acknowledged_by for a in acked[room]] == ["Nurse Kim"]
        assert feed.snapshot().open_alerts == []
    finally:
        for worker in workers.values():
            worker.stop()
        feed.close()
        for journal in journals.values():
            journal.close()


def test_station_acknowledges_while_the_device_is_offline(tmp_path: Path, clinic_url: str) -> None:
    journal = SqliteJournal(tmp_path / "a" / "journal.sqlite3")
    acked: list[PulledAck] = []
    with relay_for(clinic_url) as (relay, via_relay):
        worker = SyncWorker(journal.path, ClinicConfig(via_relay, "Room 4"), on_acknowledged=acked.extend,
                            interval=0.05, max_backoff=0.2)
        worker.start()
        try:
            session = journal.start_session("p4", "post_session", time.time())
            alert_id = journal.add_alert(session, "p4", "crisis", "Crisis red flag", time.time())
            wait_for(lambda: store_counts(clinic_url)[3] == 1)
            relay.down()
            with ClinicStore(ClinicConfig(clinic_url, "")) as store:
                (alert,) = store.alerts(open_only=True)
                assert store.acknowledge(alert.id, "Nurse Ade", "station") == "acknowledged"
            time.sleep(0.3)
            assert [a.id for a in journal.open_alerts()] == [alert_id]  # offline: still open here
            relay.up()
            wait_for(lambda: bool(acked))
            assert journal.open_alerts() == []
            assert acked[0].alert_id == alert_id and acked[0].acknowledged_by == "Nurse Ade"
        finally:
            worker.stop()
    journal.close()


def test_server_statement_log_never_holds_patient_words(tmp_path: Path, clinic_url: str) -> None:
    config = ClinicConfig(clinic_url, "Room 1")
    with connect(config, autocommit=True) as conn:
        name = conn.execute("SELECT current_database()").fetchone()
        data_dir = conn.execute("SHOW data_directory").fetchone()
        assert name is not None and data_dir is not None
        conn.execute(f'ALTER DATABASE "{name[0]}" SET log_statement = \'all\'')
        conn.execute(f'ALTER DATABASE "{name[0]}" SET log_parameter_max_length = 0')
    log = Path(data_dir[0]) / "server.log"
    if not os.access(log, os.R_OK):
        pytest.skip("the server log is not readable here")
    before = log.stat().st_size
    journal = SqliteJournal(tmp_path / "a" / "journal.sqlite3")
    session = journal.start_session("p1", "post_session", time.time())
    journal.audit(session, "patient", "typed", WORDS, time.time())
    journal.save_note(session, WORDS, None, False, time.time())
    journal.add_alert(session, "p1", "emergency", "Emergency red flag", time.time())
    replicator = Replicator(journal.path, config)
    replicator.sync_once()
    replicator.close()
    journal.close()
    with log.open("rb") as handle:
        handle.seek(before)
        logged = handle.read().decode("utf-8", "replace")
    assert "INSERT INTO alerts" in logged  # statement logging was on
    assert WORDS not in logged
