"""Liveness you can see (review clinic-attack-v3, findings 4 and 11), against the real PostgreSQL server
behind a relay that stalls (accepts and holds every byte, as a stopped server or a partition does): the
room says the nurse station is offline, the station stops saying "live", and the alert raised during the
stall is delivered once the link returns. Every wait is on an event, capped at 60 s only so a broken
build cannot hang; how fast it happens is measured in bench/run_liveness.py, not asserted."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
from textual.pilot import Pilot

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.listener import StationFeed
from ketavoice.clinic.liveness import STATEMENT_TIMEOUT_MS, TCP_USER_TIMEOUT_MS
from ketavoice.clinic.pgstore import ClinicStore, connect
from ketavoice.clinic.replicator import Replicator, SyncWorker
from ketavoice.content.model import Content
from ketavoice.errors import ClinicUnreachable
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.tui.app import KetavoiceApp
from ketavoice.tui.inspect import screen_text
from ketavoice.tui.pin import PinStore
from ketavoice.tui.station_app import StationApp
from ketavoice.tui.widgets import AlertBanner, StatusLine
from tests.clinic_support import Relay, admin_url, relay_for
from tests.test_tui_console import SIZE, type_line

CAP_S = 60.0  # only so a broken build cannot hang; never a claim about speed


async def until(pilot: Pilot[int], condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + CAP_S
    while not condition():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)
        await pilot.pause()


def open_alert_rooms(url: str) -> list[str]:
    with ClinicStore(ClinicConfig(url, "")) as store:
        return sorted(a.room for a in store.alerts(open_only=True))


def test_every_connection_carries_timeouts_and_keepalives(clinic_url: str) -> None:
    config = ClinicConfig(clinic_url, "")
    feed = StationFeed(config)
    try:
        for conn in (connect(config), feed.store.conn, feed._listen):
            params = conn.info.get_parameters()
            assert params["keepalives"] == "1" and int(params["keepalives_idle"]) > 0
            assert int(params["keepalives_count"]) > 0 and int(params["keepalives_interval"]) > 0
            assert params["tcp_user_timeout"] == str(TCP_USER_TIMEOUT_MS)
            assert int(params["connect_timeout"]) > 0
            assert conn.execute("SHOW statement_timeout").fetchone() == (f"{STATEMENT_TIMEOUT_MS}ms",) or \
                conn.execute("SHOW statement_timeout").fetchone() == (f"{STATEMENT_TIMEOUT_MS // 1000}s",)
            assert conn.execute("SHOW idle_in_transaction_session_timeout").fetchone() != ("0",)
    finally:
        feed.close()


def test_a_query_the_stalled_server_never_answers_is_cut_and_reported(clinic_url: str) -> None:
    with relay_for(clinic_url) as (relay, via_relay):
        store = ClinicStore(ClinicConfig(via_relay, ""))
        relay.stall()
        outcome: list[BaseException | None] = []

        def read() -> None:
            try:
                store.alerts()  # blocks for the whole stall without the client's own deadline
                outcome.append(None)
            except BaseException as error:  # noqa: BLE001 - handed to the test's thread
                outcome.append(error)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(CAP_S)
        assert outcome, "a query the stalled server never answered was never cut"
        assert isinstance(outcome[0], ClinicUnreachable) and "no answer in" in str(outcome[0])
        assert store.closed
        relay.resume()
        store.close()
        with ClinicStore(ClinicConfig(via_relay, "")) as again:  # the link is back: a new connection works
            assert again.alerts() == []


def test_a_stalled_link_shows_the_room_offline_and_the_alert_arrives_after_it_returns(
    content: Content, ketavoice_home: Path, clinic_url: str
) -> None:
    journal = SqliteJournal(ketavoice_home / "journal.sqlite3")

    async def scenario(relay: Relay, via_relay: str) -> None:
        sync = SyncWorker(journal.path, ClinicConfig(via_relay, "Room 7"), interval=0.1)
        app = KetavoiceApp(content, journal, patient_id="p-stall", home=ketavoice_home, tick_seconds=None,
                           sync=sync)
        async with app.run_test(size=SIZE) as pilot:
            try:
                status = app.screen.query_one(StatusLine)
                await until(pilot, lambda: sync.passes > 0 and sync.connected, "the room never connected")
                relay.stall()
                await type_line(pilot, "my chest hurts")
                assert app.screen.query_one(AlertBanner).display
                await until(pilot, lambda: "NURSE STATION OFFLINE" in str(status.content),
                            "a stalled link never showed the room offline")
                assert open_alert_rooms(clinic_url) == []  # really held back by the stall
                relay.resume()
                await until(pilot, lambda: open_alert_rooms(clinic_url) == ["Room 7"],
                            "the alert raised during the stall was never delivered")
                await until(pilot, lambda: "OFFLINE" not in str(status.content), "the room never came back")
            finally:
                relay.resume()  # a failing build's blocked threads end, so the app can exit

    with relay_for(clinic_url) as (relay, via_relay):
        asyncio.run(scenario(relay, via_relay))
    journal.close()


def test_the_station_stops_saying_live_during_a_stall_and_shows_the_alert_after(
    tmp_path: Path, clinic_url: str
) -> None:
    journal = SqliteJournal(tmp_path / "room" / "journal.sqlite3")
    replicator = Replicator(journal.path, ClinicConfig(clinic_url, "Room 8"))
    pins = PinStore(tmp_path / "station")
    pins.set_pin("4321")

    async def scenario(relay: Relay, via_relay: str) -> None:
        app = StationApp(ClinicConfig(via_relay, ""), pins)
        async with app.run_test(size=(120, 30)) as pilot:
            try:
                await until(pilot, lambda: app.status_text == "live", "the station never went live")
                relay.stall()
                session = journal.start_session("p-st", "post_session", time.time())
                journal.add_alert(session, "p-st", "emergency", "Emergency red flag", time.time())
                replicator.sync_once()  # the room reaches the store directly: only the station is cut off
                await until(pilot, lambda: app.status_text.startswith(("STALE", "OFFLINE")),
                            "the station said live through a stall")
                assert "live ·" not in screen_text(app)
                assert app.snapshot is not None and app.snapshot.open_alerts == []
                relay.resume()
                await until(pilot, lambda: app.status_text == "live" and app.snapshot is not None
                            and [a.patient for a in app.snapshot.open_alerts] == ["p-st"],
                            "the station never showed the alert after the stall")
            finally:
                relay.resume()  # a failing build's blocked threads end, so the app can exit

    with relay_for(clinic_url) as (relay, via_relay):
        asyncio.run(scenario(relay, via_relay))
    replicator.close()
    journal.close()


def test_the_station_marks_rooms_not_seen_and_a_read_only_store_is_not_live(
    tmp_path: Path, clinic_url: str
) -> None:
    """Finding 11: a room whose device is gone is marked, and a store that refuses writes is not "live"."""
    journal = SqliteJournal(tmp_path / "room" / "journal.sqlite3")
    replicator = Replicator(journal.path, ClinicConfig(clinic_url, "Room Gone"))
    replicator.sync_once()  # publishes the room once, then the device goes away
    replicator.close()
    pins = PinStore(tmp_path / "station")
    pins.set_pin("4321")
    app = StationApp(ClinicConfig(clinic_url, ""), pins, unseen_after=1.0)

    async def scenario() -> None:
        async with app.run_test(size=(140, 30)) as pilot:
            await until(pilot, lambda: "NOT SEEN" in screen_text(app), "a gone room was never marked")
            assert "Room Gone" in screen_text(app)
            assert app.status_text == "live"
            with psycopg.connect(admin_url(), autocommit=True) as admin:
                admin.execute("ALTER SYSTEM SET default_transaction_read_only = on")
                admin.execute("SELECT pg_reload_conf()")
                try:
                    await until(pilot, lambda: app.status_text.startswith("READ-ONLY"),
                                "a read-only store was shown as live")
                    assert "READ-ONLY" in screen_text(app)
                finally:
                    admin.execute("ALTER SYSTEM RESET default_transaction_read_only")
                    admin.execute("SELECT pg_reload_conf()")
            await until(pilot, lambda: app.status_text == "live", "the station never saw writes return")

    asyncio.run(scenario())
    journal.close()
