"""A spoken or typed answer mapped onto an item's answer options, or None when it is unclear.

An utterance that is exactly one of the content's answer phrases is that answer (the clinic's own list
wins). Otherwise the answer is read by meaning: a yes/no instrument (the ASQ) through
`screening.yes_no`, a frequency instrument (PHQ/GAD) through `screening.frequency` (days of the fourteen,
placed on the options), and a bare 0-3 where the instrument is `numbered` ("two", "I'd say a two").
A refusal of a frequency item is *declined* (no answer option: the item stays unanswered). Anything
else is unclear: None, and the engine asks again; a guess would put a wrong number in a clinical score.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ketavoice.content.instruments import Answer, Instrument
from ketavoice.screening.frequency import days_meant, option_of
from ketavoice.screening.yes_no import read_yes_no
from ketavoice.understanding.normalize import tokens

NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3}
# Words that may surround a bare number without changing it ("I'd say a two", "number 3").
NUMBER_FILLERS = frozenset(
    {
        "a", "an", "the", "number", "about", "around", "maybe", "say", "id", "i", "would", "guess", "um",
        "uh", "er", "its", "it", "is", "like", "probably", "score", "so", "well", "hmm", "oh",
    }
)


ReadingStatus = Literal["answered", "declined", "unclear"]


@dataclass(frozen=True)
class Reading:
    """What an utterance says to one item: an answer option (status "answered", or "declined" for the
    ASQ's own declined option), a refusal with no option ("declined", answer None), or "unclear".
    `own_words`: understood from the patient's words, not an option's phrase (so it is said back);
    `now`: a yes about the present ("yes, right now")."""

    answer: Answer | None
    status: ReadingStatus
    own_words: bool = False
    now: bool = False


def read(instrument: Instrument, text: str) -> Reading:
    """The reading of `text` as an answer to an item of `instrument`."""
    words = tokens(text)
    if not words:
        return Reading(None, "unclear")
    exact = _exact(instrument, words)
    if exact is not None:
        return Reading(exact, "declined" if exact.id == "declined" else "answered")
    if instrument.scoring == "any_yes":
        yes_no = read_yes_no(text)
        option = _by_id(instrument, yes_no.answer)
        if option is None:
            return Reading(None, "unclear")
        return Reading(option, "declined" if option.id == "declined" else "answered", now=yes_no.now)
    if instrument.numbered:
        numbered = _number_answer(instrument, words)
        if numbered is not None:
            return Reading(numbered, "answered")
    value = option_of(days_meant(text))
    matching = [answer for answer in instrument.answers if answer.value == value]
    if value is not None and len(matching) == 1:
        return Reading(matching[0], "answered", own_words=True)
    if read_yes_no(text).answer == "declined":
        return Reading(None, "declined")
    return Reading(None, "unclear")


def _exact(instrument: Instrument, words: tuple[str, ...]) -> Answer | None:
    for answer in instrument.answers:
        if any(tokens(phrase) == words for phrase in answer.phrases):
            return answer
    return None


def _by_id(instrument: Instrument, answer_id: str | None) -> Answer | None:
    return next((a for a in instrument.answers if a.id == answer_id), None) if answer_id else None


def interpret(instrument: Instrument, text: str) -> Answer | None:
    """The answer option `text` gives to an item of `instrument`, or None (unclear, or declined with no
    option of its own)."""
    return read(instrument, text).answer


def _number_answer(instrument: Instrument, words: tuple[str, ...]) -> Answer | None:
    rest = [word for word in words if word not in NUMBER_FILLERS]
    if len(rest) != 1:
        return None
    word = rest[0]
    value = int(word) if word.isdigit() and len(word) <= 2 else NUMBER_WORDS.get(word)
    if value is None:
        return None
    matching = [answer for answer in instrument.answers if answer.value == value]
    return matching[0] if len(matching) == 1 else None
