"""Answers to three questions with their own vocabulary: "When can you drive again?" (a time expression
resolved to today or tomorrow), "Do you have someone to drive you home?" (who takes the patient home) and
the home hold's "Did you call?" (called, or not yet).

Both match content phrases ([understanding] today / tomorrow, called / not_called) as word sequences,
the longest winning; a phrase right after a negation is set aside ("not now" is not "now", "I haven't
called" is not "called"); both sides said at once ("today or tomorrow") is unclear, never a guess. A
number of hours is resolved here: under a night away ("in 3 hours") is today, a day or more is tomorrow.
"""

from __future__ import annotations

from typing import Literal

from ketavoice.content.model import Content
from ketavoice.understanding.index import UnderstandingIndex, index_for
from ketavoice.understanding.numbers import number_value
from ketavoice.understanding.words import Words, find_sequence

When = Literal["today", "tomorrow"]
HoldAnswer = Literal["called", "not_called"]
RideAnswer = Literal["yes", "no", "unsure"]

_NEGATIONS = frozenset("not no dont never havent hasnt didnt cant wont isnt arent nobody noone".split())
_HOUR_WORDS = frozenset("hours hour hrs hr h".split())
# From this many hours on, "in N hours" is the next day (a night's sleep; Spravato PI section 17).
_NEXT_DAY_HOURS = 20
_FEW = frozenset("few couple".split())
_MINUTE_WORDS = frozenset("minutes minute mins min".split())
# Sleep before driving: the next day (Spravato PI section 17).
_SLEEP = frozenset("sleep slept sleeping".split())
# "after / once / when" something that happens today ("after a coffee"): today, unless a tomorrow word
# says otherwise.
_CONDITIONS = frozenset("after once when".split())


def when_answer(content: Content, text: str) -> When | Literal["unclear"] | None:
    """"today", "tomorrow", "unclear" (both said) or None (no time expression) for `text`.

    A number of hours or minutes decides alone ("24 hours later", "in 30 minutes"); sleep first means
    the next day whatever else is said ("after sleeping tonight"); a condition met today ("after a
    coffee", "once the dizziness wears off") is today."""
    index = index_for(content)
    words = index.words(text)
    counted = _hours(words, content)
    if counted is not None:
        return counted
    understanding = content.understanding
    found = _longest(words, index, {"today": understanding.today, "tomorrow": understanding.tomorrow})
    sleeps = (token in _SLEEP and not _negated_at(words, at) for at, token in enumerate(words.tokens))
    if any(sleeps):
        return "tomorrow"
    if not found and any(token in _CONDITIONS for token in words.tokens):
        return "today"
    if len(found) > 1:
        return "unclear"
    if found == {"today"}:
        return "today"
    if found == {"tomorrow"}:
        return "tomorrow"
    return None


def hold_answer(content: Content, text: str) -> HoldAnswer | Literal["unclear"] | None:
    """"called", "not_called", "unclear" (both, e.g. "yes I called, no"), or None for `text`."""
    index = index_for(content)
    words = index.words(text)
    understanding = content.understanding
    found = _longest(words, index, {"called": understanding.called, "not_called": understanding.not_called})
    if len(found) > 1:
        return "unclear"
    if found == {"called"}:
        return "called"
    if found == {"not_called"}:
        return "not_called"
    return None


def ride_answer(content: Content, text: str) -> RideAnswer | None:
    """Who takes the patient home, in their own words: not settled yet ("my daughter said she'd try", "a
    taxi") is unsure; their own way ("I'll drive", "the bus", "just me") is no; a person taking them or
    here for them ("my dad's driving me home", "she's parked outside") is yes, and the same denied ("he
    isn't coming") is no. Their own way and someone taking them at once is None: asked again."""
    index = index_for(content)
    words = index.words(text)
    understanding = content.understanding
    if _longest(words, index, {"pending": understanding.ride_pending}):
        return "unsure"
    plain = index.words(" ".join(_plain(words.tokens)))
    own_way = bool(_longest(words, index, {"self": understanding.ride_self}))
    own_way = own_way or bool(_longest(plain, index, {"self": understanding.ride_self}))
    person = _names_person(words, index, understanding.ride_people)
    taking = bool(_longest(words, index, {"taking": understanding.ride_taking}))
    # "I'm driving him home": the companion speaking, who is the someone asked about.
    companion = taking and any(token in _OTHERS for token in words.tokens)
    if own_way:
        return None if (person or companion) and taking else "no"
    if (person or companion) and taking:
        return "yes"
    people = understanding.ride_people
    if person and all(
        token in _BARE_NAMING or _names_person(index.words(token), index, people) for token in words.tokens
    ):
        return "yes"  # "my wife", "same as last time, my mum": the someone, named
    if person and _any_denied(words, index, understanding.ride_taking):
        return "no"
    return None


