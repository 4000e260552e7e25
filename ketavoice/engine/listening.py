"""What a voice front end needs to know about a Listen: the engine's listening rules, in one place.

The speech package only hears: it asks these rules whether what the grammar heard so far is a complete
answer (semantic endpointing), what to prompt Whisper with, whether an answer should wait for its
free-form reading, and whether a late free-form reading matters. Which reading the engine acts on, and
why, is `weigh`: `ketavoice transcribe`, `voice --jsonl` and the benchmarks report it from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ketavoice.content.model import Content, Dialogue, PhraseIntent, Step
from ketavoice.engine.events import Expect, Listen
from ketavoice.engine.second_opinion import Verdict, review
from ketavoice.understanding import grammar_phrases, understand

_MAX_PROMPT_CHARS = 300
_ANSWER_INTENTS: dict[str, tuple[PhraseIntent, ...]] = {
    "yes_no": ("yes", "no"), "any": ("yes", "no"), "number": (),
}
# The listen each step kind opens with (as `Engine._ask` issues it).
_FIRST_LISTEN: dict[str, tuple[Expect, str]] = {
    "info": ("any", "any"), "choice": ("any", "any"), "yes_no": ("yes_no", "yes_no"),
    "number": ("number", "number"), "note": ("yes_no", "yes_no"), "screen": ("any", "any"),
    "end": ("any", "any"),
}

Winner = Literal["grammar", "free_form", "neither"]


@dataclass(frozen=True)
class Weighing:
    """Which reading of one utterance the engine acts on, and why (`why` is a stable code)."""

    winner: Winner
    why: str
    text: str
    verdict: Verdict

    def to_json(self) -> dict[str, Any]:
        return {"winner": self.winner, "why": self.why, **self.verdict.to_json()}


def whisper_prompt(content: Content, step: Step | None, expect: str) -> str | None:
    """A short prompt of likely answers for a listen of kind `expect` on `step` (None for notes).

    Only the step's own answers go in: red-flag phrases are left out so a prompt never talks Whisper
    into hearing one. Whisper's prompt window is short, so the list is capped.
    """
    if expect == "note":
        return None
    phrases: list[str] = []
    for name in _ANSWER_INTENTS.get(expect, ()):
        phrases += content.intent(name).phrases[:3]
    if expect == "number":
        phrases += [word for word, _ in content.numbers.words]
    if step is not None:
        phrases += [choice.phrases[0] for choice in step.choices if choice.phrases]
    phrases += [content.intent(name).phrases[0] for name in ("repeat", "help")]
    prompt = ""
    for phrase in dict.fromkeys(phrases):
        piece = phrase[:1].upper() + phrase[1:] + ". "
        if len(prompt) + len(piece) > _MAX_PROMPT_CHARS:
            break
        prompt += piece
    return prompt.strip() or None


def step_listen(content: Content, step: Step, expect: Expect | None = None, listen_id: int = 1) -> Listen:
    """The Listen the engine issues when it asks `step` (or, with `expect`, that kind of listen on it)."""
    grammar: str
    if expect is None:
        expect, grammar = _FIRST_LISTEN[step.kind]
    else:
        grammar = expect
    timing = content.timing
    note = expect == "note"
    return Listen(step.id, expect, grammar_phrases(content, step, grammar), timing.first_word_timeout,
                  timing.note_end_silence if note else timing.answer_end_silence,
                  timing.note_max if note else timing.answer_max, listen_id,
                  both_readings=expect == "number")


class ListenPolicy:
    """The listening rules for one dialogue's steps, handed to the voice loop by the composition root."""

    def __init__(self, content: Content, dialogue: Dialogue) -> None:
        self.content = content
        self.dialogue = dialogue

    def step(self, step_id: str) -> Step | None:
        try:
            return self.dialogue.step(step_id)
        except (KeyError, ValueError):
            return None

    def complete(self, listen: Listen, text: str, confidence: float) -> bool:
        """Is `text` a complete, confident answer, so the listen may end at the first pause?

        Complete: a yes/no, a number, a choice or a command heard at or above
        `timing.complete_answer_confidence`. Unknown words, a low-confidence guess and a red flag (which
        the grammar also produces when forced onto speech it does not hold) keep the listen open.
        """
        if listen.expect == "note":
            return False
        meaning = understand(self.content, text, self.step(listen.step))
        unsure = confidence < self.content.timing.complete_answer_confidence
        if meaning.flag is not None or meaning.intent == "unknown" or unsure:
            return False
        if listen.expect == "number":
            return meaning.intent != "yes"  # "yes" to "from zero to ten?" is not an answer yet
        return True

    def prompt(self, listen: Listen) -> str | None:
        return whisper_prompt(self.content, self.step(listen.step), listen.expect)

    def wants_both(self, listen: Listen, text: str, confidence: float) -> bool:
        """Should this answer wait for its free-form reading before the engine sees it? Where a wrong
        reading would matter (`both_readings`), and wherever the grammar did not hear a complete,
        confident answer (low confidence, a red flag, words the step cannot use): that may be free speech
        the grammar was forced onto, and the free-form reading is what it said. A complete answer is
        answered at once; its free-form reading follows and can still escalate."""
        if listen.expect == "note":
            return False
        return listen.both_readings or not self.complete(listen, text, confidence)

    def weigh(self, listen: Listen, grammar_text: str, free_text: str | None, *, waited: bool) -> Weighing:
        """The verdict on one utterance's readings, as the engine acts on it. `waited`: both readings
        went to the engine together; otherwise the grammar answered and the free-form reading came late."""
        if listen.expect == "note":
            if free_text:
                return Weighing("free_form", "note_transcript", free_text, Verdict("agree"))
            return Weighing("grammar", "no_free_form_reading", grammar_text, Verdict("agree"))
        if free_text is None:
            return Weighing("grammar", "no_free_form_reading", grammar_text, Verdict("agree"))
        verdict = review(self.content, self.step(listen.step), grammar_text, free_text)
        if not waited:
            if verdict.escalates:
                return Weighing("free_form", "late_reading_holds_red_flag", free_text, verdict)
            return Weighing("grammar", "late_reading_holds_no_red_flag", grammar_text, verdict)
        if verdict.kind == "possible_flag":
            winner: Winner = "free_form" if verdict.heard == free_text else "grammar"
            return Weighing(winner, f"red_flag_only_in_{winner}", verdict.heard, verdict)
        if verdict.kind == "forced":
            return Weighing("free_form", "grammar_forced_onto_red_flag", free_text, verdict)
        if verdict.kind == "confirm_number":
            return Weighing("free_form", "numbers_disagree_confirmed", free_text, verdict)
        if verdict.kind == "ask_again":
            return Weighing("neither", "readings_disagree_asked_again", "", verdict)
        return Weighing("grammar", "readings_agree", grammar_text, verdict)

    def escalates(self, listen: Listen, grammar_text: str, free_text: str) -> bool:
        """Does a late free-form reading hold a red flag the grammar's answer did not (the engine asks)?"""
        return self.weigh(listen, grammar_text, free_text, waited=False).winner == "free_form"
