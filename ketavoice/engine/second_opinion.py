"""Comparing the grammar's reading of an utterance with a free-form second opinion (pure functions).

The grammar must pick one of its phrases, so speech outside it is forced onto the nearest phrase ("I'd
say five" heard as a crisis phrase). A free-form recognizer's reading of the same audio tells when that
happened. Where the two disagree: a red flag only the grammar heard, in a free-form reading that is a
different sentence (not a near miss of the phrase), is speech the grammar was forced onto, and the free-form
reading is what was said; any other red flag heard by either is never dropped (it becomes a *possible*
flag, asked about); a number is confirmed ("Did you say seven?"); anything else is asked again.
"""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from ketavoice.content.model import Content, RedFlagLevel, Step
from ketavoice.understanding import understand
from ketavoice.understanding.normalize import tokens
from ketavoice.understanding.numbers import numbers_said

VerdictKind = Literal["agree", "possible_flag", "confirm_number", "ask_again", "forced"]
# A free-form reading shares under this share of the grammar phrase's words: a different sentence.
FORCED_OVERLAP = 0.5
# ... and holds at least this many words (Whisper's hallucinations on noise are short: "Thank you.").
FORCED_MIN_WORDS = 3
_NEAR_WORD = 0.6  # "test" for "chest", "hard" for "heart", "can" for "cant": a near miss counts as heard


@dataclass(frozen=True)
class Verdict:
    """What to do about a disagreement. `levels`: the red flags only one reading holds; `value`: the
    number to confirm; `heard`: the reading to quote in a check question."""

    kind: VerdictKind
    heard: str = ""
    levels: tuple[RedFlagLevel, ...] = ()
    value: int | None = None
    escalates: bool = False  # the engine must see it: the second opinion holds a red flag

    def to_json(self) -> dict[str, object]:
        return {"verdict": self.kind, "heard": self.heard, "levels": list(self.levels), "value": self.value}


def review(content: Content, step: Step | None, grammar_text: str, second_text: str) -> Verdict:
    """The verdict on one utterance read twice. An empty second opinion (nothing heard) agrees."""
    if not second_text.strip():
        return Verdict("agree")
    first = understand(content, grammar_text, step)
    second = understand(content, second_text, step)
    first_levels = tuple(flag.level for flag in first.flags)
    second_levels = tuple(flag.level for flag in second.flags)
    only_second = tuple(level for level in second_levels if level not in first_levels)
    if only_second:
        return Verdict("possible_flag", second_text, only_second, escalates=True)
    only_first = tuple(level for level in first_levels if level not in second_levels)
    if only_first:
        if forced_onto(grammar_text, second_text):
            # A number read free-form is still confirmed: the readings did disagree.
            number = second.value if second.intent == "number" and isinstance(second.value, int) else None
            return Verdict("forced", second_text, only_first, value=number)
        return Verdict("possible_flag", grammar_text, only_first)
    if first_levels:
        return Verdict("agree", second_text, first_levels, escalates=True)
    if first.intent == second.intent and first.value == second.value:
        return Verdict("agree")
    if "number" in (first.intent, second.intent):
        value = second.value if second.intent == "number" else first.value
        if first.intent == "number" and first.value in numbers_said(tokens(second_text), content.numbers):
            value = first.value  # "Five. Six." against the grammar's "six": the number both readings hold
        return Verdict("confirm_number", second_text, value=value if isinstance(value, int) else None)
    return Verdict("ask_again", second_text)


def _near(word: str, other: str) -> bool:
    if word == other:
        return True
    # One sound apart, as a recognizer slips ("test" for "chest"): not a longer word that shares letters
    # ("breakfast" is no "breathe").
    if min(len(word), len(other)) < 3 or abs(len(word) - len(other)) > 1:
        return False
    return SequenceMatcher(None, word, other).ratio() >= _NEAR_WORD


def forced_onto(grammar_text: str, second_text: str) -> bool:
    """Was the grammar forced onto its phrase? The free-form reading is a sentence of its own (at least
    FORCED_MIN_WORDS words) holding under FORCED_OVERLAP of the phrase's words, near misses counted as held
    ("my test hurts" still holds "my chest hurts": Whisper's misses of a red flag are by a word)."""
    phrase, said = tokens(grammar_text), tokens(second_text)
    if len(said) < FORCED_MIN_WORDS or not phrase:
        return False
    held = sum(any(_near(word, other) for other in said) for word in phrase)
    return held / len(phrase) < FORCED_OVERLAP
