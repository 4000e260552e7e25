"""Phrase lists that constrain the recognizer for one listen, built from the same content as understanding.

A drowsy "yes" is decoded against a handful of phrases instead of a whole language, so it is not heard as
"yeah less". Red-flag phrases and the global commands are in every list: safety never depends on the step.
An empty tuple means free-form recognition (a spoken mood note).
"""

from __future__ import annotations

from collections.abc import Iterable

from ketavoice.content.model import GLOBAL_INTENTS, Content, PhraseIntent, Step
from ketavoice.meaning import Expect
from ketavoice.understanding.normalize import normalize

_CHOICE_FRAMES = ("i feel {}", "i'm {}", "i'm feeling {}", "feeling {}", "a bit {}")
# The frames a rating is said in ("I'd say six"); without them such an answer is forced onto the
# nearest red-flag sentence. Only on the scale's own numbers, and no frame that sounds like a bare
# answer ("a seven" took "seven", "I guess eight" took "yes"). {top}: the scale's top ("out of ten").
_NUMBER_FRAMES = (
    "{n} out of {top}", "about {n}", "about a {n}", "i'd say {n}", "i'd say a {n}",
    "maybe {n}", "maybe a {n}", "probably {n}", "probably a {n}", "around {n}", "around a {n}",
    "i think {n}", "i think a {n}", "{n} i think", "i'm at {n}", "i'm at a {n}",
)
_STEP_INTENTS: dict[str, tuple[PhraseIntent, ...]] = {
    "yes_no": ("yes", "no"),
    "number": ("no",),
    "any": ("yes", "no", "done"),
    "confirm": ("yes", "no", "retry", "cancel"),
}


_REFUSAL_WORDS = frozenset("no nope nah not".split())

_KEY = "grammar_phrases"


def grammar_phrases(content: Content, step: Step | None, expect: Expect | str) -> tuple[str, ...]:
    """The recognizer phrase list for a listen of kind `expect` on `step` (lower-case, no punctuation)."""
    if expect == "note":
        return ()
    # Kept with the content they were built from; steps are keyed by id (they live as long as it does).
    cache: dict[tuple[str, int, str], tuple[str, ...]] = content.derived.setdefault(_KEY, {})
    key = (step.id if step is not None else "", id(step), expect)
    phrases = cache.get(key)
    if phrases is None:
        phrases = cache[key] = _build(content, step, expect)
    return phrases


def _build(content: Content, step: Step | None, expect: str) -> tuple[str, ...]:
    phrases: list[str] = []
    for name in _STEP_INTENTS.get(expect, ()) + GLOBAL_INTENTS:
        intent_phrases = content.intent(name).phrases
        if expect == "number" and name == "no":
            # A rating listen hears a bare refusal ("no", "not really"), not the ride-home answers
            # ("nobody", "alone", "drove here") that a bare "seven" was forced onto.
            intent_phrases = tuple(p for p in intent_phrases if p.split()[0] in _REFUSAL_WORDS)
        phrases += intent_phrases
    if expect == "number":
        phrases += _number_phrases(content)
    if step is not None:
        answers = [phrase for choice in step.choices for phrase in choice.phrases]
        # The frames real answers come in ("I feel dizzy"), so they are not forced onto a red-flag frame.
        phrases += answers + [frame.format(answer) for frame in _CHOICE_FRAMES for answer in answers
                              if len(answer.split()) <= 2 and not answer.startswith(("i ", "i'm "))]
    phrases += _red_flag_sentences(content)
    return _unique(normalize(phrase).replace("/", " ") for phrase in phrases)


def _red_flag_sentences(content: Content) -> list[str]:
    """Every red-flag phrase alone, inside the sentence frames it fits, and the level's short examples.

    Concepts' example sentences are not in it (voice v3): long sentences are what calm speech was forced
    onto; the free-form reading hears them instead."""
    sentences: list[str] = []
    for flag in content.red_flags:
        sentences += flag.phrases
        sentences += [carrier.format(phrase=phrase) for carrier in flag.carriers for phrase in flag.phrases]
        sentences += [frame.format(phrase=phrase) for frame, phrases in flag.frames for phrase in phrases]
        sentences += flag.examples
    return sentences


def _number_phrases(content: Content) -> list[str]:
    words = [word for word, _ in content.numbers.words]
    # The scale's top as people say it ("out of ten"), not the largest number word listed.
    top = max((pair for pair in content.numbers.words if pair[1] <= 10), key=lambda pair: pair[1])[0]
    on_scale = [word for word, value in content.numbers.words if value <= 10]
    return words + [frame.format(n=word, top=top) for frame in _NUMBER_FRAMES for word in on_scale]


def _unique(phrases: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for phrase in phrases:
        if phrase:
            seen.setdefault(phrase, None)
    return tuple(seen)
