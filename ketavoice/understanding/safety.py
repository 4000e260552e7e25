"""Red flags in three tiers: certain, possible, none.

Every concept of content.toml's [red_flags] is matched on the utterance's words; each match is then
weighed in its context (`ketavoice.understanding.context`):
- plain, and the concept is not vague: **certain** (the full flow runs);
- said in doubt, misheard (a sound-alike word), a vague concept, or a crisis thought in the past or
  "if": **possible** (a named check question, a possible staff alert);
- denied, someone else's (unless the concept is about a person next to the patient), an emergency long
  past or hypothetical, an idiom ("dying for a coffee") or a listed harmless use ("cut myself shaving"):
  **none** for that match. Another match in the same utterance is judged on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketavoice.content.model import Content, RedFlag
from ketavoice.meaning import Certainty, Flag, FlagContext, FlagLevel, FlagSubject
from ketavoice.understanding.context import Context, Span, context_of
from ketavoice.understanding.patterns import Match, Pattern, compile_pattern, find, sound_key
from ketavoice.understanding.words import Words

# What a match in each context becomes, per level; None means the match is set aside.
_TIER: dict[tuple[str, FlagLevel], Certainty | None] = {
    ("negated", "emergency"): None,
    ("negated", "crisis"): None,
    ("other_person", "emergency"): None,  # an animal's, or someone's far away
    ("other_person", "crisis"): None,
    ("past", "emergency"): None,
    ("past", "crisis"): "possible",
    ("recent_past", "emergency"): None,
    ("recent_past", "crisis"): "certain",
    ("conditional_intent", "emergency"): None,
    ("conditional_intent", "crisis"): "certain",
    ("hypothetical", "emergency"): None,
    ("hypothetical", "crisis"): "possible",
    ("uncertain", "emergency"): "possible",
    ("uncertain", "crisis"): "possible",
    ("ideation", "emergency"): None,
    ("ideation", "crisis"): "certain",
}


@dataclass(frozen=True)
class CompiledConcept:
    level: FlagLevel
    id: str
    name: str
    check: str
    certainty: Certainty
    others: bool
    patterns: tuple[Pattern, ...]
    unless: tuple[Pattern, ...]


@dataclass(frozen=True)
class SafetyIndex:
    concepts: tuple[CompiledConcept, ...]
    idioms: tuple[Pattern, ...]


def build_safety_index(content: Content) -> SafetyIndex:
    concepts: list[CompiledConcept] = []
    for flag in content.red_flags:
        concepts += _compile_level(flag)
    idioms = tuple(compile_pattern(text) for text in content.understanding.idioms)
    return SafetyIndex(tuple(concepts), idioms)


def _compile_level(flag: RedFlag) -> list[CompiledConcept]:
    compiled = [
        CompiledConcept(
            level=flag.level,
            id=concept.id,
            name=concept.name,
            check=concept.check or flag.check.format(concept=concept.name),
            certainty=concept.certainty,
            others=concept.others,
            patterns=tuple(compile_pattern(text) for text in concept.patterns),
            unless=tuple(compile_pattern(text) for text in concept.unless),
        )
        for concept in flag.concepts
    ]
    if compiled:
        return compiled  # with concepts, `phrases` are only the recognizer's vocabulary
    # Plain phrases (the older form of a red flag): each phrase is a concept of its own.
    compiled += [
        CompiledConcept(
            level=flag.level,
            id=phrase.replace(" ", "_"),
            name=phrase,
            check=flag.check.format(concept=phrase),
            certainty="certain",
            others=False,
            patterns=(compile_pattern(phrase.replace("'", "")),),
            unless=(),
        )
        for phrase in flag.phrases
    ]
    return compiled


def judge(index: SafetyIndex, words: Words) -> tuple[Flag, ...]:
    """Every red flag in `words`, at most one per level: certain before possible, emergency first."""
    if not words.tokens:
        return ()
    idiom_matches = _all_matches(index.idioms, words)
    best: dict[FlagLevel, Flag] = {}
    heard_any = False
    set_aside: set[int] = set()  # words a precise concept matched and context set aside
    vague: list[tuple[CompiledConcept, Flag, frozenset[int]]] = []
    for concept in index.concepts:
        flag, matched, where = _judge_exact(concept, words, idiom_matches)
        heard_any = heard_any or matched
        if flag is None:
            if concept.certainty == "certain" and not concept.others:
                set_aside |= where  # denied or harmless; a concept about someone else denies nothing
            continue
        if concept.certainty == "possible":
            vague.append((concept, flag, where))
        elif _stronger(flag, best.get(concept.level)):
            best[concept.level] = flag
    for concept, flag, where in vague:
        # "No pain in my chest": the vague "chest" must not ask about what the precise concept denied.
        if where.isdisjoint(set_aside) and _stronger(flag, best.get(concept.level)):
            best[concept.level] = flag
    if not best and not heard_any and not idiom_matches:
        # Nothing matched as written: listen again for one sound-alike word ("my test hurts").
        sounds = tuple(sound_key(token) for token in words.tokens)
        for concept in index.concepts:
            flag = _judge_misheard(concept, words, sounds, idiom_matches)
            if flag is not None and concept.level not in best:
                best[concept.level] = flag
    return tuple(sorted(best.values(), key=_urgency))


def _urgency(flag: Flag) -> tuple[bool, bool]:
    return (flag.certainty != "certain", flag.level != "emergency")


def _stronger(flag: Flag, current: Flag | None) -> bool:
    return current is None or (flag.certainty == "certain" and current.certainty != "certain")


def _judge_exact(
    concept: CompiledConcept, words: Words, idioms: list[Match]
) -> tuple[Flag | None, bool, frozenset[int]]:
    """The strongest flag of `concept` in `words`, whether any of its patterns matched at all, and the
    positions of the matches that made the flag (or, with no flag, of every match set aside)."""
    found: Flag | None = None
    matched: set[int] = set()
    kept: set[int] = set()
    for pattern in concept.patterns:
        begin = 0
        while (match := find(pattern, words, begin=begin)) is not None:
            matched |= set(match.positions)
            flag = _weigh(concept, words, match, idioms)
            if flag is not None:
                kept |= set(match.positions)
                if flag.certainty == "certain":
                    return flag, True, frozenset(kept)
            found = found or flag
            begin = match.start + 1
    return found, bool(matched), frozenset(kept if found is not None else matched)


def _judge_misheard(
    concept: CompiledConcept, words: Words, sounds: tuple[str, ...], idioms: list[Match]
) -> Flag | None:
    for pattern in concept.patterns:
        match = find(pattern, words, sounds=sounds)
        if match is not None and match.misheard:
            flag = _weigh(concept, words, match, idioms)
            if flag is not None:
                return flag.as_possible("misheard")
    return None


def _weigh(concept: CompiledConcept, words: Words, match: Match, idioms: list[Match]) -> Flag | None:
    """The flag a match stands for in its context, or None when it is set aside."""
    if _covered_by_idiom(match, idioms) or _harmless(concept, words, match):
        return None
    context = context_of(words, Span(match.start, match.end, match.positions), concept.others)
    subject: FlagSubject = "patient"
    if context == "companion":
        # The person beside the patient speaks of them: their danger is as real as the patient's own.
        context, subject = "plain", "companion"
    elif concept.others:
        return None  # a danger to someone next to the patient counts only when said of someone else
    if context == "plain":
        flag_context: FlagContext = "vague" if concept.certainty == "possible" else "plain"
        return Flag(
            concept.level, concept.certainty, concept.name, concept.id, concept.check, flag_context, subject
        )
    certainty = _TIER[(context, concept.level)]
    if certainty is None:
        return None
    return Flag(concept.level, certainty, concept.name, concept.id, concept.check, _shown(context), subject)


def _shown(context: Context) -> FlagContext:
    """Contexts that decide a tier but are reported as their plainer kind."""
    if context == "recent_past":
        return "past"
    if context == "conditional_intent":
        return "hypothetical"
    if context == "companion":
        return "plain"
    return context


def _covered_by_idiom(match: Match, idioms: list[Match]) -> bool:
    return any(set(match.positions) <= set(range(idiom.start, idiom.end)) for idiom in idioms)


def _harmless(concept: CompiledConcept, words: Words, match: Match) -> bool:
    """A listed harmless use in the same clause ("cut myself shaving")."""
    for pattern in concept.unless:
        other = find(pattern, words)
        if other is not None and words.same_clause(other.start, match.start):
            return True
    return False


def _all_matches(patterns: tuple[Pattern, ...], words: Words) -> list[Match]:
    matches: list[Match] = []
    for pattern in patterns:
        begin = 0
        while (match := find(pattern, words, begin=begin)) is not None:
            matches.append(match)
            begin = match.start + 1
    return matches
