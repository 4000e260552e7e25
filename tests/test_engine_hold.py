"""Safety flows with a setting: a certain red flag holds the dialogue until staff acknowledge (clinic)
or the patient confirms a call (home); a possible one asks its named check question first."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ketavoice.content import load_content
from ketavoice.content.model import Content
from ketavoice.engine.events import (
    Acknowledge,
    Alert,
    Finish,
    Heard,
    Listen,
    Say,
    Silence,
    StaffReach,
)
from tests.engine_driver import Driver, make_driver


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(None)


def _said(actions: list[object]) -> str:
    return " ".join(action.text for action in actions if isinstance(action, Say))


def _listen(actions: list[object]) -> Listen:
    found = [action for action in actions if isinstance(action, Listen)]
    assert found, actions
    return found[-1]


def _alerts(actions: list[object]) -> list[Alert]:
    return [action for action in actions if isinstance(action, Alert)]


def _at_feeling(content: Content, home: Path, dialogue: str = "post_session") -> Driver:
    driver = make_driver(content, home, dialogue=dialogue)
    if dialogue == "post_session":
        driver.type("okay")
    return driver


def test_clinic_crisis_holds_until_staff_acknowledge(content: Content, tmp_path: Path) -> None:
    driver = _at_feeling(content, tmp_path)
    actions = driver.type("honestly I want to die")
    alert = _alerts(actions)[0]
    assert (alert.level, alert.certainty) == ("crisis", "certain")
    assert "Someone is coming" in _said(actions)
    assert _listen(actions).hold and _listen(actions).setting == "clinic"
    # Routine words never bring the routine back while the hold is on.
    for text in ("okay", "yes", "next", "fine thanks"):
        reply = driver.type(text)
        assert "glad" not in _said(reply).lower()
        assert _listen(reply).hold
        assert driver.engine.step_id == "feeling"
    assert _listen(driver.send(Silence(12.0))).hold
    released = driver.send(Acknowledge(alert.alert_id, "nurse"))
    assert "staff have seen" in _said(released)
    assert not _listen(released).hold
    assert "Welcome back" not in _said(driver.log)


def test_a_second_level_in_a_hold_adds_its_alert(content: Content, tmp_path: Path) -> None:
    driver = _at_feeling(content, tmp_path)
    first = _alerts(driver.type("I want to kill myself"))
    second = _alerts(driver.type("and now my chest is crushing"))
    assert [a.level for a in first + second] == ["crisis", "emergency"]
    assert not driver.send(Acknowledge(first[0].alert_id, "nurse")) or driver.engine.on_hold
    assert driver.engine.on_hold  # one alert of the hold is still open
    assert not _listen(driver.send(Acknowledge(second[0].alert_id, "nurse"))).hold


def test_home_hold_tells_whom_to_call_and_ends_on_a_confirmed_call(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path, dialogue="checkin")
    actions = driver.type("I took all my pills")
    said = _said(actions)
    assert "911" in said and "can't call" in said
    assert "staff" not in said.lower()
    assert _listen(actions).hold and _listen(actions).setting == "home"
    assert _listen(driver.type("no not yet")).hold
    done = driver.type("yes I called")
    assert any(isinstance(action, Finish) for action in done)


def test_possible_flag_asks_its_check_question_and_no_goes_back(content: Content, tmp_path: Path) -> None:
    driver = _at_feeling(content, tmp_path)
    actions = driver.type("my chest feels a bit funny")
    alert = _alerts(actions)[0]
    assert (alert.level, alert.certainty) == ("emergency", "possible")
    assert "Just to be safe" in _said(actions) and "chest pain" in _said(actions)
    back = driver.type("no")
    assert driver.engine.step_id == "feeling" and not driver.engine.on_hold
    assert "How do you feel" in _said(back)


@pytest.mark.parametrize("answer", ["yes", "um I think so", None])
def test_possible_flag_escalates_on_yes_unclear_or_silence(
    content: Content, tmp_path: Path, answer: str | None
) -> None:
    driver = _at_feeling(content, tmp_path)
    driver.type("my test hurts")
    actions = driver.send(Silence(12.0)) if answer is None else driver.type(answer)
    assert [(a.level, a.certainty) for a in _alerts(actions)] == [("emergency", "certain")]
    assert driver.engine.on_hold


def test_low_confidence_speech_is_checked_not_alarmed(content: Content, tmp_path: Path) -> None:
    driver = _at_feeling(content, tmp_path)
    listen = driver.engine.pending_listen
    assert listen is not None
    actions = driver.send(Heard("i want to kill myself", confidence=0.3, listen_id=listen.listen_id))
    assert [a.certainty for a in _alerts(actions)] == ["possible"]
    assert not driver.engine.on_hold


def test_negated_and_calm_words_go_on_as_ordinary_answers(content: Content, tmp_path: Path) -> None:
    driver = _at_feeling(content, tmp_path)
    actions = driver.type("no chest pain, just dizzy")
    assert not _alerts(actions)
    assert driver.engine.step_id == "ride_home"


def test_not_okay_is_distress_with_a_staff_note(content: Content, tmp_path: Path) -> None:
    driver = _at_feeling(content, tmp_path)
    actions = driver.type("I'm not okay")
    assert "glad" not in _said(actions).lower()
    assert [a.level for a in _alerts(actions)] == ["note"]


def test_words_not_understood_at_feeling_get_no_reassurance(content: Content, tmp_path: Path) -> None:
    driver = _at_feeling(content, tmp_path)
    actions = driver.type("everything is sort of purple and loud")
    assert "normal" not in _said(actions).lower()
    notes = _alerts(actions)
    # Staff hear of it with the words: a note, or (when the learned tier asks its check question) a
    # possible alert; never a certain one.
    assert notes and all("purple" in a.text and a.certainty != "certain" or a.level == "note" for a in notes)
    assert any("purple" in a.text for a in notes)


def test_unsure_about_a_ride_counts_as_no_and_alerts(content: Content, tmp_path: Path) -> None:
    driver = _at_feeling(content, tmp_path)
    driver.type("dizzy")
    actions = driver.type("I'm not sure")
    assert [a.level for a in _alerts(actions)] == ["warning"]


def test_without_an_asq_a_very_low_mood_asks_the_acuity_question(content: Content, tmp_path: Path) -> None:
    bare = replace(content, instruments=())
    driver = make_driver(bare, tmp_path)
    driver.walk_to("mood_rating")
    actions = driver.type("one")
    assert "thoughts of ending your life" in _said(actions)
    assert driver.engine.on_hold is False
    assert _alerts(driver.type("yes"))[0].level == "crisis"
    assert driver.engine.on_hold


def test_mood_words_get_a_follow_up_and_out_of_range_is_refused(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path, dialogue="checkin")
    driver.walk_to("mood_rating")
    assert "how low" in _said(driver.type("pretty bad"))
    refused = driver.type("-1")
    assert "-1" in _said(refused) and driver.engine.step_id == "mood_rating"


def test_the_clinic_hold_says_whether_the_station_was_reached(content: Content, tmp_path: Path) -> None:
    """Clinic v3 finding 9: "Someone is coming" only while alerts reach the station; the front end's
    StaffReach changes what the hold says, once, and a hold in a room with no store says whom to tell."""
    driver = _at_feeling(content, tmp_path)
    driver.send(StaffReach("unreachable"))
    actions = driver.type("I have crushing chest pain")
    assert content.messages.hold_unreachable in _said(actions) and "Someone is coming" not in _said(actions)
    assert content.messages.hold_unreachable_repeat in _said(driver.type("hello?"))
    back = driver.send(StaffReach("station"))
    assert content.messages.hold_reached in _said(back) and _listen(back).hold
    assert driver.send(StaffReach("station")) == []  # said once, not on every poll
    lost = driver.send(StaffReach("unreachable"))
    assert content.messages.hold_unreachable in _said(lost)

    alone = make_driver(content, tmp_path / "alone", reach="none")
    alone.type("okay")
    said = _said(alone.type("I want to kill myself"))
    assert content.messages.hold_no_station in said and "Someone is coming" not in said
    asking = make_driver(content, tmp_path / "asking", reach="none")
    asking.type("okay")
    asked = _said(asking.type("I need the nurse"))
    assert content.messages.staff_unreached in asked and content.messages.staff_called not in asked
