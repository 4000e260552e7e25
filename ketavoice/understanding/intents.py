"""Text to intent, tolerant of recognition noise. Red flags are looked for first, always.

Matching is on word sequences: a phrase matches when its words appear in order, side by side, anywhere
in the utterance ("uh yes I do" is yes). When several intents match, the longest phrase wins ("no, say
that again" is repeat); yes and no matched equally is ambiguous and becomes unknown, never a guess.
Red-flag words match loosely (shared stems: "fainted" for "faint") and ignore negation ("no chest pain"
still flags): a missed red flag is the worst bug this product can have, so when unsure, flag.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketavoice.content.model import Content, RedFlagLevel, Step
from ketavoice.understanding.normalize import tokens
from ketavoice.understanding.numbers import number_value

# Shorter of two words must share this many leading letters with the other to count as the same stem.
_STEM_MIN = 5
_STEM_SHARE = 0.8


@dataclass(frozen=True)
class Understood:
    """What an utterance means. `value` is the rating for `number`, the choice id for `choice`."""

    text: str
    intent: str
    value: int | str | None = None
    flags: tuple[RedFlagLevel, ...] = ()

    @property
    def red_flag(self) -> bool:
        return bool(self.flags)

    def to_json(self) -> dict[str, object]:
        return {"text": self.text, "intent": self.intent, "value": self.value}


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]
    intent: str
    value: str | None = None


@dataclass(frozen=True)
class _Index:
    red_flags: tuple[tuple[RedFlagLevel, tuple[tuple[str, ...], ...]], ...]
    phrases: tuple[_Phrase, ...]
    keys: dict[str, str]


_index_cache: dict[int, tuple[Content, _Index]] = {}


def _index(content: Content) -> _Index:
    cached = _index_cache.get(id(content))
    if cached is not None and cached[0] is content:
        return cached[1]
    red_flags = tuple(
        (flag.level, tuple(tokens(phrase) for phrase in flag.phrases)) for flag in content.red_flags
    )
    phrases = tuple(
        _Phrase(tokens(phrase), intent.name) for intent in content.intents for phrase in intent.phrases
    )
    keys: dict[str, str] = {key: intent.name for intent in content.intents for key in intent.keys}
    index = _Index(red_flags, phrases, keys)
    _index_cache[id(content)] = (content, index)
    return index


def _same_stem(heard: str, listed: str) -> bool:
    if heard == listed:
        return True
    shorter = min(len(heard), len(listed))
    if shorter < _STEM_MIN:
        return False
    shared = 0
    for a, b in zip(heard, listed, strict=False):
        if a != b:
            break
        shared += 1
    return shared >= _STEM_MIN and shared >= _STEM_SHARE * shorter


def _contains(words: tuple[str, ...], phrase: tuple[str, ...], loose: bool = False) -> bool:
    size = len(phrase)
    if size == 0 or size > len(words):
        return False
    for start in range(len(words) - size + 1):
        window = words[start : start + size]
        if window == phrase or (loose and all(_same_stem(w, p) for w, p in zip(window, phrase, strict=True))):
            return True
    return False


def red_flags_in(content: Content, text: str) -> tuple[RedFlagLevel, ...]:
    """Every red-flag level whose phrases appear in `text` (emergency first)."""
    words = tokens(text)
    return tuple(
        level
        for level, phrases in _index(content).red_flags
        if any(_contains(words, phrase, loose=True) for phrase in phrases)
    )


def understand(content: Content, text: str, step: Step | None = None) -> Understood:
    """The intent of `text`, in the context of `step` when given (choices, numbers)."""
    flags = red_flags_in(content, text)
    if flags:
        return Understood(text, flags[0], None, flags)
    words = tokens(text)
    if not words:
        return Understood(text, "unknown")
    index = _index(content)
    candidates = list(index.phrases)
    if step is not None and step.kind == "choice":
        candidates += [
            _Phrase(tokens(phrase), "choice", choice.id)
            for choice in step.choices
            for phrase in choice.phrases
        ]
    best = _best_phrase(words, candidates)
    # A number word inside the matched phrase ("one more time", "next one") is part of it, not a rating.
    number = number_value(_without(words, best.words) if best else words, content.numbers)
    expects_number = step is not None and step.kind == "number"
    # "yes, a seven" on a rating step is a rating; elsewhere a number counts only when nothing else does.
    if number is not None and (expects_number or best is None):
        return Understood(text, "number", number)
    if best is None:
        return Understood(text, "unknown")
    return Understood(text, best.intent, best.value)


def _without(words: tuple[str, ...], phrase: tuple[str, ...]) -> tuple[str, ...]:
    """`words` with the first occurrence of `phrase` taken out."""
    size = len(phrase)
    for start in range(len(words) - size + 1):
        if words[start : start + size] == phrase:
            return words[:start] + words[start + size :]
    return words


def _best_phrase(words: tuple[str, ...], candidates: list[_Phrase]) -> _Phrase | None:
    matches = [phrase for phrase in candidates if _contains(words, phrase.words)]
    if not matches:
        return None
    longest = max(len(phrase.words) for phrase in matches)
    top = [phrase for phrase in matches if len(phrase.words) == longest]
    # A longer "no" phrase ("not really") beats a shorter "yes" one, but equal yes and no is ambiguous.
    kinds = {(phrase.intent, phrase.value) for phrase in top}
    if len(kinds) > 1:
        if {"yes", "no"} <= {intent for intent, _ in kinds}:
            return None
        return min(top, key=lambda phrase: _priority(phrase.intent))
    return top[0]


_PRIORITY: tuple[str, ...] = (
    "stop",
    "repeat",
    "help",
    "slower",
    "faster",
    "back",
    "next",
    "cancel",
    "retry",
    "done",
    "choice",
    "no",
    "yes",
)


def _priority(intent: str) -> int:
    return _PRIORITY.index(intent) if intent in _PRIORITY else len(_PRIORITY)


def intent_for_key(content: Content, key: str) -> str | None:
    """The intent an answer key stands for, per content.toml (`keys = [...]` on each intent)."""
    return _index(content).keys.get(key.lower())
