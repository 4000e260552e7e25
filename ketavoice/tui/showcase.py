"""Deterministic demo scenes of the TUI at 80x24, captured as SVG (README screenshots, snapshot tests).

Fixed clock, fixed patient, a fresh private journal per scene and UTC dates, so the same code gives the
same pictures on every machine with the same Textual version.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from ketavoice.content.model import Content
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.tui.app import KetavoiceApp
from ketavoice.tui.inspect import screen_text
from ketavoice.tui.kiosk_app import KioskApp
from ketavoice.tui.pin import PinStore

SIZE = (80, 24)
FIXED_NOW = 1_795_000_000.0  # 2026-11-18, a Wednesday
SCENES = ("main", "alert", "history", "kiosk")


def _fixed_clock() -> float:
    return FIXED_NOW


def _use_utc() -> None:
    os.environ["TZ"] = "UTC"
    if hasattr(time, "tzset"):
        time.tzset()


async def _type(pilot: Pilot[int], text: str) -> None:
    await pilot.press(*["space" if ch == " " else ch for ch in text], "enter")
    await pilot.pause()


def _still_cursor(app: KetavoiceApp) -> None:
    for field in app.screen.query(Input):
        field.cursor_blink = False


def _seed_history(journal: SqliteJournal) -> None:
    ratings = (3, 4, 4, 6, 5, 7, 8)
    for day, rating in enumerate(ratings):
        at = FIXED_NOW - (len(ratings) - day) * 86400
        session = journal.start_session("demo", "checkin", at)
        journal.save_mood(session, rating, at + 60)
        if day in (2, 5):
            text = "Slept badly, a bit flat." if day == 2 else "Better week, walked every day."
            journal.save_note(session, text, None, False, at + 120)


Scene = Callable[[KetavoiceApp, Pilot[int]], Awaitable[None]]


async def _main(app: KetavoiceApp, pilot: Pilot[int]) -> None:
    for answer in ("c", "sleepy", "y"):
        await _type(pilot, answer)


async def _alert(app: KetavoiceApp, pilot: Pilot[int]) -> None:
    await _type(pilot, "c")
    await _type(pilot, "my chest hurts")


async def _history(app: KetavoiceApp, pilot: Pilot[int]) -> None:
    await pilot.press("f2")
    await pilot.pause()


async def _kiosk(app: KetavoiceApp, pilot: Pilot[int]) -> None:
    await pilot.pause()


async def capture(content: Content, scene: str, *, as_text: bool = False) -> str:
    """Run one scene in a throwaway KETAVOICE_HOME; return the SVG of the final screen (or its text)."""
    _use_utc()
    steps: dict[str, Scene] = {"main": _main, "alert": _alert, "history": _history, "kiosk": _kiosk}
    with tempfile.TemporaryDirectory(prefix="ketavoice-showcase-") as folder:
        home = Path(folder)
        journal = SqliteJournal(home / "journal.sqlite3")
        try:
            app: KetavoiceApp
            if scene == "kiosk":
                store = PinStore(home, clock=_fixed_clock)
                store.set_pin("2468")
                app = KioskApp(content, journal, home=home, pin_store=store, clock=_fixed_clock,
                               tick_seconds=None, watch_seconds=None)
            else:
                if scene == "history":
                    _seed_history(journal)
                app = KetavoiceApp(content, journal, patient_id="demo", home=home, clock=_fixed_clock,
                                   tick_seconds=None)
            async with app.run_test(size=SIZE) as pilot:
                await pilot.pause()
                await steps[scene](app, pilot)
                _still_cursor(app)
                await pilot.pause()
                if as_text:
                    return screen_text(app)
                return app.export_screenshot(title=f"ketavoice: {scene}")
        finally:
            journal.close()
