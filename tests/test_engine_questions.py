"""Ask anything, in the engine: a question is answered from the clinic's approved answers and the step
is asked again with nothing recorded for it; a question with no approved answer is saved for the care
team; expected effects are reassured; a check question answered with a question is asked once more."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ketavoice.content.model import Content
from ketavoice.engine.events import Alert, Listen, Say, Silence
from ketavoice.journal.export import history_rows
from ketavoice.journal.fhir import JournalExtract, build_bundle
from ketavoice.journal.sqlite import SqliteJournal
from tests.engine_driver import make_driver

ROOT = Path(__file__).resolve().parents[1]


def _says(actions: list[object]) -> list[Say]:
    return [a for a in actions if isinstance(a, Say)]


def test_a_question_at_the_ride_home_step_is_answered_and_the_step_asked_again(
    content: Content, ketavoice_home: Path
) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("ride_home")
    actions = d.type("can I drive tomorrow?")
    driving = next(t for t in content.answers if t.id == "driving")
    assert [s.text for s in _says(actions) if s.topic == "driving"] == list(driving.say)
    assert d.engine.step_id == "ride_home"
    assert not [a for a in actions if isinstance(a, Alert)]  # not taken as "no ride home"
    assert isinstance(actions[-1], Listen) and actions[-1].step == "ride_home"
    assert content.dialogue("post_session").step("ride_home").prompt in [s.text for s in _says(actions)]


def test_a_question_with_no_approved_answer_is_saved_for_the_care_team(
    content: Content, ketavoice_home: Path
) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("feeling")
    actions = d.type("how much does a session cost?")
    assert content.messages.question_saved in [s.text for s in _says(actions)]
    notes = [a for a in actions if isinstance(a, Alert)]
    assert [a.level for a in notes] == ["note"] and "how much does a session cost" in notes[0].text
    journal = SqliteJournal(ketavoice_home / "journal.sqlite3")
    questions = journal.questions("p1")
    assert [q.text for q in questions] == ["how much does a session cost?"]
    rows = history_rows((), (), (), (), questions)
    assert rows[0].as_dict()["type"] == "question"
    bundle = build_bundle(JournalExtract((), (), (), (), questions), content.instruments, 1_700_000_000.0)
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]  # type: ignore[index]
    assert "Communication" in kinds
    assert d.engine.step_id == "feeling"


def test_an_expected_effect_is_reassured_and_the_step_goes_on(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("welcome")
    actions = d.type("I feel like I'm floating")
    effect = next(e for e in content.expected_effects if e.id == "dissociation")
    said = [s.text for s in _says(actions)]
    assert effect.reply[0] in said and d.engine.step_id == "welcome"
    assert not [a for a in actions if isinstance(a, Alert)]


def test_a_check_question_answered_with_a_question_is_asked_once_more(
    content: Content, ketavoice_home: Path
) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("welcome")
    d.type("my chest feels a bit funny")
    assert not d.engine.on_hold
    actions = d.type("what do you mean by that?")
    assert content.messages.check_again in [s.text for s in _says(actions)]
    assert not d.engine.on_hold
    d.type("I don't know")
    assert d.engine.on_hold  # a second unclear answer escalates


def test_silence_after_a_check_question_still_escalates_at_once(
    content: Content, ketavoice_home: Path
) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("welcome")
    d.type("my chest feels a bit funny")
    d.send(Silence(12.0))
    assert d.engine.on_hold


def test_a_companions_report_gets_the_companion_script(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("welcome")
    actions = d.type("my husband isn't breathing properly and his lips are blue")
    emergency = next(f for f in content.red_flags if f.level == "emergency")
    said = [s.text for s in _says(actions)]
    assert emergency.companion_script[0] in said and d.engine.on_hold


def test_chat_jsonl_say_lines_of_an_answer_carry_the_topic(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KETAVOICE_HOME": str(tmp_path)}
    out = subprocess.run(
        [sys.executable, "-m", "ketavoice", "chat", "--jsonl"],
        input="okay\nis it ok to have a glass of wine tonight?\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    lines = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    topics = [line.get("topic") for line in lines if line["type"] == "say"]
    assert "alcohol" in topics
