"""Understanding: many paraphrases per intent, plus every example utterance listed in content.toml."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ketavoice.content import load_content
from ketavoice.content.model import Content
from ketavoice.understanding import grammar_phrases, understand

ROOT = Path(__file__).resolve().parents[1]

PARAPHRASES: dict[str, list[str]] = {
    "yes": [
        "Yes.",
        "yes",
        "yeah",
        "yep",
        "Yeah!",
        "uh huh",
        "sure",
        "okay",
        "Yes I do",
        "yes please",
        "i do",
    ],
    "no": ["No.", "no", "nope", "nah", "No, I don't.", "not really", "no thanks", "I don't"],
    "repeat": [
        "repeat",
        "say that again",
        "What?",
        "pardon",
        "sorry what",
        "can you repeat that",
        "come again",
    ],
    "slower": ["slower", "slow down", "Slower please.", "too fast"],
    "faster": ["faster", "speed up", "a bit faster please"],
    "help": ["help", "Help!", "i need help", "what can i say"],
    "stop": ["stop", "Stop.", "i want to stop", "quit"],
    "next": ["next", "skip", "go on", "skip this"],
    "back": ["back", "go back", "previous"],
    "cancel": ["cancel", "forget it"],
    "retry": ["try again", "let me try again"],
}

NUMBERS: list[tuple[str, int]] = [
    ("7", 7),
    ("seven", 7),
    ("about a seven", 7),
    ("7/10", 7),
    ("seven out of ten", 7),
    ("Seven out of 10.", 7),
    ("maybe a 4", 4),
    ("I'd say three", 3),
    ("zero", 0),
    ("ten", 10),
    ("10/10", 10),
    ("a six i think", 6),
]

EMERGENCY = [
    "I have chest pain",
    "my chest hurts",
    "I can't breathe",
    "i cant breathe",
    "I cannot breathe properly",
    "I'm having trouble breathing",
    "I think I'm going to faint",
    "I fainted",
    "worst headache of my life",
    "my heart is racing",
    "CHEST PAIN!!!",
]
CRISIS = [
    "I want to kill myself",
    "i've been thinking about suicide",
    "I don't want to be alive",
    "i want to die",
    "I've thought about hurting myself",
    "thoughts of self harm",
    "I'd be better off dead",
    "I want to end my life",
]
NOT_FLAGS = [
    "I don't have chest pain",
    "I feel a bit dizzy",
    "sleepy",
    "yes",
    "my chest feels fine",
    "I'm alive and okay",
    "pain in my knee",
]


@pytest.mark.parametrize("intent,text", [(i, t) for i, texts in PARAPHRASES.items() for t in texts])
def test_paraphrases(content: Content, intent: str, text: str) -> None:
    assert understand(content, text).intent == intent


@pytest.mark.parametrize("text,value", NUMBERS)
def test_numbers_on_a_rating_step(content: Content, text: str, value: int) -> None:
    step = content.dialogue("post_session").step("mood_rating")
    meaning = understand(content, text, step)
    assert (meaning.intent, meaning.value) == ("number", value)


@pytest.mark.parametrize("text", EMERGENCY)
def test_emergency(content: Content, text: str) -> None:
    assert understand(content, text).intent == "emergency"


@pytest.mark.parametrize("text", CRISIS)
def test_crisis(content: Content, text: str) -> None:
    assert understand(content, text).intent == "crisis"


@pytest.mark.parametrize("text", NOT_FLAGS)
def test_ordinary_words_raise_no_flag(content: Content, text: str) -> None:
    assert not understand(content, text).red_flag


def test_red_flags_win_over_every_other_intent(content: Content) -> None:
    step = content.dialogue("post_session").step("mood_rating")
    assert understand(content, "yes I have chest pain", step).intent == "emergency"
    assert understand(content, "two, and I want to die", step).intent == "crisis"


def test_yes_and_no_together_is_not_a_guess(content: Content) -> None:
    assert understand(content, "yes no").intent == "unknown"
    assert understand(content, "").intent == "unknown"
    assert understand(content, "purple elephant").intent == "unknown"


def test_choice_step_answers(content: Content) -> None:
    step = content.dialogue("post_session").step("feeling")
    for choice in step.choices:
        for phrase in choice.phrases:
            meaning = understand(content, f"um {phrase}", step)
            assert (meaning.intent, meaning.value) == ("choice", choice.id), phrase


def _examples(content: Content) -> list[tuple[str, str]]:
    cases = [(intent.name, example) for intent in content.intents for example in intent.examples]
    cases += [(flag.level, example) for flag in content.red_flags for example in flag.examples]
    return cases


_DEFAULT = load_content()


@pytest.mark.parametrize("intent,example", _examples(_DEFAULT))
def test_content_examples_understand_as_listed(intent: str, example: str) -> None:
    assert understand(_DEFAULT, example).intent == intent


@pytest.mark.parametrize("example", _DEFAULT.numbers.examples, ids=lambda e: e.text)
def test_content_number_examples(example: object) -> None:
    step = _DEFAULT.dialogue("post_session").step("mood_rating")
    meaning = understand(_DEFAULT, example.text, step)  # type: ignore[attr-defined]
    assert meaning.value == example.value  # type: ignore[attr-defined]


def test_every_intent_has_examples(content: Content) -> None:
    assert all(len(intent.examples) >= 3 for intent in content.intents)
    assert all(len(flag.examples) >= 3 for flag in content.red_flags)


def test_grammar_always_has_red_flags_and_globals(content: Content) -> None:
    dialogue = content.dialogue("post_session")
    for step in dialogue.steps:
        for expect in ("yes_no", "number", "any", "confirm"):
            phrases = set(grammar_phrases(content, step, expect))
            for flag in content.red_flags:
                assert all(
                    p.lower().replace("'", "'") in phrases or p.lower() in phrases for p in flag.phrases
                )
            assert "repeat" in phrases and "help" in phrases
    assert grammar_phrases(content, dialogue.step("mood_note"), "note") == ()
    number_phrases = grammar_phrases(content, dialogue.step("mood_rating"), "number")
    assert "seven" in number_phrases and "seven out of ten" in number_phrases


def test_understand_cli_json_contract() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-m", "ketavoice", "understand", "about a seven", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert json.loads(out) == {"text": "about a seven", "intent": "number", "value": 7, "flag": None}
    out = subprocess.run(
        [sys.executable, "-m", "ketavoice", "understand", "Yeah.", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    ).stdout
    assert json.loads(out) == {"text": "Yeah.", "intent": "yes", "value": None, "flag": None}


def test_grammar_holds_red_flags_inside_sentence_frames(content: Content) -> None:
    phrases = set(grammar_phrases(content, content.dialogue("post_session").step("ride_home"), "yes_no"))
    assert {"i have chest pain", "i want to kill myself", "i can't breathe", "my heart is racing",
            "i want to die", "i'm having a seizure"} <= phrases
    for flag in content.red_flags:
        assert flag.frames, flag.level
        for frame, fitting in flag.frames:
            assert {frame.format(phrase=phrase) for phrase in fitting} <= phrases
    # No frame holds a phrase that does not fit it: nothing for calm speech to be forced onto.
    assert not {"i want to suicidal", "i might suicidal", "i feel end my life", "my chest pain",
                "i'm going to don't want to wake up"} & phrases
