"""Context around a red-flag match: is it denied, someone else's, long past, hypothetical or in doubt?

These are NegEx/ConText-style rules (Chapman et al. 2001; Harkema et al. 2009) written for spoken,
first-person answers: triggers are looked for a few words before the match, within its clause, and a
new subject ("I", "my", "but ...") ends a trigger's scope. medspaCy implements the same algorithm for
clinical notes, but pulls in spaCy, which costs about a second of start-up and a large install on a
kiosk; these rules run in microseconds and are tested on tests/data/eval.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ketavoice.understanding.words import Words, contains_any

Context = Literal[
    "plain", "negated", "other_person", "companion", "past", "recent_past", "hypothetical", "ideation",
    "uncertain", "conditional_intent",
]

_NEGATIONS = frozenset(
    "no not dont doesnt didnt never without isnt arent wasnt werent havent hasnt hadnt nor neither none "
    "wont aint zero denies deny".split()
)
# Words that look like a negation but do not deny what follows ("can't stop thinking about ...").
_PSEUDO_NEGATIONS = (
    ("dont", "see"),
    ("not", "see"),
    ("never", "see"),
    ("cant", "stop"),
    ("cant", "help"),
    ("not", "only"),
    ("no", "longer"),
    ("not", "sure"),
    ("dont", "know"),
    ("no", "one"),
    ("not", "even"),
    ("never", "felt"),
    ("never", "been"),
    ("no", "matter"),
    ("not", "that"),
    ("dont", "care"),
    ("no", "way"),
)
# Words that soften without changing what a negation goes with ("I don't really see the point").
_SOFTENERS = frozenset("really even quite actually honestly truly".split())
# What may stand between a negation and what it denies ("I don't have any chest pain").
_NEGATION_REACH = 6
# A new subject or conjunction ends the reach of a trigger: "no, I have chest pain".
_SCOPE_ENDS = frozenset(
    "but and so because cause though although however yet except just still now then i im ive id ill "
    "me my".split()
)
# After a match: "the chest pain is gone".
_RESOLVED_AFTER = (
    ("gone",),
    ("went", "away"),
    ("stopped",),
    ("passed",),
    ("eased",),
    ("better",),
    ("fine",),
    ("normal",),
    ("okay",),
    ("good",),
)
# "I don't think I'm going to faint": a negation reaches over "I" after these words.
_NEGATION_BRIDGES = frozenset("like that think feel believe".split())
# Words after a match that say it is happening now whatever came before ("never had pain like this").
_CURRENT_AFTER = (("like", "this"), ("this", "bad"), ("right", "now"), ("before", "now"))

_HYPOTHETICAL = (
    ("if",),
    ("in", "case"),
    ("unless",),
    ("whether",),
    ("what", "should"),
    ("should", "i"),
    ("supposed", "to"),
    ("when", "to", "call"),
    ("what", "happens"),
    ("what", "do", "i", "do"),
    ("worried", "about", "getting"),
    ("afraid", "of", "getting"),
    ("could", "i", "get"),
    ("signs", "of"),
    ("symptoms", "of"),
    ("can", "ketamine"),
    ("does", "ketamine"),
    ("how", "will", "i"),
    ("how", "do", "i", "know"),
    ("is", "it", "possible"),
    ("so", "i", "know"),
    ("what", "are"),
    ("asked", "how"),
    ("when", "would"),
    ("when", "to"),
    ("what", "signs"),
    ("asked", "about"),
    ("how", "to", "tell"),
    ("how", "to", "distinguish"),
    ("difference", "between"),
    ("tell", "the", "difference"),
)
# Thinking about something is not having it: an emergency is set aside, a crisis thought is not.
_IDEATION = (
    ("think", "about"),
    ("thinking", "about"),
    ("thought", "about"),
    ("thoughts", "of"),
    ("thoughts", "about"),
    ("dream", "about"),
    ("read", "about"),
    ("documentary",),
    ("article",),
)
_PAST = (
    ("used", "to"),
    ("years", "ago"),
    ("year", "ago"),
    ("months", "ago"),
    ("as", "a", "kid"),
    ("as", "a", "child"),
    ("as", "a", "teen"),
    ("as", "a", "teenager"),
    ("when", "i", "was"),
    ("in", "the", "past"),
    ("long", "time", "ago"),
    ("last", "year"),
    ("in", "high", "school"),
    ("in", "college"),
    ("history", "of"),
    ("back", "then"),
    ("years", "back"),
    ("as", "a", "baby"),
    ("once",),
    ("last", "winter"),
    ("last", "summer"),
    ("in", "my", "teens"),
    ("during", "my"),
    ("weeks", "ago"),
    ("a", "while", "back"),
    ("for", "a", "week"),
    ("for", "weeks"),
    ("for", "days"),
    ("last", "week"),
    ("last", "month"),
    ("years", "later"),
    ("when", "she", "was"),
    ("when", "he", "was"),
    ("when", "they", "were"),
    ("when", "we", "were"),
    ("nineteen",),
    ("back", "in"),
    ("family", "history"),
    ("died", "of"),
    ("died", "from"),
    ("in", "twenty"),
    ("last", "term"),
    ("last", "christmas"),
    ("last", "spring"),
    ("last", "autumn"),
    ("last", "fall"),
    ("ages", "ago"),
    ("a", "while", "ago"),
)
# Decades and ages ("in the nineties", "in her eighties"): a word after these ending in "ties".
_DECADE_BEFORE = frozenset("the her his my their our in".split())
# A later part of the utterance that says it is over: "my chest felt tight at noon, it's gone now".
_RESOLVED_LATER = (
    ("fine", "now"),
    ("okay", "now"),
    ("ok", "now"),
    ("good", "now"),
    ("normal", "now"),
    ("better", "now"),
    ("gone", "now"),
    ("its", "gone"),
    ("is", "gone"),
    ("went", "away"),
    ("went", "after"),
    ("it", "went"),
    ("it", "passed"),
    ("passed", "now"),
    ("calmed", "down"),
    ("calmed", "right", "down"),
    ("settled", "down"),
    ("back", "to", "normal"),
    ("all", "gone"),
    ("eased", "off"),
    ("im", "fine"),
    ("hes", "fine"),
    ("shes", "fine"),
    ("stopped", "now"),
    ("has", "stopped"),
    ("its", "stopped"),
)
# What makes a match about a moment that is over: said in the past, or tied to a past moment.
_PAST_MOMENT = frozenset(
    "was were had felt went got during earlier before stood woke this morning noon yesterday".split()
)
# Clinical notes deny a list: "Patient denies chest pain, shortness of breath or headache".
_LIST_DENIALS = frozenset("denies denied denying".split())
_LIST_DENIAL_ENDS = frozenset("but however reports reported admits admitted states endorses".split())
_UNCERTAIN = (
    ("not", "sure"),
    ("dont", "know", "if"),
    ("dont", "know", "whether"),
    ("unsure",),
    ("wonder", "if"),
    ("might", "be"),
    ("could", "be"),
    ("probably", "nothing"),
    ("is", "it", "normal"),
    ("is", "that", "normal"),
    ("is", "this", "normal"),
    ("not", "certain"),
    ("i", "wonder"),
    ("no", "idea", "if"),
)
_FIRST_PERSON = frozenset("i im ive id ill me my myself mine".split())
# Who is the subject: "me" is an object ("my friend who drove me"), so it does not make it the patient's.
_FIRST_PERSON_SUBJECTS = _FIRST_PERSON - {"me"}
_OBJECTS = frozenset("him them her everyone everybody people".split())
# Inability is often the symptom itself ("my face won't move"), so these never deny a match from inside.
_INABILITY = frozenset("wont cant cannot couldnt".split())
_OTHER_SUBJECTS = frozenset(
    "he she they hes shes theyre his her their him them someone somebody anyone husband wife partner "
    "boyfriend girlfriend fiance son daughter kid kids child children baby mom mum mother dad father "
    "brother sister friend friends neighbor neighbour grandma grandpa grandmother grandfather nan aunt "
    "uncle cousin dog cat pet puppy roommate coworker colleague boss guy man woman lady people family "
    "nephew niece patient hes shes theyre sister brother".split()
)
_SUBJECT_REACH = 6
# Whose danger is calm: an animal's, or a person's who is far away (the companion rule: a person beside
# the patient who is in danger is an emergency, reported by whoever is with them).
_ANIMALS = frozenset(
    "dog dogs cat cats pet pets puppy puppies kitten kittens bird birds hamster horse rabbit parrot fish "
    "goldfish budgie tortoise pup bunny pony cow sheep chicken hen lizard snake ferret mouse rat gerbil "
    "guinea tortoise turtle duck goat pig".split()
)
# Things whose "dying", "fit" or "blacking out" is no one's danger ("my phone's about to die").
_THINGS = frozenset(
    "phone phones battery batteries laptop computer printer engine car tv telly screen light lights bulb "
    "signal wifi plant plants flowers colours colors picture radio music song charger torch boiler "
    "fridge telly lamp drain gutter lawn garden toast alarm monitor clip app website server game team "
    "itself".split()
)
# People who are never in the room: someone on a screen or in the news.
# People in a story, not in the room: "a bloke who choked", "a customer collapsed".
_STRANGERS = frozenset(
    "actor actress footballer player celebrity singer character presenter politician stranger bloke guy "
    "fella chap customer passenger lad lass gentleman".split()
)
_ELSEWHERE_WORDS = frozenset("hospital telly tv news film movie wedding school work funeral".split())
# Words right after the person that place them elsewhere ("my cousin in Ohio", "my aunt back home").
_ELSEWHERE_AFTER = frozenset("in back over out lives living abroad overseas across".split())
_HERE_AFTER = (
    ("in", "the", "room"), ("in", "here"), ("in", "bed"), ("in", "the", "chair"), ("in", "the", "car")
)
_ELSEWHERE = (
    ("on", "tv"),
    ("on", "the", "news"),
    ("in", "a", "movie"),
    ("in", "the", "movie"),
    ("in", "a", "film"),
    ("in", "a", "book"),
    ("on", "the", "phone"),
    ("texted", "me"),
    ("called", "me"),
    ("told", "me", "about"),
    ("another", "state"),
    ("different", "state"),
    ("other", "side"),
    ("far", "away"),
)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    matched: tuple[int, ...] = ()  # the positions the pattern's words took; others are gap words


def context_of(words: Words, span: Span, about_others: bool = False) -> Context:
    """The strongest context around the match `span` in `words` ("plain" when none applies).

    `about_others`: the concept names another person inside its own words ("she's not breathing"), so
    a subject anywhere in the match decides whose it is, and "I don't think" is no denial of it."""
    someone = _someone_named(words, span) if about_others else None
    if someone is not None and _far_or_animal(words, someone):
        return "other_person"
    if someone is None and _is_negated(words, span):
        return "negated"
    # "Not sure if it's chest pain" is doubt, not a hypothetical "if".
    if _has_before(words, span, _UNCERTAIN, reach=8):
        return "uncertain"
    if _has_before(words, span, _HYPOTHETICAL, reach=8) and not _only_testing_if(words, span):
        return "conditional_intent" if _intends_if(words, span) else "hypothetical"
    if _asked_of_anyone(words, span) or _after_opening_if(words, span):
        return "hypothetical"
    if words.tokens[:2] == ("how", "long") or _asks_whether_to_call(words, span):
        return "uncertain"  # "how long will he be this out of it", "do I need to call 911 for chest pain"
    if someone is not None:
        return "companion"
    if _in_clause(words, span, _PAST) or _has_year(words, span) or _has_decade(words, span):
        return "recent_past" if _recent_or_ongoing(words, span) else "past"
    if _contains_any(words.tokens[: span.start], _HISTORY):
        return "past"  # "Family history: father had a heart attack at sixty"
    if _asked_in_general(words, span):
        return "hypothetical"
    if _resolved_later(words, span) or _after_their_event(words, span):
        return "past"
    if _has_before(words, span, _IDEATION, reach=8):
        return "ideation"
    if _on_screen(words, span):
        return "other_person"
    other = _other_subject(words, span)
    if other is not None:
        return "other_person" if _far_or_animal(words, other) else "companion"
    if _in_clause_after(words, span, _UNCERTAIN):
        return "uncertain"
    return "plain"


def _someone_named(words: Words, span: Span) -> int | None:
    """Someone named inside the match, or the one it is done to right after it ("I can't wake him")."""
    tokens = words.tokens
    people = _OTHER_SUBJECTS - _OBJECTS
    named = (p for p in range(span.start, span.end) if tokens[p] in people)
    inside = next(named, None)
    if inside is not None:
        return inside
    after = range(span.end, min(len(tokens), span.end + 2))
    done_to = (p for p in after if tokens[p] in ("him", "her", "them") and words.same_clause(p, span.start))
    return next(done_to, None)


_SCREEN_WORDS = frozenset(
    "film movie tv telly documentary episode series scene show programme program news podcast book novel "
    "article game wikipedia".split()
)


def _on_screen(words: Words, span: Span) -> bool:
    """Something seen on a screen ("the actor in the film had a seizure scene"), not said of anyone here:
    a screen word in the utterance and no "I"/"my" in the match's clause."""
    read_about = _contains_any(words.tokens, (("reading", "about"), ("read", "about")))
    if _SCREEN_WORDS.isdisjoint(words.present) and not read_about:
        return False
    clause = words.clauses[span.start]
    inside = {t for i, t in enumerate(words.tokens) if words.clauses[i] == clause}
    if inside.isdisjoint(_FIRST_PERSON):
        return True
    before = words.tokens[max(0, span.start - 2) : span.start]
    return "about" in before and not _SCREEN_WORDS.isdisjoint(inside)  # "a podcast ... was about suicide"


