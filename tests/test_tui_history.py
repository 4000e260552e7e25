"""Mood history (chart, notes, export) and the escort summary, through the Pilot and as plain files."""

from __future__ import annotations

import csv
import io
import json
import stat
from datetime import datetime
from pathlib import Path

from textual.widgets import DataTable

from ketavoice.content.model import Content
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.tui.escort import build_summary, render_html, render_text
from ketavoice.tui.history_screen import HistoryScreen, rating_summary
from ketavoice.tui.inspect import screen_text
from ketavoice.tui.mood_chart import MoodChart
from tests.test_tui_console import SIZE, FakeClock, make_app, run, type_line

DAY = 1_795_000_000.0  # the FakeClock's start


def seed_history(home: Path) -> None:
    """Three earlier sessions with ratings 3, 5, 8 and one spoken note with audio."""
    journal = SqliteJournal(home / "journal.sqlite3")
    for offset, rating in ((-3 * 86400, 3), (-2 * 86400, 5), (-86400, 8)):
        session = journal.start_session("p-test", "checkin", DAY + offset)
        journal.save_mood(session, rating, DAY + offset + 60)
    journal.save_note(session, "calmer today, slept well", bytes(3200), True, DAY - 86400 + 120)
    journal.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_mood_entry_then_history_chart_and_export(content: Content, ketavoice_home: Path) -> None:
    seed_history(ketavoice_home)
    app, _journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            for answer in ("c", "okay", "y", "no", *["okay"] * 6):
                await type_line(pilot, answer)
            await type_line(pilot, "6")  # today's mood, entered by keys
            await pilot.press("f2")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, HistoryScreen)
            assert screen.query_one(MoodChart).ratings == [3, 5, 8, 6]
            text = screen_text(app)
            assert "4 ratings: latest 6, lowest 3, highest 8" in text
            table = screen.query_one(DataTable)
            rows = [[str(cell) for cell in table.get_row(key)] for key in table.rows]
            assert ["6 / 10"] == [row[2] for row in rows if row[1] == "mood"][-1:]
            note_rows = [row for row in rows if row[1] == "note"]
            assert note_rows[0][2] == "calmer today, slept well" and note_rows[0][3].endswith(".wav")
            await pilot.press("c")
            await pilot.press("j")
            await pilot.pause()
            assert "✓ Exported JSON" in screen_text(app)
            csv_path, json_path = screen.exported["csv"], screen.exported["json"]
            assert mode(csv_path) == 0o600 and mode(json_path) == 0o600
            assert mode(csv_path.parent) == 0o700
            records = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
            assert [r["rating"] for r in records if r["type"] == "mood"] == ["3", "5", "8", "6"]
            note = next(r for r in records if r["type"] == "note")
            assert note["text"] == "calmer today, slept well" and note["machine_transcript"] == "true"
            assert Path(note["audio_path"]).is_file()
            data = json.loads(json_path.read_text(encoding="utf-8"))
            assert [d["rating"] for d in data if d["type"] == "mood"] == [3, 5, 8, 6]
            assert data[0]["created_at"].endswith("+00:00")
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, HistoryScreen)

    run(scenario)


def test_rating_summary_words() -> None:
    assert rating_summary([]) == "No mood ratings yet."
    assert rating_summary([2, 9, 4]) == "Mood (0-10), 3 ratings: latest 4, lowest 2, highest 9."


def test_escort_summary_screen_saves_text_and_html(content: Content, ketavoice_home: Path) -> None:
    app, _journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            for answer in ("c", "okay", "y", "no", *["okay"] * 6, "4"):
                await type_line(pilot, answer)
            await pilot.press("f3")
            await pilot.pause()
            text = screen_text(app)
            assert "FOR THE PERSON TAKING THE PATIENT HOME" in text
            paths = getattr(app.screen, "saved_paths")  # noqa: B009
            assert [p.suffix for p in paths] == [".txt", ".html"]
            body = paths[0].read_text(encoding="utf-8")
            assert "out of 10" in body and "Mood rating at" in body and ": 4 out of 10." in body
            assert "911" in body and "988" in body
            assert all(mode(p) == 0o600 for p in paths)
            assert "<h2>Key instructions</h2>" in paths[1].read_text(encoding="utf-8")

    run(scenario)


