"""Regression tests for engine bugs found in review: each failed before its fix."""

from __future__ import annotations

from pathlib import Path

from ketavoice.content.model import Content
from ketavoice.engine.events import Acknowledge, Alert, Heard, Pressed, Silence
from tests.engine_driver import alerts, listens, make_driver, saved, says


def test_red_flag_heard_for_a_superseded_listen_is_still_handled(
    content: Content, ketavoice_home: Path
) -> None:
    # The patient speaks while a caregiver types the answer: the late utterance must not lose its red flag.
    d = make_driver(content, ketavoice_home)
    old = d.engine.pending_listen
    assert old is not None
    d.type("okay")
    actions = d.send(Heard("i cant breathe", 0.9, listen_id=old.listen_id))
    assert isinstance(actions[0], Alert) and actions[0].level == "emergency"
    assert [a.level for a in d.journal.open_alerts("p1")] == ["emergency"]
    assert d.engine.step_id == "feeling" and listens(actions)
    # An ordinary late answer is still dropped.
    stale = d.engine.pending_listen
    d.type("dizzy")
    assert stale is not None and d.send(Heard("sleepy", 0.9, listen_id=stale.listen_id)) == []


def test_low_confidence_red_flag_during_stop_confirmation_does_not_trap(
    content: Content, ketavoice_home: Path
) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("feeling")
    d.type("stop")
    d.send(Heard("chest pain", 0.2))  # "did you say chest pain?"
    d.type("no")  # back to "do you want to stop?"
    assert content.messages.stop_confirm in says(d.log[-3:])
    actions = d.type("no")  # don't stop: carry on with the step
    assert content.messages.stop_cancelled in says(actions)
    [listen] = listens(actions)
    assert listen.step == "feeling" and listen.expect == "any"
    d.type("dizzy")
    assert d.engine.step_id == "ride_home"


def test_unanswered_flag_during_stop_confirmation_returns_to_the_stop_question(
    content: Content, ketavoice_home: Path
) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("ride_home")
    d.type("stop")
    d.send(Heard("i want to die", 0.3))
    [alert] = alerts(d.send(Silence(12.0)))  # no answer to the check question: the crisis flow runs
    assert d.type("no") and d.engine.on_hold  # a hold is no answer to the stop question
    d.send(Acknowledge(alert.alert_id, "nurse"))  # staff have come: back to the stop question
    actions = d.type("no")
    assert content.messages.stop_cancelled in says(actions)
    d.type("yes")
    assert d.engine.step_id == "drive_check"


def test_red_flag_answering_did_you_say_keeps_the_first_flag(content: Content, ketavoice_home: Path) -> None:
    # "Did you say you want to die?" answered with another red flag is not a "no": both scripts run.
    d = make_driver(content, ketavoice_home)
    d.walk_to("feeling")
    d.send(Heard("i want to die", 0.3))
    actions = d.type("yes and my chest hurts")
    assert [a.level for a in alerts(actions)] == ["emergency", "crisis"]
    for flag in content.red_flags:
        assert all(line in says(actions) for line in flag.script)
    assert d.engine.step_id == "feeling" and d.engine.on_hold
    for alert in alerts(actions):
        d.send(Acknowledge(alert.alert_id, "nurse"))
    actions = d.type("sleepy")  # once staff acknowledge, the dialogue carries on
    assert d.engine.step_id == "ride_home"


def test_low_confidence_red_flag_answering_did_you_say_keeps_the_first_flag(
    content: Content, ketavoice_home: Path
) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("feeling")
    d.send(Heard("i want to die", 0.3))
    actions = d.send(Heard("chest pain", 0.3))
    assert {a.level for a in alerts(actions)} >= {"crisis"}
    assert next(f for f in content.red_flags if f.level == "crisis").script[0] in says(actions)


def test_command_phrases_with_number_words_on_the_rating_step(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("mood_rating")
    actions = d.type("one more time")
    assert not saved(actions) and d.engine.step_id == "mood_rating"
    assert d.journal.moods("p1") == []
    d.type("the one before")
    before = next(s.id for s in content.dialogue("post_session").steps if s.next == "mood_rating")
    assert d.engine.step_id == before
    d.type("next one")
    assert d.engine.step_id == "mood_rating" and d.journal.moods("p1") == []
    assert [s.value for s in saved(d.type("yes, a seven"))] == [7]  # a rating with a yes is still a rating


def test_odd_digit_key_is_ignored_not_a_crash(content: Content, ketavoice_home: Path) -> None:
    d = make_driver(content, ketavoice_home)
    d.walk_to("mood_rating")
    assert d.send(Pressed("\u00b2")) == []  # superscript two: isdigit() but not a number key
    assert [s.value for s in saved(d.send(Pressed("3")))] == [3]