_ANYONE = frozenset("you people someone anyone somebody anybody one".split())
_HISTORY = (("family", "history"), ("medical", "history"), ("history", "of"), ("past", "history"))
# Whose words say it is happening here: the patient, the one speaking, or a person beside them.
_SOMEONE_HERE = _FIRST_PERSON | frozenset("he she hes shes his her him they them their".split())
_GENERAL_OPENERS = frozenset("what how when why which do does is are can could should will".split())


def _asked_in_general(words: Words, span: Span) -> bool:
    """A question about a danger in general ("do people ever have seizures from ketamine", "what does an
    overdose look like"): asked with a question word and no one in it who could be having it."""
    tokens = words.tokens
    if not tokens or tokens[0] not in _GENERAL_OPENERS:
        return False
    said = tokens[: span.end + 2]
    return _SOMEONE_HERE.isdisjoint(said) and not any(_is_other(t) and t not in _ANYONE for t in said)


# The time frames of the C-SSRS screener (ideation in the past month, behaviour in the past three months)
# and the ASQ ("in the past few weeks"): said within them, or said as still going on, it is not history.
_RECENT = (
    ("last", "week"), ("last", "month"), ("weeks", "ago"), ("for", "a", "week"), ("for", "weeks"),
    ("for", "days"), ("last", "night"), ("yesterday",), ("this", "week"), ("this", "morning"),
    ("days", "ago"), ("the", "other", "day"), ("recently",), ("still",), ("every", "day"), ("again",),
    ("these", "days"), ("keep",), ("keeps",),
)
_DISTANT = (("years", "ago"), ("year", "ago"), ("as", "a"), ("when", "i", "was"), ("used", "to"),
            ("in", "the", "past"), ("long", "time"), ("ages", "ago"), ("back", "then"), ("in", "my", "teens"),
            ("when", "we", "were"), ("when", "she", "was"), ("when", "he", "was"), ("when", "they", "were"),
            ("old", "school"))


