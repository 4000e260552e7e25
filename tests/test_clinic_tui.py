"""The console with a clinic store (real PostgreSQL): an alert reaches the store, the station's
acknowledgement comes back, the engine gets Acknowledge and the banner clears; the room's status shows."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.pgstore import ClinicStore
from ketavoice.clinic.replicator import SyncWorker
from ketavoice.content.model import Content
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.tui.app import KetavoiceApp
from ketavoice.tui.widgets import AlertBanner, StatusLine
from tests.clinic_support import Relay, relay_for
from tests.test_tui_console import SIZE, type_line


def test_station_ack_clears_the_console_banner(
    content: Content, ketavoice_home: Path, clinic_url: str
) -> None:
    journal = SqliteJournal(ketavoice_home / "journal.sqlite3")
    config = ClinicConfig(clinic_url, "Room 5")
    sync = SyncWorker(journal.path, config, interval=0.1)
    app = KetavoiceApp(content, journal, patient_id="p-clinic", home=ketavoice_home, tick_seconds=None,
                       sync=sync)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await type_line(pilot, "my chest hurts")
            banner = app.screen.query_one(AlertBanner)
            assert banner.display and banner.alerts
            store = ClinicStore(config)
            try:
                deadline = time.monotonic() + 10
                while not store.alerts(open_only=True):
                    assert time.monotonic() < deadline, "the alert never reached the store"
                    await asyncio.sleep(0.05)
                (alert,) = store.alerts(open_only=True)
                assert alert.room == "Room 5" and alert.patient == "p-clinic"
                assert alert.words == "my chest hurts"
                devices = store.devices()
                assert [(d.room, d.patient) for d in devices] == [("Room 5", "p-clinic")]
                assert devices[0].step
                assert store.acknowledge(alert.id, "Nurse Kim", "station") == "acknowledged"
                while banner.alerts:
                    assert time.monotonic() < deadline + 10, "the banner never cleared"
                    await asyncio.sleep(0.05)
                    await pilot.pause()
                assert not banner.display
            finally:
                store.close()

    asyncio.run(scenario())
    trail = journal.audit_trail(1)
    kinds = [(a.actor, a.kind) for a in trail]
    assert ("staff", "acknowledge_remote") in kinds  # written by the sync
    assert ("staff", "acknowledge") in kinds  # the engine got Acknowledge
    assert journal.open_alerts() == []
    journal.close()


def test_console_says_when_the_nurse_station_is_offline_and_catches_up(
    content: Content, ketavoice_home: Path, clinic_url: str
) -> None:
    journal = SqliteJournal(ketavoice_home / "journal.sqlite3")

    async def scenario(relay: Relay, via_relay: str) -> None:
        sync = SyncWorker(journal.path, ClinicConfig(via_relay, "Room 6"), interval=0.05, max_backoff=0.2)
        app = KetavoiceApp(content, journal, patient_id="p-off", home=ketavoice_home, tick_seconds=None,
                           sync=sync)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            relay.down()
            await type_line(pilot, "my chest hurts")
            status = app.screen.query_one(StatusLine)
            deadline = time.monotonic() + 10
            while "NURSE STATION OFFLINE" not in str(status.content):
                assert time.monotonic() < deadline, "the offline state never showed"
                await asyncio.sleep(0.1)
                await pilot.pause()
            assert app.screen.query_one(AlertBanner).display  # the room still shows the alert
            relay.up()
            while "OFFLINE" in str(status.content):
                assert time.monotonic() < deadline + 10, "never came back online"
                await asyncio.sleep(0.1)
                await pilot.pause()
        with ClinicStore(ClinicConfig(clinic_url, "")) as store:
            assert [a.room for a in store.alerts(open_only=True)] == ["Room 6"]

    with relay_for(clinic_url) as (relay, via_relay):
        asyncio.run(scenario(relay, via_relay))
    journal.close()


def test_the_console_hold_says_the_station_cant_be_reached_then_that_it_has_the_alert(
    content: Content, ketavoice_home: Path, clinic_url: str
) -> None:
    """Clinic v3 finding 9 in the TUI (the kiosk shares it): no "Someone is coming" while the store is
    unreachable; once the alert arrives, the room hears so."""
    from ketavoice.tui.inspect import screen_text

    journal = SqliteJournal(ketavoice_home / "journal.sqlite3")
    messages = content.messages

    async def scenario(relay: Relay, via_relay: str) -> None:
        relay.down()
        sync = SyncWorker(journal.path, ClinicConfig(via_relay, "Room 8"), interval=0.05, max_backoff=0.2)
        app = KetavoiceApp(content, journal, patient_id="p-reach", home=ketavoice_home, tick_seconds=None,
                           sync=sync)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await type_line(pilot, "my chest hurts")
            text = " ".join(screen_text(app).split())
            assert "The nurse station can't be reached." in text and "Someone is coming" not in text
            relay.up()
            deadline = time.monotonic() + 60
            while "has your alert now" not in " ".join(screen_text(app).split()):
                assert time.monotonic() < deadline, "the room was never told the alert arrived"
                await asyncio.sleep(0.1)
                await pilot.pause()
        assert messages.hold_reached.startswith("The nurse station has your alert now.")

    with relay_for(clinic_url) as (relay, via_relay):
        asyncio.run(scenario(relay, via_relay))
    journal.close()
