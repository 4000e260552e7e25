"""Content as frozen values: every word ketavoice says and every phrase it understands.

The loader (`ketavoice.content.loader`) builds these from content.toml and guarantees the invariants
documented on each class; the engine and understanding trust them and never re-validate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

StepKind = Literal["info", "choice", "yes_no", "number", "note", "end"]
STEP_KINDS: tuple[StepKind, ...] = ("info", "choice", "yes_no", "number", "note", "end")

# Intents with phrase lists in content.toml. `number`, `emergency`, `crisis` and `unknown` are produced
# by other means (number words, red-flag lists, fallback).
PhraseIntent = Literal[
    "yes", "no", "repeat", "slower", "faster", "help", "stop", "next", "back", "cancel", "retry", "done"
]
PHRASE_INTENTS: tuple[PhraseIntent, ...] = (
    "yes",
    "no",
    "repeat",
    "slower",
    "faster",
    "help",
    "stop",
    "next",
    "back",
    "cancel",
    "retry",
    "done",
)
# Commands that work in every state.
GLOBAL_INTENTS: tuple[PhraseIntent, ...] = ("repeat", "slower", "faster", "help", "stop", "next", "back")

RedFlagLevel = Literal["emergency", "crisis"]
RED_FLAG_LEVELS: tuple[RedFlagLevel, ...] = ("emergency", "crisis")


@dataclass(frozen=True)
class Voice:
    """Speech output settings. Invariant: min_rate_wpm <= rate_wpm <= max_rate_wpm."""

    rate_wpm: int = 150
    rate_step_wpm: int = 20
    min_rate_wpm: int = 90
    max_rate_wpm: int = 220
    volume: float = 0.9
    ready_tone: bool = True


@dataclass(frozen=True)
class Timing:
    """Listening and patience settings, all in seconds unless named otherwise.

    first_word_timeout: how long a listen waits for a first word before it counts as silence.
    answer_end_silence: a pause this long ends a spoken answer (voice only).
    answer_max: the longest spoken answer.
    note_end_silence / note_max: the same for a spoken mood note.
    long_wait: the quiet wait once the re-prompts are used up.
    max_reprompts: silences answered with a re-prompt before the long wait.
    unanswered_alert_after: silences in a row on one step before a kiosk raises a staff alert.
    low_confidence: a red flag recognised below this confidence is confirmed ("did you say ...?").
    complete_answer_silence: the pause that ends a spoken answer already heard as complete and confident
        for its step (a yes/no, a number, a choice, a command); voice only.
    complete_answer_confidence: the recognizer confidence (0..1) at or above which such an answer counts
        as confident; PocketSphinx gives correct grammar answers 0.4-1.0, so this sits below low_confidence.
    min_end_silence: the shortest pause that ends an incomplete answer once the patient's own pauses have
        been learned (it never exceeds answer_end_silence); voice only.
    """

    first_word_timeout: float = 12.0
    answer_end_silence: float = 3.5
    answer_max: float = 30.0
    note_end_silence: float = 6.0
    note_max: float = 120.0
    long_wait: float = 120.0
    max_reprompts: int = 3
    unanswered_alert_after: int = 3
    low_confidence: float = 0.6
    complete_answer_silence: float = 0.5
    complete_answer_confidence: float = 0.35
    min_end_silence: float = 1.5


@dataclass(frozen=True)
class Intent:
    """A phrase intent. Invariant: phrases non-empty; every example understands as this intent."""

    name: PhraseIntent
    phrases: tuple[str, ...]
    examples: tuple[str, ...] = ()
    keys: tuple[str, ...] = ()


@dataclass(frozen=True)
class NumberExample:
    text: str
    value: int


@dataclass(frozen=True)
class Numbers:
    """Number words (e.g. "seven" -> 7) and example utterances with their expected value."""

    words: tuple[tuple[str, int], ...]
    examples: tuple[NumberExample, ...] = ()


@dataclass(frozen=True)
class RedFlag:
    """A red-flag category. Invariant: phrases and script non-empty.

    `carriers` are sentence frames such as "i have {phrase}": each phrase is also put into the recognizer
    grammar inside each frame, so "I have chest pain" is not forced onto a short command like "i can't".
    Understanding does not need them (it finds a phrase anywhere in an utterance).
    """

    level: RedFlagLevel
    phrases: tuple[str, ...]
    script: tuple[str, ...]
    alert: str
    examples: tuple[str, ...] = ()
    carriers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Choice:
    """One answer of a `choice` step: any of `phrases` selects it and `reply` is said."""

    id: str
    phrases: tuple[str, ...]
    reply: str


@dataclass(frozen=True)
class Step:
    """One step of a dialogue.

    Every kind: `say` (short sentences said on entry), `prompt` (the question or cue that ends the step,
    said again on repeat), `reprompts` (said on silence, each adding information), `help`, `next`.
    kind-specific fields are empty/None where they do not apply; the loader rejects them on the wrong kind.

    - info:   any answer moves on.
    - choice: `choices` (+ `other_reply` for an answer that matches none), then `next`.
    - yes_no: `yes_reply`/`no_reply`, `yes_next`/`no_next` (default `next`), `yes_alert`/`no_alert`
              (staff alert text). Teach-back: `expected` ("yes"|"no") with `correction`, said when the
              answer is not the expected one; the question is asked once more, then the dialogue moves on.
    - number: `min_value`..`max_value`, `reply` (with {value}), `out_of_range`; saves a mood rating.
    - note:   `prompt` offers the note (yes/no); `record_prompt`, `readback` (with {note}), `saved`,
              `skipped`, `cancelled`; a typed free-text answer to the offer is taken as the note itself.
    - end:    says `say` and finishes the dialogue; no `next`.
    """

    id: str
    kind: StepKind
    say: tuple[str, ...] = ()
    prompt: str = ""
    reprompts: tuple[str, ...] = ()
    help: str = ""
    next: str | None = None
    # choice
    choices: tuple[Choice, ...] = ()
    other_reply: str = ""
    # yes_no
    yes_reply: str = ""
    no_reply: str = ""
    yes_next: str | None = None
    no_next: str | None = None
    yes_alert: str = ""
    no_alert: str = ""
    expected: Literal["yes", "no"] | None = None
    correction: str = ""
    # number
    min_value: int = 0
    max_value: int = 10
    reply: str = ""
    out_of_range: str = ""
    # note
    record_prompt: str = ""
    readback: str = ""
    saved: str = ""
    skipped: str = ""
    cancelled: str = ""


@dataclass(frozen=True)
class Dialogue:
    """A named dialogue. Invariant: ids unique, `start` and every next id exist, all steps reachable."""

    name: str
    title: str
    start: str
    steps: tuple[Step, ...]

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)


@dataclass(frozen=True)
class Messages:
    """Texts used in every state (global commands, silence, safety, errors). Placeholders in braces."""

    help: str
    not_understood: str
    slower: str
    faster: str
    at_slowest: str
    at_fastest: str
    stop_confirm: str
    stopped: str
    stop_cancelled: str
    cannot_go_back: str
    resume: str
    long_wait: str
    unanswered_alert: str
    red_flag_confirm: str
    red_flag_dismissed: str
    save_failed: str
    staff_acknowledged: str


@dataclass(frozen=True)
class Escort:
    """The escort summary page for the person driving the patient home.

    Invariant: every text non-blank; `instructions` and `call_for_help` have at least one line;
    `mood_line` holds only the placeholders {time} (HH:MM) and {rating}, every other text none.
    """

    title: str
    intro: str
    instructions_heading: str
    instructions: tuple[str, ...]
    call_for_help_heading: str
    call_for_help: tuple[str, ...]
    checkin_heading: str
    mood_line: str
    no_checkin: str
    note_saved: str


@dataclass(frozen=True)
class Content:
    """Everything loaded from one content.toml."""

    source: str
    voice: Voice
    timing: Timing
    messages: Messages
    intents: tuple[Intent, ...]
    numbers: Numbers
    red_flags: tuple[RedFlag, ...]
    dialogues: tuple[Dialogue, ...]
    escort: Escort
    default_dialogue: str = "post_session"

    def dialogue(self, name: str) -> Dialogue:
        for dialogue in self.dialogues:
            if dialogue.name == name:
                return dialogue
        raise KeyError(name)

    def intent(self, name: PhraseIntent) -> Intent:
        for intent in self.intents:
            if intent.name == name:
                return intent
        raise KeyError(name)