def _recent_or_ongoing(words: Words, span: Span) -> bool:
    """Said within the screening instruments' time frames or as still going on, with no distant time."""
    tokens = words.tokens
    distant = _contains_any(tokens, _DISTANT) or _has_year(words, span)
    return _contains_any(tokens, _RECENT) and not distant


# "If this doesn't work I'm going to kill myself": an intent said on a condition is still an intent.
_INTENT = (("going", "to"), ("gonna",), ("im", "done"), ("ill",), ("i", "will"), ("im", "going"))


def _intends_if(words: Words, span: Span) -> bool:
    """A first-person intent in the match's clause after an "if", in a statement (not a question)."""
    tokens = words.tokens
    if not tokens or tokens[0] in _GENERAL_OPENERS or tokens[:2] == ("what", "if"):
        return False
    clause = words.clauses[span.start]
    inside = tuple(t for t, index in zip(tokens, words.clauses, strict=True) if index == clause)
    return _contains_any(inside, _INTENT) or _contains_any(tokens[max(0, span.start - 3) : span.end], _INTENT)


_CALL_QUESTION = (("do", "i", "need", "to"), ("should", "i"), ("should", "we"), ("do", "we", "need", "to"),
                  ("do", "i", "have", "to"), ("when", "do", "i"), ("when", "should"))
