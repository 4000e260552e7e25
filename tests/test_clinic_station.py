"""`ketavoice station` through Textual's Pilot against a real PostgreSQL: rooms and open alerts appear
live, a new alert rings, one alert is acknowledged with name + PIN after a confirmation screen."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.pgstore import ClinicStore
from ketavoice.clinic.replicator import Replicator
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.tui.inspect import screen_text
from ketavoice.tui.pin import PinStore
from ketavoice.tui.station_app import AckScreen, StationApp, clean
from tests.clinic_support import fresh_database

WORDS = "I can't breathe properly"
PIN = "482913"


@pytest.fixture
def clinic_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


async def until(pilot: Pilot[int], condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the station never showed it"
        await asyncio.sleep(0.05)
        await pilot.pause()


def raise_alert(journal: SqliteJournal, replicator: Replicator, patient: str, level: str) -> None:
    session = journal.start_session(patient, "post_session", time.time())
    journal.audit(session, "patient", "typed", WORDS, time.time())
    journal.add_alert(session, patient, level, f"{level.title()} red flag", time.time())
    replicator.set_status(patient, "feeling")
    replicator.sync_once()


async def type_text(pilot: Pilot[int], text: str) -> None:
    await pilot.press(*["space" if ch == " " else ch for ch in text])


class SteppedClock:
    """Real time plus the seconds a test skips, so the PIN back-off passes without sleeping."""

    def __init__(self) -> None:
        self.skipped = 0.0

    def __call__(self) -> float:
        return time.time() + self.skipped


def test_station_shows_rooms_and_alerts_and_acknowledges_one(tmp_path: Path, clinic_url: str) -> None:
    pin_clock = SteppedClock()
    pins = PinStore(tmp_path / "station", clock=pin_clock)
    pins.set_pin(PIN)
    audited: list[tuple[str, str]] = []
    config = ClinicConfig(clinic_url, "")
    journals = [SqliteJournal(tmp_path / f"r{i}" / "journal.sqlite3") for i in (1, 2)]
    replicators = [Replicator(j.path, ClinicConfig(clinic_url, f"Room {i}")) for i, j in zip((1, 2), journals,
                                                                                           strict=True)]
    raise_alert(journals[0], replicators[0], "pat-a", "emergency")
    app = StationApp(config, pins, audit=lambda kind, text: audited.append((kind, text)))

    async def scenario() -> None:
        async with app.run_test(size=(120, 30)) as pilot:
            alerts = app.query_one("#alerts", DataTable)
            await until(pilot, lambda: alerts.row_count == 1)
            assert app.cues == 0  # alerts already open at start are listed, not rung
            raise_alert(journals[1], replicators[1], "pat-b", "crisis")
            await until(pilot, lambda: alerts.row_count == 2)
            assert app.cues == 1
            text = screen_text(app)
            assert "Room 1" in text and "Room 2" in text and "pat-a" in text and "pat-b" in text
            assert "CRISIS" in text and "certain" in text and WORDS[:20] in text
            assert "feeling" in text
            assert app.selected_alert() is not None and app.selected_alert().patient == "pat-b"  # newest
            await pilot.press("a")
            await pilot.pause()
            assert isinstance(app.screen, AckScreen)
            await pilot.click("#ack-confirm")  # no name yet: refused, stays open
            await pilot.pause()
            assert isinstance(app.screen, AckScreen)
            await type_text(pilot, "Nurse Kim")
            await pilot.press("enter")
            await type_text(pilot, "0000")
            await pilot.press("enter")
            await pilot.pause()
            await until(pilot, lambda: ("pin_failed" in [k for k, _ in audited]))
            assert alerts.row_count == 2
            pin_clock.skipped += 1.1  # past the PIN back-off after one wrong attempt, without sleeping
            await pilot.press("a")
            await pilot.pause()
            await type_text(pilot, "Nurse Kim")
            await pilot.press("enter")
            await type_text(pilot, PIN)
            await pilot.press("enter")
            await until(pilot, lambda: alerts.row_count == 1)
            assert app.snapshot is not None and [a.patient for a in app.snapshot.open_alerts] == ["pat-a"]

    asyncio.run(scenario())
    with ClinicStore(config) as store:
        acked = [a for a in store.alerts() if a.acknowledged_at is not None]
        assert [(a.patient, a.acknowledged_by) for a in acked] == [("pat-b", "Nurse Kim")]
        assert [v for _, _, v in store.acknowledgements(acked[0].id)] == ["station"]
    assert replicators[1].sync_once().acknowledged[0].acknowledged_by == "Nurse Kim"
    for replicator, journal in zip(replicators, journals, strict=True):
        replicator.close()
        journal.close()


def test_station_shows_offline_when_the_store_is_unreachable(tmp_path: Path) -> None:
    pins = PinStore(tmp_path / "station")
    pins.set_pin(PIN)
    app = StationApp(ClinicConfig("postgresql://nurse:hunter2@127.0.0.1:1/clinic", ""), pins)

    async def scenario() -> None:
        async with app.run_test(size=(100, 24)) as pilot:
            await until(pilot, lambda: app.status_text.startswith("OFFLINE"))
            text = screen_text(app)
            assert "OFFLINE" in text and "hunter2" not in text

    asyncio.run(scenario())


def test_clean_strips_terminal_controls() -> None:
    assert clean("a\x1b[31mb\nc\td") == "a [31mb c d"
    assert len(clean("x" * 500, 40)) == 40
