"""`ketavoice chat` end to end through a real subprocess, per the DESIGN.md contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ketavoice.journal.sqlite import SqliteJournal

ROOT = Path(__file__).resolve().parents[1]


def _chat(home: Path, lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KETAVOICE_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "ketavoice", "chat", *args],
        input="".join(line + "\n" for line in lines),
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def _answers_for(events: list[dict[str, object]]) -> str:
    listen = next(e for e in reversed(events) if e["type"] == "listen")
    expect, step = listen["expect"], listen["step"]
    if expect == "number":
        return "about a seven"
    if expect == "note":
        return "calm and a little foggy"
    if step == "feeling":
        return "dizzy"
    if step == "drive_check":
        return "no"
    return "yes" if expect == "yes_no" else "okay"


def test_chat_jsonl_whole_dialogue(ketavoice_home: Path) -> None:
    # Drive it one line at a time so each answer fits the question actually asked.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KETAVOICE_HOME": str(ketavoice_home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ketavoice", "chat", "--jsonl", "--patient", "p7"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdin and proc.stdout
    events: list[dict[str, object]] = []
    while True:
        line = proc.stdout.readline()
        if not line:
            break
        event = json.loads(line)
        events.append(event)
        assert {"type", "step", "text"} <= set(event)
        if event["type"] == "listen":
            assert event["expect"] in ("yes_no", "number", "note", "any")
            proc.stdin.write(_answers_for(events) + "\n")
            proc.stdin.flush()
        if event["type"] == "finish":
            break
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0
    types = {e["type"] for e in events}
    assert {"say", "listen", "saved", "finish"} <= types
    journal = SqliteJournal(ketavoice_home / "journal.sqlite3")
    assert [m.rating for m in journal.moods("p7")] == [7]
    assert [n.text for n in journal.notes("p7")] == ["calm and a little foggy"]


def test_chat_end_of_input_exits_zero_and_keeps_what_was_confirmed(ketavoice_home: Path) -> None:
    info_steps = ["okay"] * 6  # substances, medicines, decisions, common effects, before you go, home today
    result = _chat(ketavoice_home, ["okay", "dizzy", "yes", "no", *info_steps, "8"], "--patient", "p2")
    assert result.returncode == 0, result.stderr
    assert "ketavoice:" in result.stdout
    journal = SqliteJournal(ketavoice_home / "journal.sqlite3")
    assert [m.rating for m in journal.moods("p2")] == [8]


def test_chat_red_flag_prints_alert(ketavoice_home: Path) -> None:
    result = _chat(ketavoice_home, ["I can't breathe"], "--jsonl")
    events = [json.loads(line) for line in result.stdout.splitlines()]
    alert = next(e for e in events if e["type"] == "alert")
    assert alert["level"] == "emergency"
    assert events.index(alert) < next(i for i, e in enumerate(events) if e.get("urgent"))


def test_checkin_command(ketavoice_home: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KETAVOICE_HOME": str(ketavoice_home)}
    result = subprocess.run(
        [sys.executable, "-m", "ketavoice", "checkin", "--jsonl", "--patient", "home1"],
        # welcome, mood, better/same/worse, four side-effect checks, note offer, next visit
        input="okay\nfour\nabout the same\nno\nno\nno\nno\nno\nokay\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    journal = SqliteJournal(ketavoice_home / "journal.sqlite3")
    assert [m.rating for m in journal.moods("home1")] == [4]
    events = [json.loads(line) for line in result.stdout.splitlines()]
    assert events[-1]["type"] == "finish" and not [e for e in events if e["type"] == "alert"]


def test_journal_files_are_private(ketavoice_home: Path) -> None:
    _chat(ketavoice_home, ["okay"])
    assert ketavoice_home.stat().st_mode & 0o777 == 0o700
    for path in ketavoice_home.rglob("*"):
        expected = 0o700 if path.is_dir() else 0o600
        assert path.stat().st_mode & 0o777 == expected, path


def test_invalid_content_never_starts_a_session(ketavoice_home: Path) -> None:
    broken = ROOT / "tests" / "data" / "broken" / "dangling_next.toml"
    result = _chat(ketavoice_home, ["okay"], "--content", str(broken))
    assert result.returncode == 1
    assert "dangling_next.toml:" in result.stderr and "next" in result.stderr
    assert "ketavoice:" not in result.stdout
    assert not (ketavoice_home / "journal.sqlite3").exists()
