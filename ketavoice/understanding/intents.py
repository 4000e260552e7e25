"""Text to meaning: red flags first (three tiers), then the ordinary answer.

Ordinary answers match phrases as word sequences anywhere in the utterance ("uh yes I do" is yes); the
longest phrase wins ("no, say that again" is repeat) and yes and no matched equally is ambiguous, so
unknown, never a guess. A phrase right after a negation means something else: "not okay" is not okay
(a choice names what its denial means, such as distress), "not right" is no, and a denied command is no
command. A negated subject anywhere before a yes phrase makes it no ("no one is coming", "nobody will
drive me"), and so does "not" right after one ("absolutely not", "of course not"); an answer that still
holds both a yes and a no is unclear. "Not sure" and "I don't know" are `unsure`; mood words without a
number ("pretty low") are `mood` with the direction as value, so the dialogue can ask for the number.
At a "When can you ...?" step (`asks_when`), a time meaning today is yes and tomorrow or later is no
(`answers.when_answer`). At a choice step, two choices said together go to the one that tells staff
("dizzy and scared" is distress), and a reassuring choice beside words that match nothing ("good, just a
bit of a headache") is the patient's own words (`unknown`), so staff hear them instead of reassurance.
"""

from __future__ import annotations

from ketavoice.content.model import Content, Step
from ketavoice.meaning import Flag, FlagLevel, Understood
from ketavoice.understanding.answers import ride_answer, when_answer
from ketavoice.understanding.index import Phrase, UnderstandingIndex, index_for
from ketavoice.understanding.learned import shared_tier
from ketavoice.understanding.numbers import number_value
from ketavoice.understanding.questions import SHORT_COMMAND_TOKENS, effect_of, question_form, topic_of
from ketavoice.understanding.safety import judge
from ketavoice.understanding.topic_model import shared_model
from ketavoice.understanding.words import Words, find_sequence

_NEGATIONS = frozenset("not no dont never isnt arent wasnt aint doesnt didnt nothing hardly".split())
_NEGATION_REACH = 2  # "not very good", "not so great"
_FILLERS = frozenset("very so too really that all at feeling feel".split())
_DENIED_MOOD = {"high": "low", "low": "middle", "middle": "low"}
# A subject that denies what follows in its clause: "no one is coming", "nobody's waiting for me".
_NEGATED_SUBJECTS = frozenset("nobody nobodys noone none".split())
_NEGATED_SUBJECT_PAIRS = frozenset({("no", "one"), ("no", "body"), ("not", "anyone"), ("not", "anybody")})
_CONTRASTS = frozenset("but except apart besides although".split())
# Words that carry no answer of their own beside a choice ("I feel pretty good today, thanks").
_CHOICE_FILLERS = frozenset(
    """i im me my am feel feeling felt a an the bit little kind sort of so very really pretty quite and
    but though thanks thank you ok okay yeah yes right now today at moment still think guess overall
    mostly actually just its it is all in well too also um uh like honestly i'd id would say""".split()
)


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
    # The learned tiers and the question form read the start of a long paste only: bounded time.
    head = text[:_MODEL_CHARS]
    meaning = _meaning(index, head, words, step, flags, intent, value)
    meaning = Understood(text, meaning.intent, meaning.value, meaning.flags)
    if not flags and meaning.intent in _LEARNED_FOR and len(words.tokens) > _LEARNED_MIN_TOKENS:
        learned = _learned_flag(content, head)
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
    if intent == "staff":
        return Understood(text, intent, value, flags)  # "can someone come?": a person is what is asked for
    if step is not None and step.asks_when and words.tokens[:1] in (("when",), ("once",), ("after",)):
        # "when I wake up tomorrow" answers "When can you drive again?"; "when can I go back to work" asks
        if words.tokens[1:2] and words.tokens[1] not in _QUESTION_VERBS:
            asked = None
    if asked == "form" or (asked == "mark" and not _answers_step(intent, step)):
        if _command_asked(intent, words, index):
            return Understood(text, intent, value, flags)  # "can you repeat that", "pardon?"
        return Understood(text, "question", _topic(index, text, words), flags)
    if not flags and intent not in _GLOBAL_COMMANDS and not _answers_step(intent, step):
        effect = effect_of(index.questions, words)
        if effect is not None:
            return Understood(text, "expected_effect", effect, flags)
    return Understood(text, intent, value, flags)


# A learned topic this sure wins over the clinic's topic patterns (about 91% right at 0.4 in cross-
# validation); below it the patterns decide, and the model's guess only where they found nothing.
_SURE_TOPIC = 0.4


