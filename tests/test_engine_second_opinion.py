"""Speech read twice: a red flag the grammar heard is possible until the free-form second opinion agrees;
one only the second opinion heard is asked about; calm speech forced onto a red-flag phrase by the
grammar never starts the full flow on its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketavoice.content import load_content
from ketavoice.content.model import Content
from ketavoice.engine.events import Alert, Heard, Say, SecondOpinion
from tests.engine_driver import Driver, make_driver


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(None)


def _at_ride_home(content: Content, home: Path) -> Driver:
    driver = make_driver(content, home)
    driver.walk_to("ride_home")
    return driver


def _heard(driver: Driver, text: str) -> list[object]:
    listen = driver.engine.pending_listen
    assert listen is not None
    return list(driver.send(Heard(text, 0.9, listen_id=listen.listen_id, second_opinion_follows=True)))


def _alerts(actions: list[object]) -> list[tuple[str, str]]:
    return [(a.level, a.certainty) for a in actions if isinstance(a, Alert)]


def test_grammar_red_flag_is_checked_then_held_when_the_second_opinion_agrees(
    content: Content, tmp_path: Path
) -> None:
    driver = _at_ride_home(content, tmp_path)
    actions = _heard(driver, "i have chest pain")
    assert _alerts(actions) == [("emergency", "possible")] and not driver.engine.on_hold
    agreed = driver.send(SecondOpinion("I have chest pain.", None))
    assert _alerts(agreed) == [("emergency", "certain")] and driver.engine.on_hold


def test_forced_grammar_reading_is_left_to_the_patients_answer(content: Content, tmp_path: Path) -> None:
    driver = _at_ride_home(content, tmp_path)
    _heard(driver, "i feel chest pain")  # "I feel dizzy" forced onto a red-flag frame
    assert driver.send(SecondOpinion("I feel dizzy.", None)) == []
    back = driver.type("no")
    assert not driver.engine.on_hold and driver.engine.step_id == "ride_home"
    assert any(isinstance(a, Say) and "drive you home" in a.text for a in back)


def test_a_red_flag_only_the_second_opinion_heard_is_asked_about(content: Content, tmp_path: Path) -> None:
    driver = _at_ride_home(content, tmp_path)
    _heard(driver, "yes")
    actions = driver.send(SecondOpinion("Yes, but my chest really hurts.", None))
    assert _alerts(actions) == [("emergency", "possible")]


# ---- both readings in one Heard: compared before the engine acts ---------------------------------------


def _both(driver: Driver, grammar: str, second: str, confidence: float = 0.9) -> list[object]:
    listen = driver.engine.pending_listen
    assert listen is not None
    return list(driver.send(Heard(grammar, confidence, audio=b"\0\0" * 1600, listen_id=listen.listen_id,
                                  second_opinion=second)))


def _saved_moods(driver: Driver) -> list[int]:
    return [mood.rating for mood in driver.journal.moods()]


def _said(actions: list[object]) -> str:
    return " ".join(a.text for a in actions if isinstance(a, Say))


def test_answers_that_matter_ask_for_both_readings(content: Content, tmp_path: Path) -> None:
    driver = _at_ride_home(content, tmp_path)
    listen = driver.engine.pending_listen
    assert listen is not None and not listen.both_readings  # a plain yes/no is answered at once
    _heard(driver, "i have chest pain")
    check = driver.engine.pending_listen
    assert check is not None and check.both_readings  # a "no" here dismisses a danger
    rating = make_driver(content, tmp_path / "b")
    rating.walk_to("mood_rating")
    number = rating.engine.pending_listen
    assert number is not None and number.both_readings and number.to_json()["both_readings"] is True


def test_a_number_the_readings_disagree_on_is_confirmed_before_it_is_saved(
    content: Content, tmp_path: Path
) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("mood_rating")
    asked = _both(driver, "two", "Seven.")
    assert "Did you say 7?" in _said(asked) and _saved_moods(driver) == []
    assert driver.engine.pending_listen is not None and driver.engine.pending_listen.expect == "yes_no"
    driver.type("yes")
    assert _saved_moods(driver) == [7]


def test_a_number_denied_is_asked_again_and_a_number_said_again_is_the_answer(
    content: Content, tmp_path: Path
) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("mood_rating")
    _both(driver, "two", "Seven.")
    again = driver.type("no")
    assert _saved_moods(driver) == [] and driver.engine.step_id == "mood_rating"
    assert content.messages.number_again in _said(again)
    _both(driver, "eight", "Eight.")
    assert _saved_moods(driver) == [8]
    other = make_driver(content, tmp_path / "b")
    other.walk_to("mood_rating")
    _both(other, "two", "Seven.")
    other.type("six")
    assert _saved_moods(other) == [6]


def test_a_red_flag_both_readings_hold_is_certain_at_once(content: Content, tmp_path: Path) -> None:
    driver = _at_ride_home(content, tmp_path)
    actions = _both(driver, "i can't breathe", "I can't breathe.", confidence=0.3)
    assert _alerts(actions) == [("emergency", "certain")] and driver.engine.on_hold


def test_calm_words_forced_onto_a_red_flag_are_judged_on_the_free_form_reading(
    content: Content, tmp_path: Path
) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("mood_rating")
    actions = _both(driver, "i face is numb", "I'd say six.")
    assert _alerts(actions) == [] and not driver.engine.on_hold
    assert "Did you say 6?" in _said(actions) and _saved_moods(driver) == []  # disagreed: confirmed
    driver.type("yes")
    assert _saved_moods(driver) == [6]
    remark = _at_ride_home(content, tmp_path / "b")
    actions = _both(remark, "cut myself", "Could I have some water, please?")
    assert _alerts(actions) == [] and not remark.engine.on_hold


def test_a_red_flag_the_free_form_reading_nearly_holds_is_still_asked_about(
    content: Content, tmp_path: Path
) -> None:
    driver = _at_ride_home(content, tmp_path)
    actions = _both(driver, "i can't breathe", "I can breed it.")  # Whisper's miss by a word
    assert _alerts(actions) == [("emergency", "possible")]
    assert "I may have heard 'i can't breathe'. Did you say that?" in _said(actions)
    short = _at_ride_home(content, tmp_path / "b")
    assert _alerts(_both(short, "i can't breathe", "Thank you.")) == [("emergency", "possible")]


def test_a_no_to_a_check_question_that_the_readings_disagree_on_does_not_dismiss_it(
    content: Content, tmp_path: Path
) -> None:
    driver = _at_ride_home(content, tmp_path)
    _heard(driver, "i have chest pain")
    actions = _both(driver, "no", "Yes.")
    assert driver.engine.on_hold and _alerts(actions) == [("emergency", "certain")]
    clear = _at_ride_home(content, tmp_path / "b")
    _heard(clear, "i have chest pain")
    _both(clear, "no", "No.")
    assert not clear.engine.on_hold and clear.engine.step_id == "ride_home"


def test_other_disagreements_are_asked_again(content: Content, tmp_path: Path) -> None:
    driver = _at_ride_home(content, tmp_path)
    actions = _both(driver, "yes", "No.")
    assert content.messages.not_understood in _said(actions) and driver.engine.step_id == "ride_home"


def test_a_typed_session_is_asked_to_type_its_note_a_spoken_one_to_speak(
    content: Content, tmp_path: Path
) -> None:
    typed = make_driver(content, tmp_path)
    typed.walk_to("mood_note")
    assert _said(typed.type("yes")) == content.messages.record_prompt_typed
    spoken = make_driver(content, tmp_path / "b")
    spoken.walk_to("mood_note")
    listen = spoken.engine.pending_listen
    assert listen is not None
    actions = spoken.send(Heard("yes", 0.9, listen_id=listen.listen_id))
    assert "tone" in _said(list(actions)) and "Type" not in _said(list(actions))


def test_a_longer_word_that_shares_letters_is_no_near_miss() -> None:
    """Whisper's "I had toast for breakfast" against the grammar's forced "cannot breathe": "breakfast"
    is no slip of "breathe" (a recognizer's slip is a sound, as "test" for "chest")."""
    from ketavoice.engine.second_opinion import forced_onto

    assert forced_onto("cannot breathe", "I head to host for breakfast.")
    assert not forced_onto("my chest hurts", "my test hurts a lot")
