"""The voice loop: carry out engine actions on real (or fake) devices and turn audio into events.

`VoiceIO` is UI-free (no print, no widgets): the headless `ketavoice voice` command and the TUI's thread
worker both use it, and learn what happens through callbacks: `on_state` for the listening/speaking
indicator and mic level, `on_line` for the transcript, `on_problem` for device trouble.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from ketavoice.engine.events import (
    Action,
    Alert,
    Ended,
    Event,
    Finish,
    Heard,
    Listen,
    Saved,
    Say,
    SecondOpinion,
    SetRate,
    Silence,
    Started,
)
from ketavoice.errors import AudioError, TTSError
from ketavoice.speech.listen import EndOfAudio, Endpointing, ListenReport, StateCallback, listen_timed
from ketavoice.speech.ports import AudioSource, Recognizer, Speaker
from ketavoice.speech.second import Opinion, SecondOpinions

LineRole = Literal["assistant", "patient", "alert", "saved", "status"]
LineCallback = Callable[[LineRole, str], None]
ProblemCallback = Callable[[str], None]
KeyboardFallback = Callable[[Listen], Event | None]
ActionCallback = Callable[[Action], None]
# One line per spoken answer: {"type": "turn", "step", "text", "speech_end_s", "endpoint_s", "reply_ms"}.
TurnCallback = Callable[[dict[str, Any]], None]
OpinionCallback = Callable[[Opinion], None]
ReadingWhen = Literal["note", "both", "late", "none"]


@dataclass(frozen=True)
class Hearing:
    """One listen through the loop's pipeline: the event for the engine and the readings behind it.

    `grammar_text`/`grammar_confidence`: the grammar recognizer's reading; `free_form`: the free-form
    reading where one was taken (None otherwise); `when`: "both" (the engine got the two together),
    "late" (the grammar answered; the free-form reading follows), "note" (the note transcript) or "none".
    """

    event: Heard | Silence | EndOfAudio
    report: ListenReport
    grammar_text: str = ""
    grammar_confidence: float = 0.0
    free_form: str | None = None
    when: ReadingWhen = "none"


class EngineLike(Protocol):
    """The part of `ketavoice.engine.engine.Engine` the loop drives."""

    @property
    def finished(self) -> bool: ...

    @property
    def pending_listen(self) -> Listen | None: ...

    def handle(self, event: Event) -> list[Action]: ...


class VoiceIO:
    """Executes actions: Say -> speaker (mic muted), SetRate -> rate, Listen -> listen with endpointing."""

    def __init__(
        self,
        source: AudioSource,
        recognizer: Recognizer,
        speaker: Speaker,
        *,
        rate_wpm: int = 150,
        ready_tone: bool = True,
        on_state: StateCallback | None = None,
        on_line: LineCallback | None = None,
        on_problem: ProblemCallback | None = None,
        endpointing: Endpointing | None = None,
        second: SecondOpinions | None = None,
        on_action: ActionCallback | None = None,
        on_opinion: OpinionCallback | None = None,
    ) -> None:
        self.source = source
        self.recognizer = recognizer
        self.speaker = speaker
        self.rate_wpm = rate_wpm
        self.ready_tone = ready_tone
        self._on_state = on_state
        self._on_line = on_line
        self._on_problem = on_problem
        self.endpointing = endpointing or Endpointing()
        self.second = second
        self._on_action = on_action
        self._on_opinion = on_opinion
        self.tts_failures = 0
        self.last_report: ListenReport | None = None
        self.first_say_at: float | None = None  # wall time the first sentence since `mark()` was ready
        self.endpoint_at: float | None = None  # wall time the last listen ended (before a second reading)

    def _state(self, state: Literal["listening", "speaking", "idle"], level: float = 0.0) -> None:
        if self._on_state is not None:
            self._on_state(state, level)

    def _line(self, role: LineRole, text: str) -> None:
        if self._on_line is not None:
            self._on_line(role, text)

    def _problem(self, message: str) -> None:
        if self._on_problem is not None:
            self._on_problem(message)

    def perform(self, actions: list[Action]) -> Listen | None:
        """Carry out every non-listen action in order; return the last Listen (to run after speaking)."""
        pending: Listen | None = None
        for action in actions:
            if self._on_action is not None:
                self._on_action(action)
            if isinstance(action, Say):
                self.say(action.text)
            elif isinstance(action, SetRate):
                self.rate_wpm = action.rate_wpm
            elif isinstance(action, Listen):
                pending = action
            elif isinstance(action, Alert):
                self._line("alert", f"STAFF ALERT ({action.level}): {action.text}")
            elif isinstance(action, Saved):
                self._line("saved", f"saved {action.kind}")
            elif isinstance(action, Finish):
                self._line("status", f"session {action.status}")
        return pending

    def say(self, text: str) -> None:
        """Speak with the microphone muted (half-duplex). A TTS failure is reported, never fatal."""
        self._line("assistant", text)
        self.source.mute()
        self._state("speaking")
        try:
            self.speaker.say(text, self.rate_wpm)
            if self.first_say_at is None:
                self.first_say_at = time.perf_counter()
        except TTSError as error:
            self.tts_failures += 1
            self._problem(f"speech output failed: {error}")
        finally:
            self.source.unmute()
            self._state("idle")

    def listen(self, listen: Listen) -> Event | EndOfAudio:
        """Tone, then listen; AudioError (microphone lost) propagates to the driver."""
        return self.hear(listen).event

    def hear(self, listen: Listen) -> Hearing:
        """`listen`, with what each recognizer read: the one pipeline behind the loop and `transcribe`."""
        if self.ready_tone:
            self.source.mute()
            try:
                self.speaker.tone()
            except TTSError as error:
                self._problem(f"ready tone failed: {error}")
            finally:
                self.source.unmute()
        try:
            outcome, report = listen_timed(listen, self.source, self.recognizer,
                                           on_state=self._on_state, settings=self.endpointing)
            self.last_report = report
        finally:
            self.endpoint_at = time.perf_counter()
            self._state("idle")
        if not isinstance(outcome, Heard):
            return Hearing(outcome, report)
        hearing = Hearing(outcome, report, outcome.text, outcome.confidence)
        if self.second is not None:
            hearing = self._second_reading(listen, hearing, outcome, self.second)
        if isinstance(hearing.event, Heard):
            self._line("patient", hearing.event.text)
        return hearing

    def _second_reading(self, listen: Listen, hearing: Hearing, heard: Heard,
                        second: SecondOpinions) -> Hearing:
        """Whisper's note transcript; both readings at once where a wrong one would matter; or the
        second reading started in the background, to be collected by `late_opinion`."""
        if listen.expect == "note":
            better = second.note_text(heard)
            if better:
                heard = Heard(text=better, confidence=heard.confidence, audio=heard.audio,
                              machine_transcript=True, listen_id=heard.listen_id)
                hearing = replace(hearing, event=heard, free_form=better, when="note")
        elif second.wants_both(listen, heard):
            opinion = second.read_now(listen, heard)
            if opinion is not None:
                self._opinion(opinion)
                heard = replace(heard, second_opinion=opinion.text)
                hearing = replace(hearing, event=heard, free_form=opinion.text, when="both")
        else:
            heard = replace(heard, second_opinion_follows=True)
            second.start(listen, heard)
            hearing = replace(hearing, event=heard, when="late")
        if second.problem is not None:
            self._problem(second.problem)
            second.problem = None
        return hearing

    def _opinion(self, opinion: Opinion) -> None:
        if self._on_opinion is not None:
            self._on_opinion(opinion)

    def late_opinion(self) -> SecondOpinion | None:
        """The background second reading of the last answer, as an event only when it holds a red flag
        the grammar's reading did not (the engine asks about it); otherwise None."""
        opinion = self.late_reading()
        if opinion is None or self.second is None:
            return None
        if not self.second.rules.escalates(opinion.listen, opinion.heard.text, opinion.text):
            return None
        return SecondOpinion(opinion.text, opinion.listen.listen_id)

    def late_reading(self) -> Opinion | None:
        """The background second reading of the last answer (waited for), or None when none is pending."""
        if self.second is None:
            return None
        opinion = self.second.collect()
        if opinion is not None:
            self._opinion(opinion)
        return opinion

    def mark(self) -> None:
        """Start timing a reply: `first_say_at` is set when the next sentence is ready."""
        self.first_say_at = None


