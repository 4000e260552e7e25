"""The speech ports: small Protocols the voice loop talks to, and the values they pass.

Audio everywhere is 16 kHz mono signed 16-bit little-endian PCM bytes. Real adapters (microphone,
Vosk, PocketSphinx, pyttsx3) and fakes for the hardware edges (WAV-file microphone, WAV-sink speaker)
implement the same Protocols and live side by side in this package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from ketavoice.engine.events import Listen

SAMPLE_RATE = 16000
SAMPLE_WIDTH = 2
CHANNELS = 1
BYTES_PER_SECOND = SAMPLE_RATE * SAMPLE_WIDTH * CHANNELS

BackendName = Literal["vosk", "pocketsphinx", "whisper"]
VoiceState = Literal["listening", "speaking", "idle"]


@dataclass(frozen=True)
class Word:
    """One recognised word with its confidence (0..1) and time in the utterance (seconds)."""

    word: str
    confidence: float
    start: float = 0.0
    end: float = 0.0


@dataclass(frozen=True)
class Partial:
    """A partial hypothesis while the patient is still speaking."""

    text: str


@dataclass(frozen=True)
class Result:
    """The final hypothesis of one utterance; `confidence` is 0..1, `text` is "" when nothing matched."""

    text: str
    confidence: float
    words: tuple[Word, ...] = ()
    # Runner-up hypotheses (grammar mode), so a red flag the decoder nearly chose is still asked about.
    alternatives: tuple[str, ...] = ()


class AudioSource(Protocol):
    """Where the patient's voice comes from: chunks of PCM, muted while the assistant speaks."""

    def open(self) -> None: ...

    def close(self) -> None: ...

    def read(self, frames: int) -> bytes:
        """Up to `frames` frames; b"" means the source is exhausted (end of file, device gone)."""
        ...

    def mute(self) -> None:
        """Half-duplex: stop hearing (the assistant is about to speak)."""
        ...

    def unmute(self) -> None:
        """Start hearing again; audio captured while muted is discarded."""
        ...


class Recognizer(Protocol):
    """Speech to text for one utterance at a time."""

    @property
    def backend(self) -> BackendName: ...

    def start(self, phrases: tuple[str, ...] | None) -> None:
        """Begin an utterance constrained to `phrases` (None = free-form, full vocabulary)."""
        ...

    def accept(self, chunk: bytes) -> Partial | None: ...

    def finish(self) -> Result: ...


class Speaker(Protocol):
    """Text to speech. `say` blocks until spoken and raises TTSError when it fails or hangs."""

    def say(self, text: str, rate_wpm: int) -> None: ...

    def tone(self) -> None:
        """A short "ready to listen" tone."""
        ...

    def close(self) -> None: ...


class ListeningRules(Protocol):
    """The engine's rules about a Listen (`ketavoice.engine.listening.ListenPolicy`), injected by the
    composition root: speech only hears, the engine decides what an utterance means."""

    def complete(self, listen: Listen, text: str, confidence: float) -> bool:
        """Is `text` a complete, confident answer (the listen may end at the first pause)?"""
        ...

    def prompt(self, listen: Listen) -> str | None:
        """Whisper's prompt of likely answers (None: no prompt)."""
        ...

    def wants_both(self, listen: Listen, text: str, confidence: float) -> bool:
        """Should the answer wait for its free-form reading before the engine sees it?"""
        ...

    def escalates(self, listen: Listen, grammar_text: str, free_text: str) -> bool:
        """Does a late free-form reading matter (the engine must hear of it)?"""
        ...
