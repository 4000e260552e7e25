"""A yes/no screening answer (the ASQ) read by meaning: yes, no, unsure, declined, or unclear (None).

The global yes/no intent is not enough for a suicide screen: "ok" is an acknowledgement, "absolutely
not" is a no, "I don't want to talk about it" is a refusal (a positive screen on the ASQ form), and a
hedged or time-shifted answer ("not now", "no, but I used to", "probably not") is neither yes nor no.
The order is: doubt -> refusal -> hedge -> the answer words. An answer holding both a yes and a no
("yeah no", "no... well... yes") is unclear; the engine asks again, then counts it unsure (positive), as
the ASQ form does with any answer that is not a clear no. Pure: no content, no state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ketavoice.screening.frequency import respell
from ketavoice.understanding.normalize import tokens

YesNo = Literal["yes", "no", "unsure", "declined"]

_UNCERTAIN = (
    "not sure", "unsure", "dont know", "do not know", "dunno", "idk", "no idea", "cant tell", "cant say",
    "hard to say", "hard to tell", "cant remember", "dont remember", "not certain", "couldnt say",
    "dont recall", "cant recall", "who knows", "not positive", "cant be sure", "no clue", "dont really know",
)
# Softeners: alone an "unsure"; beside a yes ("maybe yes") the answer is asked again.
_SOFT = ("maybe", "possibly", "perhaps", "could be", "kind of", "kinda", "sort of", "sorta", "might have",
         "i might")
# Refusals: the ASQ counts a refusal to answer as a positive screen.
_REFUSAL = (
    "rather not", "prefer not", "dont want", "do not want to", "dont wanna", "want not to",
    "not going to answer", "not answering", "wont answer", "refuse", "no comment", "pass", "skip", "next",
    "move on", "leave it", "private", "to myself", "none of your business", "not your business",
    "dont feel like answering", "dont feel like talking", "not something i want", "can we not",
    "talk to my", "not discussing", "not talking about", "not telling", "wont say", "not saying",
    "go on", "carry on", "continue", "personal", "no answer", "not comfortable", "uncomfortable",
    "moving on", "choose not", "decline", "none of your concern", "not going there", "plead the fifth",
)
# Hedged or shifted in time: neither a yes nor a no until asked again.
_HEDGE = (
    "used to", "anymore", "any more", "not now", "not these days", "not lately", "not recently",
    "probably", "i guess", "in passing", "a while", "not exactly", "not like that", "not really",
    "dont think so", "i wouldnt say", "wouldnt say", "once in a while", "before the", "complicated",
    "whatever", "i suppose", "not as much", "years ago", "long time ago", "it depends",
    "depends", "sometimes but", "i think so", "suppose so",
)
# A clear "yes" may still come with a past time ("yes, once, years ago" to "have you ever...").
_PAST_WITH_YES = ("years ago", "in the past", "a while", "long time ago", "used to")
_STRONG_NO = (
    "absolutely not", "of course not", "certainly not", "definitely not", "hell no", "no way", "not at all",
    "not ever", "not once", "never", "nothing like that", "not in the past", "not in the last",
    "not a chance", "havent", "have not", "not me", "nuh uh", "no i have not", "i have not", "i havent",
    "i hadnt", "i would not", "i would never", "i did not", "i didnt", "i am not", "im not",
    "not that", "the answer is no", "negative", "no sir",
)
_YES_WORDS = frozenset({"yes", "yeah", "yep", "yup", "ya", "yah", "yea", "aye", "affirmative", "sadly"})
_YES_PHRASES = (
    "i have", "i did", "i do", "i am", "ive thought", "ive had", "i tried", "i wished", "i took",
    "i overdosed", "i have been", "more than once", "a couple of times", "sometimes", "a lot", "once",
    "twice", "lately", "every day", "most days", "a few times", "now and then", "attempted", "tried to",
    "correct", "thats right", "true", "afraid so", "all the time", "often", "constantly", "more than",
    "crossed my mind", "i have had", "ive been", "definitely", "absolutely", "certainly", "of course",
)
_NO_WORDS = frozenset({"no", "nope", "nah", "never", "negative"})
_ACKNOWLEDGEMENTS = frozenset({"ok", "okay", "k", "kk", "sure", "fine", "alright", "right", "mhm", "hmm",
                               "um", "uh", "well", "huh", "oh"})
_QUESTION_OPENERS = frozenset({"what", "how", "why", "huh", "pardon", "sorry", "who", "when", "does"})
# Said with a yes, these make a thought current (ASQ item 3 with thoughts now: the acute tier).
_NOW = ("right now", "now", "at the moment", "currently", "today", "tonight", "still")


@dataclass(frozen=True)
class YesNoReading:
    """What a yes/no screening answer says; `answer` None is unclear. `now`: a yes about the present."""

    answer: YesNo | None
    now: bool = False


def read_yes_no(text: str) -> YesNoReading:
    """The answer `text` gives to a yes/no screening question."""
    words = respell(tuple(_squeeze(w) for w in tokens(text) if w not in {".", ",", "!", "...", ";", ":"}))
    if not words:
        return YesNoReading(None)
    phrase = " " + " ".join(words) + " "

    def has(part: str) -> bool:
        return f" {part} " in phrase

    yes = any(w in _YES_WORDS for w in words)
    if _double_negative(words):
        return YesNoReading(None)  # "I wouldn't say no", "not never"
    answer_words = _without(words, ("no", "idea"), ("no", "clue"))
    flat_no = any(w in _NO_WORDS for w in answer_words)
    no = flat_no or any(has(p) for p in _STRONG_NO)
    hedged = any(has(p) for p in _HEDGE)
    uncertain, soft = any(has(p) for p in _UNCERTAIN), any(has(p) for p in _SOFT)
    if uncertain or soft:
        if flat_no or hedged or _strong_yes(words) or (yes and not uncertain):
            return YesNoReading(None)  # "no... I mean... sort of", "kind of used to", "maybe yes"
        return YesNoReading("unsure")
    if any(f"not {w}" in phrase for w in _YES_WORDS):
        return YesNoReading(None)  # "not yes"
    if any(has(p) for p in _REFUSAL) and not (yes or (no and not _refusal_led(words))):
        return YesNoReading("declined")
    if yes and no:
        return YesNoReading(None)  # "yeah no", "no... well... yes": ask again
    if yes:
        if hedged and not any(has(p) for p in _PAST_WITH_YES):
            return YesNoReading(None)
        return YesNoReading("yes", now=any(has(p) for p in _NOW))
    if no:
        return YesNoReading(None) if hedged else YesNoReading("no")
    if hedged or "?" in text or words[0] in _QUESTION_OPENERS:
        return YesNoReading(None)
    if all(w in _ACKNOWLEDGEMENTS for w in words):
        return YesNoReading(None)  # "ok" alone acknowledges the question; it does not answer it
    if any(has(p) for p in _YES_PHRASES):
        return YesNoReading("yes", now=any(has(p) for p in _NOW))
    return YesNoReading(None)


def _squeeze(word: str) -> str:
    """Letters held for emphasis cut back ("nooo" -> "no", "yesss" -> "yes", "nopeee" -> "nope")."""
    for held, plain in (("no", "no"), ("yes", "yes"), ("nope", "nope"), ("yeah", "yeah"), ("yep", "yep")):
        if word and re.fullmatch("".join(f"{c}+" for c in held), word):
            return plain
    return word


_NEGATORS = frozenset({"not", "wouldnt", "cant", "couldnt", "dont", "never", "wont", "cannot"})


def _double_negative(words: tuple[str, ...]) -> bool:
    """A negation of a no ("I wouldn't say no", "can't say I haven't", "not never")."""
    for index, word in enumerate(words):
        before = words[max(0, index - 3) : index]
        negators = _NEGATORS - {"never"} if word == "never" else _NEGATORS
        if word in {"no", "never", "havent", "hadnt"} and any(w in negators for w in before):
            return True
    return False


def _without(words: tuple[str, ...], *pairs: tuple[str, str]) -> tuple[str, ...]:
    """`words` without the two-word phrases `pairs` ("no idea" is doubt, not a no)."""
    kept: list[str] = []
    index = 0
    while index < len(words):
        if tuple(words[index : index + 2]) in pairs:
            index += 2
            continue
        kept.append(words[index])
        index += 1
    return tuple(kept)


def _strong_yes(words: tuple[str, ...]) -> bool:
    return any(w in {"absolutely", "definitely", "certainly"} for w in words)


def _refusal_led(words: tuple[str, ...]) -> bool:
    """A refusal that happens to hold "no" ("no comment", "can we not")."""
    return words[:2] == ("no", "comment") or "not" in words or "next" in words or "skip" in words
