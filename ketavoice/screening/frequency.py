"""How often, by meaning: a PHQ/GAD answer ("over the last two weeks, how often...") read as the days of
the fourteen it can mean, then placed on the published options by the days each one covers.

The options are *not at all* (0 days), *several days* (1-6: fewer than half), *more than half the days*
(8-11) and *nearly every day* (12-14); exactly half (7) belongs to none of them. An answer is read as a
range of days: counts ("five or six days", "three times a week" is six of fourteen, "just on Sundays"),
spans ("every day", "round the clock", "most of the fortnight"), modifiers ("less than half", "almost
every day", "hardly ever", "every day except one"), negatives ("not that I've noticed") and alternatives
("several days, or more than half"). A range inside one option is that option; a range that touches two
options, exactly half, doubt ("not sure", "it depends"), a question, or no frequency at all is unclear
(None): the engine asks again with the choices, never guesses. Pure: no content, no state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ketavoice.understanding.normalize import tokens

DAYS = 14
HALF = 7


@dataclass(frozen=True)
class Days:
    """Between `low` and `high` days of the fourteen (inclusive)."""

    low: int
    high: int

    def clamp(self) -> Days:
        low, high = max(0, min(DAYS, self.low)), max(0, min(DAYS, self.high))
        return Days(min(low, high), max(low, high))


# The published options as day ranges; a reading must fall inside exactly one.
OPTION_DAYS: tuple[tuple[int, Days], ...] = ((0, Days(0, 0)), (1, Days(1, 6)), (2, Days(8, 11)),
                                             (3, Days(12, 14)))

# Sound-alike and typed slips of the few words this reader needs ("several daze", "knot at all").
_RESPELL = {
    "daze": "days", "dayz": "days", "dais": "days", "knot": "not", "awl": "all", "fue": "few",
    "teh": "the", "evey": "every", "evry": "every", "evryday": "everyday", "nearley": "nearly",
    "moste": "most", "moast": "most", "sevral": "several", "severel": "several", "everyda": "everyday",
    "nopee": "nope", "noo": "no", "nooo": "no", "definately": "definitely", "wanna": "want",
    "alot": "a lot", "couple a": "couple of", "fortnite": "fortnight", "2day": "today",
    "more then": "more than", "less then": "less than", "fewer then": "fewer than",
    "haf": "half", "hlaf": "half", "harf": "half", "halv": "half", "mor": "more", "morethan": "more than",
    "lessthan": "less than", "nawt": "not", "nothin": "nothing", "sum": "some", "zip": "none",
    "zilch": "none", "nada": "none", "somtimes": "sometimes", "sumtimes": "sometimes",
}
# Swear words and intensifiers that say nothing of how often ("every bloody day").
_EXPLETIVES = frozenset({"bloody", "damn", "damned", "freaking", "frickin", "flipping", "effing", "fucking",
                         "friggin", "bleeding", "blooming"})
# Said of the symptom, not of the days: "fine", "no problem" mean it has not bothered them.
_UNBOTHERED = ("been fine", "fine with that", "non issue", "not an issue", "no problem", "not a problem",
               "no issues", "no trouble with", "not bothered me", "hasnt bothered me")
# "Not a day without it" and the like: every day, whatever doubt-sounding words it holds.
_NO_DAY_WITHOUT = ("cant remember a day i didnt", "cant remember a day without",
                   "cant think of a day without", "hasnt been a day without", "not a day without",
                   "not one day without",
                   "not a single day without", "not a day goes by", "never a day without",
                   "cant remember a day when i didnt", "cant remember the last day i didnt")
# A number of these is not a number of days ("I sleep about 5 hours a night", "5 out of 10").
_NOT_DAY_UNITS = frozenset({"hours", "hour", "hrs", "minutes", "mins", "percent", "%", "pills", "drinks",
                            "cups", "kilos", "pounds", "lbs"})
_NUMBERS = {
    "zero": 0, "none": 0, "one": 1, "once": 1, "two": 2, "twice": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14,
}
_DAY_UNITS = frozenset({"day", "days", "night", "nights", "morning", "mornings", "evening", "evenings",
                        "time", "times", "afternoons", "occasions"})
_WEEKDAYS = frozenset({"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
                       "mondays", "tuesdays", "wednesdays", "thursdays", "fridays", "saturdays", "sundays",
                       })
_WEEKEND = frozenset({"weekend", "weekends"})  # Saturday and Sunday: four days of the fourteen
# Phrases that are a reading by themselves, longest first where they overlap. (low, high) in days.
_PHRASES: tuple[tuple[str, Days], ...] = (
    # nothing
    ("not at all", Days(0, 0)), ("not once", Days(0, 0)), ("not one day", Days(0, 0)),
    ("not one time", Days(0, 0)), ("not a single day", Days(0, 0)), ("not in the slightest", Days(0, 0)),
    ("not even a little", Days(0, 0)), ("not even once", Days(0, 0)), ("no days", Days(0, 0)),
    ("none at all", Days(0, 0)), ("not that ive noticed", Days(0, 0)),
    ("not that i can think of", Days(0, 0)),
    ("not that i know of", Days(0, 0)), ("not bothered", Days(0, 0)), ("nothing like that", Days(0, 0)),
    ("never", Days(0, 0)),
    # a few: fewer than half
    ("less than half", Days(1, 6)), ("fewer than half", Days(1, 6)), ("under half", Days(1, 6)),
    ("several days", Days(2, 6)), ("several", Days(2, 6)), ("a few", Days(2, 5)), ("few", Days(2, 5)),
    ("a day or two", Days(1, 2)),
    ("some days", Days(1, 6)), ("now and then", Days(1, 6)), ("now and again", Days(1, 6)),
    ("here and there", Days(1, 6)), ("occasionally", Days(1, 6)), ("the odd day", Days(1, 2)),
    ("once in a while", Days(1, 6)), ("every so often", Days(1, 6)), ("a couple", Days(2, 3)),
    ("rarely", Days(1, 3)), ("very rarely", Days(1, 2)), ("seldom", Days(1, 3)), ("hardly ever", Days(1, 3)),
    ("almost never", Days(1, 3)), ("barely ever", Days(1, 3)), ("hardly", Days(1, 3)),
    ("not often", Days(1, 6)), ("not very often", Days(1, 6)), ("not many", Days(1, 6)),
    ("not much", Days(1, 6)), ("not a lot", Days(1, 6)), ("yesterday", Days(1, 1)), ("today", Days(1, 1)),
    ("the once", Days(1, 1)),
    # exactly half: no option
    ("exactly half", Days(7, 7)), ("about half", Days(6, 8)), ("half and half", Days(7, 7)),
    ("fifty fifty", Days(7, 7)), ("half the days", Days(7, 7)), ("half the time", Days(7, 7)),
    ("half of the days", Days(7, 7)), ("half of the time", Days(7, 7)), ("every other day", Days(7, 7)),
    # more than half
    ("more than half", Days(8, 11)), ("over half", Days(8, 11)), ("well over half", Days(8, 11)),
    ("a lot more than half", Days(8, 11)), ("most", Days(8, 11)), ("the majority", Days(8, 11)),
    ("a good majority", Days(8, 11)), ("majority", Days(8, 11)), ("the bulk", Days(8, 11)),
    ("more days than not", Days(8, 11)), ("more often than not", Days(8, 11)),
    ("two thirds", Days(9, 10)), ("three quarters", Days(10, 11)), ("every weekday", Days(10, 10)),
    ("every work day", Days(10, 10)), ("every workday", Days(10, 10)),
    # nearly every day, every day
    ("nearly every day", Days(12, 14)), ("almost every day", Days(12, 14)),
    ("near enough every day", Days(12, 14)),
    ("pretty much every day", Days(12, 14)), ("basically every day", Days(12, 14)),
    ("almost daily", Days(12, 14)),
    ("nearly everyday", Days(12, 14)), ("almost everyday", Days(12, 14)),
    ("nearly all the time", Days(12, 14)),
    ("almost all the time", Days(12, 14)), ("practically every day", Days(12, 14)),
    ("every day", Days(14, 14)), ("everyday", Days(14, 14)), ("every single day", Days(14, 14)),
    ("each and every day", Days(14, 14)), ("every blessed day", Days(14, 14)), ("each day", Days(14, 14)),
    ("every night", Days(14, 14)), ("every morning", Days(14, 14)), ("every evening", Days(14, 14)),
    ("daily", Days(14, 14)), ("always", Days(14, 14)), ("constantly", Days(14, 14)),
    ("all the time", Days(14, 14)), ("all day", Days(14, 14)), ("non stop", Days(14, 14)),
    ("nonstop", Days(14, 14)), ("round the clock", Days(14, 14)), ("around the clock", Days(14, 14)),
    ("day in day out", Days(14, 14)), ("24 / 7", Days(14, 14)), ("the whole fortnight", Days(14, 14)),
    ("the whole two weeks", Days(14, 14)), ("all of the days", Days(14, 14)), ("all the days", Days(14, 14)),
    ("the whole time", Days(14, 14)), ("the entire time", Days(14, 14)), ("nightly", Days(14, 14)),
    ("each night", Days(14, 14)), ("every single night", Days(14, 14)), ("without fail", Days(14, 14)),
    ("mostly", Days(8, 11)), ("not very much", Days(1, 6)), ("not that much", Days(1, 6)),
    ("not so much", Days(1, 6)), ("occasional", Days(1, 6)), ("sporadically", Days(1, 6)),
    ("infrequently", Days(1, 6)),
    ("barely", Days(1, 3)), ("scarcely", Days(1, 3)), ("almost none", Days(1, 3)), ("a handful", Days(2, 5)),
    ("quite a few", Days(3, 9)), ("a good few", Days(3, 9)), ("a fair few", Days(3, 9)),
    ("a time or two", Days(1, 2)), ("not a single time", Days(0, 0)), ("a third", Days(4, 5)),
    ("a quarter", Days(3, 4)), ("almost always", Days(12, 14)), ("nearly always", Days(12, 14)),
    ("never stops", Days(14, 14)), ("never ends", Days(14, 14)), ("never lets up", Days(14, 14)),
    ("never goes away", Days(14, 14)), ("no let up", Days(14, 14)), ("no exceptions", Days(14, 14)),
    ("without a break", Days(14, 14)), ("always there", Days(14, 14)),
    ("sometimes", Days(1, 6)), ("some of the time", Days(1, 6)), ("the odd time", Days(1, 2)),
    ("once or twice", Days(1, 2)), ("constant", Days(14, 14)), ("24 7", Days(14, 14)),
    ("the entire fortnight", Days(14, 14)), ("the entire two weeks", Days(14, 14)),
    ("all of them", Days(14, 14)), ("all of it", Days(14, 14)), ("every one of them", Days(14, 14)),
    ("a week and a half", Days(10, 11)), ("not quite every day", Days(12, 13)),
    ("not quite everyday", Days(12, 13)), ("not quite daily", Days(12, 13)),
    ("not every single day", Days(12, 13)), ("cant think of any", Days(0, 0)),
    ("cant remember any", Days(0, 0)), ("cant recall any", Days(0, 0)),
)
_PHRASE_WORDS = sorted(((tuple(p.split()), d) for p, d in _PHRASES), key=lambda e: -len(e[0]))
# Readings of the whole span, which a count of days inside it replaces ("every day for the past nine days").
_WHOLE = Days(14, 14)
# Doubt, "it depends", and answers about something else: unclear however much else is said.
_DOUBT = (
    "not sure", "unsure", "dont know", "do not know", "dunno", "no idea", "cant tell", "cant really tell",
    "couldnt tell", "hard to tell", "hard to say", "cant decide", "cant say", "keep track", "cant remember",
    "dont remember", "depends", "comes and goes", "up and down", "on and off", "complicated", "more or less",
    "idk", "not great with", "not good with", "lose track", "lost track",
    "than before", "than usual", "than last time", "as much as", "same as", "rather not",
    "dont want to", "not answering", "pass", "used to", "anymore", "any more",
)
_QUESTION_OPENERS = frozenset({"what", "how", "why", "huh", "does", "is", "can", "could", "should", "wait",
                               "when", "which", "who", "do", "pardon", "sorry"})
_NO_WORDS = frozenset({"no", "nope", "nah", "havent", "hasnt", "not", "nothing", "none", "zero", "never",
                       "dont", "didnt", "isnt", "wasnt", "aint"})
_PERIOD_OPENERS = frozenset({"in", "over", "during", "for", "of", "out", "this", "these", "past"})
_REPAIR = ("no actually", "or rather", "i mean")
_DENIALS = frozenset({"no", "nope", "nah", "not", "havent", "hasnt", "nothing", "none", "negative", "dont",
                      "didnt"})


# Words a one-letter slip is corrected to ("evrey" -> "every", "nearlly" -> "nearly"), and real words
# that are one letter from them and must stay as they are.
_KEY_WORDS = frozenset({"several", "every", "everyday", "nearly", "almost", "always", "constantly", "never",
                        "fortnight", "majority", "occasionally", "rarely", "seldom", "sometimes", "hardly",
                        "daily", "couple", "fourteen", "thirteen", "twelve", "eleven"})
_REAL_WORDS = frozenset({"nearby", "dally", "sever", "clever", "fever", "newer", "lever"})


def _one_slip(word: str, target: str) -> bool:
    """True when `word` is `target` with one letter added, dropped, changed, or two swapped."""
    if abs(len(word) - len(target)) > 1 or word == target:
        return False
    if len(word) == len(target):
        diffs = [i for i, (a, b) in enumerate(zip(word, target, strict=True)) if a != b]
        if len(diffs) == 1:
            return True
        if len(diffs) != 2 or diffs[1] != diffs[0] + 1:
            return False
        first, second = diffs
        return word[first] == target[second] and word[second] == target[first]
    short, long = (word, target) if len(word) < len(target) else (target, word)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _corrected(word: str) -> str:
    if len(word) < 5 or word in _KEY_WORDS or word in _REAL_WORDS or not word.isalpha():
        return word
    return next((target for target in sorted(_KEY_WORDS) if _one_slip(word, target)), word)


def respell(words: tuple[str, ...]) -> tuple[str, ...]:
    """Common slips of the frequency words fixed; words that split in two ("sev ral") joined again."""
    joined: list[str] = []
    index = 0
    while index < len(words):
        pair = " ".join(words[index : index + 2])
        glued = "".join(words[index : index + 2])
        if pair in _RESPELL:
            joined.extend(_RESPELL[pair].split())
            index += 2
            continue
        if index + 1 < len(words) and glued in _RESPELL:
            joined.extend(_RESPELL[glued].split())
            index += 2
            continue
        joined.extend(_RESPELL.get(words[index], _corrected(words[index])).split())
        index += 1
    return tuple(joined)


def days_meant(text: str) -> Days | None:
    """The days of the fourteen `text` says, or None when it says no clear frequency."""
    words = respell(tuple(w for w in tokens(text) if w not in {".", ",", "?", "!", "...", ";", ":"}))
    words = tuple(w for w in words if w not in _EXPLETIVES)
    if not words or words[0] in _QUESTION_OPENERS or "?" in text:
        return None
    phrase = " ".join(words)
    for every_day in _NO_DAY_WITHOUT:
        if _has(phrase, every_day):
            phrase = phrase.replace(every_day, "every day")
    if any(_has(phrase, doubt) for doubt in _DOUBT):
        return None
    if any(_has(phrase, calm) for calm in _UNBOTHERED):
        return _unbothered(phrase)
    for vague in (" or so", " or something", " or thereabouts", " give or take"):
        phrase = phrase.replace(vague, "")
    words = tuple(phrase.split())
    for repair in _REPAIR:
        if _has(phrase, repair):
            after = phrase.split(repair, 1)[1].split()
            return _clause_reading(tuple(after)) if after else None
    readings = [_clause_reading(part) for part in _split(words, "or")]
    if len(readings) > 1:
        bands = {option_of(r) for r in readings}
        return readings[0] if len(bands) == 1 and None not in bands else None
    return readings[0]


def _unbothered(phrase: str) -> Days | None:
    """"I've been fine with that (the whole two weeks)": no days; with a count of days beside it ("fine most
    days") it is unclear which days were the bad ones."""
    rest = phrase
    for calm in _UNBOTHERED:
        rest = f" {rest} ".replace(f" {calm} ", " ").strip()
    reading = _clause_reading(tuple(rest.split())) if rest else None
    if reading is None or reading.low >= 12 or reading == Days(0, 0):
        return Days(0, 0)
    return None


def option_of(days: Days | None) -> int | None:
    """The option value whose days hold the whole range, or None (two options, or exactly half)."""
    if days is None:
        return None
    for value, span in OPTION_DAYS:
        if span.low <= days.low and days.high <= span.high:
            return value
    return None


def _has(phrase: str, part: str) -> bool:
    return f" {part} " in f" {phrase} "


def _split(words: tuple[str, ...], joiner: str) -> list[tuple[str, ...]]:
    """`words` cut at `joiner`, except inside a number range ("five or six days", "once or twice")."""
    parts: list[list[str]] = [[]]
    for index, word in enumerate(words):
        between_numbers = (
            0 < index < len(words) - 1 and _number(words[index - 1]) is not None
            and _number(words[index + 1]) is not None
        )
        day_or_two = words[index - 1 : index] == ("day",) and words[index + 1 : index + 2] == ("two",)
        if word == joiner and not between_numbers and not day_or_two:
            parts.append([])
        else:
            parts[-1].append(word)
    return [tuple(part) for part in parts if part]


def _number(word: str) -> int | None:
    if word.isdigit() and len(word) <= 2:
        return int(word)
    return _NUMBERS.get(word)


@dataclass
class _Evidence:
    counts: list[Days]  # days counted ("two days", "Sundays", "once"): summed
    bounds: list[Days]  # what the days must lie within ("most days", "not every day"): intersected
    minus: list[Days]  # days left out of the whole span ("every day except one")
    weeks: int = 0  # "last week", "a week": seven days each, when nothing else is counted
    denial: bool = False  # a word of denial ("not", "haven't"): no days, when nothing else is said
    flat_no: bool = False  # "no" / "nope" / "nah": with a frequency beside it, the answer is unclear
    bare_ok: bool = False  # the question's period was named, so "thirteen (out of fourteen)" is a count


def _clause_reading(words: tuple[str, ...]) -> Days | None:
    kept = _drop_periods(words)
    evidence = _Evidence([], [], [], bare_ok=len(kept) < len(words))
    index = 0
    while index < len(kept):
        index += max(_read_at(kept, index, evidence), 1)
    return _combine(evidence)


def _drop_periods(words: tuple[str, ...]) -> tuple[str, ...]:
    """Leave out the period the question already names ("in the last two weeks", "out of fourteen")
    and per-day repeats ("twice a day"), which are not days."""
    kept: list[str] = []
    index = 0
    while index < len(words):
        rest = words[index:]
        keeps_span = bool(kept) and kept[-1] in {"most", "all", "whole", "every", "day"}
        if rest[0] in _PERIOD_OPENERS and not keeps_span:
            span = _period_span(rest)
            if span:
                index += span
                continue
        if rest[0] == "/" and rest[1:2] in {("14",), ("7",)} and kept[-1:] != ["24"]:
            index += 2  # "10/14"
            continue
        per_day = _number(rest[0]) is not None or rest[0] == "times"
        if len(rest) >= 3 and rest[1:3] == ("a", "day") and per_day:
            index += 3
            continue
        if per_day and len(rest) >= 4 and rest[1] in _NOT_DAY_UNITS and rest[2] in {"a", "per", "each"}:
            index += 4  # "5 hours a night": an amount each day, not days
            continue
        kept.append(words[index])
        index += 1
    return tuple(kept)


def _period_span(rest: tuple[str, ...]) -> int:
    """How many words of `rest` name the fortnight (or a week, as a denominator), or 0."""
    index = 2 if rest[:2] == ("out", "of") else 1
    while index < len(rest) and rest[index] in {"the", "last", "past", "two", "2", "whole", "of"}:
        index += 1
    if index < len(rest) and rest[index] in {"fortnight", "weeks", "fourteen", "14"}:
        return index + 1 + (index + 1 < len(rest) and rest[index + 1] == "days")
    if rest[0] == "out" and index < len(rest) and rest[index] in {"seven", "7"}:
        return index + 1
    if rest[0] == "out" and rest[index - 1] == "two":
        return index  # "one week out of the two"
    return 0


def _read_at(words: tuple[str, ...], index: int, evidence: _Evidence) -> int:
    """Read what starts at `index` into `evidence`; the number of words used."""
    word = words[index]
    rest = words[index:]
    exception = _exception_words(rest)
    if exception and any(b.low >= 8 for b in evidence.bounds):
        # "every day except one", "every day but Sundays": the whole span less a count
        skip = exception + (rest[exception : exception + 1] == ("maybe",))
        minus = _count_at(rest, skip, any_bare=True)
        if minus is not None:
            evidence.minus.append(minus[0])
            return minus[1]
    if rest[:2] == ("all", "but"):
        minus = _count_at(rest, 2, any_bare=True)
        if minus is not None:
            evidence.bounds.append(_WHOLE)
            evidence.minus.append(minus[0])
            return minus[1]
    ceiling = 3 if rest[:3] in {("no", "more", "than"), ("not", "more", "than")} else 0
    ceiling = ceiling or (2 if rest[:2] in {("at", "most"), ("up", "to")} else 0)
    floor = 2 if rest[:2] == ("at", "least") else 0
    if ceiling or floor:
        skip = ceiling or floor
        target = _count_at(rest, skip, any_bare=True) or _offset(_phrase_at(rest[skip:]), skip)
        if target is not None:
            days, used = target
            evidence.bounds.append(Days(1, days.high) if ceiling else Days(days.low, DAYS))
            return used
    if word in {"more", "over", "less", "fewer", "under"} and rest[1:2] == ("than",) and not _phrase_at(rest):
        target = _count_at(rest, 2, any_bare=True) or _week_at(rest, 2) or _offset(_phrase_at(rest[2:]), 2)
        if target is not None:
            days, used = target
            above = word in {"more", "over"}
            evidence.bounds.append(Days(days.high + 1, DAYS) if above else Days(1, days.low - 1))
            return used
        return 2
    if word in _NEGATORS and not _phrase_at(rest):
        lead = 1 + sum(1 for _ in _leading(rest[1:], {"say", "really", "exactly", "quite", "call", "it"}))
        target = _phrase_at(rest[lead:])
        if target is not None and target[0] != Days(0, 0):
            evidence.bounds.append(_negate(target[0]))
            return lead + target[1]
    count = _count_at(rest, 0, bare_ok=evidence.bare_ok or bool(evidence.counts) or bool(evidence.bounds))
    if count is not None:
        evidence.counts.append(count[0])
        return count[1]
    week = _week_at(rest, 0)
    if week is not None:
        evidence.weeks += 1
        return week[1]
    found = _phrase_at(rest)
    if found is not None:
        evidence.bounds.append(found[0])
        return found[1]
    if word in _DENIALS:
        evidence.denial = True
        evidence.flat_no = evidence.flat_no or (index == 0 and word in {"no", "nope", "nah", "negative"})
    return 1


_NEGATORS = frozenset({"not", "never", "wouldnt", "couldnt", "isnt", "wasnt"})


def _leading(words: tuple[str, ...], allowed: set[str]) -> Iterator[str]:
    """The words at the start of `words` that are in `allowed`."""
    for word in words:
        if word not in allowed:
            return
        yield word


def _exception_words(rest: tuple[str, ...]) -> int:
    """How many words of `rest` say "except" ("except", "but", "apart from", "other than", ...), or 0."""
    for phrase in (("except", "for"), ("apart", "from"), ("other", "than"), ("aside", "from"), ("except",),
                   ("but",), ("besides",), ("bar",)):
        if rest[: len(phrase)] == phrase:
            return len(phrase)
    return 0


def _offset(found: tuple[Days, int] | None, by: int) -> tuple[Days, int] | None:
    return None if found is None else (found[0], found[1] + by)


_TIME_OF_DAY_AFTER = frozenset({"at", "in", "during", "when", "after", "before", "around"})


def _phrase_at(rest: tuple[str, ...]) -> tuple[Days, int] | None:
    for phrase, days in _PHRASE_WORDS:
        size = len(phrase)
        if rest[:size] == phrase:
            if phrase == ("mostly",) and rest[1:2] and rest[1] in _TIME_OF_DAY_AFTER:
                return None  # "mostly at night": when in the day, not how many days
            if phrase == ("most",):
                tail = _most_of_days(rest[1:])
                if not tail:
                    continue
                return days, 1 + tail
            return days, size
    return None


def _most_of_days(after: tuple[str, ...]) -> int:
    """The words after "most" that make it most days ("most days", "most of the week", "most nights"),
    or 0: "most" alone ("most important") is no frequency."""
    lead = 2 if after[:2] == ("of", "the") else 1 if after[:1] == ("of",) else 0
    while lead and lead < len(after) and after[lead] in {"two", "2", "past", "last"}:
        lead += 1
    words = after[lead:]
    if words and (words[0] in _DAY_UNITS or words[0] in {"fortnight", "weeks", "week", "days"}):
        return lead + 1
    return 0


_FILLERS = frozenset({"about", "around", "like", "maybe", "roughly", "probably", "only", "just", "a", "the",
                      "last", "past", "first", "on", "of"})
_FEW = {"couple": Days(2, 2), "few": Days(2, 5), "several": Days(2, 6)}


def _count_at(
    rest: tuple[str, ...], start: int, bare_ok: bool = False, any_bare: bool = False
) -> tuple[Days, int] | None:
    """A count of days at `rest[start]` ("five or six days", "about 3 days", "twice a week" doubled,
    "Sundays" two of them, "the day" one), and the words used from the start of `rest`; a number with no
    unit only after "except" and the like (`any_bare`), or above 3 or after a word like "like" where
    `bare_ok` (else it is the option's own number, read elsewhere)."""
    index = start
    while index < len(rest) and rest[index] in _FILLERS:
        index += 1
    if index >= len(rest):
        return None
    word = rest[index]
    if word in _WEEKEND:
        return Days(4, 4), index + 1
    if word in _WEEKDAYS:
        if index + 2 < len(rest) and rest[index + 1] == "and" and rest[index + 2] in _WEEKDAYS:
            return Days(4, 4), index + 3
        return Days(2, 2), index + 1
    if word in {"day", "night"} and index > start and rest[index - 1] in {"the", "a"}:
        return Days(1, 1), index + 1
    if word in _FEW:
        end = index + 1 + (rest[index + 1 : index + 2] == ("of",))
        if end < len(rest) and rest[end] in _DAY_UNITS:
            return _weekly(_FEW[word], rest, end + 1)
        return None
    low = _number(word)
    if low is None:
        return None
    if rest[index + 1 : index + 2] and rest[index + 1] in _NOT_DAY_UNITS:
        return None
    high, end = low, index + 1
    if end + 1 < len(rest) and rest[end] in {"or", "to", "-", "and"} and _number(rest[end + 1]) is not None:
        high, end = _number(rest[end + 1]) or low, end + 2
    if end < len(rest) and rest[end] in _DAY_UNITS:
        return _weekly(Days(low, high), rest, end + 1)
    if word in {"once", "twice", "none", "zero"} or any_bare or (bare_ok and (low > 3 or index > start)):
        return _weekly(Days(low, high), rest, end)
    return None


def _weekly(days: Days, rest: tuple[str, ...], end: int) -> tuple[Days, int]:
    """`days` doubled when said per week ("three times a week" is six of the fourteen)."""
    for phrase in (("a", "week"), ("per", "week"), ("each", "week"), ("every", "week")):
        if rest[end : end + len(phrase)] == phrase:
            return Days(days.low * 2, days.high * 2), end + len(phrase)
    return days, end


def _week_at(rest: tuple[str, ...], start: int) -> tuple[Days, int] | None:
    """"a week", "last week", "the first week": seven days."""
    index = start
    while index < len(rest) and rest[index] in {"a", "one", "the", "first", "last", "this", "that", "second",
                                                 "past"}:
        index += 1
    if index < len(rest) and rest[index] == "week" and index > start:
        if rest[index + 1 : index + 4] == ("and", "a", "half"):
            return Days(10, 11), index + 4
        return Days(7, 7), index + 1
    return None


def _negate(days: Days) -> Days:
    if days.high == DAYS and days.low > 0:
        return Days(0, days.low - 1)
    return Days(0, DAYS)  # "not more than half": no single reading


def _combine(evidence: _Evidence) -> Days | None:
    bounds = list(evidence.bounds)
    # A vague count said twice is said again, not added ("a few days... sorry... a few days").
    counts = [c for i, c in enumerate(evidence.counts) if c.low == c.high or c not in evidence.counts[:i]]
    if not counts and evidence.weeks:
        counts = [Days(7, 7)] * evidence.weeks
    if counts and not evidence.minus:
        # "every day for the past nine days": the count says how many days "every day" covers
        bounds = [b for b in bounds if b.low < 12]
    if evidence.minus:
        less = Days(sum(m.low for m in evidence.minus), sum(m.high for m in evidence.minus))
        bounds = [b for b in bounds if b.low < 12] + [Days(DAYS - less.high, DAYS - less.low)]
    if not counts and not bounds:
        return Days(0, 0) if evidence.denial else None
    low, high = (sum(c.low for c in counts), sum(c.high for c in counts)) if counts else (0, DAYS)
    for bound in bounds:
        low, high = max(low, bound.low), min(high, bound.high)
    if low > high:
        return None  # two readings that cannot both hold: unclear
    if evidence.flat_no and low > 0:
        return None  # "no, every day": a denial and a frequency at once
    return Days(low, high).clamp()
