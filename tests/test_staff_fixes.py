"""Staff-side fixes found by trying the product (issue 12, item 4), each through Textual's Pilot."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from ketavoice.content.model import Content
from ketavoice.tui.app import KetavoiceApp
from ketavoice.tui.escort_screen import EscortScreen
from ketavoice.tui.history_screen import rating_summary
from ketavoice.tui.inspect import screen_text
from ketavoice.tui.kiosk_screens import ConfirmAckScreen, PinScreen, StaffScreen
from ketavoice.tui.mood_chart import mood_chart
from ketavoice.tui.widgets import Notice, PromptView, Transcript
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
            await pilot.press(*"Lee")
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
            assert alert.text in " ".join(app.screen.summary_text.split())

    run(scenario)
    html_files = list((ketavoice_home / "exports").glob("escort-*.html"))
    assert html_files and content.escort.alerts_heading in html_files[0].read_text()


def answer_for(step_kind: str, expected: str | None, choices: list[str]) -> str:
    return {"choice": choices[0] if choices else "okay", "yes_no": expected or "yes",
            "number": "5", "note": "no"}.get(step_kind, "okay")


async def advance_to(pilot: Pilot[int], app: KetavoiceApp, step_id: str) -> None:
    """Answer sensibly by typing until the engine asks `step_id`."""
    for _ in range(20):
        assert app.session is not None
        step = app.session.engine.step  # type: ignore[attr-defined]
        if step.id == step_id:
            return
        choices = [c.phrases[0] for c in step.choices] if step.kind == "choice" else []
        await type_line(pilot, answer_for(step.kind, step.expected, choices))
    raise AssertionError(f"never reached {step_id}")


def test_keys_mode_looks_different_and_a_typed_word_cannot_fire_a_hotkey(
    content: Content, ketavoice_home: Path
) -> None:
    app, journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            session = app.screen
            answer = session.query_one("#answer", Input)
            assert not session.has_class("-keys-mode") and "TYPING" in str(answer.border_title)
            await advance_to(pilot, app, "ride_home")
            await pilot.press("escape")
            await pilot.pause()
            assert session.has_class("-keys-mode") and "KEYS MODE" in str(answer.border_title)
            assert "s" in session.active_keys  # type: ignore[attr-defined]
            await pilot.press("y", "e", "s", "enter")
            await pilot.pause()
            text = screen_text(app)
            assert "[y] Yes" in text
            assert "[s]" not in text and "Speaking rate" not in text
            assert "Press Esc to type words" in text
            await pilot.press("escape")
            await pilot.pause()
            assert not session.has_class("-keys-mode")

    run(scenario)
    trail = [a.text for a in journal.audit_trail(1) if a.kind == "key"]
    assert trail == ["y"]


def test_saved_hint_clears_at_the_next_step_and_readback_has_no_double_stop(
    content: Content, ketavoice_home: Path
) -> None:
    app, _journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await advance_to(pilot, app, "mood_rating")
            await type_line(pilot, "5")
            notice = app.screen.query_one(Notice)
            assert "Saved" in str(notice.content)
            await type_line(pilot, "yes")  # leave a note: a new step
            assert "Saved" not in str(notice.content)
            await type_line(pilot, "The treatment isn't working.")
            prompt = str(app.screen.query_one(PromptView).content)
            assert "isn't working.” Shall I save it?" in prompt
            assert ".." not in prompt

    run(scenario)


def test_mood_chart_uses_a_fixed_zero_to_ten_scale() -> None:
    four, ten, zero = mood_chart([4]), mood_chart([10]), mood_chart([0])
    assert four != ten and four != zero
    assert [line[-1] for line in ten.splitlines()[:3]] == ["█", "█", "█"]
    assert [line[-1] for line in four.splitlines()[:3]] == [" ", "▂", "█"]
    assert all(line[-1] == " " for line in zero.splitlines()[:3])
    assert rating_summary([4]) == "Mood (0-10), 1 rating: latest 4, lowest 4, highest 4."


def test_footer_shows_every_binding_at_80_columns(content: Content, ketavoice_home: Path) -> None:
    app, _journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            footer = screen_text(app).splitlines()[-1]
            for label in ("Mode", "Ack alert", "Quit", "Keys", "History", "Escort", "Contrast", "Large"):
                assert label in footer, (label, footer)

    run(scenario)


def test_f6_large_text_gives_the_prompt_the_screen(content: Content, ketavoice_home: Path) -> None:
    app, _journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=(100, 32)) as pilot:
            await pilot.pause()
            prompt = app.screen.query_one(PromptView)
            normal_height = prompt.region.height
            await pilot.press("f6")
            await pilot.pause()
            assert prompt.region.height > normal_height * 2
            assert not app.screen.query_one(Transcript).display
            assert "Say okay when you're ready" in screen_text(app)
            await pilot.press("f6")
            await pilot.pause()
            assert app.screen.query_one(Transcript).display

    run(scenario)


def test_long_error_text_wraps_instead_of_being_cut(content: Content, ketavoice_home: Path) -> None:
    app, _journal = make_app(content, ketavoice_home)
    ending = "check `ketavoice doctor` for the microphone"

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            app.screen.query_one(Notice).show_error(
                "Voice stopped (AudioError: no microphone found (Error querying device -1); " + ending + ").")
            await pilot.pause()
            flat = " ".join(screen_text(app).split())
            assert ending in flat

    run(scenario)