_CALL_WORDS = frozenset("call ring phone go ambulance 911 999 ae er".split())


def _asks_whether_to_call(words: Words, span: Span) -> bool:
    """A question whether to call for help, with the danger named after it ("should I call 911 for chest
    pain"): it may be happening or asked in general, so it is asked about, never certain."""
    tokens = words.tokens
    if not any(tokens[: len(opening)] == opening for opening in _CALL_QUESTION):
        return False
    if not _CALL_WORDS.isdisjoint(tokens[span.start : span.end]):
        return words.same_clause(0, span.start)  # the call itself is the match ("do I need to call 911")
    before = tokens[max(0, span.start - 2) : span.start]
    calls = [p for p in range(span.start) if tokens[p] in _CALL_WORDS and words.same_clause(p, span.start)]
    return bool(calls) and any(word in ("for", "if", "about", "with") for word in before)


_IF_OPENINGS = (("if",), ("what", "if"), ("in", "case"), ("and", "if"), ("but", "if"))
_IF_IDIOMS = (("if", "im", "honest"), ("if", "i", "am", "honest"), ("if", "you", "ask", "me"),
              ("if", "im", "being", "honest"))


def _after_opening_if(words: Words, span: Span) -> bool:
    """"If he gets confused tonight, do I call 911?": the whole question is asked of a case that may
    come; not "if I'm honest, I can't breathe"."""
    tokens = words.tokens
    opens = any(tokens[: len(opening)] == opening for opening in _IF_OPENINGS)
    idiom = any(tokens[: len(idiom)] == idiom for idiom in _IF_IDIOMS)
    return opens and not idiom and span.start > 0


