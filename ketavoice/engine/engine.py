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

from dataclasses import replace

from ketavoice.content.model import GLOBAL_INTENTS, Step
from ketavoice.engine.asking_flow import AskingFlows
from ketavoice.engine.base import ALERT_WORDS_MAX
from ketavoice.engine.events import (
    Acknowledge,
    Action,
    Ended,
    Event,
    Heard,
    Pressed,
    Saved,
    SecondOpinion,
    SetRate,
    Silence,
    StaffReach,
    Started,
    Tick,
    Typed,
)
from ketavoice.engine.misses_flow import MissFlows, said_quote
from ketavoice.engine.notes_flow import NoteFlows
from ketavoice.engine.pacing import pace
from ketavoice.engine.readings_flow import ReadingFlows
from ketavoice.engine.safety import SafetyFlows
from ketavoice.engine.screening_flow import ScreeningFlows
from ketavoice.engine.state import Mode, PendingNote, strip_done
from ketavoice.errors import JournalError
from ketavoice.meaning import Expect, Understood
from ketavoice.textclean import storable
from ketavoice.understanding import intent_for_key, understand
from ketavoice.understanding.normalize import tokens

# In a spoken note, a short utterance that is only a command is a command; anything longer is the note.
_NOTE_COMMAND_MAX_WORDS = 3
# At a note offer, a typed yes or no longer than this is taken as the note itself.
_SHORT_ANSWER_WORDS = 5
# Unclear answers to "Do you want to stop now?" before the dialogue carries on.
_STOP_MISSES = 2
# A mood rating at or below this asks about thoughts of ending one's life (ASQ acuity wording).
_LOW_MOOD = 3
# A drop in the mood rating of this much since the last one also leads to the ASQ.
_MOOD_DROP = 3
# After a pause in a long reply, these say "go on".
_GO_ON_INTENTS = frozenset({"next", "yes"})
_GO_ON_WORDS = frozenset({("ok",), ("okay",), ("alright",), ("go", "on"), ("continue",), ("carry", "on")})


def storable_event(event: Event) -> Event:
    """The event with the patient's words cleaned of what no store can keep (NUL, lone surrogates)."""
    if isinstance(event, Typed | SecondOpinion):
        text = storable(event.text)
        return event if text is event.text else replace(event, text=text)
    if isinstance(event, Heard):
        cleaned = replace(
            event,
            text=storable(event.text),
            alternatives=tuple(storable(a) for a in event.alternatives),
            second_opinion=None if event.second_opinion is None else storable(event.second_opinion),
        )
        return event if cleaned == event else cleaned
    return event


