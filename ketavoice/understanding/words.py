"""Words of an utterance for matching: normalised tokens with their clause, after the content's rewrites.

Punctuation is dropped but remembered as a clause boundary ("I'm fine, no. My chest hurts" has three
clauses), because negation and other context never reach across one. Apostrophes are dropped
("can't" -> "cant"), so a recognizer that omits them is read the same as a careful typist.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

# Understanding looks at this much of an utterance at most: bounded time on hostile pastes. A note this
# long is still saved whole; only its first part is judged.
MAX_CHARS = 20_000

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u02bc": "'"})
_CLAUSE_BREAK = re.compile(r"[.,;:!?\n()\[\]\"]+")
# A trailing-off pause ("can't... get... enough air") is not the end of a clause: drowsy speech is
# typed or transcribed with them between the words of one thought.
_PAUSE = re.compile(r"(?:\.{2,}|\u2026)+")
_WORD = re.compile(r"[a-z0-9']+|/")

Rewrites = Mapping[tuple[str, ...], tuple[str, ...]]
# Sounds and words that carry no meaning for matching ("I wish God would just take me").
_FILLERS = frozenset("um umm uhm erm er hmm just mmm uhh hmmm".split())


@dataclass(frozen=True)
class Words:
    """Tokens in order and, for each, the index of the clause it belongs to."""

    tokens: tuple[str, ...]
    clauses: tuple[int, ...]
    present: frozenset[str] = field(init=False, repr=False, compare=False)
    # Every start of every word ("che", "ches", "chest"), so a pattern's "word*" is one set look-up.
    starts: frozenset[str] = field(init=False, repr=False, compare=False)
    starts_at: tuple[frozenset[str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "present", frozenset(self.tokens))
        at = tuple(frozenset(token[:end] for end in range(1, len(token) + 1)) for token in self.tokens)
        object.__setattr__(self, "starts_at", at)
        object.__setattr__(self, "starts", frozenset().union(*at))

    def has_prefix(self, prefix: str) -> bool:
        """Whether some word starts with `prefix`."""
        return prefix in self.starts

    def __len__(self) -> int:
        return len(self.tokens)

    def same_clause(self, first: int, second: int) -> bool:
        return self.clauses[first] == self.clauses[second]


def split_words(text: str, rewrites: Rewrites, longest_rewrite: int) -> Words:
    """Tokens of `text` by clause, with `rewrites` ("can not" -> "cant", "wanna" -> "want to") applied."""
    lowered = _PAUSE.sub(" ", text[:MAX_CHARS].translate(_APOSTROPHES).lower())
    tokens: list[str] = []
    clauses: list[int] = []
    for clause_index, chunk in enumerate(_CLAUSE_BREAK.split(lowered)):
        raw = [word.replace("'", "") for word in _WORD.findall(chunk)]
        raw = [word for word in raw if word not in _FILLERS]
        for word in _apply_rewrites([w for w in raw if w], rewrites, longest_rewrite):
            tokens.append(word)
            clauses.append(clause_index)
    return Words(tuple(tokens), tuple(clauses))


def _apply_rewrites(words: list[str], rewrites: Rewrites, longest: int) -> list[str]:
    if not rewrites:
        return words
    out: list[str] = []
    index = 0
    while index < len(words):
        for size in range(min(longest, len(words) - index), 0, -1):
            replacement = rewrites.get(tuple(words[index : index + size]))
            if replacement is not None:
                out.extend(replacement)
                index += size
                break
        else:
            out.append(words[index])
            index += 1
    return out


def find_sequence(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> int | None:
    """Where `phrase` first stands in `tokens` as consecutive words, or None."""
    size = len(phrase)
    if size == 0 or size > len(tokens):
        return None
    for start in range(len(tokens) - size + 1):
        if tokens[start : start + size] == phrase:
            return start
    return None


def contains_any(tokens: tuple[str, ...], triggers: tuple[tuple[str, ...], ...]) -> bool:
    """Whether any of `triggers` stands in `tokens` as consecutive words."""
    return any(find_sequence(tokens, trigger) is not None for trigger in triggers)
