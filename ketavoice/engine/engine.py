"""The dialogue engine: events in, actions out. Pure, synchronous and deterministic.

It touches no device, thread or file: time comes from the `clock` passed in and storage goes through the
`Journal` port. Every front end (chat, voice loop, TUI, kiosk) drives this one class, so every dialogue
rule lives here. Safety comes first in `_on_text`: red flags are looked for before anything else, the
alert is written to the journal before any action is returned, and the dialogue then resumes where it was.
"""

from __future__ import annotations

from collections.abc import Callable

from ketavoice.content.model import GLOBAL_INTENTS, Content, RedFlagLevel, Step
from ketavoice.engine.events import (
    Acknowledge,
    Action,
    Alert,
    AlertLevel,
    Ended,
    Event,
    Expect,
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
    Silence,
    Started,
    Tick,
    Typed,
)
from ketavoice.engine.state import Mode, PendingNote, State, strip_done
from ketavoice.errors import JournalError
from ketavoice.journal.base import Actor, Journal, NoteStatus
from ketavoice.understanding import Understood, grammar_phrases, intent_for_key, red_flags_in, understand
from ketavoice.understanding.normalize import tokens

# In a spoken note, a short utterance that is only a command is a command; anything longer is the note.
_NOTE_COMMAND_MAX_WORDS = 3
# At a note offer, a typed yes or no longer than this is taken as the note itself.
_SHORT_ANSWER_WORDS = 5


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
    ) -> None:
        self.content = content
        self.dialogue = content.dialogue(dialogue or content.default_dialogue)
        self.journal = journal
        self.patient_id = patient_id
        self.kiosk = kiosk
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
        if isinstance(event, SecondOpinion):  # a free-form reading holding a red flag: asked, never dropped
            levels = red_flags_in(self.content, event.text)
            if not levels or state.mode is Mode.CONFIRMING_FLAG:
                return []
            self._audit("system", "possible_red_flag", event.text)
            state.flag_heard = event.text
            return self._confirm_red_flag(levels)
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
            near_miss = self._red_flag_among(event.alternatives, event.text)
            if near_miss is not None:
                return near_miss
            return self._on_text(event.text, event.confidence, event.audio, event.machine_transcript)
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
        levels = red_flags_in(self.content, event.text)
        if not levels:
            return []
        self._audit("patient", "heard", event.text)
        state = self._state
        if event.confidence < self.content.timing.low_confidence and state.mode is not Mode.CONFIRMING_FLAG:
            state.flag_heard = event.text
            return self._confirm_red_flag(levels)
        return self._red_flag(self._with_pending_flags(levels))

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

    def _red_flag_among(self, alternatives: tuple[str, ...], heard_text: str) -> list[Action] | None:
        """A red flag the recognizer nearly chose (a runner-up hypothesis) is asked about, never dropped."""
        recording = self._state.mode is Mode.RECORDING_NOTE  # a note's words are handled as the note
        if not alternatives or recording or red_flags_in(self.content, heard_text):
            return None
        for alternative in alternatives:
            levels = red_flags_in(self.content, alternative)
            if levels:
                self._audit("system", "possible_red_flag", alternative)
                self._state.flag_heard = alternative
                return self._confirm_red_flag(levels)
        return None

    def _on_text(self, text: str, confidence: float, audio: bytes | None, machine: bool) -> list[Action]:
        state = self._state
        meaning = understand(self.content, text, self.step if state.mode is Mode.ASKING else None)
        if meaning.red_flag:
            if state.mode is Mode.RECORDING_NOTE:
                # The words are still the patient's note: keep them for the read-back after the script.
                state.note = PendingNote(strip_done(self.content, text), audio, machine)
                state.mode = Mode.CONFIRMING_NOTE
            # A red flag in answer to "did you say ...?" is no "no": run the pending flag's script too.
            if confidence < self.content.timing.low_confidence and state.mode is not Mode.CONFIRMING_FLAG:
                state.flag_heard = text
                return self._confirm_red_flag(meaning.flags)
            return self._red_flag(self._with_pending_flags(meaning.flags))
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
        if state.mode is Mode.CONFIRMING_FLAG:
            return self._flag_answer(meaning)
        if state.mode is Mode.CONFIRMING_STOP:
            return self._stop_answer(meaning)
        global_actions = self._global_command(meaning.intent)
        if global_actions is not None:
            return global_actions
        if state.mode is Mode.CONFIRMING_NOTE:
            return self._note_confirm_answer(meaning)
        if state.mode is Mode.RECORDING_NOTE:
            return self._note_heard(text, audio, machine)
        return self._step_answer(meaning, text, typed=audio is None and not machine)

    def _global_command(self, intent: str) -> list[Action] | None:
        state = self._state
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

    def _with_pending_flags(self, levels: tuple[RedFlagLevel, ...]) -> tuple[RedFlagLevel, ...]:
        """`levels` plus those still awaiting a "did you say ...?" answer, in content order."""
        if self._state.mode is not Mode.CONFIRMING_FLAG:
            return levels
        wanted = set(levels) | set(self._state.flag_levels)
        return tuple(flag.level for flag in self.content.red_flags if flag.level in wanted)

    def _after_finish(self, event: Event) -> list[Action]:
        """The dialogue is over, but a red flag typed or said afterwards is still answered."""
        if not isinstance(event, Heard | Typed):
            return []
        self._audit("patient", "heard" if isinstance(event, Heard) else "typed", event.text)
        return self._flag_scripts(red_flags_in(self.content, event.text))

    def _flag_scripts(self, levels: tuple[RedFlagLevel, ...]) -> list[Action]:
        """For each level: the alert (written to the journal first), then its script."""
        actions: list[Action] = []
        for level in levels:
            flag = next(f for f in self.content.red_flags if f.level == level)
            actions.append(self._alert(level, flag.alert))
            actions += self._says(flag.script, urgent=True)
        return actions

    def _red_flag(self, levels: tuple[RedFlagLevel, ...]) -> list[Action]:
        actions = self._flag_scripts(levels)
        if self._state.mode is Mode.CONFIRMING_FLAG:
            self._state.mode = self._state.flag_resume_mode or Mode.ASKING
        return actions + self._says([self.content.messages.resume]) + self._ask(full=False)

    def _confirm_red_flag(self, levels: tuple[RedFlagLevel, ...]) -> list[Action]:
        state = self._state
        # Staff hear of it even if the patient then says no: a missed red flag is the worst bug.
        alert = self._alert(
            "possible", f"Possible {' and '.join(levels)} red flag heard with low confidence."
        )
        state.flag_levels = levels
        if state.mode is not Mode.CONFIRMING_FLAG:
            state.flag_resume_mode = state.mode
        state.mode = Mode.CONFIRMING_FLAG
        question = self.content.messages.red_flag_confirm.format(heard=state.flag_heard)
        return [alert, *self._says([question], urgent=True), self._listen("yes_no", "yes_no")]

    def _flag_answer(self, meaning: Understood) -> list[Action]:
        state = self._state
        if meaning.intent == "no":
            state.mode = state.flag_resume_mode or Mode.ASKING
            return self._says([self.content.messages.red_flag_dismissed]) + self._ask(full=False)
        # yes, or anything unclear: when unsure, flag.
        return self._red_flag(state.flag_levels)

    def _alert(self, level: AlertLevel, text: str) -> Alert:
        state = self._state
        try:
            alert_id = self.journal.add_alert(state.session_id, self.patient_id, level, text, self._clock())
        except JournalError:
            alert_id = -1  # still shown and said: safety never waits on storage
        return Alert(level, text, alert_id, state.step_id)

    def _acknowledge(self, event: Acknowledge) -> list[Action]:
        self.journal.acknowledge_alert(event.alert_id, event.staff, self._clock())
        self._audit("staff", "acknowledge", f"alert {event.alert_id}")
        return []

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
        state.note = None
        step = self.step
        if step.kind == "end":
            return self._says(step.say) + self._finish("completed")
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
            reply = next((c.reply for c in step.choices if c.id == meaning.value), step.other_reply)
            if intent != "choice" and intent not in ("unknown", "yes", "no"):
                return self._not_understood()
            return self._move_on(step.next, self._says([reply]))
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

    def _yes_no_answer(self, step: Step, intent: str) -> list[Action]:
        if intent not in ("yes", "no"):
            return self._not_understood()
        state = self._state
        if step.expected is not None and intent != step.expected and state.teach_back_tries == 0:
            state.teach_back_tries = 1
            return self._says([step.correction]) + self._ask(full=False)
        actions: list[Action] = []
        if step.expected is not None and intent != step.expected:
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
        if meaning.intent != "number" or not isinstance(meaning.value, int):
            return self._not_understood()
        value = meaning.value
        if not step.min_value <= value <= step.max_value:
            return self._says([step.out_of_range.format(value=value)]) + self._ask(full=False)
        state = self._state
        assert state.session_id is not None
        try:
            mood_id = self.journal.save_mood(state.session_id, value, self._clock())
        except JournalError:
            return self._says([self.content.messages.save_failed]) + self._ask(full=False)
        saved = Saved("mood", mood_id, step.id, value=value)
        return self._move_on(step.next, [saved, *self._says([step.reply.format(value=value)])])

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
        if mode is Mode.CONFIRMING_FLAG:
            question = self.content.messages.red_flag_confirm.format(heard=state.flag_heard)
            return self._says([question], urgent=True) + [self._listen("yes_no", "yes_no")]
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
        if state.mode is Mode.CONFIRMING_FLAG:
            return self._red_flag(state.flag_levels)  # no answer to "did you say...?": treat as yes
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
        listen = Listen(self._state.step_id, expect, phrases, timeout, end, longest, self._listen_seq)
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
    "end": ("any", "any"),
}
