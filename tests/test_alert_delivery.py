"""Clinic v3 finding 10: an alert wakes the sync at once (no waiting for the next poll), and while an
alert waits for an unreachable store it is tried again every 2 s at most, not every 30 s. Real SQLite
journals, the real PostgreSQL server and a TCP relay the test cuts."""

from __future__ import annotations

import time
from pathlib import Path

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.link import ClinicLink
from ketavoice.clinic.pgstore import ClinicStore
from ketavoice.clinic.replicator import ALERT_BACKOFF_S, SyncWorker
from ketavoice.engine.events import Alert
from ketavoice.journal.sqlite import SqliteJournal
from tests.clinic_support import relay_for, wait_for

DEADLINE_S = 60.0  # only so a broken build cannot hang the suite; nothing here is timed


def store_alerts(url: str) -> int:
    with ClinicStore(ClinicConfig(url, "")) as store:
        return store.count("alerts")


def test_an_alert_wakes_the_sync_at_once(tmp_path: Path, clinic_url: str) -> None:
    journal = SqliteJournal(tmp_path / "a" / "journal.sqlite3")
    # An hour between polls: the alert can only arrive within the deadline because it woke the worker.
    worker = SyncWorker(journal.path, ClinicConfig(clinic_url, "Room W"), interval=3600.0).start()
    try:
        assert worker.wait_first_pass(DEADLINE_S) and worker.reach == "station"
        session = journal.start_session("pw", "post_session", time.time())
        alert_id = journal.add_alert(session, "pw", "emergency", "Emergency red flag", time.time())
        link = ClinicLink(worker, "Room W")
        link.alert_raised(Alert("emergency", "Emergency red flag", alert_id, "feeling"), patient_id="pw",
                          session_id=session)
        wait_for(lambda: store_alerts(clinic_url) == 1)
    finally:
        worker.stop()
        journal.close()


def test_while_an_alert_waits_the_backoff_stays_short(tmp_path: Path, clinic_url: str) -> None:
    quiet = SqliteJournal(tmp_path / "quiet" / "journal.sqlite3")
    alerting = SqliteJournal(tmp_path / "alerting" / "journal.sqlite3")
    quiet.start_session("pq", "post_session", time.time())
    session = alerting.start_session("pa", "post_session", time.time())
    alerting.add_alert(session, "pa", "crisis", "Crisis red flag", time.time())
    with relay_for(clinic_url) as (relay, via_relay):
        relay.down()
        workers = [SyncWorker(j.path, ClinicConfig(via_relay, "Room B"), interval=0.05).start()
                   for j in (quiet, alerting)]
        try:
            for worker in workers:
                wait_for(lambda w=worker: w.failures >= 7)
            assert workers[0].next_wait > ALERT_BACKOFF_S  # no alert waits: the long backoff is fine
            assert workers[1].next_wait <= ALERT_BACKOFF_S == 2.0
            assert workers[1].reach == "unreachable"
            relay.up()
            wait_for(lambda: store_alerts(clinic_url) == 1)
        finally:
            for worker in workers:
                worker.stop()
    quiet.close()
    alerting.close()
