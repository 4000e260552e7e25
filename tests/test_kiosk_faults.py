"""The kiosk fails closed: a full disk, a patient typing wrong PINs, a huge paste, a crash loop."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from textual import events

from ketavoice.content.model import Content
from ketavoice.errors import KioskError
from ketavoice.tui.app import MAX_PASTE_CHARS
from ketavoice.tui.kiosk_screens import PinScreen, StaffScreen
from ketavoice.tui.locked import wait_locked
from ketavoice.tui.pin import MAX_DELAY_SECONDS, PinStore, validate_pin
from ketavoice.tui.session_screen import SessionScreen
from ketavoice.tui.widgets import AlertBanner
from tests.faults import REPO, child_env, run_cli
from tests.test_kiosk_app import PIN, enter_pin, make_kiosk, start_session
from tests.test_tui_console import SIZE, FakeClock, run, type_line


def test_kiosk_on_a_full_disk_stays_locked_throttles_and_lets_staff_in() -> None:
    """Finding 1 through the Pilot: the old kiosk crashed on the first wrong PIN once the disk was full."""
    home = Path(os.environ["KETAVOICE_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([sys.executable, str(REPO / "tests" / "kiosk_full_disk_driver.py"), str(home)],
                            capture_output=True, text=True, env=child_env(home), cwd=REPO, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {
        "running_after_wrong_pins": True,
        "still_on_pin_screen": True,
        "throttled_shown": True,
        "right_pin_refused_while_throttled": True,
        "back_to_welcome": True,
        "staff_screen_after_delay": True,
    }


def test_unwritable_throttle_file_cannot_crash_the_kiosk_or_lift_the_limit(
    content: Content, ketavoice_home: Path
) -> None:
    """A throttle path that cannot be written (here: a folder in its place) keeps the limit in memory."""
    app, _journal, clock = make_kiosk(content, ketavoice_home)
    (ketavoice_home / "kiosk_throttle.json").unlink()
    (ketavoice_home / "kiosk_throttle.json").mkdir()

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f2")
            await pilot.pause()
            for _ in range(4):
                await enter_pin(pilot, "1111")
                assert app.is_running and isinstance(app.screen, PinScreen)
            assert app.pin_store.wait_seconds() > 0
            clock.now += MAX_DELAY_SECONDS + 1
            await enter_pin(pilot, PIN)
            assert isinstance(app.screen, StaffScreen)

    run(scenario)


def test_a_patient_cannot_lock_staff_out() -> None:
    """Finding 7 (D14): 15 wrong PINs used to refuse the right one for 15 minutes. Delays now cap at
    MAX_DELAY_SECONDS, and once the current delay has passed the right PIN always works."""
    home = Path(os.environ["KETAVOICE_HOME"])
    clock = FakeClock()
    store = PinStore(home, clock=clock)
    store.set_pin(PIN)
    for _ in range(40):  # a patient at the keyboard, guessing whenever the delay allows
        clock.now += store.wait_seconds()
        assert not store.check("0000").ok
    assert 0 < store.wait_seconds() <= MAX_DELAY_SECONDS <= 30
    clock.now += store.wait_seconds()
    assert store.check(PIN).ok
    assert store.wait_seconds() == 0  # and the count starts again


@pytest.mark.parametrize("pin", ["١٢٣٤", "１２３４", "12³4", "1234\u200b"])
def test_only_ascii_digit_pins_the_pin_box_can_take(pin: str) -> None:
    """Finding 7 (D15): Arabic-Indic and other Unicode digits were accepted by set-pin but untypable."""
    with pytest.raises(KioskError, match="digits"):
        validate_pin(pin)


def test_set_pin_command_refuses_unicode_digits(ketavoice_home: Path) -> None:
    result = run_cli(ketavoice_home, "kiosk", "set-pin", "--pin-stdin", stdin="١٢٣٤\n")
    assert result.returncode == 1 and "digits" in result.stderr
    assert not (ketavoice_home / "kiosk_pin.json").exists()


PASTE_PIECE = "\x1b[31mred\x1b]0;PWNED\x07 \u202eevil 😀 [bold]x[/bold] \x1b]52;c;aGVsbG8=\x07 "
PASTE = (PASTE_PIECE * 20_000)[:1_000_000]


def test_a_megabyte_paste_is_cut_cleaned_and_red_flags_still_work(
    content: Content, ketavoice_home: Path
) -> None:
    """Finding 6: a 1 MB paste of escapes and emoji froze the kiosk (and an 18 KB one for 30 s)."""
    app, journal, _clock = make_kiosk(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            session = await start_session(pilot, app)
            answer = session.query_one("#answer")
            for _ in range(3):
                paste = events.Paste(PASTE)
                app.post_message(paste)
                await pilot.pause()
                # The app cut the event itself before any widget looked at it: the widget's work is
                # bounded by MAX_PASTE_CHARS whatever the paste's size (what kept it from freezing).
                assert len(paste.text) <= MAX_PASTE_CHARS
                value = str(getattr(answer, "value", ""))
                assert 0 < len(value) <= MAX_PASTE_CHARS
                assert "\x1b" not in value and "\u202e" not in value and "\x07" not in value
                answer.value = ""  # type: ignore[attr-defined]
            assert isinstance(app.screen, SessionScreen)
            await type_line(pilot, "my chest hurts")
            banner = app.screen.query_one(AlertBanner)
            assert banner.display and banner.alerts

    run(scenario)
    assert journal.open_alerts()


def test_locked_screen_wrong_then_right_pin(ketavoice_home: Path) -> None:
    """The supervisor's locked screen (shown instead of a shell after a crash loop) needs the staff PIN,
    throttled like the kiosk's; escape sequences and letters typed there mean nothing."""
    clock = FakeClock()
    store = PinStore(ketavoice_home, clock=clock)
    store.set_pin(PIN)
    read_end, write_end = os.pipe()
    os.write(write_end, b"\x1b[A1111\n")
    os.close(write_end)
    out = io.StringIO()
    with os.fdopen(read_end) as stdin:
        assert wait_locked(store, 2.0, stdin=stdin, out=out, sleep=lambda _s: None) is False
    assert "needs a member of staff" in out.getvalue() and "Wrong PIN." in out.getvalue()
    clock.now += MAX_DELAY_SECONDS + 1
    read_end, write_end = os.pipe()
    os.write(write_end, b"249\x7f68\n")  # Backspace takes back the 9
    out = io.StringIO()
    with os.fdopen(read_end) as stdin:
        assert wait_locked(store, 5.0, stdin=stdin, out=out) is True
    os.close(write_end)
