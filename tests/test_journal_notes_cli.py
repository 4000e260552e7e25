"""`ketavoice notes` through a real subprocess: table, --json, --csv, filters, empty home, bad journal."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ketavoice.journal import DB_NAME, open_journal
from ketavoice.journal.export import ENTRY_FIELDS as FIELDS

REPO = Path(__file__).resolve().parent.parent
SECRET = "zebra-lighthouse-marmalade"
PCM = b"\x01\x00" * 800


def notes_cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "KETAVOICE_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "ketavoice", "notes", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=REPO,
    )


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("KETAVOICE_HOME", str(path))
    journal = open_journal(path)
    ana = journal.start_session("ana", "default", 1_700_000_000.0)
    ben = journal.start_session("ben", "checkin", 1_700_000_100.0)
    journal.save_mood(ana, 7, 1_700_000_010.0)
    journal.save_note(ana, 'felt floaty, now calmer, comma, "quoted"', PCM, True, 1_700_000_020.0)
    journal.save_note(ana, "unfinished draft", None, True, 1_700_000_030.0, status="draft")
    journal.save_mood(ben, 4, 1_700_000_110.0)
    journal.save_note(ben, "typed by the caregiver", None, False, 1_700_000_120.0)
    journal.close()
    return path


def test_json_lists_moods_and_notes_in_time_order(home: Path) -> None:
    result = notes_cli(home, "--json")
    assert result.returncode == 0, result.stderr
    entries: list[dict[str, Any]] = json.loads(result.stdout)
    assert [(e["type"], e["patient"]) for e in entries] == [
        ("mood", "ana"),
        ("note", "ana"),
        ("mood", "ben"),
        ("note", "ben"),
    ]
    mood, spoken, _, typed = entries
    assert set(mood) == set(FIELDS)
    assert mood["rating"] == 7 and mood["text"] is None
    assert datetime.fromisoformat(mood["created_at"]).timestamp() == 1_700_000_010.0
    assert spoken["text"] == 'felt floaty, now calmer, comma, "quoted"'
    assert spoken["machine_transcript"] is True and spoken["rating"] is None
    assert Path(spoken["audio_path"]).is_file() and Path(spoken["audio_path"]).parent == home / "audio"
    assert typed["audio_path"] is None and typed["machine_transcript"] is False
    assert isinstance(mood["session"], int) and mood["session"] != typed["session"]
    assert all(e["text"] != "unfinished draft" for e in entries)


def test_patient_filter(home: Path) -> None:
    entries = json.loads(notes_cli(home, "--patient", "ben", "--json").stdout)
    assert [(e["type"], e["patient"]) for e in entries] == [("mood", "ben"), ("note", "ben")]
    assert json.loads(notes_cli(home, "--patient", "nobody", "--json").stdout) == []


def test_csv_matches_json(home: Path) -> None:
    result = notes_cli(home, "--csv")
    assert result.returncode == 0, result.stderr
    reader = csv.DictReader(io.StringIO(result.stdout))
    assert tuple(reader.fieldnames or ()) == FIELDS
    rows = list(reader)
    entries = json.loads(notes_cli(home, "--json").stdout)
    assert len(rows) == len(entries) == 4
    for row, entry in zip(rows, entries, strict=True):
        assert row["type"] == entry["type"] and row["created_at"] == entry["created_at"]
        assert row["text"] == (entry["text"] or "")
        assert row["rating"] == ("" if entry["rating"] is None else str(entry["rating"]))


def test_table_is_readable(home: Path) -> None:
    result = notes_cli(home)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("when (UTC)")
    assert len(lines) == 5
    assert "mood 7/10" in result.stdout and "typed by the caregiver" in result.stdout
    assert "[spoken]" in result.stdout


def test_empty_home_prints_empty_results_and_creates_nothing(tmp_path: Path) -> None:
    home = tmp_path / "never-used"
    assert json.loads(notes_cli(home, "--json").stdout) == []
    assert notes_cli(home, "--csv").stdout.splitlines() == [",".join(FIELDS)]
    table = notes_cli(home)
    assert table.returncode == 0 and "No saved moods or notes" in table.stdout
    assert not home.exists()


def test_a_bad_journal_is_a_clear_error_exit_1(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    db = home / DB_NAME
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE diary (entry TEXT)")
    conn.execute("INSERT INTO diary VALUES (?)", (SECRET,))
    conn.commit()
    conn.close()
    before = db.read_bytes()
    result = notes_cli(home, "--json")
    assert result.returncode == 1
    assert "not a ketavoice journal" in result.stderr
    assert "Traceback" not in result.stderr
    assert SECRET not in result.stderr + result.stdout
    assert db.read_bytes() == before
