"""The kiosk through the Pilot: no way out without the PIN, throttled PINs, clean resets, idle lock."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from textual.command import CommandPalette
from textual.pilot import Pilot

from ketavoice.content.model import Content
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.tui.history_screen import HistoryScreen
from ketavoice.tui.inspect import dom_text, screen_text
from ketavoice.tui.kiosk_app import KioskApp
from ketavoice.tui.kiosk_screens import LockScreen, PinScreen, StaffScreen, WelcomeScreen
from ketavoice.tui.pin import PinStore
from ketavoice.tui.session_screen import SessionScreen
from ketavoice.tui.staff_ack import StaffAckScreen
from tests.test_tui_console import SIZE, FakeClock, run, type_line

PIN = "2468"
PATIENT = "zebra-patient-17"
SECRET_WORDS = ("purple", "giraffe", "lighthouse", PATIENT)


def make_kiosk(content: Content, home: Path, **kwargs: float) -> tuple[KioskApp, SqliteJournal, FakeClock]:
    clock = FakeClock()
    journal = SqliteJournal(home / "journal.sqlite3")
    store = PinStore(home, clock=clock)
    store.set_pin(PIN)
    app = KioskApp(content, journal, home=home, pin_store=store, clock=clock, tick_seconds=None,
                   watch_seconds=None, **kwargs)
    return app, journal, clock


async def enter_pin(pilot: Pilot[int], pin: str) -> None:
    await pilot.press(*pin, "enter")
    await pilot.pause()


async def start_session(pilot: Pilot[int], app: KioskApp, patient: str = PATIENT) -> SessionScreen:
    await pilot.press("f2")
    await pilot.pause()
    assert isinstance(app.screen, PinScreen)
    await enter_pin(pilot, PIN)
    assert isinstance(app.screen, StaffScreen)
    await type_line(pilot, patient)
    await pilot.pause()
    assert isinstance(app.screen, SessionScreen)
    return app.screen


def audit_rows(home: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(home / "journal.sqlite3") as db:
        return [(actor, kind) for actor, kind in db.execute("SELECT actor, kind FROM audit ORDER BY id")]


def test_cannot_quit_without_the_pin(content: Content, ketavoice_home: Path) -> None:
    app, _journal, _clock = make_kiosk(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, WelcomeScreen)
            for key in ("ctrl+c", "ctrl+p", "escape", "ctrl+z", "ctrl+s", "ctrl+x", "f3", "q"):
                await pilot.press(key)
                await pilot.pause()
                assert app.is_running and app.return_code is None, key
                assert not isinstance(app.screen, CommandPalette)
                assert isinstance(app.screen, WelcomeScreen), key
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert isinstance(app.screen, PinScreen)
            await pilot.press("escape")  # cancel: back to the welcome screen, still running
            await pilot.pause()
            assert isinstance(app.screen, WelcomeScreen) and app.is_running
            await pilot.press("ctrl+q")
            await enter_pin(pilot, PIN)

    run(scenario)
    assert app.return_code == 0
    assert ("staff", "kiosk_exit") in audit_rows(ketavoice_home)


def test_wrong_pins_are_throttled_and_audited(content: Content, ketavoice_home: Path) -> None:
    app, _journal, clock = make_kiosk(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("f2")
            await enter_pin(pilot, "1111")
            assert "✗ Wrong PIN." in screen_text(app)
            await enter_pin(pilot, PIN)  # right PIN, but within the wait: refused unchecked
            assert isinstance(app.screen, PinScreen)
            assert "Too many wrong PINs. Try again in 1 s." in screen_text(app)
            clock.now += 1.0
            await enter_pin(pilot, "2222")
            await enter_pin(pilot, PIN)
            assert "Try again in 2 s." in screen_text(app)
            clock.now += 2.0
            await enter_pin(pilot, PIN)
            assert isinstance(app.screen, StaffScreen)

    run(scenario)
    rows = audit_rows(ketavoice_home)
    assert rows.count(("staff", "pin_failed")) == 2
    assert rows.count(("staff", "pin_throttled")) == 2
    assert ("staff", "pin_ok") in rows


def test_idle_lock_keeps_a_draft_and_leaves_nothing_on_screen(content: Content, ketavoice_home: Path) -> None:
    app, journal, clock = make_kiosk(content, ketavoice_home, idle_lock_seconds=600.0)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await start_session(pilot, app)
            text = screen_text(app)
            assert PATIENT not in text and "patient …17" in text  # ids only masked, in small type
            await type_line(pilot, "okay")
            await type_line(pilot, "purple giraffe feeling")
            for answer in ("y", "no", *["okay"] * 6, "5", "yes"):
                await type_line(pilot, answer)
            await type_line(pilot, "the lighthouse dream was strange")  # a note, read back, not confirmed
            assert "lighthouse" in screen_text(app)
            app.copy_to_clipboard("purple giraffe")
            await pilot.press("escape")
            clock.now += 599.0
            app.check_kiosk_idle()
            await pilot.pause()
            assert isinstance(app.screen, SessionScreen)
            clock.now += 2.0
            app.check_kiosk_idle()
            await pilot.pause()
            await pilot.pause()
            assert isinstance(app.screen, LockScreen)
            everything = dom_text(app)
            for word in SECRET_WORDS:
                assert word not in everything, word
            assert app.clipboard == ""
            assert "locked for privacy" in screen_text(app)

    run(scenario)
    drafts = journal.notes(PATIENT, include_drafts=True)
    assert [(n.text, n.status) for n in drafts] == [("the lighthouse dream was strange", "draft")]
    assert journal.sessions(PATIENT)[0].status == "ended"
    assert ("system", "idle_lock") in audit_rows(ketavoice_home)


def test_end_of_session_resets_to_a_clean_welcome(content: Content, ketavoice_home: Path) -> None:
    app, _journal, clock = make_kiosk(content, ketavoice_home, end_reset_seconds=30.0)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            session = await start_session(pilot, app)
            await type_line(pilot, "purple giraffe")
            await type_line(pilot, "stop")
            await type_line(pilot, "yes")
            assert session.finished
            app.check_kiosk_idle()
            await pilot.pause()
            assert app.screen is session  # the goodbye stays a moment
            clock.now += 30.0
            app.check_kiosk_idle()
            await pilot.pause()
            await pilot.pause()
            assert isinstance(app.screen, WelcomeScreen)
            assert len(app.screen_stack) == 2  # the base screen and the welcome: nothing else
            everything = dom_text(app)
            for word in SECRET_WORDS:
                assert word not in everything, word

    run(scenario)


def test_unanswered_checkins_raise_a_banner_and_the_lock_screen_says_so(
    content: Content, ketavoice_home: Path
) -> None:
    app, journal, clock = make_kiosk(content, ketavoice_home, idle_lock_seconds=3600.0)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            session = await start_session(pilot, app)
            for _ in range(content.timing.unanswered_alert_after):
                clock.now += content.timing.first_word_timeout + 1
                session._tick()  # the 1 s UI tick, driven by hand with the fake clock
                await pilot.pause()
            assert "⚠ ALERT WARNING" in screen_text(app)
            clock.now += 3600.0
            app.check_kiosk_idle()
            await pilot.pause()
            await pilot.pause()
            assert isinstance(app.screen, LockScreen)
            assert "⚠ ALERT: a patient needs staff now" in screen_text(app)
            # Staff acknowledge it from the staff screen, behind the PIN.
            await pilot.press("f2")
            await enter_pin(pilot, PIN)
            assert isinstance(app.screen, StaffScreen)
            await pilot.click("#ack")
            await pilot.pause()
            await type_line(pilot, "Nurse Kim")  # one alert at a time, named, after a confirmation
            await pilot.pause()
            assert "acknowledged" in screen_text(app) and "No open alerts" in screen_text(app)

    run(scenario)
    assert journal.open_alerts() == []


def test_history_and_acknowledge_only_behind_the_pin(content: Content, ketavoice_home: Path) -> None:
    app, journal, clock = make_kiosk(content, ketavoice_home)
    other = journal.start_session("other-patient", "checkin", 1_700_000_000.0)
    journal.save_mood(other, 2, 1_700_000_100.0)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            session = await start_session(pilot, app)
            await type_line(pilot, "i want to die")
            assert "⚠ ALERT CRISIS" in screen_text(app)
            await pilot.press("f7")
            await pilot.pause()
            assert isinstance(app.screen, StaffAckScreen)  # acknowledging needs staff: a name and the PIN
            await type_line(pilot, "Kim")
            await enter_pin(pilot, "0000")
            assert isinstance(app.screen, StaffAckScreen)
            clock.now += 5.0  # past the wrong PIN's wait
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is session and "⚠ ALERT CRISIS" in screen_text(app)
            assert len(journal.open_alerts(PATIENT)) == 1
            await pilot.press("f2")
            await pilot.pause()
            assert isinstance(app.screen, PinScreen)  # no history without the PIN
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("f7")
            await type_line(pilot, "Kim")
            await enter_pin(pilot, PIN)
            assert app.screen is session and "ALERT" not in screen_text(app)

    run(scenario)
    assert journal.open_alerts(PATIENT) == []

    app2, _journal2, clock2 = make_kiosk(content, ketavoice_home)

    async def staff_view() -> None:
        async with app2.run_test(size=SIZE) as pilot:
            await pilot.pause()
            clock2.now += 10.0
            await pilot.press("f2")
            await enter_pin(pilot, PIN)
            await pilot.press(*"other-patient")
            await pilot.click("#history")
            await pilot.pause()
            assert isinstance(app2.screen, HistoryScreen)
            assert "1 rating: latest 2" in screen_text(app2)

    run(staff_view)
    assert ("staff", "history_view") in audit_rows(ketavoice_home)


def test_no_ride_home_banner_and_an_abandoned_pin_prompt(content: Content, ketavoice_home: Path) -> None:
    app, journal, clock = make_kiosk(content, ketavoice_home, idle_lock_seconds=600.0,
                                     staff_idle_seconds=120.0)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            session = await start_session(pilot, app)
            await type_line(pilot, "okay")
            await type_line(pilot, "sleepy")
            await type_line(pilot, "n")  # nobody to drive them home
            assert "⚠ ALERT WARNING" in screen_text(app)
            await pilot.press("f1")
            await pilot.pause()
            assert "F2 (PIN)" in screen_text(app) and "Ctrl+Q" not in screen_text(app)
            await pilot.press("escape")
            await pilot.press("f2")  # someone opens the PIN prompt and walks away
            await pilot.pause()
            assert isinstance(app.screen, PinScreen)
            clock.now += 121.0
            app.check_kiosk_idle()
            await pilot.pause()
            assert app.screen is session
            clock.now += 600.0
            app.check_kiosk_idle()
            await pilot.pause()
            await pilot.pause()
            assert isinstance(app.screen, LockScreen)
            assert "⚠ ALERT" in screen_text(app)

    run(scenario)
    assert [a.level for a in journal.open_alerts(PATIENT)] == ["warning"]


def test_resizing_during_a_session_is_safe(content: Content, ketavoice_home: Path) -> None:
    app, _journal, _clock = make_kiosk(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await start_session(pilot, app)
            for width, height in ((40, 12), (200, 60), (80, 24)):
                await pilot.resize_terminal(width, height)
                await pilot.pause()
                assert "KEYBOARD" in screen_text(app)
            await type_line(pilot, "okay")
            assert "How do you feel" in screen_text(app)

    run(scenario)


def test_a_patients_question_is_never_shown_to_the_next(content: Content, ketavoice_home: Path) -> None:
    """Issue 19: a question with no approved answer is saved for the care team, and the kiosk's reset
    leaves nothing of it (nor of its answer) on screen for the next patient."""
    app, _journal, clock = make_kiosk(content, ketavoice_home, end_reset_seconds=30.0)
    question = "who painted the purple giraffe in the lighthouse picture?"

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            session = await start_session(pilot, app)
            await type_line(pilot, question)
            await pilot.pause()
            assert "saved it for your care team" in " ".join(screen_text(app).split())
            await type_line(pilot, "stop")
            await type_line(pilot, "yes")
            assert session.finished
            clock.now += 30.0
            app.check_kiosk_idle()
            await pilot.pause()
            await pilot.pause()
            assert isinstance(app.screen, WelcomeScreen)
            everything = dom_text(app)
            for word in SECRET_WORDS:
                assert word not in everything, word

    run(scenario)
    with sqlite3.connect(ketavoice_home / "journal.sqlite3") as db:
        saved = [row[0] for row in db.execute("SELECT text FROM questions")]
    assert saved == [question]
