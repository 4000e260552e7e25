"""Everything heard between two listens stays within [meta] max_heard_words (issue 18): every step of
both dialogues, answered with help, questions, expected effects, red flags said by the patient and by a
companion, commands, nonsense and silence, by a spoken engine. A long reply is paced: what fits, a
listen, then the rest when the patient goes on; read (typed) output is never paced."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketavoice.content.model import Content
from ketavoice.content.turns import word_count
from ketavoice.engine.events import Action, Listen, Say, Silence
from tests.engine_driver import Driver, make_driver, says

PROBES = (
    "help", "what?", "blorp flim", "can I drive tomorrow?", "can I have a glass of wine tonight",
    "what should the person with me watch for", "how long does the dizziness last",
    "who do I call if something is wrong", "I feel floaty and dizzy", "I feel a bit sick",
    "I have crushing chest pain", "I want to kill myself", "my chest feels a bit funny", "skip", "stop",
    "i need the nurse", "back", "repeat", "yes", "no", "not sure", "i don't want to talk about it",
    "my husband can't breathe", "my wife says she wants to kill herself", "<silence>",
)


def _chunks(actions: list[Action]) -> list[str]:
    """The words said before each listen (and after the last one)."""
    chunks: list[str] = []
    current: list[str] = []
    for action in actions:
        if isinstance(action, Say):
            current.append(action.text)
        elif isinstance(action, Listen):
            chunks.append(" ".join(current))
            current = []
    return [*chunks, " ".join(current)] if current else chunks


def _send(driver: Driver, probe: str) -> list[Action]:
    if probe == "<silence>":
        listen = driver.engine.pending_listen
        return driver.send(Silence(10.0, listen.listen_id if listen else None))
    return driver.type(probe)


def _steps(content: Content) -> list[tuple[str, str]]:
    return [
        (dialogue.name, step.id)
        for dialogue in content.dialogues
        for step in dialogue.steps
        if step.kind != "end"
    ]


@pytest.mark.parametrize("dialogue", ["post_session", "checkin"])
def test_nothing_heard_between_two_listens_is_too_long(
    content: Content, tmp_path: Path, dialogue: str
) -> None:
    limit = content.max_heard_words
    too_long: list[str] = []
    steps = [step for name, step in _steps(content) if name == dialogue]
    for index, step_id in enumerate(steps):
        for number, probe in enumerate(PROBES):
            driver = make_driver(content, tmp_path / f"{index}-{number}", dialogue=dialogue, spoken=True)
            driver.walk_to(step_id)
            actions = _send(driver, probe)
            for _ in range(5):  # a paced reply goes on at each "okay"
                too_long += [
                    f"{step_id} / {probe!r}: {chunk!r}"
                    for chunk in _chunks(actions)
                    if word_count(chunk, content.clinic.phone) > limit
                ]
                if not driver.engine.paused:
                    break
                actions = driver.type("okay")
            assert not driver.engine.paused, (step_id, probe)
    assert not too_long, "\n".join(too_long[:10])


def test_a_long_answer_is_paced_when_spoken_and_whole_when_read(content: Content, tmp_path: Path) -> None:
    question = "what should the person with me watch for"
    spoken = make_driver(content, tmp_path / "spoken", spoken=True)
    spoken.walk_to("mood_rating")
    first = spoken.type(question)
    assert spoken.engine.paused and isinstance(first[-1], Listen)
    rest: list[Action] = []
    while spoken.engine.paused:  # each pause goes on after silence
        listen = spoken.engine.pending_listen
        assert listen is not None
        rest += spoken.send(Silence(10.0, listen.listen_id))
    read = make_driver(content, tmp_path / "read")
    read.walk_to("mood_rating")
    whole = read.type(question)
    assert not read.engine.paused
    assert says(first) + says(rest) == says(whole)
    assert spoken.engine.step_id == "mood_rating" and isinstance(rest[-1], Listen)


def test_an_answer_at_the_pause_answers_the_question(content: Content, tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path, spoken=True)
    driver.walk_to("mood_rating")
    driver.type("what should the person with me watch for")
    assert driver.engine.paused
    driver.type("seven")
    assert not driver.engine.paused and driver.engine.step_id != "mood_rating"
