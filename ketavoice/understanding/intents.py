"""Text to meaning: red flags first (three tiers), then the ordinary answer.

Ordinary answers match phrases as word sequences anywhere in the utterance ("uh yes I do" is yes); the
longest phrase wins ("no, say that again" is repeat) and yes and no matched equally is ambiguous, so
unknown, never a guess. A phrase right after a negation means something else: "not okay" is not okay
(a choice names what its denial means, such as distress), "not right" is no, and a denied command is no
command. "Not sure" and "I don't know" are `unsure`; mood words without a number ("pretty low") are
`mood` with the direction as value, so the dialogue can ask for the number.
"""

from __future__ import annotations

from ketavoice.content.model import Content, Step
from ketavoice.meaning import Flag, FlagLevel, Understood
from ketavoice.understanding.index import Phrase, UnderstandingIndex, index_for
from ketavoice.understanding.learned import shared_tier
from ketavoice.understanding.numbers import number_value
from ketavoice.understanding.questions import SHORT_COMMAND_TOKENS, effect_of, question_form, topic_of
from ketavoice.understanding.safety import judge
from ketavoice.understanding.words import Words

_NEGATIONS = frozenset("not no dont never isnt arent wasnt aint doesnt didnt nothing hardly".split())
_NEGATION_REACH = 2  # "not very good", "not so great"
_FILLERS = frozenset("very so too really that all at feeling feel".split())
_DENIED_MOOD = {"high": "low", "low": "middle", "middle": "low"}


def flags_in(content: Content, text: str) -> tuple[Flag, ...]:
    """Every red flag in `text` (certain before possible, emergency first)."""
    index = index_for(content)
    return judge(index.safety, index.words(text))


def understand(content: Content, text: str, step: Step | None = None) -> Understood:
    """The meaning of `text`, in the context of `step` when given (choices, numbers).

    Red flags come first; then a question, which is never an answer (a command asked as a question,
    "can you repeat that", stays a command); then an expected after-effect, unless the words answer the
    step's own question (a yes or no, a number); then the ordinary answer."""
    index = index_for(content)
    words = index.words(text)
    flags = judge(index.safety, words)
    if flags and flags[0].certainty == "certain":
        return Understood(text, flags[0].level, None, flags)
    intent, value = _ordinary(index, content, text, words, step)
    meaning = _meaning(index, text, words, step, flags, intent, value)
    if not flags and meaning.intent in _LEARNED_FOR and len(words.tokens) > _LEARNED_MIN_TOKENS:
        learned = _learned_flag(content, text)
        if learned is not None:
            return Understood(text, meaning.intent, meaning.value, (learned,))
    return meaning


def _meaning(
    index: UnderstandingIndex,
    text: str,
    words: Words,
    step: Step | None,
    flags: tuple[Flag, ...],
    intent: str,
    value: int | str | None,
) -> Understood:
    asked = question_form(words, text)
    if asked == "form" or (asked == "mark" and not _answers_step(intent, step)):
        topic = topic_of(index.questions, words)
        if topic is not None or not _command_asked(intent, words, index):
            return Understood(text, "question", topic, flags)
    if not flags and intent not in _GLOBAL_COMMANDS and not _answers_step(intent, step):
        effect = effect_of(index.questions, words)
        if effect is not None:
            return Understood(text, "expected_effect", effect, flags)
    return Understood(text, intent, value, flags)


# The learned tier listens where the rules found nothing and the words are no plain answer or command.
_LEARNED_FOR = frozenset({"unknown", "question", "expected_effect", "mood", "choice"})
_LEARNED_MIN_TOKENS = 2


def _learned_flag(content: Content, text: str) -> Flag | None:
    """A possible red flag from the learned tier: it only ever asks its level's check question."""
    tier = shared_tier()
    scored = tier.level(text) if tier is not None else None
    if scored is None:
        return None
    level: FlagLevel = "crisis" if scored[0] == "crisis" else "emergency"
    messages = content.messages
    check = messages.learned_check_crisis if level == "crisis" else messages.learned_check_emergency
    return Flag(level, "possible", _LEARNED_CONCEPT[level], "learned", check, "vague")


_LEARNED_CONCEPT = {"emergency": "a possible medical problem", "crisis": "possible thoughts of self-harm"}


_GLOBAL_COMMANDS = frozenset("repeat slower faster help stop back cancel retry done".split())


def _command_asked(intent: str, words: Words, index: UnderstandingIndex) -> bool:
    """A command put as a question ("can you say that again"): short, or named by more than a question
    word ("what" opens questions as often as it asks to hear a prompt again)."""
    if intent not in _ASKED_COMMANDS:
        return False  # never a move ("when do I come back" is no "back")
    if len(words.tokens) <= SHORT_COMMAND_TOKENS:
        return True
    return any(
        phrase.intent == intent
        and (len(phrase.words) >= 2 or phrase.words[0] not in _QUESTION_WORDS)
        and _find(words.tokens, phrase.words) is not None
        for phrase in index.phrases
    )


