"""Everything understanding precomputes from one loaded Content, built once and kept with it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ketavoice.content.model import Content, Step
from ketavoice.understanding.questions import QuestionIndex, build_question_index
from ketavoice.understanding.safety import SafetyIndex, build_safety_index
from ketavoice.understanding.words import Rewrites, Words, split_words

_KEY = "understanding"


@dataclass(frozen=True)
class Phrase:
    """A phrase as matched: its words, the intent it stands for, and a value (choice id, mood)."""

    words: tuple[str, ...]
    intent: str
    value: str | None = None
    # For a choice: the choice that denying this one means ("not okay" -> distress); "" for none.
    denied_choice: str = ""


@dataclass(frozen=True)
class UnderstandingIndex:
    rewrites: Rewrites
    longest_rewrite: int
    phrases: tuple[Phrase, ...]
    moods: tuple[Phrase, ...]
    keys: dict[str, str]
    safety: SafetyIndex
    questions: QuestionIndex
    choices_by_step: dict[tuple[str, str], tuple[Phrase, ...]] = field(default_factory=dict)

    def words(self, text: str) -> Words:
        return split_words(text, self.rewrites, self.longest_rewrite)

    def phrase_words(self, phrase: str) -> tuple[str, ...]:
        return self.words(phrase).tokens

    def choices(self, step: Step) -> tuple[Phrase, ...]:
        key = (step.id, step.kind)
        cached = self.choices_by_step.get(key)
        if cached is None:
            cached = tuple(
                Phrase(self.phrase_words(text), "choice", choice.id, choice.denied)
                for choice in step.choices
                for text in choice.phrases
            )
            self.choices_by_step[key] = cached
        return cached


def index_for(content: Content) -> UnderstandingIndex:
    """The index of `content`, built on first use and kept in `content.derived`."""
    cached = content.derived.get(_KEY)
    if isinstance(cached, UnderstandingIndex):
        return cached
    index = _build(content)
    content.derived[_KEY] = index
    return index


def _build(content: Content) -> UnderstandingIndex:
    rewrites: dict[tuple[str, ...], tuple[str, ...]] = {
        tuple(heard.replace("'", "").split()): tuple(meant.replace("'", "").split())
        for heard, meant in content.understanding.rewrites
    }
    longest = max((len(key) for key in rewrites), default=0)
    bare = UnderstandingIndex(
        rewrites, longest, (), (), {}, build_safety_index(content), build_question_index(content)
    )
    phrases = tuple(
        Phrase(bare.phrase_words(text), intent.name) for intent in content.intents for text in intent.phrases
    )
    understanding = content.understanding
    moods = tuple(
        Phrase(bare.phrase_words(text), "mood", direction)
        for direction, texts in (
            ("low", understanding.mood_low),
            ("middle", understanding.mood_middle),
            ("high", understanding.mood_high),
        )
        for text in texts
    )
    keys: dict[str, str] = {key: intent.name for intent in content.intents for key in intent.keys}
    return UnderstandingIndex(rewrites, longest, phrases, moods, keys, bare.safety, bare.questions)
