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
    for topic in content.answers:
        for key, lines in (("say", topic.say), ("home_say", topic.home_say)):
            for index, line in enumerate(lines):
                yield join(join(join("answers", topic.id), key), index), line
    for effect in content.expected_effects:
        for key, lines in (("reply", effect.reply), ("home_reply", effect.home_reply)):
            for index, line in enumerate(lines):
                yield join(join(join("expected_effects", effect.id), key), index), line


# Messages for staff, not said to the patient.
_STAFF_MESSAGES = frozenset({
    "unanswered_alert", "low_mood_alert", "wrong_teach_back_alert", "hold_home_called_alert",
    "hold_home_not_yet_alert", "hold_home_ended_alert", "staff_alert", "not_understood_alert",
    "low_mood_words_alert", "question_alert", "mood_drop_alert",
})


def _safety_turns(content: Content) -> Iterator[tuple[str, str]]:
    for field in fields(Messages):
        if field.name not in _STAFF_MESSAGES:
            yield join("messages", field.name), getattr(content.messages, field.name)
    for flag in content.red_flags:
        path = join("red_flags", flag.level)
        scripts = (
            ("script", flag.script),
            ("home_script", flag.home_script),
            ("companion_script", flag.companion_script),
            ("companion_home_script", flag.companion_home_script),
        )
        for key, lines in scripts:
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


def heard_turns(content: Content) -> Iterator[tuple[str, str, str]]:
    """(key path, reply, what follows it) for everything heard between two listens in the dialogues: a
    step's say and prompt; each reply with the next step's say and prompt; a correction or a refusal
    with the prompt again. What a screen step says past its own `say` (the instruments' intro and
    items) is the screening's, and is left out here."""
    for dialogue in content.dialogues:
        steps = {step.id: step for step in dialogue.steps}
        for index, step in enumerate(dialogue.steps):
            path = join(join(join("dialogues", dialogue.name), "steps"), index)
            if step.kind not in ("end", "screen"):
                yield join(path, "say" if step.say else "prompt"), "", _opening(steps, step.id)
            if step.kind == "yes_no" and step.correction:
                yield join(path, "correction"), step.correction, step.prompt
            if step.kind == "number" and step.out_of_range:
                yield join(path, "out_of_range"), step.out_of_range, step.prompt
            for field_path, reply, target in _replies(step, path):
                if reply or target:
                    yield field_path, reply, _opening(steps, target)


def _opening(steps: dict[str, Step], step_id: str | None) -> str:
    """What a step says on entry before it listens (a screen step: its own `say` only)."""
    step = steps.get(step_id or "")
    if step is None:
        return ""
    if step.kind in ("screen", "end"):
        return " ".join(step.say)
    return " ".join((*step.say, step.prompt))


def _replies(step: Step, path: str) -> list[tuple[str, str, str | None]]:
    """(field path, reply, the step whose opening follows it) for each way a step is left."""
    if step.kind == "choice":
        choices = [
            (join(join(join(path, "choices"), index), "reply"), choice.reply, step.next)
            for index, choice in enumerate(step.choices)
        ]
        return [*choices, (join(path, "other_reply"), step.other_reply, step.next)]
    if step.kind == "yes_no":
        wrong_next = (step.yes_next if step.expected == "no" else step.no_next) or step.next
        return [
            (join(path, "yes_reply"), step.yes_reply, step.yes_next or step.next),
            (join(path, "no_reply"), step.no_reply, step.no_next or step.next),
            (join(path, "correction"), step.correction, wrong_next),
        ]
    if step.kind == "number":
        return [(join(path, "reply"), step.reply, step.next)]
    if step.kind == "note":
        endings = ("saved", "skipped", "cancelled")
        return [(join(path, name), getattr(step, name), step.next) for name in endings]
    if step.kind == "info":
        return [(join(path, "next"), "", step.next)]
    return []


def check_heard_lengths(content: Content, problems: Problems) -> None:
    """Report everything heard between two listens that is longer than content.max_heard_words."""
    limit = content.max_heard_words
    if not 5 <= limit <= 400:
        problems.add("meta.max_heard_words", f"{limit} is out of range (5 to 400)")
        return
    phone = content.clinic.phone
    single = content.max_turn_words
    for path, reply, following in heard_turns(content):
        if word_count(reply, phone) > single or word_count(following, phone) > single:
            continue  # a part too long alone is reported once, as a turn
        text = f"{reply} {following}".strip()
        words = word_count(text, phone)
        if words > limit:
            problems.add(path, f"{words} words heard before the next listen (limit {limit}): {text!r}")


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