_QUESTION_WORDS = frozenset("what how sorry huh".split())
_ASKED_COMMANDS = frozenset("repeat help slower faster retry cancel".split())


def _answers_step(intent: str, step: Step | None) -> bool:
    """The words answer the step's own question, so an effect named beside them does not replace it."""
    if step is None:
        return False
    if step.kind == "yes_no" or step.kind == "note":
        return intent in ("yes", "no", "unsure")
    if step.kind == "number":
        return intent == "number"
    if step.kind == "choice":
        return intent == "choice"
    return False


def _ordinary(
    index: UnderstandingIndex, content: Content, text: str, words: Words, step: Step | None
) -> tuple[str, int | str | None]:
    tokens = words.tokens
    if not tokens:
        return "unknown", None
    candidates = list(index.phrases)
    if step is not None and step.kind == "choice":
        candidates += index.choices(step)
    expects_number = step is not None and step.kind == "number"
    if expects_number:
        candidates += index.moods
    best = _best_phrase(words, candidates, step)
    # A number word inside the matched phrase ("one more time", "next one") is part of it, not a rating.
    rest = _without(tokens, best.words) if best else tokens
    number = number_value(rest, content.numbers, text)
    # "yes, a seven" on a rating step is a rating; elsewhere a number counts only when nothing else does.
    if number is not None and (expects_number or best is None):
        return "number", number
    if best is None:
        return "unknown", None
    return best.intent, best.value


def _best_phrase(words: Words, candidates: list[Phrase], step: Step | None) -> Phrase | None:
    matches: list[tuple[Phrase, int]] = []
    for phrase in candidates:
        start = _find(words.tokens, phrase.words)
        if start is None:
            continue
        if _denied(words, start, phrase):
            meaning = _denial(phrase, step)
            if meaning is not None:
                matches.append((meaning, start))
            continue
        matches.append((phrase, start))
    if not matches:
        return None
    if any(phrase.intent == "choice" for phrase, _ in matches):
        # At a choice, a named choice beats a bare yes or no around it ("no, I'm dizzy").
        matches = [
            (phrase, start) for phrase, start in matches if phrase.intent not in ("yes", "no", "unsure")
        ]
    longest = max(len(phrase.words) for phrase, _ in matches)
    top = [(phrase, start) for phrase, start in matches if len(phrase.words) == longest]
    kinds = {(phrase.intent, phrase.value) for phrase, _ in top}
    if len(kinds) > 1:
        if {"yes", "no"} <= {intent for intent, _ in kinds}:
            return None
        # The more specific intent wins; between two choices, the one said first ("sick and dizzy").
        return min(top, key=lambda pair: (_priority(pair[0].intent), pair[1]))[0]
    return top[0][0]


def _denied(words: Words, start: int, phrase: Phrase) -> bool:
    """True when a negation stands just before the phrase, in its clause ("not really okay")."""
    if phrase.words and phrase.words[0] in _NEGATIONS:
        return False
    position = start - 1
    while position >= 0 and start - position <= _NEGATION_REACH + 1 and words.same_clause(position, start):
        token = words.tokens[position]
        if token in _NEGATIONS:
            return True
        if token not in _FILLERS:
            return False
        position -= 1
    return False


def _denial(phrase: Phrase, step: Step | None) -> Phrase | None:
    """What a denied phrase means, or None when it means nothing usable."""
    if phrase.intent == "yes":
        return Phrase(phrase.words, "no")
    if phrase.intent == "choice" and phrase.denied_choice:
        return Phrase(phrase.words, "choice", phrase.denied_choice)
    if phrase.intent == "mood" and phrase.value is not None:
        return Phrase(phrase.words, "mood", _DENIED_MOOD.get(phrase.value, "low"))
    return None


def _find(tokens: tuple[str, ...], phrase: tuple[str, ...]) -> int | None:
    size = len(phrase)
    if size == 0 or size > len(tokens):
        return None
    for start in range(len(tokens) - size + 1):
        if tokens[start : start + size] == phrase:
            return start
    return None


def _without(words: tuple[str, ...], phrase: tuple[str, ...]) -> tuple[str, ...]:
    """`words` with the first occurrence of `phrase` taken out."""
    start = _find(words, phrase)
    if start is None:
        return words
    return words[:start] + words[start + len(phrase) :]


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
    "unsure",
    "choice",
    "mood",
    "no",
    "yes",
)


def _priority(intent: str) -> int:
    return _PRIORITY.index(intent) if intent in _PRIORITY else len(_PRIORITY)


def intent_for_key(content: Content, key: str) -> str | None:
    """The intent an answer key stands for, per content.toml (`keys = [...]` on each intent)."""
    return index_for(content).keys.get(key.lower())