def _asked_of_anyone(words: Words, span: Span) -> bool:
    """"can you overdose on ketamine": asked of anyone in general, right before the match."""
    before = words.tokens[max(0, span.start - 2) : span.start]
    general = ("can", "could", "do", "does", "would", "will")
    return len(before) == 2 and before[0] in general and before[1] in _ANYONE


def _only_testing_if(words: Words, span: Span) -> bool:
    """"to see if it would hold me": an "if" after "see" or "check" tests something; it is no hypothetical."""
    before = words.tokens[max(0, span.start - 8) : span.start]
    ifs = [i for i, token in enumerate(before) if token == "if"]
    testing = ("see", "check", "checking", "test", "whether")
    return bool(ifs) and all(i > 0 and before[i - 1] in testing for i in ifs)


def _has_decade(words: Words, span: Span) -> bool:
    clause = words.clauses[span.start]
    tokens = words.tokens
    return any(
        tokens[i].endswith("ties") and tokens[i - 1] in _DECADE_BEFORE
        for i in range(1, len(tokens))
        if words.clauses[i] == clause
    )


def _after_their_event(words: Words, span: Span) -> bool:
    """"on blood thinners after her stroke": the match names an event that is over."""
    before = words.tokens[max(0, span.start - 2) : span.start]
    return len(before) == 2 and before[0] == "after" and before[1] in ("her", "his", "their")


def _resolved_later(words: Words, span: Span) -> bool:
    """Said of a moment that is over ("felt", "was", "during"), and a later part says it is gone."""
    tokens = words.tokens
    clause = words.clauses[span.start]
    before = [t for i, t in enumerate(tokens) if words.clauses[i] == clause and i < span.end]
    if _PAST_MOMENT.isdisjoint(before):
        return False
    return _contains_any(tokens[span.end :], _RESOLVED_LATER)


