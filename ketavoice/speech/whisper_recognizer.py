"""Whisper (faster-whisper, CTranslate2) as a `Recognizer`: free-form, for notes and second opinions.

The model loads on a background thread (`WhisperLoader`), so the voice loop is ready at once and the
grammar recognizer answers while Whisper warms up. Whisper has no grammar: `start(phrases)` ignores the
phrase list; `prompt` (the step's own phrases, see speech/prompting.py) biases it toward likely answers.
"""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

from ketavoice.errors import ModelError
from ketavoice.speech.ports import SAMPLE_RATE, BackendName, Partial, Result
from ketavoice.speech.whisper_model import (
    INSTALL_HINT,
    WhisperModelInfo,
    faster_whisper_installed,
    find_whisper_model,
    verify_whisper_model,
)

# A segment Whisper itself thinks is not speech (and is unsure of) is dropped: tiny.en invents
# "Thank you." on breath and room noise.
_NO_SPEECH = 0.6
_UNSURE_LOGPROB = -1.0


class WhisperLoader:
    """Verifies and loads a Whisper model once, on its own thread; `get()` waits for it."""

    def __init__(self, info: WhisperModelInfo, *, threads: int = 2) -> None:
        self.info = info
        self._threads = threads
        self._model: Any = None
        self._error: ModelError | None = None
        self._done = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> WhisperLoader:
        if self._thread is None:
            self._thread = threading.Thread(target=self._load, name="whisper-load", daemon=True)
            self._thread.start()
        return self

    def _load(self) -> None:
        try:
            verify_whisper_model(self.info)
            try:
                from faster_whisper import WhisperModel
            except ImportError as error:
                raise ModelError(f"faster-whisper is not installed; {INSTALL_HINT}") from error
            try:
                self._model = WhisperModel(str(self.info.path), device="cpu", compute_type="int8",
                                           cpu_threads=self._threads, local_files_only=True)
            except Exception as error:  # noqa: BLE001 - CTranslate2 raises bare RuntimeError/ValueError
                problem = type(error).__name__
                raise ModelError(f"Whisper could not load {self.info.path} ({problem})") from error
        except ModelError as error:
            self._error = error
        finally:
            self._done.set()

    @property
    def ready(self) -> bool:
        return self._done.is_set() and self._error is None

    def get(self, timeout: float | None = None) -> Any:
        """The loaded model; raises ModelError if loading failed or did not finish within `timeout`."""
        self.start()
        if not self._done.wait(timeout):
            raise ModelError("the Whisper model is still loading")
        if self._error is not None:
            raise self._error
        return self._model


def whisper_loader(explicit: Path | None = None) -> tuple[WhisperLoader | None, str | None]:
    """A started loader for the configured model, or (None, a note saying what to install)."""
    if not faster_whisper_installed():
        return None, f"Whisper is not installed, so PocketSphinx alone transcribes; {INSTALL_HINT}"
    info = find_whisper_model(explicit)
    if info is None:
        return None, f"no Whisper model found, so PocketSphinx alone transcribes; {INSTALL_HINT}"
    return WhisperLoader(info).start(), None


def pcm_to_float(pcm: bytes) -> Any:
    import numpy

    return numpy.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(numpy.float32) / 32768.0


class WhisperRecognizer:
    """A free-form `Recognizer` on a (background-loaded) Whisper model."""

    def __init__(self, loader: WhisperLoader, *, load_timeout: float = 120.0) -> None:
        self.loader = loader
        self._load_timeout = load_timeout
        self._buffer = bytearray()
        self._started = False
        self.prompt: str | None = None

    @property
    def backend(self) -> BackendName:
        return "whisper"

    def start(self, phrases: tuple[str, ...] | None) -> None:
        self._buffer = bytearray()
        self._started = True

    def accept(self, chunk: bytes) -> Partial | None:
        if not self._started:
            raise ModelError("Whisper recognizer used before start()")
        self._buffer.extend(chunk)
        return None

    def finish(self) -> Result:
        if not self._started:
            raise ModelError("Whisper recognizer used before start()")
        self._started = False
        return self.transcribe(bytes(self._buffer), self.prompt)

    def transcribe(self, pcm: bytes, prompt: str | None = None) -> Result:
        """Text and confidence (mean per-token probability) of one utterance held in memory."""
        if len(pcm) < SAMPLE_RATE // 5:  # under 0.1 s: nothing to hear
            return Result("", 0.0)
        model = self.loader.get(self._load_timeout)
        try:
            segments, _info = model.transcribe(
                pcm_to_float(pcm), language="en", beam_size=1, initial_prompt=prompt or None,
                condition_on_previous_text=False, without_timestamps=True,
            )
            kept = [
                segment for segment in segments
                if not (segment.no_speech_prob > _NO_SPEECH and segment.avg_logprob < _UNSURE_LOGPROB)
            ]
        except Exception as error:  # noqa: BLE001 - a decoding failure is reported, never a traceback
            raise ModelError(f"Whisper failed on this audio ({type(error).__name__})") from error
        text = " ".join(segment.text.strip() for segment in kept).strip()
        if not text:
            return Result("", 0.0)
        logprob = sum(segment.avg_logprob for segment in kept) / len(kept)
        return Result(text=text, confidence=round(min(1.0, math.exp(logprob)), 3))
