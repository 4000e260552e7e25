"""What every part of the engine shares: its state, the views front ends read, and the helpers that
say, listen, alert and audit. The dialogue's rules live in the parts built on it (`ketavoice.engine`'s
`engine`, `safety`, `screening_flow`, `notes_flow`); the methods declared here but defined in a part let
each part call the others, checked by mypy."""

from __future__ import annotations

from collections.abc import Callable

from ketavoice.content.instruments import Instrument
from ketavoice.content.model import Content, Step
from ketavoice.engine.events import (
    Acknowledge,
    Action,
    Alert,
    AlertLevel,
    Event,
    Finish,
    FinishStatus,
    Heard,
    Listen,
    Reach,
    Say,
    Setting,
)
from ketavoice.engine.state import Mode, State
from ketavoice.errors import JournalError
from ketavoice.journal.base import Actor, Certainty, Journal
from ketavoice.meaning import Expect, Flag, Understood
from ketavoice.textclean import storable
from ketavoice.understanding import grammar_phrases

# How much of the patient's words an alert keeps for staff.
ALERT_WORDS_MAX = 200


# Answers that decide something hard to undo: dismissing a possible danger, stopping, a number to save.
_CAREFUL_MODES = frozenset({Mode.CHECKING_FLAG, Mode.CONFIRMING_STOP, Mode.CONFIRMING_NUMBER})