def test_escort_instructions_come_from_content(content: Content) -> None:
    summary = build_summary(content, [], [], DAY)
    words = content.escort
    assert summary.title == words.title and summary.intro == words.intro
    assert summary.instructions == words.instructions and summary.call_for_help == words.call_for_help
    instructions = [line.lower() for line in summary.instructions]
    assert "driv" in instructions[0] and "sleep" in instructions[0]
    assert any("fade" in line and "hours" in line for line in instructions)
    assert any("decisions" in line and "24 hours" in line for line in instructions)
    assert any("alcohol" in line and "cannabis" in line for line in instructions)
    assert any(content.clinic.phone in line for line in instructions)  # {clinic_phone} filled in
    help_lines = summary.call_for_help
    assert "911" in help_lines[0] and "can't be woken" in help_lines[0]
    assert any("988" in line and "alone" in line and "weapons" in line for line in help_lines)
    assert any("confused" in line and "clinic" in line for line in help_lines)
    assert summary.checkin == (words.no_checkin,) == ("No mood check-in was recorded today.",)
    text = render_text(summary)
    for heading in (words.instructions_heading, words.call_for_help_heading, words.checkin_heading):
        assert f"\n{heading}\n" in text
    assert max(len(line) for line in text.splitlines()) <= 72
    assert len(text.splitlines()) <= 60  # one printed page


def test_escort_page_uses_a_clinics_own_words() -> None:
    """A clinic's [escort] table replaces every line of the page; none of the default wording leaks in."""
    from ketavoice.content import load_content
    from ketavoice.journal.base import MoodRecord, NoteRecord

    clinic = load_content(Path(__file__).parent / "data" / "clinic.toml")
    moods = [MoodRecord(1, "p", 1, 6, DAY - 60)]
    notes = [NoteRecord(1, "p", 1, "tired", None, False, "saved", DAY - 30)]
    summary = build_summary(clinic, moods, notes, DAY)
    at = datetime.fromtimestamp(DAY - 60).strftime("%H:%M")
    assert summary.checkin == (f"{at}: mood 6.", "Note saved.")
    text = render_text(summary)
    assert text.startswith("GOING HOME\n")
    for line in ("The visit is over.", "Please", "  * No driving until tomorrow.", "Help",
                 "  * Talk of suicide: call or text 988.", "Check-in"):
        assert line in text.splitlines()
    assert "full night's sleep" not in text and "Key instructions" not in text
    page = render_html(summary)
    assert "<h2>Please</h2>" in page and "<title>Going home</title>" in page


def test_escort_html_escapes_and_lists_only_today(content: Content) -> None:
    from ketavoice.journal.base import MoodRecord, NoteRecord

    clock = FakeClock(DAY)
    moods = [MoodRecord(1, "p", 1, 2, DAY - 86400 * 2), MoodRecord(2, "p", 2, 7, clock() - 60)]
    notes = [NoteRecord(1, "p", 2, "<script>x</script>", None, False, "saved", clock() - 30)]
    summary = build_summary(content, moods, notes, clock())
    assert len([line for line in summary.checkin if "Mood rating" in line]) == 1
    page = render_html(summary)
    assert "<script>" not in page and "7 out of 10" in page
    assert "A note for the care team was saved." in page


def test_history_shows_a_journal_error(content: Content, ketavoice_home: Path) -> None:
    app, journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            journal.close()
            await pilot.press("f2")
            await pilot.pause()
            assert "✗ Could not read the journal:" in screen_text(app)

    run(scenario)