def _denied_in_list(words: Words, span: Span) -> bool:
    for token in reversed(words.tokens[: span.start]):
        if token in _LIST_DENIAL_ENDS:
            return False
        if token in _LIST_DENIALS:
            return True
    return False


def _has_year(words: Words, span: Span) -> bool:
    clause = words.clauses[span.start]
    inside = [token for token, index in zip(words.tokens, words.clauses, strict=True) if index == clause]
    years = (token[:-1] if token.endswith("s") else token for token in inside)  # "1970", "1970s"
    return any(len(y) == 4 and y.isdigit() and y[:2] in ("19", "20") for y in years) or _at_an_age(inside)


# "at fifty", "at 16": an age, said of a time that is over (not "at five", a time of day).
_AGE_WORDS = frozenset(
    "thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy "
    "eighty ninety".split()
)


def _at_an_age(tokens: list[str]) -> bool:
    for position, token in enumerate(tokens[:-1]):
        age = tokens[position + 1]
        after = tokens[position + 2 : position + 3]
        if token == "at" and (age in _AGE_WORDS or (age.isdigit() and 13 <= int(age) <= 99)):
            if not after or after[0] not in ("am", "pm", "oclock", "today", "tonight", "this", "minutes"):
                return True
    return False


def _is_negated(words: Words, span: Span) -> bool:
    tokens = words.tokens
    if _follows(words, span, _CURRENT_AFTER):
        return False
    if _follows(words, span, _RESOLVED_AFTER, reach=6) or _denied_in_list(words, span):
        return True
    gap_words = (tokens[position] for position in range(span.start, span.end) if position not in span.matched)
    if any(token in _NEGATIONS and token not in _INABILITY for token in gap_words):
        return True  # "my chest doesn't hurt", "my heart's not pounding"
    position = span.start - 1
    while position >= 0 and span.start - position <= _NEGATION_REACH:
        if not words.same_clause(position, span.start):
            return False
        token = tokens[position]
        if token in _NEGATIONS:
            following = next((t for t in tokens[position + 1 :] if t not in _SOFTENERS), "")
            return (token, following) not in _PSEUDO_NEGATIONS
        if token in _SCOPE_ENDS and not (position > 0 and tokens[position - 1] in _NEGATION_BRIDGES):
            return False
        position -= 1
    return False


def _has_before(words: Words, span: Span, triggers: tuple[tuple[str, ...], ...], reach: int) -> bool:
    first = span.start
    while first > 0 and span.start - first < reach and words.same_clause(first - 1, span.start):
        if words.tokens[first - 1] in ("but", "though", "although", "however"):
            break
        first -= 1
    return _contains_any(words.tokens[first : span.start], triggers)


def _in_clause(words: Words, span: Span, triggers: tuple[tuple[str, ...], ...]) -> bool:
    clause = words.clauses[span.start]
    inside = tuple(token for token, index in zip(words.tokens, words.clauses, strict=True) if index == clause)
    return _contains_any(inside, triggers)


def _in_clause_after(words: Words, span: Span, triggers: tuple[tuple[str, ...], ...]) -> bool:
    clause = words.clauses[span.start]
    after = tuple(
        token
        for position, token in enumerate(words.tokens)
        if position >= span.end and words.clauses[position] == clause
    )
    return _contains_any(after[:4], triggers)


def _follows(words: Words, span: Span, triggers: tuple[tuple[str, ...], ...], reach: int = 6) -> bool:
    after: list[str] = []
    for position in range(span.end, min(len(words), span.end + reach)):
        token = words.tokens[position]
        if not words.same_clause(position, span.start) or token in _AFTER_ENDS or _is_other(token):
            break
        after.append(token)
    for idiom in (("for", "good"), ("better", "off")):  # "gone for good", "better off without me": no relief
        if _contains_any(tuple(after), (idiom,)):
            after = [t for t in after if t not in idiom]
    return _contains_any(tuple(after), triggers)


