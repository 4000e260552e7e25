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
