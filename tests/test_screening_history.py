"""Saved screenings in `ketavoice notes --json/--csv` (real subprocess) and in the TUI history (Pilot)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from textual.widgets import DataTable

from ketavoice.content.model import Content
from ketavoice.journal.export import ENTRY_FIELDS
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.screening.model import ItemAnswer
from ketavoice.screening.scoring import score
from ketavoice.tui.history_screen import HistoryScreen, screening_trends
from ketavoice.tui.inspect import screen_text
from tests.test_tui_console import SIZE, make_app, run

REPO = Path(__file__).resolve().parent.parent
DAY = 1_795_000_000.0


def _answers(content: Content, key: str, values: list[int]) -> list[ItemAnswer]:
    instrument = content.instrument(key)
    by_value = {a.value: a.id for a in instrument.answers}
    return [ItemAnswer(item.id, by_value[v], v) for item, v in zip(instrument.items, values, strict=False)]


def seed(home: Path, content: Content) -> None:
    """Three check-ins: PHQ-9 14 then 9, a PHQ-2 of 1; GAD-2 negative; ASQ negative then positive."""
    journal = SqliteJournal(home / "journal.sqlite3")
    phq = content.instrument("phq9")
    plans = [
        ([2, 2, 2, 2, 2, 2, 1, 1, 0], [0, 1], ["no"] * 4),
        ([2, 1, 1, 1, 1, 1, 1, 1, 0], [0, 0], ["no", "yes", "no", "no", "no"]),
        ([1, 0], [1, 1], ["no"] * 4),
    ]
    for day, (phq_values, gad_values, asq_answers) in enumerate(plans):
        when = DAY + day * 86400
        session = journal.start_session("p-test", "checkin", when)
        journal.save_screening(session, score(phq, _answers(content, "phq9", phq_values)), when + 10)
        journal.save_screening(
            session, score(content.instrument("gad7"), _answers(content, "gad7", gad_values)), when + 20
        )
        asq = content.instrument("asq")
        given = [ItemAnswer(f"asq{n + 1}", a, asq.answer(a).value) for n, a in enumerate(asq_answers)]
        journal.save_screening(session, score(asq, given), when + 30)
    journal.close()


def _notes(home: Path, *args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO), "KETAVOICE_HOME": str(home)}
    result = subprocess.run([sys.executable, "-m", "ketavoice", "notes", *args], capture_output=True,
                            text=True, env=env, timeout=60, cwd=REPO)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_notes_json_and_csv_carry_screenings(content: Content, ketavoice_home: Path) -> None:
    seed(ketavoice_home, content)
    entries = json.loads(_notes(ketavoice_home, "--json"))
    assert [tuple(entry) for entry in entries] == [ENTRY_FIELDS] * 9
    first = entries[0]
    assert (first["type"], first["instrument"], first["form"]) == ("screening", "phq9", "PHQ-9")
    assert first["score"] == 14
    assert (first["severity"], first["positive"], first["crisis"]) == ("moderate", True, False)
    # Each item carries its record status (issue 18).
    expected = {"item": "phq9_1", "answer": "more_than_half", "value": 2, "status": "answered"}
    assert first["answers"][0] == expected
    assert first["rating"] is None and first["text"] is None
    assert [e["form"] for e in entries[6:]] == ["PHQ-2", "GAD-2", "ASQ"]
    rows = list(csv.DictReader(io.StringIO(_notes(ketavoice_home, "--csv"))))
    assert rows[0]["positive"] == "true" and json.loads(rows[0]["answers"])[8]["item"] == "phq9_9"
    table = _notes(ketavoice_home)
    assert "PHQ-9 score 14: moderate" in table and "ASQ score 1: non-acute positive [crisis flag]" in table


def test_trend_lines_per_form(content: Content, ketavoice_home: Path) -> None:
    seed(ketavoice_home, content)
    journal = SqliteJournal(ketavoice_home / "journal.sqlite3")
    lines = screening_trends(journal.screenings("p-test"))
    journal.close()
    assert lines == [
        "PHQ-9, 2 screens: 14, 9; latest 9 (mild), down from 14.",
        "GAD-2, 3 screens: 1, 0, 2; latest 2 (negative), up from 0.",
        "ASQ, 3 screens: negative, non-acute positive, negative; latest negative.",
        "PHQ-2, 1 screen: 1; latest 1 (negative).",
    ]


def test_history_screen_shows_screening_trends(content: Content, ketavoice_home: Path) -> None:
    seed(ketavoice_home, content)
    app, _journal = make_app(content, ketavoice_home)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            await pilot.press("f2")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, HistoryScreen)
            text = screen_text(app)
            assert "PHQ-9, 2 screens: 14, 9" in text
            table = screen.query_one(DataTable)
            rows = [[str(cell) for cell in table.get_row(key)] for key in table.rows]
            assert ["PHQ-9", "14: moderate"] == rows[0][1:3]
            assert "9 screenings" in text

    run(scenario)
