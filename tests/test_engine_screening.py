"""Validated questionnaires inside the dialogue: the check-in asks the ASQ every time and steps PHQ-2 to
PHQ-9 and GAD-2 to GAD-7; a positive ASQ or PHQ-9 item 9 runs the crisis flow; after the session a
very low or dropping mood leads to the ASQ. Scores and item answers are stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketavoice.content import load_content
from ketavoice.content.model import Content
from ketavoice.engine.events import Acknowledge, Alert, Heard, Listen, Saved, Say
from tests.engine_driver import Driver, make_driver


@pytest.fixture(scope="module")
def content() -> Content:
    return load_content(None)


def _said(actions: list[object]) -> str:
    return " ".join(action.text for action in actions if isinstance(action, Say))


def _checkin_at_screening(content: Content, home: Path) -> Driver:
    driver = make_driver(content, home, dialogue="checkin")
    driver.walk_to("mood_rating")
    driver.type("seven")
    assert driver.engine.step_id == "screening"
    return driver


def _screenings(driver: Driver) -> list[tuple[str, int, str]]:
    return [(s.form, s.score, s.severity) for s in driver.journal.screenings("p1")]  # type: ignore[attr-defined]


def test_checkin_asks_asq_then_short_forms(content: Content, tmp_path: Path) -> None:
    driver = _checkin_at_screening(content, tmp_path)
    for answer in ["no", "no", "nope", "never"]:
        driver.type(answer)
    for answer in ["not at all", "several days", "not at all", "not at all"]:
        driver.type(answer)
    assert driver.engine.step_id == "since_last_session"
    assert [form for form, _, _ in _screenings(driver)] == ["ASQ", "PHQ-2", "GAD-2"]
    assert _screenings(driver)[1][1] == 1


def test_phq2_at_three_steps_up_to_phq9(content: Content, tmp_path: Path) -> None:
    driver = _checkin_at_screening(content, tmp_path)
    for answer in ["no"] * 4:
        driver.type(answer)
    driver.type("more than half the days")
    actions = driver.type("several days")  # PHQ-2 = 3: the full PHQ-9 follows
    assert "sleep" in _said(actions).lower() or "asleep" in _said(actions).lower()
    for _ in range(6):
        driver.type("not at all")
    driver.type("not at all")  # item 9
    assert _screenings(driver)[-1][0] == "PHQ-9"


def test_phq9_item9_above_zero_runs_the_crisis_flow(content: Content, tmp_path: Path) -> None:
    driver = _checkin_at_screening(content, tmp_path)
    for answer in ["no"] * 4:
        driver.type(answer)
    driver.type("nearly every day")
    driver.type("nearly every day")
    for _ in range(6):
        driver.type("not at all")
    actions = driver.type("several days")
    alerts = [a for a in actions if isinstance(a, Alert)]
    assert [(a.level, a.certainty) for a in alerts] == [("crisis", "certain")]
    assert "988" in _said(actions) and driver.engine.on_hold
    assert any(isinstance(a, Saved) and a.kind == "screening" for a in actions)


def test_a_yes_on_the_asq_is_positive_and_asks_the_acuity_question(content: Content, tmp_path: Path) -> None:
    # At home a non-acute positive screen no longer holds and ends the check-in (issue 18, NIMH two
    # tiers): the clinic gets an alert, the patient hears 988, and the PHQ follows.
    driver = _checkin_at_screening(content, tmp_path)
    driver.type("yes")
    for answer in ["no", "no", "no"]:
        driver.type(answer)
    actions = driver.type("no")  # acuity: not right now
    assert not driver.engine.on_hold and "988" in _said(actions)
    assert [(a.level, a.certainty) for a in actions if isinstance(a, Alert)] == [("crisis", "certain")]
    assert "little interest or pleasure" in _said(actions)
    [asq] = [s for s in _screenings(driver) if s[0] == "ASQ"]
    assert asq[2] == "non-acute positive"


def test_unclear_answers_are_asked_again_with_the_options(content: Content, tmp_path: Path) -> None:
    driver = _checkin_at_screening(content, tmp_path)
    actions = driver.type("purple")
    assert "yes or no" in _said(actions).lower()
    assert driver.engine.step_id == "screening" and not _screenings(driver)


def test_low_mood_after_the_session_leads_to_the_asq(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("mood_rating")
    actions = driver.type("two")
    assert "questions I ask everyone" in _said(actions)
    assert any(isinstance(a, Alert) and a.level == "note" for a in actions)
    for answer in ["no"] * 4:
        driver.type(answer)
    assert driver.engine.step_id == "mood_note"


def test_clinic_hold_from_the_asq_ends_with_staff_and_goes_on(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("mood_rating")
    driver.type("one")
    actions = driver.type("yes")
    for answer in ["no", "no", "no"]:
        actions = driver.type(answer)
    actions = driver.type("yes")  # acuity: yes, right now
    [alert] = [a for a in actions if isinstance(a, Alert)]
    assert driver.engine.on_hold and "acute" in alert.text
    released = driver.send(Acknowledge(alert.alert_id, "nurse"))
    assert driver.engine.step_id == "mood_note"
    assert isinstance(released[-1], Listen) and not released[-1].hold


def test_a_note_with_a_possible_crisis_thought_leads_to_the_asq(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("mood_note")
    driver.type("yes")
    listen = driver.engine.pending_listen
    assert listen is not None and listen.expect == "note"
    actions = driver.send(Heard("what's the point of any of it", 0.9, listen_id=listen.listen_id))
    assert "questions I ask everyone" in _said(actions)
    for answer in ["no"] * 4:
        actions = driver.type(answer)
    assert "Shall I save it" in _said(actions)  # back to the note's read-back
    driver.type("yes")
    assert [n.text for n in driver.journal.notes("p1")] == ["what's the point of any of it"]


def test_second_wrong_driving_answer_alerts_once(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("drive_check")
    driver.type("yes")
    actions = driver.type("yes I can")
    alerts = [a for a in actions if isinstance(a, Alert)]
    assert len(alerts) == 1 and "drive" in alerts[0].text