class Engine(SafetyFlows, ReadingFlows, ScreeningFlows, NoteFlows, MissFlows, AskingFlows):
    """One patient's dialogue. Not thread-safe: a front end calls `handle` from one thread only.

    Built from its parts: safety (`SafetyFlows`), two readings of one utterance (`ReadingFlows`),
    questionnaires (`ScreeningFlows`), notes (`NoteFlows`), answers not understood and requests for a
    person (`MissFlows`), on shared state and helpers (`EngineBase`);
    this module holds the entry point, input dispatch, global commands, steps and prompting."""

    def handle(self, event: Event) -> list[Action]:
        """Apply one event and return what the front end must do, in order; what would be too long to
        hear at once is paced (`pacing`): the rest follows when the patient goes on."""
        event = storable_event(event)
        pending, self._paced_rest = self._paced_rest, []
        if pending and self._goes_on(event):
            return self._paced(pending)
        if pending and self._passes_by(event):
            self._paced_rest = pending  # time passing, or an answer to an older listen: still paused
            return self._handle(event)
        return self._paced(self._handle(event))

    def _passes_by(self, event: Event) -> bool:
        if isinstance(event, (Tick, StaffReach)):
            return True  # a due deadline goes on (`_goes_on`); an earlier tick changes nothing
        return isinstance(event, (Heard, Silence)) and self._is_stale(event.listen_id)

    @property
    def paused(self) -> bool:
        """True when a long reply waits for the patient to go on (silence, "okay") before the rest."""
        return bool(self._paced_rest)

    def _paced(self, actions: list[Action]) -> list[Action]:
        if not self.spoken:
            return actions  # read, not heard: a reader takes it at their own pace
        paced = pace(actions, self.content.max_heard_words, self.content.clinic.phone)
        self._paced_rest = paced.pending
        return paced.now

    def _goes_on(self, event: Event) -> bool:
        """After a pause in a long reply: silence, "okay", "next" or "yes" hear the rest; anything else is
        taken as it comes (the rest of the reply is left unsaid)."""
        if isinstance(event, Silence):
            return not self._is_stale(event.listen_id)
        if isinstance(event, Tick):
            return self._deadline is not None and event.now >= self._deadline
        if isinstance(event, Pressed):
            return intent_for_key(self.content, event.key) in _GO_ON_INTENTS
        if isinstance(event, (Typed, Heard)):
            if isinstance(event, Heard) and self._is_stale(event.listen_id):
                return False
            said = tokens(event.text)
            if said in _GO_ON_WORDS:
                return True
            step = self.step if self._state.mode is Mode.ASKING else None
            meaning = understand(self.content, event.text, step)
            return meaning.intent in _GO_ON_INTENTS and meaning.flag is None
        return False

    def _handle(self, event: Event) -> list[Action]:
        state = self._state
        if isinstance(event, Acknowledge):
            return self._acknowledge(event)
        if isinstance(event, StaffReach):
            return self._reach_changed(event)
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
            self._state.typing = False
            if event.second_opinion is not None:
                return self._two_readings(event)
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
            self._state.typing = True
            return self._on_text(event.text, 1.0, None, False)
        if isinstance(event, Pressed):
            self._audit("patient", "key", event.key)
            self._state.typing = True
            return self._on_key(event.key)
        return []

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
        # A confident answer is what was said: a red flag among the recognizer's runner-ups is not.
        confident = confidence >= self.content.timing.complete_answer_confidence
        answered = meaning.intent != "unknown" and confident
        flags = self._heard_flags(meaning.flags, confidence, () if answered else alternatives, unconfirmed)
        if state.mode is Mode.RECORDING_NOTE and flags:
            # The words are still the patient's note: keep them, read back once the flag is dealt with.
            state.note = PendingNote(strip_done(self.content, text), audio, machine)
            state.mode = Mode.CONFIRMING_NOTE
        if state.mode is Mode.HOLD:
            return self._in_hold(flags, meaning, text)
        if state.mode is Mode.CHECKING_FLAG:
            return self._check_answer(flags, meaning, text)
        if flags:
            # In a screening, the item's answer is kept beside the red flag (and what it needs said).
            kept = self._heard_with_flag(meaning, text) if state.mode is Mode.SCREENING else []
            return kept + self._safety(flags, text)
        return self._dispatch(meaning, text, audio, machine)

    def _dispatch(self, meaning: Understood, text: str, audio: bytes | None, machine: bool) -> list[Action]:
        state = self._state
        state.attempts = 0
        state.unanswered = 0
        state.last_heard = text
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
        if meaning.intent == "staff":
            # A request for a person, in every step and mode (a hold and a check question have their own).
            return self._staff_request(text)
        if meaning.intent == "question":
            return self._answer_question(meaning, text)
        if meaning.intent == "expected_effect":
            reassured = self._reassure(meaning, text)
            if reassured is not None:
                return reassured
        if state.mode is Mode.CONFIRMING_STOP:
            return self._stop_answer(meaning)
        if state.mode is Mode.SCREENING:
            # Seam: the lead developer's `question` intent (answered from content, never an answer) goes
            # before the screening answer and the step answer, as `staff` does above.
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
        if state.mode is Mode.CONFIRMING_NUMBER:
            return self._number_confirm_answer(meaning)
        if state.mode is Mode.RECORDING_NOTE:
            return self._note_heard(text, audio, machine)
        return self._step_answer(meaning, text, typed=audio is None and not machine)

    def _global_command(self, intent: str) -> list[Action] | None:
        """A command (repeat, help, slower, stop, back, next); misses keep counting through it."""
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

    def _stop_answer(self, meaning: Understood) -> list[Action]:
        state = self._state
        if meaning.intent in ("yes", "stop"):
            return (
                self._draft_pending_note()
                + self._says([self.content.messages.stopped])
                + self._finish("stopped")
            )
        state.misses += 1
        if meaning.intent == "no" or state.misses >= _STOP_MISSES:
            # Not a clear yes twice: carry on (stopping needs a clear yes).
            state.misses = 0
            state.mode = state.resume_mode or Mode.ASKING
            return self._says([self.content.messages.stop_cancelled]) + self._ask(full=False)
        return self._says([self.content.messages.not_understood, self.content.messages.stop_confirm]) + [
            self._listen("yes_no", "yes_no")
        ]

    def _end_early(self) -> list[Action]:
        """The front end is going away: draft an unconfirmed note, close the session. A home hold that
        ends this way ends without a confirmed call, and the record says so."""
        actions: list[Action] = []
        if self._state.mode is Mode.HOLD and self.setting == "home":
            actions.append(self._hold_outcome("ended"))
        return actions + self._draft_pending_note() + self._finish("ended")

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
        state.missed_words = []
        state.mood_words = 0
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
            return self._yes_no_answer(step, intent, text)
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
        actions: list[Action] = self._record_answer(chosen.id if chosen else "other", text)
        if chosen is not None:
            if chosen.alert:
                # The words go with it: a mixed answer ("dizzy and scared") is read by staff as said.
                said = f"{chosen.alert} Patient said: \u201c{said_quote(text)}\u201d"
                actions.append(self._alert("note", said))
            return self._move_on(step.next, actions + self._says([chosen.reply]))
        if step.other_alert:
            said = " ".join(text.split())[:ALERT_WORDS_MAX]
            actions.append(self._alert("note", f"{step.other_alert} Patient said: \u201c{said}\u201d"))
        return self._move_on(step.next, actions + self._says([step.other_reply]))

    def _yes_no_answer(self, step: Step, intent: str, text: str = "") -> list[Action]:
        state = self._state
        if intent == "unsure":
            # A teach-back counts doubt as a wrong answer; elsewhere the step says what doubt means.
            wrong = "yes" if step.expected == "no" else "no"
            intent = wrong if step.expected is not None else (step.unsure_as or intent)
        if intent not in ("yes", "no"):
            return self._not_understood()
        if step.expected is not None and intent != step.expected and state.teach_back_tries == 0:
            state.teach_back_tries = 1
            return self._says([step.correction]) + self._ask(full=False)
        reply, alert, target = (
            (step.yes_reply, step.yes_alert, step.yes_next)
            if intent == "yes"
            else (step.no_reply, step.no_alert, step.no_next)
        )
        actions: list[Action] = self._record_answer(intent, text)
        if step.expected is not None and intent != step.expected:
            # Wrong twice: staff are told (the step's own alert, else the general one) and the patient
            # hears the right answer once more; no reply meant for a right answer.
            alert = alert or self.content.messages.wrong_teach_back_alert
            reply = ""
            actions += self._says([step.correction])
        if alert:
            actions.append(self._alert("warning", alert))
        actions += self._says([reply] if reply else [])
        return self._move_on(target or step.next, actions)

    def _number_answer(self, step: Step, meaning: Understood) -> list[Action]:
        messages = self.content.messages
        if meaning.intent == "mood":
            state = self._state
            state.mood_words += 1
            if state.mood_words >= 2 and meaning.value == "low":
                return self._low_mood_in_words(step, meaning.text)
            if state.mood_words >= 2:
                return self._not_understood()
            follow_up = {
                "low": messages.mood_low_follow_up,
                "middle": messages.mood_middle_follow_up,
                "high": messages.mood_high_follow_up,
            }.get(str(meaning.value), messages.mood_middle_follow_up)
            return self._says([follow_up]) + [self._listen("number", "number")]
        if meaning.intent != "number" or not isinstance(meaning.value, int):
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
            return said + self._mood_check(step, self._mood_alert_text(value, previous), meaning.text)
        return self._move_on(step.next, said)

    def _mood_alert_text(self, value: int, previous: int | None) -> str:
        """The staff note for a rating that leads to the check: low, or a drop, with the numbers."""
        messages = self.content.messages
        last = f", {previous}/10 last time" if previous is not None else ""
        headline = messages.low_mood_alert if value <= _LOW_MOOD else messages.mood_drop_alert
        return f"{headline} Rating: {value}/10{last}."

    def _low_mood_in_words(self, step: Step, text: str) -> list[Action]:
        """A low mood said in words twice, with no number: "low (no number)" for staff, the low-mood
        alert, and the same ASQ path as a rating of 3 or less."""
        said = f"{self.content.messages.low_mood_words_alert} Patient said: \u201c{said_quote(text)}\u201d"
        actions: list[Action] = [self._alert("note", said)]
        self._audit("system", "mood_in_words", "low (no number)")
        if self._screens_anyway():
            return self._move_on(step.next, actions)
        return actions + self._low_mood_check(step)

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
            prompt = self.content.messages.record_prompt_typed if state.typing else step.record_prompt
            return self._says([prompt]) + [self._listen("note", "note")]
        if mode is Mode.CONFIRMING_NUMBER and state.number_candidate is not None:
            said = self.content.messages.confirm_number.format(value=state.number_candidate)
            return self._says([said]) + [self._listen("yes_no", "yes_no")]
        if mode is Mode.CONFIRMING_NOTE and state.note is not None:
            return self._says([step.readback.format(note=state.note.text)]) + [
                self._listen("yes_no", "confirm")
            ]
        texts = [*step.say, step.prompt] if full else [step.prompt]
        return self._says(texts) + [self._listen(*_EXPECT[step.kind])]

    def _on_silence(self) -> list[Action]:
        state = self._state
        timing = self.content.timing
        if state.mode is Mode.CHECKING_FLAG and state.checking is not None:
            state.check_asked_again = True  # silence is no answer: act as if yes, without asking again
            return self._check_answer((), Understood("", "unknown"), "")
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


_EXPECT: dict[str, tuple[Expect, str]] = {
    "info": ("any", "any"),
    "choice": ("any", "any"),
    "yes_no": ("yes_no", "yes_no"),
    "number": ("number", "number"),
    "note": ("yes_no", "yes_no"),
    "screen": ("any", "any"),
    "end": ("any", "any"),
}
