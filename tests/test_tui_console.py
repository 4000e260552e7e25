"""The caregiver console through Textual's Pilot at 80x24: the whole dialogue by keys, alerts, errors."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from ketavoice.content.model import Content
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.tui.app import HIGH_CONTRAST, KetavoiceApp
from ketavoice.tui.inspect import screen_text
from ketavoice.tui.widgets import AlertBanner, AnswerButton, Notice, PromptView, StatusLine

SIZE = (80, 24)
NOTE = "slept badly but the dizziness is fading"


class FakeClock:
    """Deterministic time for the engine and the UI (starts at a fixed date)."""

    def __init__(self, start: float = 1_795_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


async def type_line(pilot: Pilot[int], text: str) -> None:
    keys = ["space" if ch == " " else ch for ch in text]
    await pilot.press(*keys, "enter")
    await pilot.pause()


def prompt(app: KetavoiceApp) -> str:
    return str(app.screen.query_one(PromptView).content)


def make_app(content: Content, home: Path, **kwargs: object) -> tuple[KetavoiceApp, SqliteJournal]:
    journal = SqliteJournal(home / "journal.sqlite3")
    app = KetavoiceApp(content, journal, patient_id="p-test", home=home, clock=FakeClock(),
                       tick_seconds=None, **kwargs)  # type: ignore[arg-type]
    return app, journal


def run(test: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(test())


def test_whole_default_dialogue_by_keys(content: Content, ketavoice_home: Path) -> None:
    app, journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.focused, Input), "the typing box has focus from the start"
            assert "Say okay when you're ready" in prompt(app)
            await type_line(pilot, "c")  # welcome: the Continue key typed alone
            assert "How do you feel" in prompt(app)
            captions = [str(b.label) for b in app.screen.query(AnswerButton)]
            assert "dizzy" in captions and "r Repeat" in captions
            await type_line(pilot, "dizzy")
            assert "drive you home" in prompt(app)
            assert [str(b.label) for b in app.screen.query(AnswerButton)][:2] == ["y Yes", "n No"]
            await type_line(pilot, "y")
            assert "When can you drive again" in prompt(app)
            await type_line(pilot, "no")
            for _ in range(6):  # substances, medicines, decisions, common effects, before you go, home today
                await type_line(pilot, "okay")
            assert "0 to 10" in prompt(app) or "zero to ten" in prompt(app).lower()
            await pilot.press("escape")  # to the answer keys: one press answers
            await pilot.press("7")
            await pilot.pause()
            assert "mood rating 7" in str(app.screen.query_one(Notice).content)
            await pilot.press("escape")  # back to typing
            await type_line(pilot, "yes")  # offer of a note
            await type_line(pilot, NOTE)
            assert NOTE in prompt(app)  # read back
            await type_line(pilot, "yes")
            assert "note for the care team" in str(app.screen.query_one(Notice).content)
            for _ in range(4):  # what to expect, mood dip, when to get help (two steps)
                await type_line(pilot, "okay")
            await type_line(pilot, "yes")  # the 911 teach-back
            for _ in range(3):  # next session, allergy, self care
                await type_line(pilot, "okay")
            await type_line(pilot, "no")  # closing: nothing to go over again
            await pilot.pause()
            assert app.session is not None and app.session.finished
            assert app.screen.query_one("#answer", Input).disabled
            assert "Session completed" in str(app.screen.query_one(Notice).content)

    run(scenario)
    assert [m.rating for m in journal.moods("p-test")] == [7]
    notes = journal.notes("p-test")
    assert [n.text for n in notes] == [NOTE] and notes[0].status == "saved"
    assert journal.sessions("p-test")[0].status == "completed"


def test_red_flag_banner_persists_until_acknowledged(content: Content, ketavoice_home: Path) -> None:
    app, journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await type_line(pilot, "my chest hurts")
            banner = app.screen.query_one(AlertBanner)
            assert banner.display and banner.alerts
            text = screen_text(app)
            assert "⚠ ALERT EMERGENCY" in text and "F7" in text  # a word and a symbol, not colour alone
            # The banner is a widget, not a toast: it outlives further answers and time.
            await type_line(pilot, "okay")
            await type_line(pilot, "sleepy")
            await pilot.pause(0.2)
            assert banner.display and "ALERT" in screen_text(app)
            assert len(journal.open_alerts("p-test")) == 1
            await pilot.press("f7")
            await pilot.pause()
            await type_line(pilot, "Dana")  # whoever acknowledges names themselves
            assert not banner.display
            assert "ALERT" not in screen_text(app)

    run(scenario)
    assert journal.open_alerts("p-test") == []


def test_open_alert_from_an_earlier_run_is_shown_at_start(content: Content, ketavoice_home: Path) -> None:
    journal = SqliteJournal(ketavoice_home / "journal.sqlite3")
    journal.add_alert(None, "p-test", "crisis", "Crisis red flag from before", 1_700_000_000.0)
    journal.close()
    app, journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert "Crisis red flag from before" in screen_text(app)

    run(scenario)


def test_typed_markup_and_brackets_are_shown_literally(content: Content, ketavoice_home: Path) -> None:
    app, _journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await type_line(pilot, "[bold]hi[/bold]")
            assert "Patient: [bold]hi[/bold]" in screen_text(app)

    run(scenario)


def test_journal_error_is_shown_not_swallowed(content: Content, ketavoice_home: Path) -> None:
    app, journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await type_line(pilot, "i cant breathe")
            banner = app.screen.query_one(AlertBanner)
            assert banner.display
            journal.close()  # the journal becomes unusable under the running app
            await pilot.press("f7")
            await pilot.pause()
            await type_line(pilot, "Dana")
            notice = str(app.screen.query_one(Notice).content)
            assert notice.startswith("✗ Not saved:") and "closed" in notice
            assert banner.display, "an alert that could not be acknowledged stays up"

    run(scenario)


def test_journal_unusable_at_start_is_shown(content: Content, ketavoice_home: Path) -> None:
    app, journal = make_app(content, ketavoice_home)
    journal.close()

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert "✗ Not saved:" in screen_text(app)

    run(scenario)


def test_accessibility_toggles_and_small_terminal(content: Content, ketavoice_home: Path) -> None:
    app, _journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.theme != HIGH_CONTRAST.name
            await pilot.press("f5")
            assert app.theme == HIGH_CONTRAST.name
            await pilot.press("f6")
            await pilot.pause()
            assert app.has_class("-large")
            text = screen_text(app)
            assert "Say okay when" in text and "KEYBOARD" in text
            await pilot.resize_terminal(60, 18)
            await pilot.pause()
            assert "KEYBOARD" in screen_text(app)
            assert str(app.screen.query_one(StatusLine).content).startswith("⌨ KEYBOARD")

    run(scenario)
