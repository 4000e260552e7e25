"""Trial v3 finding 11: a *possible* red flag put a large "⚠ ALERT EMERGENCY" staff banner in front of the
patient being asked about it. Now the patient sees the check question and no banner; staff still have the
possible alert (journal, station, kiosk staff screen), and the banner appears once a hold is certain."""

from __future__ import annotations

from pathlib import Path

from ketavoice.content.model import Content
from ketavoice.tui.inspect import screen_text
from ketavoice.tui.session_screen import SessionScreen
from ketavoice.tui.widgets import AlertBanner
from tests.test_tui_console import SIZE, make_app, prompt, run, type_line

POSSIBLE = "chest feels weird"


def test_a_possible_flag_shows_the_check_question_not_the_staff_banner(
    content: Content, ketavoice_home: Path
) -> None:
    app, journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await type_line(pilot, "ok")
            await type_line(pilot, POSSIBLE)
            session = app.screen
            assert isinstance(session, SessionScreen) and not session.engine.on_hold
            (alert,) = journal.open_alerts("p-test")
            assert alert.certainty == "possible"  # staff have it
            banner = session.query_one(AlertBanner)
            assert not banner.display and "ALERT" not in screen_text(app)
            assert "?" in prompt(app)  # the check question is what the patient sees
            await type_line(pilot, "yes")  # it is real: the hold, and now the banner
            assert session.engine.on_hold
            assert banner.display and "⚠ ALERT EMERGENCY" in screen_text(app)
            certain = [a for a in journal.open_alerts("p-test") if a.certainty == "certain"]
            assert len(certain) == 1
            await pilot.press("f7")  # F7 takes the alert the banner shows
            await pilot.pause()
            await type_line(pilot, "Dana")
            assert not session.engine.on_hold and not banner.display

    run(scenario)
    open_after = journal.open_alerts("p-test")
    assert [a.certainty for a in open_after] == ["possible"]  # the shown, certain one was acknowledged


def test_a_possible_flag_dismissed_leaves_no_banner_and_none_on_restart(
    content: Content, ketavoice_home: Path
) -> None:
    app, journal = make_app(content, ketavoice_home)

    async def first() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await type_line(pilot, "ok")
            await type_line(pilot, POSSIBLE)
            await type_line(pilot, "no")
            assert "ALERT" not in screen_text(app)

    run(first)
    assert [a.certainty for a in journal.open_alerts("p-test")] == ["possible"]
    journal.close()
    again, journal = make_app(content, ketavoice_home)

    async def restarted() -> None:
        async with again.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert "ALERT" not in screen_text(again)
            assert again.screen.query_one(AlertBanner).alerts  # still open for staff, just not shown

    run(restarted)
    journal.close()
