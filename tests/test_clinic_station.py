"""`ketavoice station` through Textual's Pilot against a real PostgreSQL: rooms and open alerts appear
live, a new alert rings, one alert is acknowledged with name + PIN after a confirmation screen."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import DataTable

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.pgstore import ClinicStore
from ketavoice.clinic.replicator import Replicator
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.tui.inspect import dom_text, screen_text
from ketavoice.tui.pin import PinStore
from ketavoice.tui.station_app import AckScreen, StationApp, clean

WORDS = "I can't breathe properly"
PIN = "482913"


async def until(pilot: Pilot[int], condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the station never showed it"
        await asyncio.sleep(0.05)
        await pilot.pause()


def raise_alert(journal: SqliteJournal, replicator: Replicator, patient: str, level: str,
                words: str = WORDS, text: str | None = None) -> None:
    session = journal.start_session(patient, "post_session", time.time())
    journal.audit(session, "patient", "typed", words, time.time())
    journal.add_alert(session, patient, level, text or f"{level.title()} red flag", time.time())
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


# From ../shared/reviews/clinic-attack-v3.md findings 1 and 8: markup that crashed the station's toast
# (MarkupError), an action link, and escape sequences that retitled the staff terminal and turned it red.
MARKUP_ID = "[/]"
ESCAPE_ID = "pE\x1b]2;PWNED-TITLE\x07\x1b[31mRED[@click=app.quit]x"
HOSTILE_WORDS = "crushing chest pain \x1b]2;WORDS-TITLE\x07\x1b[5m[/b] [link=http://x]y\x9b2J"
HOSTILE_TEXT = "Emergency [/] red flag \x1b]0;TEXT-TITLE\x1b\\[bold]z"
CONTROLS = ("\x1b", "\x07", "\x9b", "\x9d")


def toasts(app: StationApp) -> list[str]:
    """The text of every toast on the screen, as rendered."""
    from textual.widgets._toast import Toast

    return [str(toast.render()) for toast in app.screen.query(Toast)]


def test_station_survives_and_shows_hostile_patient_ids_and_words_as_plain_text(
    tmp_path: Path, clinic_url: str
) -> None:
    """Textual markup and escape sequences in a patient id, the patient's words and the alert text: the
    station does not crash, shows the new-alert toast and the rows with the markup as literal characters
    and the escape sequences removed whole (no title text, no stray "[31m")."""
    pins = PinStore(tmp_path / "station")
    pins.set_pin(PIN)
    journal = SqliteJournal(tmp_path / "rh" / "journal.sqlite3")
    replicator = Replicator(journal.path, ClinicConfig(clinic_url, "Room H"))
    app = StationApp(ClinicConfig(clinic_url, ""), pins)

    async def scenario() -> None:
        async with app.run_test(size=(160, 40), notifications=True) as pilot:  # toasts rendered
            alerts = app.query_one("#alerts", DataTable)
            await until(pilot, lambda: app.status_text == "live")
            raise_alert(journal, replicator, MARKUP_ID, "emergency", HOSTILE_WORDS, HOSTILE_TEXT)
            await until(pilot, lambda: alerts.row_count == 1)
            # The toast is rendered (where the markup used to raise MarkupError), markup as literal text.
            await until(pilot, lambda: "New EMERGENCY alert: room Room H, patient [/]" in screen_text(app))
            assert app.cues == 1 and app.is_running
            raise_alert(journal, replicator, ESCAPE_ID, "crisis", HOSTILE_WORDS, HOSTILE_TEXT)
            await until(pilot, lambda: alerts.row_count == 2)
            await until(pilot, lambda: toasts(app)[-1:] == [
                "New CRISIS alert: room Room H, patient pERED[@click=app.quit]x"])  # shown, plain, whole
            assert "pERED[@click=app.quit]x" in screen_text(app)
            assert app.cues == 2 and app.is_running
            text = screen_text(app)
            assert "crushing chest pain [/b] [link=http://x]y" in text  # the words cell
            assert "Emergency [/] red flag [bold]z" in text  # the alert cell
            everything = text + dom_text(app)
            for control in CONTROLS:
                assert control not in everything
            for leaked in ("PWNED-TITLE", "WORDS-TITLE", "TEXT-TITLE", "[31m", "[5m", "2J"):
                assert leaked not in everything
            await pilot.press("a")  # the acknowledgement screen shows the same values, as safely
            await pilot.pause()
            assert isinstance(app.screen, AckScreen)
            ack_text = screen_text(app)
            assert "patient pERED[@click=app.quit]x" in ack_text and "PWNED-TITLE" not in ack_text
            assert not any(control in ack_text + dom_text(app) for control in CONTROLS)
            await pilot.press("escape")
            await pilot.pause()
            assert app.is_running and app.title == "ketavoice station"

    asyncio.run(scenario())
    assert app.return_code is None  # it never exited, on its own or through the [@click] link
    replicator.close()
    journal.close()


def test_clean_strips_terminal_controls() -> None:
    assert clean("a\x1b[31mb\nc\td") == "ab c d"
    assert clean("x\x1b]2;TITLE\x07y \u202eevil\x00") == "xy evil"
    assert clean("[/] [@click=app.quit]x") == "[/] [@click=app.quit]x"  # markup stays literal text
    assert clean(None) == ""
    assert len(clean("x" * 500, 40)) == 40
