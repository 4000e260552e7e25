"""A spoken or typed answer mapped onto an item's answer options, or None when it is unclear.

Answer phrases match as word sequences anywhere in the utterance; the longest phrase wins where two
overlap ("nearly every day" over "every day"). A phrase right after a negation ("not every day") is
dropped, never flipped. Two different answers left, or only negated ones, is unclear: None, and the
engine asks again; a guess would put a wrong number in a clinical score. Instruments with
`numbered = true` also take a bare 0-3 ("two", "2", "I'd say a two").
"""

from __future__ import annotations

from dataclasses import dataclass

from ketavoice.content.instruments import Answer, Instrument
from ketavoice.understanding.normalize import tokens

# Words that negate the answer phrase right after them (apostrophes are already dropped by `tokens`).
NEGATORS = frozenset(
    {"not", "no", "never", "dont", "didnt", "havent", "hasnt", "isnt", "wasnt", "arent", "cant", "wont"}
)
NEGATION_REACH = 2
NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3}
# Words that may surround a bare number without changing it ("I'd say a two", "number 3").
NUMBER_FILLERS = frozenset(
    {
        "a", "an", "the", "number", "about", "around", "maybe", "say", "id", "i", "would", "guess", "um",
        "uh", "er", "its", "it", "is", "like", "probably", "score", "so", "well", "hmm", "oh",
    }
)


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    answer: Answer

    def overlaps(self, other: _Match) -> bool:
        return self.start < other.end and other.start < self.end


def interpret(instrument: Instrument, text: str) -> Answer | None:
    """The answer `text` gives to an item of `instrument`, or None when it is unclear."""
    words = tokens(text)
    if not words:
        return None
    chosen = _longest_first(_matches(instrument, words))
    kept = [match for match in chosen if not _negated(match, words, chosen)]
    found = {match.answer.id: match.answer for match in kept}
    if len(found) == 1:
        return next(iter(found.values()))
    if chosen:
        return None  # two answers at once, or only negated ones: ask again
    return _number_answer(instrument, words) if instrument.numbered else None


def _matches(instrument: Instrument, words: tuple[str, ...]) -> list[_Match]:
    found: list[_Match] = []
    for answer in instrument.answers:
        for phrase in answer.phrases:
            phrase_words = tokens(phrase)
            size = len(phrase_words)
            for start in range(len(words) - size + 1):
                if size and words[start : start + size] == phrase_words:
                    found.append(_Match(start, start + size, answer))
    return found


def _longest_first(matches: list[_Match]) -> list[_Match]:
    """Non-overlapping matches, longer phrases first, then earlier ones; returned in text order."""
    chosen: list[_Match] = []
    for match in sorted(matches, key=lambda m: (-(m.end - m.start), m.start)):
        if not any(match.overlaps(other) for other in chosen):
            chosen.append(match)
    return sorted(chosen, key=lambda m: m.start)


def _negated(match: _Match, words: tuple[str, ...], chosen: list[_Match]) -> bool:
    """A negation word shortly before the phrase, not itself part of another answer ("no, every day")."""
    for position in range(max(0, match.start - NEGATION_REACH), match.start):
        if words[position] in NEGATORS and not any(m.start <= position < m.end for m in chosen):
            return True
    return False


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
