"""Staff-side fixes found by trying the product (issue 12, item 4), each through Textual's Pilot."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from ketavoice.content.model import Content
from ketavoice.tui.escort_screen import EscortScreen
from ketavoice.tui.inspect import screen_text
from ketavoice.tui.kiosk_screens import ConfirmAckScreen, PinScreen, StaffScreen
from tests.test_kiosk_app import PIN, enter_pin, make_kiosk
from tests.test_tui_console import SIZE, make_app, run, type_line


def test_kiosk_alert_list_shows_every_alert_with_patient_room_and_time(
    content: Content, ketavoice_home: Path
) -> None:
    app, journal, clock = make_kiosk(content, ketavoice_home)
    ids = []
    for n in range(6):
        session = journal.start_session(f"patient-{n}", "post_session", clock.now + n)
        ids.append(journal.add_alert(session, f"patient-{n}", "crisis", "Crisis red flag", clock.now + n))

    async def scenario() -> None:
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.pause()
            await pilot.press("f2")
            await pilot.pause()
            assert isinstance(app.screen, PinScreen)
            await enter_pin(pilot, PIN)
            staff = app.screen
            assert isinstance(staff, StaffScreen)
            options = staff.query_one("#staff-alerts", OptionList)
            assert options.option_count == 6  # none left off
            first = str(options.get_option_at_index(0).prompt)
            assert first.startswith(f"#{ids[-1]} ") and "patient patient-5" in first  # newest first
            assert ":" in first.split()[1]  # the time
            assert "6 open alert(s)" in screen_text(app)
            # One at a time, with a confirmation; Cancel changes nothing.
            await pilot.click("#ack")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmAckScreen)
            assert "patient-5" in screen_text(app)
            await pilot.click("#confirm-no")
            await pilot.pause()
            assert len(journal.open_alerts()) == 6
            await pilot.click("#ack")
            await pilot.pause()
            await pilot.click("#confirm-yes")
            await pilot.pause()
            assert [a.id for a in journal.open_alerts()] == ids[:5]
            assert f"Alert #{ids[-1]} acknowledged" in screen_text(app)
            assert options.option_count == 5

    run(scenario)


def test_escort_summary_lists_the_days_alerts(content: Content, ketavoice_home: Path) -> None:
    app, journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await type_line(pilot, "my chest hurts")
            await pilot.press("f3")
            await pilot.pause()
            assert isinstance(app.screen, EscortScreen)
            assert content.escort.alerts_heading in app.screen.summary_text
            (alert,) = journal.open_alerts()
            assert alert.text in app.screen.summary_text

    run(scenario)
    html_files = list((ketavoice_home / "exports").glob("escort-*.html"))
    assert html_files and content.escort.alerts_heading in html_files[0].read_text()
