"""The dialogue engine: events in, actions out. Pure, synchronous and deterministic.

It touches no device, thread or file: time comes from the `clock` passed in and storage goes through the
`Journal` port. Every front end (chat, voice loop, TUI, kiosk) drives this one class, so every dialogue
rule lives here. Safety comes first in `_on_text`: red flags are judged before anything else, in three
tiers. A certain flag writes its alert to the journal before any action is returned and starts a
*hold*: the script for the setting, then gentle repeats, never the routine questions, until staff
acknowledge (clinic) or the patient confirms they called for help (home). A possible flag asks its
named check question: "no" goes back to where the patient was; yes, anything unclear or silence
escalates to the hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ketavoice.content.instruments import Instrument
from ketavoice.content.model import GLOBAL_INTENTS, Content, RedFlag, RedFlagLevel, Step
from ketavoice.engine.events import (
    Acknowledge,
    Action,
    Alert,
    AlertLevel,
    Ended,
    Event,
    Finish,
    FinishStatus,
    Heard,
    Listen,
    Pressed,
    Saved,
    SavedKind,
    Say,
    SecondOpinion,
    SetRate,
    Setting,
    Silence,
    Started,
    Tick,
    Typed,
)
from ketavoice.engine.screening_run import ScreeningRun
from ketavoice.engine.state import Mode, PendingNote, State, strip_done
from ketavoice.errors import JournalError
from ketavoice.journal.base import Actor, Certainty, Journal, NoteStatus
from ketavoice.meaning import Expect, Flag, Understood
from ketavoice.screening.answers import interpret
from ketavoice.screening.model import ItemAnswer
from ketavoice.screening.plan import is_crisis_answer, line_before
from ketavoice.screening.scoring import score
from ketavoice.understanding import flags_in, grammar_phrases, intent_for_key, understand
from ketavoice.understanding.normalize import tokens

# In a spoken note, a short utterance that is only a command is a command; anything longer is the note.
_NOTE_COMMAND_MAX_WORDS = 3
# At a note offer, a typed yes or no longer than this is taken as the note itself.
_SHORT_ANSWER_WORDS = 5
# Answers not understood in a row before the question offers its keys, or a choice keeps the words.
_MISSES_BEFORE_OFFER = 2
# A mood rating at or below this asks about thoughts of ending one's life (ASQ acuity wording).
_LOW_MOOD = 3
# A drop in the mood rating of this much since the last one also leads to the ASQ.
_MOOD_DROP = 3
# Unclear answers to one questionnaire item before it is settled (ASQ: counted positive, as its
# guidance says of a refusal; PHQ/GAD: the form ends incomplete).
_SCREEN_MISSES = 3
# How much of the patient's words an alert keeps for staff.
_ALERT_WORDS_MAX = 200


class Engine:
    """One patient's dialogue. Not thread-safe: a front end calls `handle` from one thread only."""

    def __init__(
        self,
        content: Content,
        journal: Journal,
        *,
        patient_id: str,
        dialogue: str | None = None,
        clock: Callable[[], float],
        kiosk: bool = False,
        setting: Setting | None = None,
    ) -> None:
        self.content = content
        self.dialogue = content.dialogue(dialogue or content.default_dialogue)
        self.journal = journal
        self.patient_id = patient_id
        self.kiosk = kiosk
        # Clinic unless told otherwise, except the home check-in: a device in a recovery room has staff.
        self.setting: Setting = setting or ("home" if self.dialogue.name == "checkin" else "clinic")
        self._clock = clock
        self._state = State(step_id=self.dialogue.start, rate_wpm=content.voice.rate_wpm)
        self._listen_seq = 0
        self._pending_listen: Listen | None = None
        self._deadline: float | None = None
        self._grammar = "any"

    # ---- read-only views for front ends -----------------------------------------------------------

    @property
    def finished(self) -> bool:
        return self._state.mode is Mode.FINISHED

    @property
    def step_id(self) -> str:
        return self._state.step_id

    @property
    def rate_wpm(self) -> int:
        return self._state.rate_wpm

    @property
    def session_id(self) -> int | None:
        return self._state.session_id

    @property
    def pending_listen(self) -> Listen | None:
        return self._pending_listen

    @property
    def on_hold(self) -> bool:
        return self._state.mode is Mode.HOLD

    @property
    def step(self) -> Step:
        return self.dialogue.step(self._state.step_id)

    # ---- the one entry point ----------------------------------------------------------------------

    def handle(self, event: Event) -> list[Action]:
        """Apply one event and return what the front end must do, in order."""
        state = self._state
        if isinstance(event, Acknowledge):
            return self._acknowledge(event)
        if state.mode is Mode.FINISHED:
            return self._after_finish(event)
        if isinstance(event, Started):
            if state.mode is not Mode.NOT_STARTED:
                return []
            state.session_id = self.journal.start_session(self.patient_id, self.dialogue.name, self._clock())
            return self._enter(self.dialogue.start, remember=False)
        if state.mode is Mode.NOT_STARTED:
            return []
        if isinstance(event, Ended):
            return self._end_early()
        if isinstance(event, SecondOpinion):
            return self._second_opinion(event.text)
        if isinstance(event, Tick):
            if self._deadline is None or event.now < self._deadline:
                return []
            return self._on_silence()
        if isinstance(event, Silence):
            if self._is_stale(event.listen_id):
                return []
            return self._on_silence()
        if isinstance(event, Heard):
            if self._is_stale(event.listen_id):
                return self._stale_heard(event)
            self._audit("patient", "heard", event.text)
            return self._on_text(
                event.text,
                event.confidence,
                event.audio,
                event.machine_transcript,
                event.alternatives,
                event.second_opinion_follows,
            )
        if isinstance(event, Typed):
            self._audit("patient", "typed", event.text)
            return self._on_text(event.text, 1.0, None, False)
        if isinstance(event, Pressed):
            self._audit("patient", "key", event.key)
            return self._on_key(event.key)
        return []

    # ---- inputs -----------------------------------------------------------------------------------

    def _is_stale(self, listen_id: int | None) -> bool:
        return listen_id is not None and listen_id != self._listen_seq

    def _stale_heard(self, event: Heard) -> list[Action]:
        """A late answer to a superseded listen is dropped, unless it holds a red flag: those never are."""
        flags = self._heard_flags(flags_in(self.content, event.text), event.confidence, event.alternatives)
        if not flags:
            return []
        self._audit("patient", "heard", event.text)
        return self._safety(flags, event.text)

    def _on_key(self, key: str) -> list[Action]:
        if key.isdecimal():
            return self._dispatch(Understood(key, "number", int(key)), key, None, False)
        intent = intent_for_key(self.content, key)
        if intent is None:
            return []
        if self._state.mode is Mode.RECORDING_NOTE and intent not in (*GLOBAL_INTENTS, "cancel"):
            # A key carries no words, so it is never the note itself: "done" ends it with nothing said.
            if intent == "done":
                return self._dispatch(Understood("", intent), "", None, False)
            return self._ask(full=False)
        return self._dispatch(Understood(key, intent), key, None, False)

    def _heard_flags(
        self,
        flags: tuple[Flag, ...],
        confidence: float,
        alternatives: tuple[str, ...],
        unconfirmed: bool = False,
    ) -> tuple[Flag, ...]:
        """Flags in speech: heard with low confidence, or by a grammar whose free-form second opinion is
        still to come, they are only possible; a red flag among the recognizer's runner-up hypotheses is
        possible too, never dropped."""
        if confidence < self.content.timing.low_confidence:
            flags = tuple(flag.as_possible("low_confidence") for flag in flags)
        elif unconfirmed:
            flags = tuple(flag.as_possible("misheard") for flag in flags)
        if flags:
            return flags
        for alternative in alternatives:
            heard = tuple(flag.as_possible("misheard") for flag in flags_in(self.content, alternative))
            if heard:
                self._audit("system", "possible_red_flag", alternative)
                return heard
        return ()

    def _on_text(
        self,
        text: str,
        confidence: float,
        audio: bytes | None,
        machine: bool,
        alternatives: tuple[str, ...] = (),
        unconfirmed: bool = False,
    ) -> list[Action]:
        state = self._state
        meaning = understand(self.content, text, self.step if state.mode is Mode.ASKING else None)
        flags = self._heard_flags(meaning.flags, confidence, alternatives, unconfirmed)
        if state.mode is Mode.RECORDING_NOTE and flags:
            # The words are still the patient's note: keep them, read back once the flag is dealt with.
            state.note = PendingNote(strip_done(self.content, text), audio, machine)
            state.mode = Mode.CONFIRMING_NOTE
        if state.mode is Mode.HOLD:
            return self._in_hold(flags, meaning, text)
        if state.mode is Mode.CHECKING_FLAG:
            return self._check_answer(flags, meaning, text)
        if flags:
            return self._safety(flags, text)
        return self._dispatch(meaning, text, audio, machine)

    def _dispatch(self, meaning: Understood, text: str, audio: bytes | None, machine: bool) -> list[Action]:
        state = self._state
        state.attempts = 0
        state.unanswered = 0
        if state.mode is Mode.RECORDING_NOTE:
            is_command = meaning.intent in GLOBAL_INTENTS or meaning.intent == "cancel"
            if not (is_command and len(tokens(text)) <= _NOTE_COMMAND_MAX_WORDS):
                return self._note_heard(text, audio, machine)
            if meaning.intent == "cancel":
                return self._move_on(self.step.next, self._says([self.step.cancelled]))
        if state.mode is Mode.HOLD:
            return self._in_hold((), meaning, text)
        if state.mode is Mode.CHECKING_FLAG:
            return self._check_answer((), meaning, text)
        if state.mode is Mode.CONFIRMING_STOP:
            return self._stop_answer(meaning)
        if state.mode is Mode.SCREENING:
            answered = self._screening_answer(meaning, text)
            if answered is not None:
                return answered
        global_actions = self._global_command(meaning.intent)
        if global_actions is not None:
            return global_actions
        if state.mode is Mode.SCREENING:
            return self._screening_miss()
        if state.mode is Mode.CONFIRMING_NOTE:
            return self._note_confirm_answer(meaning)
        if state.mode is Mode.RECORDING_NOTE:
            return self._note_heard(text, audio, machine)
        return self._step_answer(meaning, text, typed=audio is None and not machine)

    def _global_command(self, intent: str) -> list[Action] | None:
        state = self._state
        self._state.misses = 0
        messages = self.content.messages
        voice = self.content.voice
        if intent == "repeat":
            return self._ask(full=True)
        if intent == "help":
            texts = [t for t in (self.step.help, messages.help) if t]
            return self._says(texts) + self._ask(full=False)
        if intent in ("slower", "faster"):
            delta = -voice.rate_step_wpm if intent == "slower" else voice.rate_step_wpm
            new_rate = min(voice.max_rate_wpm, max(voice.min_rate_wpm, state.rate_wpm + delta))
            if new_rate == state.rate_wpm:
                limit = messages.at_slowest if intent == "slower" else messages.at_fastest
                return self._says([limit]) + self._ask(full=False)
            state.rate_wpm = new_rate
            said = messages.slower if intent == "slower" else messages.faster
            return [SetRate(new_rate, state.step_id), *self._says([said]), *self._ask(full=True)]
        if intent == "stop":
            state.resume_mode = state.mode
            state.mode = Mode.CONFIRMING_STOP
            return self._says([messages.stop_confirm]) + [self._listen("yes_no", "yes_no")]
        if intent == "back":
            if not state.history:
                return self._says([messages.cannot_go_back]) + self._ask(full=False)
            # Leaving an unconfirmed note behind keeps it as a draft, as stopping does.
            return self._draft_pending_note() + self._enter(state.history.pop(), remember=False)
        if intent == "next":
            target = self._way_on(self.step)
            if target is None:
                return self._ask(full=False)
            return self._draft_pending_note() + self._enter(target)
        return None

    # ---- safety -----------------------------------------------------------------------------------

    def _safety(self, flags: tuple[Flag, ...], text: str) -> list[Action]:
        """Certain flags start (or join) the hold; otherwise the first possible flag is checked."""
        certain = tuple(flag for flag in flags if flag.certainty == "certain")
        if certain:
            return self._hold(certain, text)
        return self._check(flags[0], text)

    def _second_opinion(self, text: str) -> list[Action]:
        """A free-form reading of the last utterance, a moment after the grammar's. A red flag both
        heard is certain; one only it heard is asked about; otherwise nothing changes."""
        state = self._state
        flags = flags_in(self.content, text)
        if not flags or state.mode in (Mode.HOLD, Mode.FINISHED):
            return []
        self._audit("system", "second_opinion", text)
        asked = state.checking
        if state.mode is Mode.CHECKING_FLAG and asked is not None:
            agreeing = [flag for flag in flags if flag.level == asked.level and flag.certainty == "certain"]
            if not agreeing:
                return []  # the question stands; the patient's answer decides
            return self._hold((asked.as_certain(),), text)
        return self._check(flags[0].as_possible("misheard"), text)

    def _check(self, flag: Flag, text: str) -> list[Action]:
        state = self._state
        # Staff hear of it even if the patient then says no: a missed red flag is the worst bug.
        alert = self._alert(flag.level, self._alert_text(flag, text), "possible", flag.concept)
        if state.mode is not Mode.CHECKING_FLAG:
            state.flag_resume_mode = state.mode
        state.checking = flag
        state.mode = Mode.CHECKING_FLAG
        return [alert, *self._says([flag.check], urgent=True), self._listen("yes_no", "yes_no")]

    def _check_answer(self, flags: tuple[Flag, ...], meaning: Understood, text: str) -> list[Action]:
        state = self._state
        asked = state.checking
        assert asked is not None
        certain = tuple(flag for flag in flags if flag.certainty == "certain")
        asked_now = asked.as_certain()
        if certain:
            # Another danger while the question is open: the question was not answered with "no".
            return self._hold((*certain, asked_now), text)
        if meaning.intent == "no" and not flags:
            state.mode = state.flag_resume_mode or Mode.ASKING
            state.checking = None
            messages = self.content.messages
            dismissed = (
                messages.red_flag_dismissed if self.setting == "clinic" else messages.red_flag_dismissed_home
            )
            return self._says([dismissed]) + self._ask(full=False)
        # Yes, anything unclear, or another possible flag: when unsure, act as if it were true.
        return self._hold((asked_now,), text)

    def _hold(self, flags: tuple[Flag, ...], text: str) -> list[Action]:
        """Alert and script for each new level, then hold: never back to routine without an all-clear."""
        state = self._state
        if state.mode not in (Mode.HOLD, Mode.CHECKING_FLAG):
            state.flag_resume_mode = state.mode
        if state.flag_resume_mode in (Mode.RECORDING_NOTE, Mode.CONFIRMING_NOTE):
            state.flag_resume_mode = Mode.ASKING  # the note offer is asked again after the hold
        state.mode = Mode.HOLD
        state.checking = None
        actions: list[Action] = []
        for flag in flags:
            if flag.level in state.hold_levels:
                continue
            red_flag = self._red_flag_content(flag.level)
            alert = self._alert(
                flag.level, self._alert_text(flag, text, red_flag.alert), "certain", flag.concept
            )
            actions.append(alert)
            state.hold_levels += (flag.level,)
            if alert.alert_id >= 0:
                state.hold_alert_ids += (alert.alert_id,)
            actions += self._says(self._script(red_flag), urgent=True)
        new_alerts = any(isinstance(action, Alert) for action in actions)
        # Nothing said is lost while the hold lasts: a note being recorded or confirmed is kept now.
        actions += self._draft_pending_note()
        return actions + self._hold_prompt(repeat=not new_alerts)

    def _hold_prompt(self, repeat: bool) -> list[Action]:
        messages = self.content.messages
        if self.setting == "home":
            texts = (
                [messages.hold_home_repeat, messages.hold_home_question]
                if repeat
                else [messages.hold_home_question]
            )
            return self._says(texts, urgent=True) + [self._listen("yes_no", "yes_no")]
        text = messages.hold_clinic_repeat if repeat else messages.hold_clinic
        return self._says([text], urgent=True) + [self._listen("any", "any")]

    def _in_hold(self, flags: tuple[Flag, ...], meaning: Understood, text: str) -> list[Action]:
        """Everything said in a hold is kept (audited); a new danger adds its alert; at home a confirmed
        call ends the session gently; nothing else leaves the hold."""
        state = self._state
        new = tuple(flag.as_certain() for flag in flags if flag.level not in state.hold_levels)
        if new:
            return self._hold(new, text)
        if self.setting == "home" and meaning.intent == "yes":
            return (
                self._draft_pending_note()
                + self._says([self.content.messages.hold_home_done])
                + self._finish("stopped")
            )
        return self._hold_prompt(repeat=True)

    def _release_hold(self) -> list[Action]:
        state = self._state
        state.mode = state.flag_resume_mode or Mode.ASKING
        if state.mode in (Mode.HOLD, Mode.CHECKING_FLAG):
            state.mode = Mode.ASKING
        state.hold_levels = ()
        state.hold_alert_ids = ()
        released = self._says([self.content.messages.hold_released])
        if state.mode is Mode.ASKING and self.step.kind in ("end", "screen"):
            return released + self._enter(state.step_id, remember=False)
        return released + self._ask(full=state.mode is Mode.SCREENING)

    def _red_flag_content(self, level: RedFlagLevel) -> RedFlag:
        return next(flag for flag in self.content.red_flags if flag.level == level)

    def _alert_text(self, flag: Flag, text: str, headline: str = "") -> str:
        said = " ".join(text.split())[:_ALERT_WORDS_MAX]
        if flag.certainty == "possible":
            headline = f"Possible {flag.level} red flag: check question asked."
        return f"{headline} ({flag.concept}) Patient said: \u201c{said}\u201d"

    def _after_finish(self, event: Event) -> list[Action]:
        """The dialogue is over, but a red flag typed or said afterwards is still answered."""
        if not isinstance(event, Heard | Typed):
            return []
        self._audit("patient", "heard" if isinstance(event, Heard) else "typed", event.text)
        actions: list[Action] = []
        for flag in flags_in(self.content, event.text):
            red_flag = self._red_flag_content(flag.level)
            actions.append(
                self._alert(
                    flag.level,
                    self._alert_text(flag, event.text, red_flag.alert),
                    flag.certainty,
                    flag.concept,
                )
            )
            actions += self._says(self._script(red_flag), urgent=True)
        return actions

    def _script(self, red_flag: RedFlag) -> tuple[str, ...]:
        """What to do now, for this setting: at home nobody has been called, so it says whom to call."""
        return red_flag.home_script if self.setting == "home" and red_flag.home_script else red_flag.script

    def _alert(
        self, level: AlertLevel, text: str, certainty: Certainty = "certain", concept: str = ""
    ) -> Alert:
        state = self._state
        try:
            alert_id = self.journal.add_alert(
                state.session_id, self.patient_id, level, text, self._clock(), certainty=certainty
            )
        except JournalError:
            alert_id = -1  # still shown and said: safety never waits on storage
        return Alert(level, text, alert_id, state.step_id, certainty, concept)

    def _acknowledge(self, event: Acknowledge) -> list[Action]:
        self.journal.acknowledge_alert(event.alert_id, event.staff, self._clock())
        self._audit("staff", "acknowledge", f"alert {event.alert_id}")
        state = self._state
        if state.mode is not Mode.HOLD or self.setting != "clinic":
            return []
        state.hold_alert_ids = tuple(i for i in state.hold_alert_ids if i != event.alert_id)
        if state.hold_alert_ids:
            return []  # another alert of this hold is still open
        return self._release_hold()

    # ---- stopping ---------------------------------------------------------------------------------

    def _stop_answer(self, meaning: Understood) -> list[Action]:
        state = self._state
        if meaning.intent in ("yes", "stop"):
            return (
                self._draft_pending_note()
                + self._says([self.content.messages.stopped])
                + self._finish("stopped")
            )
        if meaning.intent == "no":
            state.mode = state.resume_mode or Mode.ASKING
            return self._says([self.content.messages.stop_cancelled]) + self._ask(full=False)
        return self._says([self.content.messages.not_understood, self.content.messages.stop_confirm]) + [
            self._listen("yes_no", "yes_no")
        ]

    def _end_early(self) -> list[Action]:
        """The front end is going away: draft an unconfirmed note, close the session."""
        return self._draft_pending_note() + self._finish("ended")

    def _draft_pending_note(self) -> list[Action]:
        note = self._state.note
        if note is None or not note.text:
            return []
        return self._store_note(note, status="draft")

    def _finish(self, status: FinishStatus) -> list[Action]:
        state = self._state
        state.mode = Mode.FINISHED
        self._pending_listen = None
        self._deadline = None
        if state.session_id is not None:
            try:
                self.journal.end_session(state.session_id, status, self._clock())
            except JournalError:
                pass  # the moods and notes are already saved; a missing end time loses nothing
        return [Finish(status, state.step_id)]

    # ---- steps ------------------------------------------------------------------------------------

    def _enter(self, step_id: str, remember: bool = True) -> list[Action]:
        state = self._state
        if remember and state.step_id != step_id and state.mode is not Mode.NOT_STARTED:
            state.history.append(state.step_id)
        state.step_id = step_id
        state.mode = Mode.ASKING
        state.attempts = 0
        state.unanswered = 0
        state.alerted_unanswered = False
        state.teach_back_tries = 0
        state.misses = 0
        state.note = None
        step = self.step
        if step.kind == "end":
            return self._says(step.say) + self._finish("completed")
        if step.kind == "screen":
            return self._says(step.say) + self._start_screening(step.instruments, step.next)
        return self._ask(full=True)

    def _way_on(self, step: Step) -> str | None:
        return step.next or step.yes_next or step.no_next

    def _move_on(self, target: str | None, before: list[Action]) -> list[Action]:
        if target is None:
            return before + self._finish("completed")
        return before + self._enter(target)

    def _step_answer(self, meaning: Understood, text: str, typed: bool) -> list[Action]:
        step = self.step
        intent = meaning.intent
        if step.kind == "info":
            if intent == "no":
                return self._says([self.content.messages.long_wait]) + [self._listen_long()]
            return self._move_on(step.next, [])
        if step.kind == "choice":
            return self._choice_answer(step, meaning, text)
        if step.kind == "yes_no":
            return self._yes_no_answer(step, intent)
        if step.kind == "number":
            return self._number_answer(step, meaning)
        if step.kind == "note":
            words = len(tokens(text))
            if intent == "yes" and words <= _SHORT_ANSWER_WORDS:
                self._state.mode = Mode.RECORDING_NOTE
                return self._ask(full=True)
            if intent == "no" and words <= _SHORT_ANSWER_WORDS:
                return self._move_on(step.next, self._says([step.skipped]))
            if typed and words >= 2:
                # A caregiver typing the note straight away: take it as the note, read back as usual.
                return self._note_heard(text, None, False)
        return self._not_understood()

    def _choice_answer(self, step: Step, meaning: Understood, text: str) -> list[Action]:
        """A listed choice, or the patient's own words: kept for staff with a neutral reply, never
        reassurance for something not understood."""
        intent = meaning.intent
        if intent not in ("choice", "unknown", "yes", "no", "unsure", "mood"):
            return self._not_understood()
        chosen = (
            next((c for c in step.choices if c.id == meaning.value), None) if intent == "choice" else None
        )
        actions: list[Action] = []
        if chosen is not None:
            if chosen.alert:
                actions.append(self._alert("note", chosen.alert))
            return self._move_on(step.next, actions + self._says([chosen.reply]))
        if step.other_alert:
            said = " ".join(text.split())[:_ALERT_WORDS_MAX]
            actions.append(self._alert("note", f"{step.other_alert} Patient said: \u201c{said}\u201d"))
        return self._move_on(step.next, actions + self._says([step.other_reply]))

    def _yes_no_answer(self, step: Step, intent: str) -> list[Action]:
        state = self._state
        if intent == "unsure":
            # A teach-back counts doubt as a wrong answer; elsewhere the step says what doubt means.
            wrong = "yes" if step.expected == "no" else "no"
            intent = wrong if step.expected is not None else (step.unsure_as or intent)
        if intent not in ("yes", "no"):
            state.misses += 1
            if state.misses >= _MISSES_BEFORE_OFFER:
                return self._says([self.content.messages.yes_no_keys]) + self._ask(full=False)
            return self._not_understood()
        if step.expected is not None and intent != step.expected and state.teach_back_tries == 0:
            state.teach_back_tries = 1
            return self._says([step.correction]) + self._ask(full=False)
        actions: list[Action] = []
        if step.expected is not None and intent != step.expected:
            actions.append(self._alert("warning", self.content.messages.wrong_teach_back_alert))
            actions += self._says([step.correction])
        reply, alert, target = (
            (step.yes_reply, step.yes_alert, step.yes_next)
            if intent == "yes"
            else (step.no_reply, step.no_alert, step.no_next)
        )
        if alert:
            actions.append(self._alert("warning", alert))
        actions += self._says([reply] if reply else [])
        return self._move_on(target or step.next, actions)

    def _number_answer(self, step: Step, meaning: Understood) -> list[Action]:
        messages = self.content.messages
        if meaning.intent == "mood":
            follow_up = {
                "low": messages.mood_low_follow_up,
                "middle": messages.mood_middle_follow_up,
                "high": messages.mood_high_follow_up,
            }.get(str(meaning.value), messages.mood_middle_follow_up)
            return self._says([follow_up]) + [self._listen("number", "number")]
        if meaning.intent != "number" or not isinstance(meaning.value, int):
            self._state.misses += 1
            if self._state.misses >= _MISSES_BEFORE_OFFER:
                return self._says([messages.number_keys]) + [self._listen("number", "number")]
            return self._not_understood()
        value = meaning.value
        if not step.min_value <= value <= step.max_value:
            return self._says([step.out_of_range.format(value=value)]) + self._ask(full=False)
        state = self._state
        assert state.session_id is not None
        previous = self._last_mood()
        try:
            mood_id = self.journal.save_mood(state.session_id, value, self._clock())
        except JournalError:
            return self._says([self.content.messages.save_failed]) + self._ask(full=False)
        saved = Saved("mood", mood_id, step.id, value=value)
        said = [saved, *self._says([step.reply.format(value=value)])]
        dropped = previous is not None and previous - value >= _MOOD_DROP
        if (value <= _LOW_MOOD or dropped) and not self._screens_anyway():
            return said + self._low_mood_check(step)
        return self._move_on(step.next, said)

    def _last_mood(self) -> int | None:
        try:
            moods = self.journal.moods(self.patient_id)
        except JournalError:
            return None
        return moods[-1].rating if moods else None

    def _screens_anyway(self) -> bool:
        """True when this dialogue asks the ASQ in any case (the home check-in)."""
        return any("asq" in step.instruments for step in self.dialogue.steps)

    def _low_mood_check(self, step: Step) -> list[Action]:
        """A very low rating, or a drop of three, leads to the ASQ (NIMH) before anything else; where the
        content has no ASQ, to its acuity question as a check."""
        alert = self._alert("note", self.content.messages.low_mood_alert)
        if self._instrument("asq") is not None:
            return [alert, *self._start_screening(("asq",), step.next)]
        messages = self.content.messages
        flag = Flag("crisis", "possible", "low mood", "low_mood", messages.low_mood_check, "vague")
        state = self._state
        if step.next is not None:
            state.history.append(state.step_id)
            state.step_id = step.next
        state.mode = Mode.ASKING
        state.flag_resume_mode = Mode.ASKING
        state.checking = flag
        state.mode = Mode.CHECKING_FLAG
        return [alert, *self._says([flag.check]), self._listen("yes_no", "yes_no")]

    # ---- screening --------------------------------------------------------------------------------

    def _instrument(self, key: str) -> Instrument | None:
        return next((item for item in self.content.instruments if item.key == key), None)

    def _start_screening(self, keys: tuple[str, ...], then_step: str | None) -> list[Action]:
        state = self._state
        instruments = tuple(i for i in (self._instrument(key) for key in keys) if i is not None)
        if not instruments:
            return self._move_on(then_step, []) if then_step else self._ask(full=True)
        if state.mode is not Mode.SCREENING:
            state.flag_resume_mode = state.mode
        state.screening = ScreeningRun(instruments, then_step)
        state.mode = Mode.SCREENING
        return self._screening_ask(full=True)

    def _screening_ask(self, full: bool) -> list[Action]:
        run = self._state.screening
        assert run is not None
        instrument, item = run.instrument, run.item()
        assert instrument is not None and item is not None
        texts = [line_before(instrument, run.answers)] if full else []
        listen = self._listen("any", "any")
        extra = tuple(phrase for answer in instrument.answers for phrase in answer.phrases)
        listen = replace(listen, phrases=tuple(dict.fromkeys(listen.phrases + extra)))
        self._pending_listen = listen
        return self._says([*texts, item.ask]) + [listen]

    def _screening_answer(self, meaning: Understood, text: str) -> list[Action] | None:
        """The item's answer in `text`, recorded; None when `text` is no answer to it."""
        state = self._state
        run = state.screening
        assert run is not None
        instrument, item = run.instrument, run.item()
        assert instrument is not None and item is not None
        answer = interpret(instrument, text)
        if answer is None and meaning.intent in ("yes", "no"):
            answer = next((a for a in instrument.answers if a.id == meaning.intent), None)
        if answer is None:
            return None
        recorded = ItemAnswer(item.id, answer.id, answer.value)
        run.answers.append(recorded)
        run.misses = 0
        if is_crisis_answer(instrument, recorded):
            saved = self._save_screening(instrument, run.answers)
            flag = Flag("crisis", "certain", f"{instrument.name}: {item.text}", item.id)
            return saved + self._continue_after_hold(run) + self._hold((flag,), text)
        return self._screening_next()

    def _continue_after_hold(self, run: ScreeningRun) -> list[Action]:
        """Where the dialogue goes once a hold raised by a questionnaire ends: the next instrument, or
        the step after the run. Nothing is said now; the hold speaks next."""
        state = self._state
        if run.next_instrument() is not None:
            state.mode = Mode.SCREENING
            return []
        state.screening = None
        if run.then_step is not None and run.then_step != state.step_id:
            state.history.append(state.step_id)
            state.step_id = run.then_step
            state.mode = Mode.ASKING
        else:
            state.mode = state.flag_resume_mode or Mode.ASKING
        return []

    def _screening_miss(self) -> list[Action]:
        state = self._state
        run = state.screening
        assert run is not None
        instrument, item = run.instrument, run.item()
        assert instrument is not None and item is not None
        run.misses += 1
        if run.misses < _SCREEN_MISSES:
            return self._says([instrument.options]) + self._screening_ask(full=False)
        unsure = next((a for a in instrument.answers if a.id == "unsure"), None)
        if instrument.scoring == "any_yes" and unsure is not None:
            run.answers.append(ItemAnswer(item.id, unsure.id, unsure.value))
            run.misses = 0
            return self._screening_next()
        return self._screening_next(give_up=True)

    def _screening_next(self, give_up: bool = False) -> list[Action]:
        """The next item, the next instrument, or the end of the run (with the crisis flow when positive)."""
        state = self._state
        run = state.screening
        assert run is not None
        instrument = run.instrument
        assert instrument is not None
        if not give_up and run.item() is not None:
            return self._screening_ask(full=bool(line_before(instrument, run.answers)))
        actions = self._save_screening(instrument, run.answers)
        result = score(instrument, tuple(run.answers))
        actions += self._says([instrument.closing]) if not give_up else []
        if result.crisis:
            concept = f"{result.form} {result.severity}"
            flag = Flag("crisis", "certain", concept, instrument.key)
            return actions + self._continue_after_hold(run) + self._hold((flag,), concept)
        if run.next_instrument() is not None:
            return actions + self._screening_ask(full=True)
        state.screening = None
        if run.then_step is not None:
            return self._move_on(run.then_step, actions)
        state.mode = state.flag_resume_mode or Mode.ASKING
        return actions + self._ask(full=True)

    def _save_screening(self, instrument: Instrument, answers: list[ItemAnswer]) -> list[Action]:
        state = self._state
        assert state.session_id is not None
        result = score(instrument, tuple(answers))
        try:
            record_id = self.journal.save_screening(state.session_id, result, self._clock())
        except JournalError:
            return self._says([self.content.messages.save_failed])
        return [Saved("screening", record_id, state.step_id, text=result.form, value=result.score)]

    # ---- notes ------------------------------------------------------------------------------------

    def _note_heard(self, text: str, audio: bytes | None, machine: bool) -> list[Action]:
        state = self._state
        note_text = strip_done(self.content, text)
        if not note_text:
            return self._move_on(self.step.next, self._says([self.step.skipped]))
        state.note = PendingNote(note_text, audio, machine)
        state.mode = Mode.CONFIRMING_NOTE
        return self._ask(full=True)

    def _note_confirm_answer(self, meaning: Understood) -> list[Action]:
        state = self._state
        step = self.step
        note = state.note
        assert note is not None
        if meaning.intent == "yes":
            stored = self._store_note(note, status="saved")
            if not stored:
                return self._says([self.content.messages.save_failed]) + self._ask(full=False)
            return self._move_on(step.next, stored + self._says([step.saved]))
        if meaning.intent == "retry":
            state.note = None
            state.mode = Mode.RECORDING_NOTE
            return self._ask(full=True)
        if meaning.intent in ("cancel", "no"):
            state.note = None
            return self._move_on(step.next, self._says([step.cancelled]))
        return self._not_understood()

    def _store_note(self, note: PendingNote, status: NoteStatus) -> list[Action]:
        state = self._state
        assert state.session_id is not None
        try:
            stored = self.journal.save_note(
                state.session_id,
                note.text,
                note.audio,
                note.machine_transcript,
                self._clock(),
                status=status,
            )
        except JournalError:
            return []
        state.note = None
        kind: SavedKind = "draft" if status == "draft" else "note"
        return [Saved(kind, stored.id, state.step_id, text=note.text, audio_path=stored.audio_path)]

    # ---- prompting --------------------------------------------------------------------------------

    def _ask(self, full: bool) -> list[Action]:
        """Say the current question (with the step's opening sentences when `full`) and listen."""
        state = self._state
        step = self.step
        mode = state.mode
        if mode is Mode.CONFIRMING_STOP:
            return self._says([self.content.messages.stop_confirm]) + [self._listen("yes_no", "yes_no")]
        if mode is Mode.CHECKING_FLAG and state.checking is not None:
            return self._says([state.checking.check], urgent=True) + [self._listen("yes_no", "yes_no")]
        if mode is Mode.HOLD:
            return self._hold_prompt(repeat=True)
        if mode is Mode.SCREENING:
            return self._screening_ask(full=full)
        if mode is Mode.RECORDING_NOTE:
            return self._says([step.record_prompt]) + [self._listen("note", "note")]
        if mode is Mode.CONFIRMING_NOTE and state.note is not None:
            return self._says([step.readback.format(note=state.note.text)]) + [
                self._listen("yes_no", "confirm")
            ]
        texts = [*step.say, step.prompt] if full else [step.prompt]
        return self._says(texts) + [self._listen(*_EXPECT[step.kind])]

    def _not_understood(self) -> list[Action]:
        return self._says([self.content.messages.not_understood]) + self._ask(full=False)

    def _on_silence(self) -> list[Action]:
        state = self._state
        timing = self.content.timing
        if state.mode is Mode.CHECKING_FLAG and state.checking is not None:
            return self._check_answer((), Understood("", "unknown"), "")  # silence: act as if yes
        if state.mode is Mode.HOLD:
            return self._hold_prompt(repeat=True)
        if state.mode is Mode.SCREENING:
            return self._screening_miss()
        state.attempts += 1
        state.unanswered += 1
        actions: list[Action] = []
        if self.kiosk and state.unanswered >= timing.unanswered_alert_after and not state.alerted_unanswered:
            state.alerted_unanswered = True
            actions.append(self._alert("warning", self.content.messages.unanswered_alert))
        if state.attempts > timing.max_reprompts:
            return actions + self._says([self.content.messages.long_wait]) + [self._listen_long()]
        reprompts = self.step.reprompts if state.mode is Mode.ASKING else ()
        if reprompts:
            return (
                actions + self._says([reprompts[min(state.attempts, len(reprompts)) - 1]]) + self._relisten()
            )
        return actions + self._ask(full=False)

    def _relisten(self) -> list[Action]:
        previous = self._pending_listen
        if previous is None:
            return self._ask(full=False)
        return [self._listen(previous.expect, self._grammar)]

    def _listen(self, expect: Expect, grammar: str) -> Listen:
        timing = self.content.timing
        note = expect == "note"
        return self._issue_listen(
            expect,
            grammar,
            timing.first_word_timeout,
            timing.note_end_silence if note else timing.answer_end_silence,
            timing.note_max if note else timing.answer_max,
        )

    def _listen_long(self) -> Listen:
        """The same listen as the one pending, with the long wait for a first word."""
        timing = self.content.timing
        previous = self._pending_listen
        if previous is None:
            return self._issue_listen(
                "any", "any", timing.long_wait, timing.answer_end_silence, timing.answer_max
            )
        return self._issue_listen(
            previous.expect, self._grammar, timing.long_wait, previous.end_silence, previous.max_seconds
        )

    def _issue_listen(
        self, expect: Expect, grammar: str, timeout: float, end: float, longest: float
    ) -> Listen:
        self._listen_seq += 1
        phrases = grammar_phrases(self.content, self.step, grammar)
        hold = self._state.mode is Mode.HOLD
        listen = Listen(
            self._state.step_id, expect, phrases, timeout, end, longest, self._listen_seq, hold, self.setting
        )
        self._pending_listen = listen
        self._grammar = grammar
        self._deadline = self._clock() + timeout
        return listen

    def _says(self, texts: tuple[str, ...] | list[str], urgent: bool = False) -> list[Action]:
        step_id = self._state.step_id
        said: list[Action] = []
        for text in texts:
            if text:
                self._audit("assistant", "say", text)
                said.append(Say(text, step_id, urgent))
        return said

    def _audit(self, actor: Actor, kind: str, text: str) -> None:
        try:
            self.journal.audit(self._state.session_id, actor, kind, text, self._clock())
        except JournalError:
            pass  # the audit trail is best effort; moods, notes and alerts are not


_EXPECT: dict[str, tuple[Expect, str]] = {
    "info": ("any", "any"),
    "choice": ("any", "any"),
    "yes_no": ("yes_no", "yes_no"),
    "number": ("number", "number"),
    "note": ("yes_no", "yes_no"),
    "screen": ("any", "any"),
    "end": ("any", "any"),
}