class EngineBase:
    """Shared state and helpers of one patient's dialogue (see `ketavoice.engine.engine.Engine`)."""

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
        reach: Reach = "station",
        spoken: bool = False,
    ) -> None:
        self.content = content
        # The replies are heard (a voice front end): a long one is paced (`engine.pacing`).
        self.spoken = spoken
        self.dialogue = content.dialogue(dialogue or content.default_dialogue)
        self.journal = journal
        self.patient_id = storable(patient_id)
        self.kiosk = kiosk
        # Clinic unless told otherwise, except the home check-in: a device in a recovery room has staff.
        self.setting: Setting = setting or ("home" if self.dialogue.name == "checkin" else "clinic")
        self._clock = clock
        # How alerts reach staff, as the front end last said (`StaffReach`); the hold is worded by it.
        self.reach: Reach = reach
        self._state = State(step_id=self.dialogue.start, rate_wpm=content.voice.rate_wpm)
        self._listen_seq = 0
        self._pending_listen: Listen | None = None
        self._deadline: float | None = None
        self._grammar = "any"
        self._paced_rest: list[Action] = []  # the rest of a long reply, said when the patient goes on

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

    def _is_stale(self, listen_id: int | None) -> bool:
        return listen_id is not None and listen_id != self._listen_seq

    def _alert(
        self, level: AlertLevel, text: str, certainty: Certainty = "certain", concept: str = ""
    ) -> Alert:
        state = self._state
        try:
            alert_id = self.journal.add_alert(
                state.session_id, self.patient_id, level, text, self._clock(), certainty=certainty
            )
        except JournalError:
            # Still shown and said: safety never waits on storage. The front end sends it from memory;
            # until it says the station has it, the room is told staff were not reached.
            alert_id = -1
            state.alerts_unsaved = True
        return Alert(level, text, alert_id, state.step_id, certainty, concept)

    def _staff_reach(self) -> Reach:
        """Whether the alerts raised so far reach the station: an unsaved one does not, until told."""
        if self.reach == "station" and self._state.alerts_unsaved:
            return "unreachable"
        return self.reach

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
        mode = self._state.mode
        careful = expect == "number" or mode in _CAREFUL_MODES
        listen = Listen(
            self._state.step_id, expect, phrases, timeout, end, longest, self._listen_seq,
            mode is Mode.HOLD, self.setting, careful,
        )
        self._pending_listen = listen
        self._grammar = grammar
        self._deadline = self._clock() + timeout
        return listen

    def _says(
        self, texts: tuple[str, ...] | list[str], urgent: bool = False, topic: str | None = None
    ) -> list[Action]:
        step_id = self._state.step_id
        said: list[Action] = []
        for text in texts:
            if text:
                self._audit("assistant", "say", text)
                said.append(Say(text, step_id, urgent, topic))
        return said

    def _audit(self, actor: Actor, kind: str, text: str) -> None:
        try:
            self.journal.audit(self._state.session_id, actor, kind, text, self._clock())
        except JournalError:
            pass  # the audit trail is best effort; moods, notes and alerts are not

    # ---- defined by the parts of the engine -----------------------------------------------------

    def _acknowledge(self, event: Acknowledge) -> list[Action]:
        raise NotImplementedError

    def _after_finish(self, event: Event) -> list[Action]:
        raise NotImplementedError

    def _ask(self, full: bool) -> list[Action]:
        raise NotImplementedError

    def _check_answer(self, flags: tuple[Flag, ...], meaning: Understood, text: str) -> list[Action]:
        raise NotImplementedError

    def _draft_pending_note(self) -> list[Action]:
        raise NotImplementedError

    def _enter(self, step_id: str, remember: bool = True) -> list[Action]:
        raise NotImplementedError

    def _heard_flags(
        self,
        flags: tuple[Flag, ...],
        confidence: float,
        alternatives: tuple[str, ...],
        unconfirmed: bool = False,
    ) -> tuple[Flag, ...]:
        raise NotImplementedError

    def _hold(self, flags: tuple[Flag, ...], text: str) -> list[Action]:
        raise NotImplementedError

    def _hold_prompt(self, repeat: bool) -> list[Action]:
        raise NotImplementedError

    def _in_hold(self, flags: tuple[Flag, ...], meaning: Understood, text: str) -> list[Action]:
        raise NotImplementedError

    def _hold_outcome(self, outcome: str, text: str = "") -> Alert:
        raise NotImplementedError

    def _staff_request(self, text: str) -> list[Action]:
        raise NotImplementedError

    def _yes_no_answer(self, step: Step, intent: str) -> list[Action]:
        raise NotImplementedError

    def _instrument(self, key: str) -> Instrument | None:
        raise NotImplementedError

    def _last_mood(self) -> int | None:
        raise NotImplementedError

    def _low_mood_check(self, step: Step) -> list[Action]:
        raise NotImplementedError

    def _move_on(self, target: str | None, before: list[Action]) -> list[Action]:
        raise NotImplementedError

    def _not_understood(self) -> list[Action]:
        raise NotImplementedError

    def _note_confirm_answer(self, meaning: Understood) -> list[Action]:
        raise NotImplementedError

    def _note_heard(self, text: str, audio: bytes | None, machine: bool) -> list[Action]:
        raise NotImplementedError

    def _number_answer(self, step: Step, meaning: Understood) -> list[Action]:
        raise NotImplementedError

    def _on_text(
        self,
        text: str,
        confidence: float,
        audio: bytes | None,
        machine: bool,
        alternatives: tuple[str, ...] = (),
        unconfirmed: bool = False,
    ) -> list[Action]:
        raise NotImplementedError

    def _safety(self, flags: tuple[Flag, ...], text: str) -> list[Action]:
        raise NotImplementedError

    def _screening_answer(self, meaning: Understood, text: str) -> list[Action] | None:
        raise NotImplementedError

    def _heard_with_flag(self, meaning: Understood, text: str) -> list[Action]:
        raise NotImplementedError

    def _record_answer(self, answer: str, text: str) -> list[Action]:
        raise NotImplementedError

    def _screening_ask(self, full: bool) -> list[Action]:
        raise NotImplementedError

    def _screening_miss(self) -> list[Action]:
        raise NotImplementedError

    def _screens_anyway(self) -> bool:
        raise NotImplementedError

    def _second_opinion(self, text: str) -> list[Action]:
        raise NotImplementedError

    def _stale_heard(self, event: Heard) -> list[Action]:
        raise NotImplementedError

    def _start_screening(self, keys: tuple[str, ...], then_step: str | None) -> list[Action]:
        raise NotImplementedError