_OTHERS = frozenset("him her them".split())
# Words beside a person that leave the answer a naming of them.
_BARE_NAMING = frozenset(
    "my the our a yes yeah yep definitely definately sure of course same as last time probably um uh oh"
    .split()
)


def _plain(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Tokens with a possessive or "is" s taken off ("dads" -> "dad", "cars" -> "car")."""
    return tuple(token[:-1] if len(token) > 3 and token.endswith("s") else token for token in tokens)


def _names_person(words: Words, index: UnderstandingIndex, people: tuple[str, ...]) -> bool:
    """True when one of `people` is named, also as "dad's" ("my dad's driving me", heard as "dads")."""
    plain = _plain(words.tokens)
    for person in people:
        tokens = index.phrase_words(person)
        if _find(words.tokens, tokens) is not None or _find(plain, tokens) is not None:
            return True
    return False


def _any_denied(words: Words, index: UnderstandingIndex, phrases: tuple[str, ...]) -> bool:
    """True when one of `phrases` is said right after a negation ("he isn't coming")."""
    for phrase in phrases:
        start = _find(words.tokens, index.phrase_words(phrase))
        if start is not None and _negated(words, start):
            return True
    return False


def _longest(words: Words, index: UnderstandingIndex, groups: dict[str, tuple[str, ...]]) -> set[str]:
    """The groups whose phrases match `words`, a phrase inside a longer match left out; a phrase right
    after a negation counts for no group (unless it starts with one: "not today")."""
    spans: list[tuple[int, int, str]] = []
    for name, phrases in groups.items():
        for phrase in phrases:
            tokens = index.phrase_words(phrase)
            start = _find(words.tokens, tokens)
            if start is None:
                continue
            if tokens[0] not in _NEGATIONS and _negated(words, start):
                continue
            if tokens == ("now",) and start > 0 and words.tokens[start - 1] == "from":
                continue  # "a day from now" counts from now; it does not mean now
            spans.append((start, start + len(tokens), name))
    kept = [span for span in spans if not any(_inside(span, other) for other in spans)]
    return {name for _, _, name in kept}


def _inside(span: tuple[int, int, str], other: tuple[int, int, str]) -> bool:
    """True when `span` lies within the longer `other`."""
    return other[0] <= span[0] and span[1] <= other[1] and other[1] - other[0] > span[1] - span[0]


def _negated_at(words: Words, position: int) -> bool:
    """True when a negation stands just before the word at `position`, not counting "not until"."""
    before = words.tokens[max(0, position - 3) : position]
    return any(word in _NEGATIONS for word in before) and "until" not in before


def _negated(words: Words, start: int) -> bool:
    for position in range(max(0, start - 2), start):
        if words.same_clause(position, start) and words.tokens[position] in _NEGATIONS:
            return True
    return False


def _hours(words: Words, content: Content) -> When | None:
    tokens = words.tokens
    for position, token in enumerate(tokens):
        if token in _MINUTE_WORDS and position > 0:
            return "today"
        if token not in _HOUR_WORDS or position == 0:
            continue
        before = tokens[max(0, position - 2) : position]
        if any(word in _FEW for word in before):
            return "today"
        value = number_value(before, content.numbers)
        if value is not None:
            return "tomorrow" if value >= _NEXT_DAY_HOURS else "today"
    for token in tokens:  # "in 24h", "24hrs"
        digits = token.rstrip("hrs")
        if digits != token and digits.isdigit() and len(digits) <= 3:
            return "tomorrow" if int(digits) >= _NEXT_DAY_HOURS else "today"
    return None


_find = find_sequence
