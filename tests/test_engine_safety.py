"""Red flags are caught in every step and every mode, typed or spoken, alerted before anything is said."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketavoice.content.model import Content
from ketavoice.engine.events import Acknowledge, Alert, Heard, Say, Silence
from ketavoice.journal.base import Certainty
from ketavoice.journal.sqlite import SqliteJournal
from tests.engine_driver import Driver, alerts, listens, make_driver, says


class OrderRecordingJournal(SqliteJournal):
    """A real journal that also remembers the order of alert writes and spoken lines."""

    order: list[str]

    def add_alert(
        self,
        session_id: int | None,
        patient_id: str,
        level: str,
        text: str,
        now: float,
        certainty: Certainty = "certain",
    ) -> int:
        self.order.append(f"alert:{level}")
        return super().add_alert(session_id, patient_id, level, text, now, certainty)

    def audit(self, session_id: int | None, actor: str, kind: str, text: str, now: float) -> None:  # type: ignore[override]
        if kind == "say":
            self.order.append("say")
        super().audit(session_id, actor, kind, text, now)  # type: ignore[arg-type]


def _steps(content: Content) -> list[tuple[str, str]]:
    return [(d.name, s.id) for d in content.dialogues for s in d.steps if s.kind != "end"]


def _driver_at(content: Content, home: Path, dialogue: str, step_id: str) -> Driver:
    journal = OrderRecordingJournal(home / "journal.sqlite3")
    journal.order = []
    d = make_driver(content, home, dialogue=dialogue, journal=journal)
    d.walk_to(step_id)
    journal.order.clear()
    return d


def _assert_flag_handled(
    content: Content, d: Driver, actions: list[object], level: str, step_id: str
) -> None:
    flag = next(f for f in content.red_flags if f.level == level)
    first = actions[0]
    assert isinstance(first, Alert) and first.level == level, actions[:2]
    script = flag.home_script if d.engine.setting == "home" else flag.script
    assert all(line in says(actions) for line in script)  # type: ignore[arg-type]
    assert any(isinstance(a, Say) and a.urgent for a in actions)
    journal = d.journal
    assert isinstance(journal, OrderRecordingJournal)
    assert journal.order[0] == f"alert:{level}"  # written before any word is said
    assert any(a.level == level for a in journal.open_alerts("p1"))
    assert d.engine.step_id == step_id and not d.engine.finished  # held where it was, not moved on
    assert d.engine.on_hold and listens(actions)[-1].hold  # type: ignore[arg-type]


@pytest.mark.parametrize("level", ["emergency", "crisis"])
def test_red_flag_typed_in_every_step(content: Content, ketavoice_home: Path, level: str) -> None:
    example = next(f for f in content.red_flags if f.level == level).examples[0]
    for index, (dialogue, step_id) in enumerate(_steps(content)):
        d = _driver_at(content, ketavoice_home / str(index), dialogue, step_id)
        _assert_flag_handled(content, d, d.type(example), level, step_id)  # type: ignore[arg-type]


@pytest.mark.parametrize("level", ["emergency", "crisis"])
def test_every_red_flag_example_spoken_is_caught(content: Content, ketavoice_home: Path, level: str) -> None:
    flag = next(f for f in content.red_flags if f.level == level)
    d = _driver_at(content, ketavoice_home, "post_session", "feeling")
    for example in flag.examples:
        journal = d.journal
        assert isinstance(journal, OrderRecordingJournal)
        journal.order.clear()
        actions = d.send(Heard(example.lower(), 0.95))
        _assert_flag_handled(content, d, actions, level, "feeling")  # type: ignore[arg-type]
        [alert] = alerts(actions)  # type: ignore[arg-type]
        d.send(Acknowledge(alert.alert_id, "nurse"))  # staff end the hold before the next example


def test_red_flag_inside_a_spoken_note_runs_the_script_and_keeps_the_note(
    content: Content, ketavoice_home: Path
) -> None:
    d = _driver_at(content, ketavoice_home, "post_session", "mood_note")
    d.type("yes")
    crisis = next(f for f in content.red_flags if f.level == "crisis").examples[0]
    actions = d.send(Heard(f"today was hard and {crisis.lower()}", 0.9, b"\x00\x00" * 800))
    assert isinstance(actions[0], Alert) and actions[0].level == "crisis"
    # Nothing is lost while the hold is on: the words are kept as a draft at once.
    [note] = d.journal.notes("p1", include_drafts=True)
    assert crisis.lower() in note.text and note.status == "draft"
    assert d.engine.on_hold


def test_red_flag_while_confirming_stop_and_note(content: Content, ketavoice_home: Path) -> None:
    example = next(f for f in content.red_flags if f.level == "emergency").examples[0]
    d = _driver_at(content, ketavoice_home, "post_session", "mood_note")
    d.type("stop")
    alert = d.type(example)[0]
    assert isinstance(alert, Alert)
    d.type("yes")  # a hold is no stop confirmation
    assert d.engine.on_hold and not d.engine.finished
    d.send(Acknowledge(alert.alert_id, "nurse"))
    d.type("yes")  # still asked to confirm the stop once staff have come
    assert d.engine.finished


def test_a_denied_red_flag_raises_nothing_but_a_later_one_does(
    content: Content, ketavoice_home: Path
) -> None:
    d = _driver_at(content, ketavoice_home, "post_session", "feeling")
    assert not alerts(d.type("I don't have chest pain, just dizzy"))
    d = _driver_at(content, ketavoice_home / "2", "post_session", "feeling")
    assert [a.level for a in alerts(d.type("no dizziness, but my chest hurts"))] == ["emergency"]


def test_low_confidence_red_flag_is_asked_about_and_still_alerted(
    content: Content, ketavoice_home: Path
) -> None:
    d = _driver_at(content, ketavoice_home, "post_session", "feeling")
    actions = d.send(Heard("chest pain", 0.2))
    assert [(a.level, a.certainty) for a in alerts(actions)] == [("emergency", "possible")]
    assert any("chest pain" in text for text in says(actions))  # "do you have chest pain right now?"
    actions = d.type("no")
    assert content.messages.red_flag_dismissed in says(actions) and not alerts(actions)
    assert d.engine.step_id == "feeling"
    assert [(a.level, a.certainty) for a in d.journal.open_alerts("p1")] == [("emergency", "possible")]


@pytest.mark.parametrize("answer", ["yes", None])
def test_low_confidence_red_flag_confirmed_or_unanswered_runs_the_script(
    content: Content, ketavoice_home: Path, answer: str | None
) -> None:
    d = _driver_at(content, ketavoice_home, "post_session", "feeling")
    d.send(Heard("i want to kill myself", 0.3))
    actions = d.type(answer) if answer else d.send(Silence(12.0))
    assert [(a.level, a.certainty) for a in alerts(actions)] == [("crisis", "certain")]
    crisis = next(f for f in content.red_flags if f.level == "crisis")
    assert crisis.script[0] in says(actions)


def test_alert_stays_open_across_restart_until_acknowledged(content: Content, ketavoice_home: Path) -> None:
    d = _driver_at(content, ketavoice_home, "post_session", "feeling")
    [alert] = alerts(d.type("my chest hurts"))
    path = ketavoice_home / "journal.sqlite3"
    reopened = SqliteJournal(path)
    assert [a.id for a in reopened.open_alerts("p1")] == [alert.alert_id]
    d.send(Acknowledge(alert.alert_id, "nurse-1"))
    assert SqliteJournal(path).open_alerts("p1") == []


def test_red_flag_after_the_dialogue_finished_is_still_answered(
    content: Content, ketavoice_home: Path
) -> None:
    d = _driver_at(content, ketavoice_home, "post_session", "feeling")
    d.type("stop")
    d.type("yes")
    assert d.engine.finished
    actions = d.type("I can't breathe")
    assert isinstance(actions[0], Alert) and actions[0].level == "emergency"
    assert any(a.level == "emergency" for a in d.journal.open_alerts("p1"))
    assert d.type("okay") == []


def test_red_flag_among_the_runners_up_of_a_confident_answer_is_not_raised(
    content: Content, ketavoice_home: Path
) -> None:
    # Voice v3: a confident "yes" is what was said; a red-flag phrase the grammar ranked below it is not
    # (this rule turned a calm "yes" at the ride-home question into the emergency hold).
    d = _driver_at(content, ketavoice_home, "post_session", "ride_home")
    actions = d.send(Heard("yes", 0.9, alternatives=("i do", "chest pain")))
    assert not alerts(actions)
    assert d.engine.step_id != "ride_home"


def test_red_flag_among_the_runners_up_of_words_not_understood_is_asked_about(
    content: Content, ketavoice_home: Path
) -> None:
    d = _driver_at(content, ketavoice_home, "post_session", "ride_home")
    actions = d.send(Heard("the red chair", 0.9, alternatives=("my chest pain", "chest pain")))
    assert [(a.level, a.certainty) for a in alerts(actions)] == [("emergency", "possible")]
    assert d.engine.step_id == "ride_home"  # nothing is taken as the answer until the question is answered
    actions = d.type("yes")
    assert [a.level for a in alerts(actions)] == ["emergency"]


def test_runners_up_without_a_red_flag_change_nothing(content: Content, ketavoice_home: Path) -> None:
    d = _driver_at(content, ketavoice_home, "post_session", "ride_home")
    actions = d.send(Heard("yes", 0.9, alternatives=("i do", "yeah")))
    assert not alerts(actions) and d.engine.step_id != "ride_home"
