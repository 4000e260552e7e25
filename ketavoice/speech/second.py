"""The free-form second opinion, off the loop's critical path.

When a wrong reading would matter (the listen asks for `both_readings`, the grammar heard a red flag, or
it heard words with low confidence), the second reading is taken at once and handed to the engine with
the grammar's in one Heard. Otherwise the grammar's Heard is answered at once, and Whisper (prompted with
the step's answers) reads the same audio on a worker thread while the reply is spoken; before the next
listen the driver collects it, and the engine's listening rules decide whether it escalates. Where
Whisper is missing, PocketSphinx's language model reads the audio instead (on the same recognizer,
between listens). Notes are transcribed by Whisper outright when it is there: its notes are readable,
the grammar recognizer's free-form ones are not.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ketavoice.engine.events import Heard, Listen
from ketavoice.errors import ModelError
from ketavoice.speech.ports import ListeningRules, Recognizer
from ketavoice.speech.recognizers import recognize_pcm
from ketavoice.speech.whisper_recognizer import WhisperRecognizer


@dataclass(frozen=True)
class Opinion:
    """The free-form reading `text` of `heard` (the grammar's reading). `waited`: handed to the engine
    with the grammar's in one Heard; otherwise it came after the grammar's answer."""

    listen: Listen
    heard: Heard
    text: str
    waited: bool = True


class _Reading:
    """Whisper reading one utterance's audio on its own thread (prompted with the step's answers)."""

    def __init__(self, listen: Listen, audio: bytes, whisper: WhisperRecognizer, prompt: str | None) -> None:
        self.listen_id = listen.listen_id
        self.audio = audio
        self._text: str | None = None
        self._error: ModelError | None = None

        def work() -> None:
            try:
                self._text = whisper.transcribe(audio, prompt).text
            except ModelError as error:
                self._error = error

        self._thread = threading.Thread(target=work, name="second-reading", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def covers(self, listen: Listen, heard: Heard) -> bool:
        """Is this a reading of `heard`'s speech (the patient did not speak again after it began)?"""
        audio = heard.audio or b""
        return listen.listen_id == self.listen_id and audio[: len(self.audio)] == self.audio

    def result(self, timeout: float = 30.0) -> str | None:
        """The text read; None when the reading has not finished within `timeout` (a model still loading
        on a busy machine): never "" for a reading that was not made, which would look like silence."""
        self._thread.join(timeout)
        if self._thread.is_alive():
            return None
        if self._error is not None:
            raise self._error
        return self._text or ""


class SecondOpinions:
    """One pending second opinion at a time; `start` after a Heard, `collect` before the next listen."""

    def __init__(self, rules: ListeningRules, *, whisper: WhisperRecognizer | None,
                 fallback: Recognizer | None) -> None:
        self.rules = rules
        self.whisper = whisper
        self.fallback = fallback
        self._pending: tuple[Listen, Heard, _Reading | None] | None = None
        self.problem: str | None = None
        self._early: _Reading | None = None
        self._running: _Reading | None = None  # the last early reading started (it may still run)

    @property
    def engine_name(self) -> str:
        """Who reads free-form now: "whisper", else the grammar recognizer's own free-form mode."""
        if self.whisper is not None:
            return "whisper"
        return f"{self.fallback.backend}-free-form" if self.fallback is not None else "none"

    def note_text(self, heard: Heard) -> str | None:
        """Whisper's transcript of a spoken note (None where Whisper is missing or failed)."""
        if self.whisper is None or not heard.audio:
            return None
        try:
            return self.whisper.transcribe(heard.audio).text
        except ModelError as error:
            self._give_up(error)
            return None

    def _give_up(self, error: ModelError) -> None:
        """Whisper failed (a bad model, say): say so once and carry on with PocketSphinx alone."""
        self.problem = f"{error}; PocketSphinx alone transcribes from now on"
        self.whisper = None

    def wants_both(self, listen: Listen, heard: Heard) -> bool:
        """Should this answer wait for the second reading before the engine sees it?"""
        if not heard.audio:
            return False
        return self.rules.wants_both(listen, heard.text, heard.confidence)

    def on_pause(self, listen: Listen, audio: bytes | None) -> None:
        """`Endpointing.on_pause`: Whisper starts reading the utterance as soon as the patient pauses,
        so its reading is (nearly) ready when the listen ends, whether the answer then waits for it or
        not (a late reading reuses it)."""
        busy = self._running is not None and self._running.running
        if not audio or listen.expect == "note" or busy:
            # Speech again (that reading is stale), or one still running: never a pile of readings.
            self._early = None
            return
        self._early = self._running = self._whisper_reading(listen, audio)

    def _whisper_reading(self, listen: Listen, audio: bytes) -> _Reading | None:
        if self.whisper is None:
            return None
        return _Reading(listen, audio, self.whisper, self.rules.prompt(listen))

    def _text_of(self, reading: _Reading, timeout: float = 30.0) -> str | None:
        """The reading's text; None when it did not finish in time (the fallback reads this answer), or
        when Whisper failed (and PocketSphinx alone from now on)."""
        try:
            return reading.result(timeout)
        except ModelError as error:
            self._give_up(error)
            return None

    def read_now(self, listen: Listen, heard: Heard) -> Opinion | None:
        """The second reading of `heard`, taken now (None where no second recognizer is left)."""
        early, self._early = self._early, None
        if not heard.audio:
            return None
        if early is None or not early.covers(listen, heard):
            early = self._whisper_reading(listen, heard.audio)
        text = self._text_of(early) if early is not None else None
        if text is not None:
            return Opinion(listen, heard, text)
        if self.fallback is not None:
            return Opinion(listen, heard, recognize_pcm(self.fallback, heard.audio, None).text)
        return None

    def start(self, listen: Listen, heard: Heard) -> None:
        """Begin reading `heard`'s audio (Whisper on a thread; the fallback waits for `collect`)."""
        early, self._early = self._early, None
        if listen.expect == "note" or not heard.audio:
            return
        if early is None or not early.covers(listen, heard):
            early = self._whisper_reading(listen, heard.audio)
        self._pending = (listen, heard, early)

    def collect(self, timeout: float = 30.0) -> Opinion | None:
        """The finished second opinion, or None when none was pending."""
        if self._pending is None:
            return None
        listen, heard, reading = self._pending
        self._pending = None
        text = self._text_of(reading, timeout) if reading is not None else None
        if text is None:
            if self.fallback is None or not heard.audio:
                return None
            text = recognize_pcm(self.fallback, heard.audio, None).text
        return Opinion(listen, heard, text, waited=False)
