"""Trial v3 finding 10: alerts quoted the answer to the check question ("what?") instead of the words
that raised it, and a mood drop from 7 to 4 was "Very low mood rating". Through `ketavoice chat --jsonl`
and `ketavoice alerts --json` on a real SQLite home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TO_MOOD = ["ok", "ok", "yes", "tomorrow", "ok", "ok", "ok", "ok", "ok", "ok"]  # answers up to mood_rating


def ketavoice(home: Path, *args: str, lines: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KETAVOICE_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "ketavoice", *args], input="".join(f"{x}\n" for x in lines),
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def chat_alerts(home: Path, patient: str, lines: list[str]) -> list[dict[str, Any]]:
    done = ketavoice(home, "chat", "--jsonl", "--patient", patient, lines=tuple(lines))
    assert done.returncode == 0, done.stderr[-2000:]
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return [event for event in events if event["type"] == "alert"]


def stored_alerts(home: Path, patient: str) -> list[dict[str, Any]]:
    done = ketavoice(home, "alerts", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    return [alert for alert in json.loads(done.stdout) if alert["patient"] == patient]


def test_an_escalated_check_quotes_the_words_that_raised_it_and_the_answer(ketavoice_home: Path) -> None:
    alerts = chat_alerts(ketavoice_home, "r7", ["ok", "chest feels weird", "what?", "what?"])
    assert [(a["certainty"], a["level"]) for a in alerts] == [("possible", "emergency"),
                                                            ("certain", "emergency")]
    certain = alerts[1]["text"]
    assert "Patient said: \u201cchest feels weird\u201d" in certain
    assert "Answer to the check question: \u201cwhat?\u201d" in certain
    assert "Patient said: \u201cwhat?\u201d" not in certain
    stored = {a["certainty"]: a["text"] for a in stored_alerts(ketavoice_home, "r7")}
    assert stored["certain"] == certain  # what staff read is what the room raised


def test_a_certain_flag_in_the_answer_is_quoted_as_its_own_words(ketavoice_home: Path) -> None:
    alerts = chat_alerts(ketavoice_home, "r8", ["ok", "chest feels weird", "i want to kill myself"])
    crisis = next(a for a in alerts if a["level"] == "crisis")
    assert crisis["certainty"] == "certain"
    assert "Patient said: \u201ci want to kill myself\u201d" in crisis["text"]
    emergency = next(a for a in alerts if a["level"] == "emergency" and a["certainty"] == "certain")
    assert "Patient said: \u201cchest feels weird\u201d" in emergency["text"]


def test_a_mood_drop_is_called_a_drop_not_very_low(ketavoice_home: Path) -> None:
    chat_alerts(ketavoice_home, "m1", [*TO_MOOD, "7", "no"])
    alerts = chat_alerts(ketavoice_home, "m1", [*TO_MOOD, "4"])
    (mood,) = [a for a in alerts if a["step"] == "mood_rating" and a["level"] == "note"]
    assert "Very low" not in mood["text"]
    assert "dropped" in mood["text"] and "4/10" in mood["text"] and "7/10" in mood["text"]
    assert any("dropped" in a["text"] for a in stored_alerts(ketavoice_home, "m1"))


def test_a_very_low_rating_says_so_with_the_rating(ketavoice_home: Path) -> None:
    alerts = chat_alerts(ketavoice_home, "m2", [*TO_MOOD, "2"])
    (mood,) = [a for a in alerts if a["step"] == "mood_rating" and a["level"] == "note"]
    assert mood["text"].startswith("Very low mood rating") and "2/10" in mood["text"]


def test_a_positive_screen_gives_the_answers_that_made_it_positive(ketavoice_home: Path) -> None:
    """It said: Patient said: "ASQ non-acute positive", words nobody said."""
    alerts = chat_alerts(ketavoice_home, "s1", [*TO_MOOD, "2", "yes", "no", "no", "no", "no"])
    (hold,) = [a for a in alerts if a["level"] == "crisis" and a["certainty"] == "certain"]
    assert "Patient said" not in hold["text"]
    wished = "\u201cIn the past few weeks, have you wished you were dead?\u201d Yes"
    assert f"Positive answers: {wished}" in hold["text"]
