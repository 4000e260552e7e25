"""Run in a child by test_kiosk_faults: the kiosk through the Pilot with the disk full for this process.

Set-up writes the PIN and the journal; then RLIMIT_FSIZE drops to 1 byte, so every write that grows a
file fails (EFBIG), exactly as on a full disk: the throttle file, the journal's audit rows, everything.
Prints one JSON line of what it saw.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
from pathlib import Path

from ketavoice.content import load_content
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.tui.inspect import screen_text
from ketavoice.tui.kiosk_app import KioskApp
from ketavoice.tui.kiosk_screens import PinScreen, StaffScreen, WelcomeScreen
from ketavoice.tui.pin import MAX_DELAY_SECONDS, PinStore
from tests.test_tui_console import SIZE, FakeClock

PIN = "2468"


async def scenario(home: Path) -> dict[str, object]:
    clock = FakeClock()
    store = PinStore(home, clock=clock)
    store.set_pin(PIN)
    journal = SqliteJournal(home / "journal.sqlite3")
    app = KioskApp(load_content(), journal, home=home, pin_store=store, clock=clock, tick_seconds=None,
                   watch_seconds=None)
    seen: dict[str, object] = {}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        resource.setrlimit(resource.RLIMIT_FSIZE, (1, 1))  # from here on the disk is full
        await pilot.press("ctrl+q")
        await pilot.pause()
        texts = []
        for _attempt in range(8):  # wrong PINs as fast as a patient can type them
            await pilot.press(*"1111", "enter")
            await pilot.pause()
            texts.append(screen_text(app))
            clock.now += 0.5
        seen["running_after_wrong_pins"] = app.is_running and app.return_code is None
        seen["still_on_pin_screen"] = isinstance(app.screen, PinScreen)
        seen["throttled_shown"] = any("Too many wrong PINs" in text for text in texts)
        await pilot.press(*PIN, "enter")  # still inside the delay: refused
        await pilot.pause()
        seen["right_pin_refused_while_throttled"] = app.return_code is None
        clock.now += MAX_DELAY_SECONDS + 1
        await pilot.press("escape")
        await pilot.pause()
        seen["back_to_welcome"] = isinstance(app.screen, WelcomeScreen)
        await pilot.press("f2")
        await pilot.pause()
        await pilot.press(*PIN, "enter")
        await pilot.pause()
        seen["staff_screen_after_delay"] = isinstance(app.screen, StaffScreen)
    return seen


if __name__ == "__main__":
    print(json.dumps(asyncio.run(scenario(Path(sys.argv[1])))))