def _topic(index: UnderstandingIndex, text: str, words: Words) -> str | None:
    """The approved answer a question asks for, or None (saved for the care team)."""
    known = {topic.id for topic in index.questions.topics}
    by_pattern = topic_of(index.questions, words)
    model = shared_model()
    if model is None:
        return by_pattern
    learned, probability = model.topic(text)
    learned_topic = learned if learned in known else None
    if probability >= _SURE_TOPIC:
        return learned_topic
    if by_pattern is not None:
        return by_pattern
    return learned_topic if probability >= model.threshold else None


# The learned tier listens where the rules found nothing and the words are no plain answer or command.
_LEARNED_FOR = frozenset({"unknown", "question", "expected_effect", "mood", "choice"})
_LEARNED_MIN_TOKENS = 2
_MODEL_CHARS = 2_000


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


_QUESTION_VERBS = frozenset("can could should will would is are am do does did may might shall".split())
# After "what", the words of a request to hear it again ("what was that", "what did you say").
_WHAT_AGAIN = frozenset("was did do is again you say that".split())


def _command_asked(intent: str, words: Words, index: UnderstandingIndex) -> bool:
    """A command put as a question ("can you say that again", "pardon?"): short, or named by its own
    words ("what" or "again" end questions as often as they ask to hear a prompt again)."""
    if intent not in _ASKED_COMMANDS:
        return False  # never a move ("when do I come back" is no "back")
    tokens = words.tokens
    named = not _COMMAND_WORDS.isdisjoint(tokens) or not {"again", "say", "said", "mean"}.isdisjoint(tokens)
    asks_what = tokens[0] in ("what", "wat", "wot") and len(tokens) >= 3
    if asks_what and tokens[1] not in _WHAT_AGAIN and not named:
        return False  # "what if nothing changes" asks something; "what was that" asks to hear it again
    if len(words.tokens) <= SHORT_COMMAND_TOKENS:
        return True
    size = len(words.tokens)
    return any(
        phrase.intent in _ASKED_COMMANDS
        and (phrase.words[0] in _COMMAND_WORDS if len(phrase.words) == 1 else 2 * len(phrase.words) > size)
        and _find(words.tokens, phrase.words) is not None
        for phrase in index.phrases
    )


# One word that names a command even inside a longer question ("could you speak slower please").
_COMMAND_WORDS = frozenset("repeat slower faster pardon options".split())
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
    intent, value = _ordinary_phrases(index, content, text, words, step)
    # "parked round the back": one command word inside a sentence about the ride is part of the sentence
    inside = intent == "back" and len(words.tokens) > SHORT_COMMAND_TOKENS
    if step is None or not step.asks_ride or (intent not in ("yes", "unknown", "number") and not inside):
        return intent, value
    # "Do you have someone to drive you home?": their own way or not settled overrides a bare yes ("yes,
    # I'll drive myself"); someone taking them answers where no yes or no was said.
    ride = ride_answer(content, text)
    if ride in ("no", "unsure") or (ride == "yes" and intent != "yes"):
        return ride, None
    return intent, value


def _ordinary_phrases(
    index: UnderstandingIndex, content: Content, text: str, words: Words, step: Step | None
) -> tuple[str, int | str | None]:
    tokens = words.tokens
    if not tokens:
        return "unknown", None
    candidates = list(index.phrases)
    # Seam: a patient's question ("can I drive tomorrow?", the lead developer's `question` intent) is
    # never an answer, so it is to be recognised before this time reading and the phrases below.
    if step is not None and step.kind == "yes_no" and step.asks_when:
        command = _best_phrase(words, candidates, step)
        said = text
        is_command = command is not None and command.intent not in ("yes", "no", "unsure", "unknown")
        if command is not None and is_command and len(command.words) > 1:
            # Time words inside a command of several words are part of it ("end it now"); a one-word
            # command inside a time expression is part of the time ("the next day").
            said = " ".join(_without(tokens, command.words))
        when = when_answer(content, said)
        if when == "unclear":
            return "unknown", None
        if when is not None:
            return ("yes" if when == "today" else "no"), None
    if step is not None and step.kind == "choice":
        candidates += index.choices(step)
    expects_number = step is not None and step.kind == "number"
    if expects_number:
        candidates += index.moods
    best = _best_phrase(words, candidates, step)
    if best is not None and best.intent == "choice" and step is not None:
        reassuring = not any(choice.alert for choice in step.choices if choice.id == best.value)
        if reassuring and _own_words_beside(words, candidates):
            return "unknown", None
    # A number word inside the matched phrase ("one more time", "next one") is part of it, not a rating.
    if best is _UNCLEAR:
        return "unknown", None
    rest = _without(tokens, best.words) if best else tokens
    number = number_value(rest, content.numbers, text)
    # "yes, a seven" on a rating step is a rating; elsewhere a number counts only when nothing else does.
    if number is not None and (expects_number or best is None):
        return "number", number
    if best is None or best is _UNCLEAR:
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
        worrying = _worrying_choice(matches, step)
        if worrying is not None:
            return worrying
    # A phrase inside a longer one is part of it ("definitely" in "definitely not").
    matches = [pair for pair in matches if not any(_inside(pair, other) for other in matches)]
    if {"yes", "no"} <= {phrase.intent for phrase, _ in matches}:
        return _UNCLEAR  # "yeah, no one is coming": both said, so unclear
    longest = max(len(phrase.words) for phrase, _ in matches)
    top = [(phrase, start) for phrase, start in matches if len(phrase.words) == longest]
    kinds = {(phrase.intent, phrase.value) for phrase, _ in top}
    if len(kinds) > 1:
        # The more specific intent wins; between two choices, the one said first ("sick and dizzy").
        return min(top, key=lambda pair: (_priority(pair[0].intent), pair[1]))[0]
    return top[0][0]