# Words after a match that start something else ("... this weekend when everyone's gone").
_AFTER_ENDS = frozenset("when if once after and but because so i im".split())


_contains_any = contains_any


def _other_subject(words: Words, span: Span) -> int | None:
    """Whose is it? The nearest subject before the match in its clause decides; words of the match
    itself that point at the patient ("better off without me") always mean the patient. The position of
    the other person's word, or None when it is the patient's."""
    tokens = words.tokens
    inside = tokens[span.start : span.end]
    if any(token in _FIRST_PERSON for token in inside):
        return None
    if inside and inside[0] in _OTHER_SUBJECTS and inside[0] not in _OBJECTS:
        return span.start  # the match starts with its subject: "she's turning blue"
    position = span.start - 1
    while (
        position >= 0 and span.start - position <= _SUBJECT_REACH and words.same_clause(position, span.start)
    ):
        token = tokens[position]
        if token in _FIRST_PERSON_SUBJECTS and not (token == "my" and _next_is_other(tokens, position)):
            return None
        if _is_other(token) or _animal_or_thing(token) or token in _STRANGERS:
            return position
        position -= 1
    return None


_PRONOUNS = frozenset("he she they it his her him them its hes shes theyre".split())


def _far_or_animal(words: Words, position: int) -> bool:
    """An animal, or a person placed somewhere else: their danger is not for this room. A pronoun is
    whoever it stands for: the nearest animal, thing or person named before it ("my brother in Canada
    ... he sees heart attacks", "my cat ... she's sleeping on my chest")."""
    tokens = words.tokens
    if tokens[position] in _PRONOUNS:
        earlier = range(position - 1, -1, -1)
        named = next((p for p in earlier if _names_a_being(tokens[p]) and tokens[p] not in _PRONOUNS), None)
        if named is not None and named != position:
            return _far_or_animal(words, named)
    return _far_or_animal_word(words, position)


def _names_a_being(token: str) -> bool:
    return _animal_or_thing(token) or token in _STRANGERS or (_is_other(token) and token not in _OBJECTS)


def _animal_or_thing(token: str) -> bool:
    """An animal or a thing, also as a plural or possessive ("the drain's drowning in leaves")."""
    bare = token[:-1] if token.endswith("s") else token
    return bool({token, bare} & (_ANIMALS | _THINGS))


def _far_or_animal_word(words: Words, position: int) -> bool:
    tokens = words.tokens
    if _animal_or_thing(tokens[position]) or tokens[position] in _STRANGERS:
        return True
    if position > 0 and _is_other(tokens[position - 1]):
        return True  # someone's someone: "my neighbour's son", "my colleague's wife"
    if position + 1 < len(tokens) and _is_other(tokens[position + 1]) and tokens[position].endswith("s"):
        return True
    if any(t in _ANIMALS for t in tokens[max(0, position - 2) : position]):
        return True
    after = tokens[position + 1 : position + 4]
    if after and after[0] in _ELSEWHERE_AFTER and not _contains_any(tuple(after), _HERE_AFTER):
        return True
    if _in_clause(words, Span(position, position + 1), _ELSEWHERE):
        return True
    clause = words.clauses[position]
    inside = [t for i, t in enumerate(tokens) if words.clauses[i] == clause]
    if any(t in _ELSEWHERE_WORDS for t in inside):
        return True
    died = any(
        token == "died" and (i == 0 or inside[i - 1] not in _NOT_DEAD_BEFORE)
        for i, token in enumerate(inside)
    )
    return died or _contains_any(tuple(inside), (("passed", "away"),))  # no longer here


# "She should've died", "he nearly died": alive, whatever the verb says.
_NOT_DEAD_BEFORE = frozenset(
    "shouldve couldve wouldve should could would have nearly almost wish wished wishes want wants wanted"
    .split()
)


def _is_other(token: str) -> bool:
    return token in _OTHER_SUBJECTS or (token.endswith("s") and token[:-1] in _OTHER_SUBJECTS)


def _next_is_other(tokens: tuple[str, ...], position: int) -> bool:
    return position + 1 < len(tokens) and _is_other(tokens[position + 1])
