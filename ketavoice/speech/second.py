"""The free-form second opinion, off the loop's critical path.

After the grammar's Heard has been answered, Whisper (prompted with the step's answers) reads the same
audio on a worker thread while the reply is spoken; before the next listen the driver collects it and the
engine's pure `review` compares the two readings. Where Whisper is missing, PocketSphinx's language
model reads the audio instead (on the same recognizer, between listens). Notes are transcribed by Whisper
outright when it is there: its notes are readable, the grammar recognizer's free-form ones are not.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ketavoice.content.model import Content, Dialogue, Step
from ketavoice.engine.events import Heard, Listen
from ketavoice.engine.second_opinion import Verdict, review
from ketavoice.errors import ModelError
from ketavoice.speech.ports import Recognizer
from ketavoice.speech.prompting import whisper_prompt
from ketavoice.speech.recognizers import recognize_pcm
from ketavoice.speech.whisper_recognizer import WhisperRecognizer


@dataclass(frozen=True)
class Opinion:
    listen: Listen
    heard: Heard
    text: str
    verdict: Verdict


class SecondOpinions:
    """One pending second opinion at a time; `start` after a Heard, `collect` before the next listen."""

    def __init__(self, content: Content, dialogue: Dialogue, *, whisper: WhisperRecognizer | None,
                 fallback: Recognizer | None) -> None:
        self.content = content
        self.dialogue = dialogue
        self.whisper = whisper
        self.fallback = fallback
        self._pending: tuple[Listen, Heard] | None = None
        self._thread: threading.Thread | None = None
        self._text: str | None = None
        self.problem: str | None = None

    @property
    def engine_name(self) -> str:
        return "whisper" if self.whisper is not None else "pocketsphinx-lm"

    def _step(self, step_id: str) -> Step | None:
        try:
            return self.dialogue.step(step_id)
        except KeyError:
            return None

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

    def start(self, listen: Listen, heard: Heard) -> None:
        """Begin reading `heard`'s audio (Whisper on a thread; the fallback waits for `collect`)."""
        if listen.expect == "note" or not heard.audio:
            return
        self._pending = (listen, heard)
        self._text = None
        if self.whisper is not None:
            whisper = self.whisper
            audio = heard.audio
            prompt = whisper_prompt(self.content, self._step(listen.step), listen.expect)

            def work() -> None:
                try:
                    self._text = whisper.transcribe(audio, prompt).text
                except ModelError as error:
                    self._give_up(error)
                    self._text = ""

            self._thread = threading.Thread(target=work, name="second-opinion", daemon=True)
            self._thread.start()

    def collect(self, timeout: float = 30.0) -> Opinion | None:
        """The finished second opinion with its verdict, or None when none was pending."""
        if self._pending is None:
            return None
        listen, heard = self._pending
        self._pending = None
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
            text = self._text or ""
        elif self.fallback is not None and heard.audio:
            text = recognize_pcm(self.fallback, heard.audio, None).text
        else:
            return None
        verdict = review(self.content, self._step(listen.step), heard.text, text)
        return Opinion(listen, heard, text, verdict)
