"""Spoken turns and their length: a drowsy listener follows at most [meta] max_turn_words words a turn.

A turn is what ketavoice says in one breath before it listens or moves on: a step's `say` and `prompt`
together, each re-prompt, the help, each reply, each line an instrument says, each message, each line of
a red-flag script and each check question. Staff alert texts are not spoken and do not count.
{clinic_phone} counts as the words of the clinic's phone; any other placeholder ({value}, {note})
counts as one word.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import fields

from ketavoice.content.instruments import instrument_texts
from ketavoice.content.model import Content, Messages, Step
from ketavoice.content.reader import Problems, join

# Replies and cues said aloud, per step kind (alerts are staff texts and are left out).
SPOKEN_STEP_FIELDS = (
    "help",
    "other_reply",
    "yes_reply",
    "no_reply",
    "correction",
    "reply",
    "out_of_range",
    "record_prompt",
    "readback",
    "saved",
    "skipped",
    "cancelled",
)
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def word_count(text: str, clinic_phone: str = "") -> int:
    """Words in `text` as said: {clinic_phone} is the phone's words, other placeholders one word each."""
    spoken = text.replace("{clinic_phone}", clinic_phone or "clinic")
    return len(_PLACEHOLDER.sub("X", spoken).split())


def spoken_turns(content: Content) -> Iterator[tuple[str, str]]:
    """(key path, text) for every spoken turn in `content`, in file order."""
    for dialogue in content.dialogues:
        for index, step in enumerate(dialogue.steps):
            yield from _step_turns(step, join(join(join("dialogues", dialogue.name), "steps"), index))
    yield from instrument_texts(content.instruments)
    yield from _safety_turns(content)


# Messages for staff, not said to the patient.
_STAFF_MESSAGES = frozenset({
    "unanswered_alert", "low_mood_alert", "wrong_teach_back_alert", "hold_home_called_alert",
    "hold_home_not_yet_alert", "hold_home_ended_alert", "staff_alert", "not_understood_alert",
    "low_mood_words_alert", "mixed_answer_alert",
})


def _safety_turns(content: Content) -> Iterator[tuple[str, str]]:
    for field in fields(Messages):
        if field.name not in _STAFF_MESSAGES:
            yield join("messages", field.name), getattr(content.messages, field.name)
    for flag in content.red_flags:
        path = join("red_flags", flag.level)
        for key, lines in (("script", flag.script), ("home_script", flag.home_script)):
            for index, line in enumerate(lines):
                yield join(join(path, key), index), line
        yield join(path, "check"), flag.check.replace("{concept}", "X")
        for index, concept in enumerate(flag.concepts):
            if concept.check:
                yield join(join(join(path, "concepts"), index), "check"), concept.check


def _step_turns(step: Step, path: str) -> Iterator[tuple[str, str]]:
    opening = " ".join((*step.say, step.prompt)).strip()
    if opening:
        yield join(path, "say" if step.say else "prompt"), opening
    for index, line in enumerate(step.reprompts):
        yield join(join(path, "reprompts"), index), line
    for name in SPOKEN_STEP_FIELDS:
        text: str = getattr(step, name)
        if text:
            yield join(path, name), text
    for index, choice in enumerate(step.choices):
        yield join(join(join(path, "choices"), index), "reply"), choice.reply


def check_turn_lengths(content: Content, problems: Problems) -> None:
    """Report every spoken turn longer than content.max_turn_words."""
    limit = content.max_turn_words
    if not 5 <= limit <= 200:
        problems.add("meta.max_turn_words", f"{limit} is out of range (5 to 200)")
        return
    for path, text in spoken_turns(content):
        words = word_count(text, content.clinic.phone)
        if words > limit:
            problems.add(path, f"turn has {words} words (limit {limit})")
