"""Content as frozen values: every word ketavoice says and every phrase it understands.

The loader (`ketavoice.content.loader`) builds these from content.toml and guarantees the invariants
documented on each class; the engine and understanding trust them and never re-validate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from ketavoice.content.instruments import Instrument

StepKind = Literal["info", "choice", "yes_no", "number", "note", "screen", "end"]
STEP_KINDS: tuple[StepKind, ...] = ("info", "choice", "yes_no", "number", "note", "screen", "end")

# Intents with phrase lists in content.toml. `number`, `emergency`, `crisis` and `unknown` are produced
# by other means (number words, red-flag lists, fallback).
PhraseIntent = Literal[
    "yes",
    "no",
    "unsure",
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
    "staff",
]
PHRASE_INTENTS: tuple[PhraseIntent, ...] = get_args(PhraseIntent)
# Intents a content file may leave out (older files); understanding then never produces them.
OPTIONAL_INTENTS: tuple[PhraseIntent, ...] = ("unsure", "staff")
# Commands that work in every state. `staff` (a request for a person) is heard in every step and mode.
GLOBAL_INTENTS: tuple[PhraseIntent, ...] = (
    "repeat", "slower", "faster", "help", "stop", "next", "back", "staff",
)

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


Certainty = Literal["certain", "possible"]


@dataclass(frozen=True)
class Concept:
    """One red-flag concept a clinician can read: what it is called and the word patterns that say it.

    `patterns` use the language of `ketavoice.understanding.patterns`. `unless` patterns in the same
    clause make a match harmless ("cut myself shaving"). `certainty = "possible"` marks a vague concept
    that only ever asks its check question. `others` marks a concept about a person next to the patient
    ("my husband isn't breathing"), which stays certain when said of someone else. `examples` must be
    caught and `calm` lines must never be certain (both run as tests).
    """

    id: str
    name: str
    patterns: tuple[str, ...]
    check: str = ""
    unless: tuple[str, ...] = ()
    certainty: Certainty = "certain"
    others: bool = False
    examples: tuple[str, ...] = ()
    calm: tuple[str, ...] = ()


@dataclass(frozen=True)
class RedFlag:
    """A red-flag level. Invariant: at least one concept or phrase; script non-empty.

    `script` is said in the clinic, `home_script` at home (where nobody has been called: it says whom
    to call); `companion_script` / `companion_home_script` instead when the person beside the patient
    reports the patient's danger (stay with them, whom to call, what to put away). `phrases` are the
    recognizer's red-flag vocabulary; a level without concepts (an older
    file) also matches them, each phrase a concept of its own. `check` is the
    question asked when a flag is only possible, with {concept} for the concept's name; a concept's own
    `check` wins. `frames` are the recognizer grammar's sentence frames, each with the phrases that fit
    it ("i want to {phrase}": "die", "end my life"); `carriers` (older files) frame every phrase.
    """

    level: RedFlagLevel
    phrases: tuple[str, ...]
    script: tuple[str, ...]
    alert: str
    examples: tuple[str, ...] = ()
    carriers: tuple[str, ...] = ()
    frames: tuple[tuple[str, tuple[str, ...]], ...] = ()
    home_script: tuple[str, ...] = ()
    concepts: tuple[Concept, ...] = ()
    check: str = "Just to be safe: do you have {concept} right now?"
    # Said to the person beside the patient when they report the patient's danger (clinic, home).
    companion_script: tuple[str, ...] = ()
    companion_home_script: tuple[str, ...] = ()


@dataclass(frozen=True)
class Understanding:
    """Language settings of understanding: `rewrites` map words as heard to words as matched ("wanna"
    -> "want to", "cannot" -> "cant"); `idioms` are patterns of harmless everyday uses of alarming
    words ("dying for", "killing me"); `mood_low` / `mood_high` are words for a mood without a number.
    `called` / `not_called` answer the home hold's "Did you call?"; `today` / `tomorrow` are
    time expressions a "When can you ...?" teach-back resolves to (a number of hours is resolved in code).
    `ride_people` / `ride_taking` / `ride_self` / `ride_pending` answer "Do you have someone to drive you
    home?" in the patient's own words (`asks_ride`): someone taking them, their own way home, not settled.
    """

    rewrites: tuple[tuple[str, str], ...] = ()
    idioms: tuple[str, ...] = ()
    mood_low: tuple[str, ...] = ()
    mood_high: tuple[str, ...] = ()
    mood_middle: tuple[str, ...] = ()
    called: tuple[str, ...] = ()
    not_called: tuple[str, ...] = ()
    today: tuple[str, ...] = ()
    tomorrow: tuple[str, ...] = ()
    ride_people: tuple[str, ...] = ()
    ride_taking: tuple[str, ...] = ()
    ride_self: tuple[str, ...] = ()
    ride_pending: tuple[str, ...] = ()


@dataclass(frozen=True)
class Choice:
    """One answer of a `choice` step: any of `phrases` selects it and `reply` is said."""

    id: str
    phrases: tuple[str, ...]
    reply: str
    # The choice that denying this one means ("not okay" -> "distress"); "" when a denial means nothing.
    denied: str = ""
    # A note for staff when this choice is given ("Patient says they feel scared"); "" for none.
    alert: str = ""


@dataclass(frozen=True)
class Step:
    """One step of a dialogue.

    Every kind: `say` (short sentences said on entry), `prompt` (the question or cue that ends the step,
    said again on repeat), `reprompts` (said on silence, each adding information), `help`, `next`.
    kind-specific fields are empty/None where they do not apply; the loader rejects them on the wrong kind.

    - info:   any answer moves on.
    - choice: `choices` (+ `other_reply` and `other_alert` for an answer that matches none), then `next`.
    - yes_no: `yes_reply`/`no_reply`, `yes_next`/`no_next` (default `next`), `yes_alert`/`no_alert`
              (staff alert text). Teach-back: `expected` ("yes"|"no") with `correction`, said when the
              answer is not the expected one; the question is asked once more, then the dialogue moves on.
              `unsure_as` says what "not sure" counts as (ride home: no); a teach-back counts it as wrong.
              `asks_when`: the question is "When can you ...?": a time meaning today counts as yes, one
              meaning tomorrow or later as no ([understanding] today / tomorrow, and hours in code).
    - number: `min_value`..`max_value`, `reply` (with {value}), `out_of_range`; saves a mood rating.
    - note:   `prompt` offers the note (yes/no); `record_prompt`, `readback` (with {note}), `saved`,
              `skipped`, `cancelled`; a typed free-text answer to the offer is taken as the note itself.
    - screen: asks the validated questionnaires named in `instruments` ([instruments.*]), in order,
              with their own stepping (PHQ-2 -> PHQ-9, GAD-2 -> GAD-7, ASQ acuity), then `next`.
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
    other_alert: str = ""  # a staff note when the answer matched no choice (the words are kept with it)
    # yes_no
    yes_reply: str = ""
    no_reply: str = ""
    yes_next: str | None = None
    no_next: str | None = None
    yes_alert: str = ""
    no_alert: str = ""
    expected: Literal["yes", "no"] | None = None
    correction: str = ""
    unsure_as: Literal["yes", "no"] | None = None  # what "I'm not sure" counts as; None: ask again
    record: bool = False  # yes_no / choice: the answer is kept as a record for the care team
    asks_when: bool = False  # "When can you drive again?": today is yes, tomorrow or later is no
    asks_ride: bool = False  # "Do you have someone to drive you home?": read by who takes them (ride_*)
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
    # screen
    instruments: tuple[str, ...] = ()


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
    # Optional (older content files lack them): the hold after a certain red flag, per setting.
    hold_clinic: str = "I've told the staff. Someone is coming. Stay where you are. I'm here with you."
    hold_clinic_repeat: str = "Someone is coming. Stay where you are. I'm here with you."
    hold_released: str = "The staff have seen your alert. When you're ready, we'll go on."
    # The clinic hold when the alert has not reached the nurse station: said plainly, never "coming".
    hold_unreachable: str = (
        "The nurse station can't be reached. Press the call button or call out for staff."
    )
    hold_unreachable_repeat: str = "Press the call button or call out for staff. I'm here with you."
    hold_no_station: str = "This device can't reach the staff. Call out for someone near you, or call 911."
    hold_no_station_repeat: str = "Call out for someone near you, or call 911. I'm here with you."
    hold_reached: str = "The nurse station has your alert now. Someone is coming. Stay where you are."
    hold_home_question: str = "Were you able to call?"
    hold_home_done: str = "Thank you for calling. Stay with them, and follow their advice. We'll stop here."
    hold_home_repeat: str = "Please call now. I'll wait."
    red_flag_dismissed_home: str = "Okay. Thank you. If anything changes, call 911, or call or text 988."
    mood_low_follow_up: str = "I'm sorry it's hard. On a scale of zero to ten, about how low?"
    mood_middle_follow_up: str = "Thank you. On a scale of zero to ten, about where?"
    mood_high_follow_up: str = "Good to hear. On a scale of zero to ten, about how good?"
    low_mood_check: str = "Thank you for telling me. Are you having thoughts of ending your life right now?"
    low_mood_alert: str = "Low mood rating after the session; please check on the patient."
    mood_drop_alert: str = "Mood rating dropped since the last session; please check on the patient."
    yes_no_keys: str = "Please say yes or no. You can also press Y or N."
    number_keys: str = "Please say one number from zero to ten, or press a number key."
    wrong_teach_back_alert: str = "Patient still says they can drive today."
    confirm_number: str = "Did you say {value}? Please say yes or no."
    # The check question for a red flag only speech suggests (the readings disagree, or one was unsure):
    # it quotes what was heard, so that "yes" means "I said that".
    heard_check: str = "I may have heard '{heard}'. Did you say that?"
    number_again: str = "Okay. Please say the number again."
    record_prompt_typed: str = "Okay. Type your note, then press Enter."
    # A question with no approved answer: kept for the care team (ask-anything).
    question_saved: str = "I don't have an answer to that. I've saved it for your care team."
    question_alert: str = "The patient asked a question the device has no approved answer for."
    # A check question answered with a question or something unclear: asked once more, plainly.
    check_again: str = "I need to be sure you're safe. Please answer yes or no."
    # The learned tier's check questions (it names no concept, only the kind of danger).
    learned_check_emergency: str = (
        "Just to be safe: is something wrong with your body that staff should check?"
    )
    learned_check_crisis: str = (
        "Just to be safe: are you thinking of ending your life or hurting yourself?"
    )
    # The home hold: "okay" is an acknowledgement, "not yet" gets other ways and a means-restriction line.
    hold_home_ack: str = "Okay. Please call or text now. I'll wait."
    hold_home_alternatives: str = "If you can't call, text 988, or ask someone nearby to call 911."
    hold_home_means: str = "Unlock your door if you can. Move away from any pills or weapons."
    hold_home_called_alert: str = "Home hold: the patient says they called for help."
    hold_home_not_yet_alert: str = "Home hold: the patient has not called for help yet."
    hold_home_ended_alert: str = "Home hold: the session ended without a confirmed call."
    # A request for a person ("I need the nurse"): a staff note in the clinic, the clinic's number at home.
    staff_called: str = "I've asked a nurse to come."
    staff_unreached: str = "The nurse station can't be reached from here. Please call out for staff."
    staff_home: str = "Please call the clinic. If someone is with you, tell them now."
    staff_alert: str = "The patient asked for a person. Not urgent unless they say more."
    # An answer not understood three times: its words are kept for staff and the dialogue goes on.
    choices_keys: str = "Please say one of these, or press its key."
    not_understood_alert: str = "An answer was not understood three times; the patient's words are kept."
    not_understood_moving_on: str = "Thank you. I'll pass your words to your care team, and we'll go on."
    # A low mood said in words, asked twice with no number.
    low_mood_words_alert: str = "Mood said in words, no number: low (no number)."


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
    # Today's staff alerts (optional keys; `alert_line` holds {time} and {text}, the alert's own text).
    alerts_heading: str = "Alerts raised today"
    alert_line: str = "{time}: {text}"
    no_alerts: str = "No alerts were raised today."