def run_voice(engine: EngineLike, io: VoiceIO, *, keyboard: KeyboardFallback | None = None,
              on_problem: ProblemCallback | None = None, typed_only: bool = False,
              on_turn: TurnCallback | None = None) -> bool:
    """Drive `engine` by voice until it finishes or the audio runs out; returns engine.finished.

    If the microphone fails mid-session, the problem is reported and, when `keyboard` is given, the same
    session carries on with typed answers; otherwise the engine is told the session `Ended` (so what was
    confirmed stays saved and an unconfirmed note becomes a draft). `typed_only` starts with the keyboard
    (no microphone at all); the assistant still speaks.
    """
    listen = io.perform(engine.handle(Started()))
    use_keyboard = typed_only and keyboard is not None
    while not engine.finished:
        listen = listen or engine.pending_listen
        if listen is None:
            break
        event: Event | EndOfAudio | None
        if use_keyboard and keyboard is not None:
            event = keyboard(listen)
        else:
            try:
                event = io.listen(listen)
            except AudioError as error:
                if on_problem is not None:
                    on_problem(f"{error}; " + ("switching to typed answers" if keyboard else "stopping"))
                if keyboard is None:
                    event = None
                else:
                    use_keyboard = True
                    event = keyboard(listen)
        if event is None or isinstance(event, EndOfAudio):
            io.perform(engine.handle(Ended()))
            break
        io.mark()
        asked = listen
        listen = io.perform(engine.handle(event))
        report = io.last_report
        if on_turn is not None and isinstance(event, Heard) and report is not None:
            # From the end of the listen: a second reading waited for counts in the reply's time.
            began = io.endpoint_at
            reply_ms = (None if io.first_say_at is None or began is None
                        else round((io.first_say_at - began) * 1000, 1))
            on_turn({"type": "turn", "step": asked.step, "text": event.text,
                     "speech_end_s": report.speech_end_s, "endpoint_s": report.endpoint_s,
                     "reply_ms": reply_ms})
        late = io.late_opinion()
        if late is not None:
            listen = io.perform(engine.handle(late)) or listen
    return engine.finished
