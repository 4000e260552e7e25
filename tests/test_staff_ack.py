"""Trial v3 finding 14: F7 ended a crisis hold with no name and no PIN ("acknowledged by caregiver").
Now every acknowledgement in the TUI names a person, and in the clinic (a kiosk, or a console with a
clinic store) takes the staff PIN. Through Textual's Pilot, on a real SQLite journal (and a real
PostgreSQL store for the clinic console)."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.replicator import SyncWorker
from ketavoice.content.model import Content
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.tui.app import KetavoiceApp
from ketavoice.tui.inspect import screen_text
from ketavoice.tui.kiosk_screens import ConfirmAckScreen, PinScreen, StaffScreen
from ketavoice.tui.pin import PinStore
from ketavoice.tui.session_screen import SessionScreen
from ketavoice.tui.staff_ack import StaffAckScreen
from tests.test_kiosk_app import PATIENT, PIN, enter_pin, make_kiosk, start_session
from tests.test_tui_console import SIZE, FakeClock, make_app, run, type_line

CRISIS = "i want to die"


def acknowledged_by(journal: SqliteJournal, patient_id: str) -> list[str | None]:
    return [alert.acknowledged_by for alert in journal.alerts(patient_id)]


async def press_f7(pilot: Pilot[int]) -> None:
    await pilot.press("f7")
    await pilot.pause()


def test_console_f7_needs_a_name_and_records_it(content: Content, ketavoice_home: Path) -> None:
    app, journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await type_line(pilot, CRISIS)
            session = app.screen
            assert isinstance(session, SessionScreen) and session.engine.on_hold
            await press_f7(pilot)
            assert isinstance(app.screen, StaffAckScreen)
            assert not app.screen.query("#ack-pin"), "a home console has no staff PIN to ask for"
            await pilot.press("enter")  # no name
            await pilot.pause()
            assert isinstance(app.screen, StaffAckScreen) and "Type your name first." in screen_text(app)
            await type_line(pilot, "   ")  # only spaces: still no name
            assert isinstance(app.screen, StaffAckScreen)
            assert session.engine.on_hold and journal.open_alerts("p-test")
            await pilot.press("escape")  # cancel: nothing changes
            await pilot.pause()
            assert app.screen is session and session.engine.on_hold and journal.open_alerts("p-test")
            await press_f7(pilot)
            await type_line(pilot, "Dana Reyes")
            assert app.screen is session and not session.engine.on_hold

    run(scenario)
    assert journal.open_alerts("p-test") == []
    assert acknowledged_by(journal, "p-test") == ["Dana Reyes"]


def test_clinic_console_f7_needs_a_name_and_the_staff_pin(
    content: Content, ketavoice_home: Path, clinic_url: str
) -> None:
    clock = FakeClock()
    pins = PinStore(ketavoice_home, clock=clock)
    pins.set_pin(PIN)
    journal = SqliteJournal(ketavoice_home / "journal.sqlite3")
    sync = SyncWorker(journal.path, ClinicConfig(clinic_url, "Room 5"), interval=0.1)
    app = KetavoiceApp(content, journal, patient_id="p-clinic", home=ketavoice_home, clock=clock,
                       tick_seconds=None, sync=sync, pin_store=pins)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await type_line(pilot, CRISIS)
            session = app.screen
            assert isinstance(session, SessionScreen) and session.engine.on_hold
            await press_f7(pilot)
            assert isinstance(app.screen, StaffAckScreen) and app.screen.query("#ack-pin")
            await pilot.press(*"Nurse", "space", *"Kim", "enter")  # a name; Enter moves on to the PIN
            await pilot.press("enter")  # but no PIN
            await pilot.pause()
            assert isinstance(app.screen, StaffAckScreen) and "Type the staff PIN." in screen_text(app)
            await enter_pin(pilot, "0000")  # the wrong PIN
            assert isinstance(app.screen, StaffAckScreen) and "Wrong PIN" in screen_text(app)
            assert session.engine.on_hold and journal.open_alerts("p-clinic")
            clock.now += 60.0  # past the wrong PIN's wait
            await enter_pin(pilot, PIN)
            assert app.screen is session and not session.engine.on_hold

    run(scenario)
    assert journal.open_alerts("p-clinic") == []
    assert acknowledged_by(journal, "p-clinic") == ["Nurse Kim"]
    journal.close()


def test_clinic_console_without_a_staff_pin_keeps_the_alert_open(
    content: Content, ketavoice_home: Path, clinic_url: str
) -> None:
    journal = SqliteJournal(ketavoice_home / "journal.sqlite3")
    sync = SyncWorker(journal.path, ClinicConfig(clinic_url, "Room 6"), interval=0.1)
    app = KetavoiceApp(content, journal, patient_id="p-nopin", home=ketavoice_home, tick_seconds=None,
                       sync=sync)

    async def scenario() -> None:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.pause()
            await type_line(pilot, CRISIS)
            session = app.screen
            await press_f7(pilot)
            assert app.screen is session and isinstance(session, SessionScreen) and session.engine.on_hold
            assert "No staff PIN is set" in screen_text(app)

    run(scenario)
    assert len(journal.open_alerts("p-nopin")) == 1
    journal.close()


def test_kiosk_f7_needs_a_name_and_the_pin(content: Content, ketavoice_home: Path) -> None:
    app, journal, clock = make_kiosk(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            session = await start_session(pilot, app)
            await type_line(pilot, CRISIS)
            await press_f7(pilot)
            assert isinstance(app.screen, StaffAckScreen) and app.screen.query("#ack-pin")
            await pilot.press("tab")  # straight to the PIN, no name
            await enter_pin(pilot, PIN)
            assert isinstance(app.screen, StaffAckScreen) and "Type your name first." in screen_text(app)
            assert session.engine.on_hold
            assert isinstance(app.focused, Input) and app.focused.id == "ack-name"  # back to the name
            await pilot.press(*"Sam", "enter")
            await enter_pin(pilot, PIN)
            assert app.screen is session and not session.engine.on_hold

    run(scenario)
    assert acknowledged_by(journal, PATIENT) == ["Sam"]


def test_kiosk_staff_screen_acknowledgement_needs_a_name(content: Content, ketavoice_home: Path) -> None:
    app, journal, _clock = make_kiosk(content, ketavoice_home)
    journal.add_alert(None, "other-patient", "crisis", "Crisis red flag", 1_700_000_000.0)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("f2")
            await pilot.pause()
            assert isinstance(app.screen, PinScreen)
            await enter_pin(pilot, PIN)
            assert isinstance(app.screen, StaffScreen)
            await pilot.click("#ack")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmAckScreen)
            await pilot.click("#confirm-yes")  # no name
            await pilot.pause()
            assert isinstance(app.screen, ConfirmAckScreen) and "Type your name first." in screen_text(app)
            assert len(journal.open_alerts()) == 1
            await type_line(pilot, "Lee")
            assert isinstance(app.screen, StaffScreen) and "acknowledged" in screen_text(app)

    run(scenario)
    assert acknowledged_by(journal, "other-patient") == ["Lee"]
