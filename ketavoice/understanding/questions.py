"""Questions and expected after-effects: a question is recognised by its form (a wh-word or an inverted
verb at the start, "I was wondering", "is it ok to", a question mark), typed or spoken without
punctuation, and its topic by the clinic's [answers] patterns; an expected effect by its
[expected_effects] patterns. A question is never an answer: the engine answers it and asks again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from ketavoice.content.model import Content
from ketavoice.understanding.normalize import tokens as normalize_tokens
from ketavoice.understanding.patterns import Pattern, compile_pattern, find
from ketavoice.understanding.words import Words, contains_any

# With the spellings of a phone keyboard or a recogniser ("wat", "wen", "shud").
_WH = frozenset(
    "what whats when whens where wheres why how hows who whos which whose wat wats wot wut wen".split()
)
_AUX = frozenset(
    "can could should shall will would is are am do does did may might must have has was were isnt arent "
    "cant shouldnt wont dont doesnt wouldnt couldnt shud shld cud cn".split()
)
# After an inverted verb, the subject of a question ("can I", "is it", "should he").
_SUBJECTS = frozenset(
    "i we you he she they it this that there my your his her their the a an someone anyone people everyone "
    "somebody anybody mum mom dad".split()
)
# Sounds and greetings before a question ("um so nurse, can I ...").
_OPENERS = frozenset(
    "so um uh uhm er hey hi nurse excuse me sorry and also oh ok okay well like just quick question "
    "actually hello at in for by to from with".split()
)
# A verb that opens a question whatever follows it ("does weed make it worse", "is green tea ok").
_OPEN_AUX = frozenset("is are can could should will would do does may might shall".split())
# After a verb that opens a question, the words of a statement with its subject left out ("should be
# fine", "will do").
_ELLIPTIC = frozenset("be have do been probably definitely just still not".split())
# Words after which a clause starts again ("... or should we wait").
_JOINS = frozenset("or and but so then like because".split())
_FINE = frozenset("ok okay safe normal allowed alright fine bad legal".split())
_MARKERS = (
    ("do", "you", "think"),
    ("one", "more", "thing"),
    ("or", "not"),
    ("wants", "to", "know"),
    ("know", "if"),
    ("know", "whether"),
    ("any", "tips"),
    ("any", "advice"),
    ("i", "was", "wondering"),
    ("i", "wonder"),
    ("wondering", "if"),
    ("wondering", "when"),
    ("wondering", "whether"),
    ("want", "to", "ask"),
    ("wanted", "to", "ask"),
    ("like", "to", "know"),
    ("want", "to", "know"),
    ("wanted", "to", "know"),
    ("quick", "question"),
    ("a", "question"),
    ("tell", "me", "when"),
    ("tell", "me", "if"),
    ("tell", "me", "how"),
    ("do", "you", "know"),
    ("any", "idea"),
    ("is", "it", "ok"),
    ("is", "it", "okay"),
    ("is", "it", "safe"),
    ("is", "it", "normal"),
    ("is", "it", "bad"),
    ("is", "it", "fine"),
    ("am", "i", "allowed"),
    ("are", "we", "allowed"),
    ("do", "i", "need"),
    ("do", "i", "have", "to"),
    ("how", "long"),
    ("how", "soon"),
    ("how", "many"),
    ("when", "can"),
    ("when", "will"),
    ("when", "should"),
    ("should", "i"),
    ("can", "i"),
    ("could", "i"),
    ("what", "if"),
    ("not", "sure", "if", "i", "can"),
    ("not", "sure", "if", "i", "should"),
    ("not", "sure", "whether"),
    ("not", "sure", "when"),
    ("unsure", "if"),
    ("unsure", "whether"),
    ("tell", "me", "about"),
    ("yes", "or", "no"),
    ("the", "rule", "on"),
    ("the", "rules", "on"),
    ("the", "rule", "for"),
    ("is", "that", "a", "problem"),
    ("what", "about"),
    ("how", "about"),
)
# "ok to go for a walk", "safe to shower tonight": a question with "is it" left out.
_FINE_TO = frozenset("ok okay alright fine safe allowed".split())
# A question word at the very end ("need to cancel next week's session how").
_TRAILING_WH = frozenset("how when what why where".split())
# A command said as a question ("can you repeat that") is a command when it is most of what was said.
SHORT_COMMAND_TOKENS = 4


@dataclass(frozen=True)
class CompiledTopic:
    id: str
    patterns: tuple[Pattern, ...]


@dataclass(frozen=True)
class QuestionIndex:
    topics: tuple[CompiledTopic, ...]
    effects: tuple[CompiledTopic, ...]


def build_question_index(content: Content) -> QuestionIndex:
    return QuestionIndex(
        topics=tuple(
            CompiledTopic(topic.id, tuple(compile_pattern(p) for p in topic.patterns))
            for topic in content.answers
        ),
        effects=tuple(
            CompiledTopic(effect.id, tuple(compile_pattern(p) for p in effect.patterns))
            for effect in content.expected_effects
        ),
    )


def question_form(words: Words, text: str) -> Literal["form", "mark"] | None:
    """How `text` is asked: "form" when worded as a question (with or without a question mark), "mark"
    when only its question mark says so ("a four?"), None when it is not asked."""
    if is_question(words, text):
        return "form"
    return "mark" if "?" in text and words.tokens else None


def is_question(words: Words, text: str) -> bool:
    """True when `text` is worded as a question, typed or spoken without punctuation; a drowsy
    question after a pause counts too ("the room is swaying still... when does that stop")."""
    if not words.tokens:
        return False
    if _asked(words.tokens):
        return True
    parts = [normalize_tokens(part) for part in _PAUSES.split(text)[1:]]
    return any(part and part[0] not in _ELLIPTIC and _opens_question(part) for part in parts)


_PAUSES = re.compile(r"(?:\.{2,}|\u2026|[.,;:!?]\s)")


def _opens_question(tokens: tuple[str, ...]) -> bool:
    start = 0
    while start < len(tokens) - 1 and tokens[start] in _OPENERS:
        start += 1
    first = tokens[start]
    return (first in _WH and len(tokens) - start > 1) or (
        first in _AUX and start + 1 < len(tokens) and tokens[start + 1] in _SUBJECTS
    )


def _asked(tokens: tuple[str, ...]) -> bool:
    start = 0
    while start < len(tokens) - 1 and tokens[start] in _OPENERS:
        start += 1
    first = tokens[start]
    if first in _WH and len(tokens) - start > 1:
        return True
    if first in _OPEN_AUX and len(tokens) - start >= 3 and tokens[start + 1] not in _ELLIPTIC:
        return True  # "does insurance cover it", "is green tea ok"; not "should be my dad"
    for position in range(start, len(tokens) - 1):
        at_start = position == start or tokens[position - 1] in _OPENERS or tokens[position - 1] in _JOINS
        if at_start and tokens[position] in _AUX and tokens[position + 1] in _SUBJECTS:
            return True  # "um so like is a beer ok", "or should we wait"
    if _contains(tokens, _MARKERS):
        return True
    if tokens[start] in _FINE_TO and tokens[start + 1 : start + 2] == ("to",) and len(tokens) - start >= 3:
        return True
    if len(tokens) >= 3 and tokens[-1] in _TRAILING_WH and tokens[-2] not in _WH:
        return True
    if len(tokens) >= 3 and tokens[-1] == "right" and not _FINE.isdisjoint(tokens[-4:-1]):
        return True  # "one beer tonight is fine right"; not "that's right"
    return _asks_if_fine(tokens)


def _asks_if_fine(tokens: tuple[str, ...]) -> bool:
    """ "... is that ok", "is sex ok tonight": a verb of being followed closely by "ok", "safe", "normal"."""
    for position, token in enumerate(tokens):
        if token in ("is", "are", "am", "isnt") and position + 1 < len(tokens):
            following = tokens[position + 1 : position + 5]
            opens = position == 0 or tokens[position - 1] in _OPENERS | _JOINS | _WH
            if any(word in _FINE for word in following) and (opens or following[0] in ("that", "it", "this")):
                return True  # "is sex ok tonight", "... is that ok"; not "tomorrow is ok"
    return False


def topic_of(index: QuestionIndex, words: Words) -> str | None:
    """The approved answer whose patterns cover most of the question's words; None when none matches."""
    return _best(index.topics, words)


def effect_of(index: QuestionIndex, words: Words) -> str | None:
    """The expected after-effect `words` describe, or None."""
    return _best(index.effects, words)


def _best(entries: tuple[CompiledTopic, ...], words: Words) -> str | None:
    best_id: str | None = None
    best_score = 0
    for entry in entries:
        covered: set[int] = set()
        for pattern in entry.patterns:
            match = find(pattern, words)
            if match is not None:
                covered |= set(match.positions)
        if len(covered) > best_score:
            best_id, best_score = entry.id, len(covered)
    return best_id


_contains = contains_any