# Both a yes and a no said: unclear (neither a guess nor a number read from "no one").
_UNCLEAR = Phrase((), "unknown")


def _inside(pair: tuple[Phrase, int], other: tuple[Phrase, int]) -> bool:
    """True when `pair`'s words lie within the longer match `other`."""
    (phrase, start), (outer, outer_start) = pair, other
    end, outer_end = start + len(phrase.words), outer_start + len(outer.words)
    return outer_start <= start and end <= outer_end and len(outer.words) > len(phrase.words)


def _worrying_choice(matches: list[tuple[Phrase, int]], step: Step | None) -> Phrase | None:
    """Of two or more different choices said together, the one that tells staff (distress wins)."""
    if step is None:
        return None
    chosen = {phrase.value for phrase, _ in matches if phrase.intent == "choice"}
    if len(chosen) < 2:
        return None
    alerting = {choice.id for choice in step.choices if choice.alert}
    for phrase, _ in sorted(matches, key=lambda pair: pair[1]):
        if phrase.intent == "choice" and phrase.value in alerting:
            return phrase
    return None


def _own_words_beside(words: Words, candidates: list[Phrase]) -> bool:
    """True when, beside a choice that tells staff nothing, a clause of its own ("good, just a bit of a
    headache", "okay but my head hurts") holds words no phrase or filler accounts for."""
    tokens = words.tokens
    clauses = list(words.clauses)
    for position, token in enumerate(tokens):  # "but" opens a clause of its own
        if token in _CONTRASTS:
            for later in range(position, len(tokens)):
                clauses[later] += 1000
    covered = [False] * len(tokens)
    for phrase in candidates:
        start = _find(tokens, phrase.words)
        while start is not None:
            for position in range(start, start + len(phrase.words)):
                covered[position] = True
            following = _find(tokens[start + 1 :], phrase.words)
            start = None if following is None else start + 1 + following
    matched_clauses = {clauses[position] for position, is_covered in enumerate(covered) if is_covered}
    return any(
        not covered[position]
        and clauses[position] not in matched_clauses
        and token not in _CHOICE_FILLERS
        and token not in _NEGATIONS
        and token not in _CONTRASTS
        for position, token in enumerate(tokens)
    )


def _denied(words: Words, start: int, phrase: Phrase) -> bool:
    """True when a negation stands just before the phrase, in its clause ("not really okay"); for a yes
    phrase also a negated subject before it ("no one is coming") or "not" right after ("of course not")."""
    if phrase.words and phrase.words[0] in _NEGATIONS:
        return False
    if phrase.intent == "yes" and (_negated_subject(words, start) or _not_after(words, start, phrase)):
        return True
    position = start - 1
    while position >= 0 and start - position <= _NEGATION_REACH + 1 and words.same_clause(position, start):
        token = words.tokens[position]
        if token in _NEGATIONS:
            return True
        if token not in _FILLERS:
            return False
        position -= 1
    return False


def _negated_subject(words: Words, start: int) -> bool:
    tokens = words.tokens
    for position in range(start):
        if not words.same_clause(position, start):
            continue
        if tokens[position] in _NEGATED_SUBJECTS:
            return True
        if position + 1 < start and (tokens[position], tokens[position + 1]) in _NEGATED_SUBJECT_PAIRS:
            return True
    return False


def _not_after(words: Words, start: int, phrase: Phrase) -> bool:
    after = start + len(phrase.words)
    return after < len(words.tokens) and words.tokens[after] == "not" and words.same_clause(start, after)


def _denial(phrase: Phrase, step: Step | None) -> Phrase | None:
    """What a denied phrase means, or None when it means nothing usable."""
    if phrase.intent == "yes":
        return Phrase(phrase.words, "no")
    if phrase.intent == "choice" and phrase.denied_choice:
        return Phrase(phrase.words, "choice", phrase.denied_choice)
    if phrase.intent == "mood" and phrase.value is not None:
        return Phrase(phrase.words, "mood", _DENIED_MOOD.get(phrase.value, "low"))
    return None


_find = find_sequence


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