@dataclass(frozen=True)
class Clinic:
    """The clinic's own details. `phone` replaces {clinic_phone} in every text when content is loaded."""

    phone: str = ""


@dataclass(frozen=True)
class Topic:
    """An approved answer to a common question ([answers.<id>]): what is said (`say` in the clinic,
    `home_say` at home when it differs), the word patterns that name the topic, example questions
    (tested) and the public source the answer follows."""

    id: str
    name: str
    say: tuple[str, ...]
    patterns: tuple[str, ...]
    examples: tuple[str, ...]
    source: str
    home_say: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExpectedEffect:
    """A transient after-effect patients are told to expect ([expected_effects.<id>]): recognised by its
    patterns in any step, answered with a calm, specific reassurance (`reply`, `home_reply` at home)."""

    id: str
    name: str
    patterns: tuple[str, ...]
    reply: tuple[str, ...]
    source: str
    home_reply: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    calm: tuple[str, ...] = ()


# The longest spoken turn `content check` accepts unless [meta] max_turn_words says otherwise.
DEFAULT_MAX_TURN_WORDS = 25
# The most words heard between two listens (a reply and the next question together), [meta] max_heard_words.
DEFAULT_MAX_HEARD_WORDS = 30


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
    understanding: Understanding = Understanding()
    # Indexes built from this content by other layers (understanding), once per loaded content.
    derived: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)
    clinic: Clinic = Clinic()
    instruments: tuple[Instrument, ...] = ()
    max_turn_words: int = DEFAULT_MAX_TURN_WORDS
    answers: tuple[Topic, ...] = ()
    expected_effects: tuple[ExpectedEffect, ...] = ()
    max_heard_words: int = DEFAULT_MAX_HEARD_WORDS

    def dialogue(self, name: str) -> Dialogue:
        for dialogue in self.dialogues:
            if dialogue.name == name:
                return dialogue
        raise KeyError(name)

    def instrument(self, key: str) -> Instrument:
        for instrument in self.instruments:
            if instrument.key == key:
                return instrument
        raise KeyError(key)

    def intent(self, name: PhraseIntent) -> Intent:
        for intent in self.intents:
            if intent.name == name:
                return intent
        if name in OPTIONAL_INTENTS:
            return Intent(name=name, phrases=())
        raise KeyError(name)
