"""Choosing a recognizer: Vosk when a usable model is found, PocketSphinx's bundled model otherwise.

A missing or broken Vosk model never stops the voice loop: it falls back to PocketSphinx and says why
in the returned notes (the command prints them; the TUI shows them).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ketavoice.errors import ModelError
from ketavoice.speech.models import choose_model
from ketavoice.speech.ports import Recognizer, Result

BackendChoice = Literal["auto", "vosk", "pocketsphinx"]


@dataclass(frozen=True)
class RecognizerChoice:
    recognizer: Recognizer
    model_path: Path | None
    notes: tuple[str, ...]


def make_recognizer(backend: BackendChoice = "auto", model: Path | None = None) -> RecognizerChoice:
    """Build the recognizer the user asked for, falling back to PocketSphinx with a note."""
    from ketavoice.speech.sphinx_recognizer import SphinxRecognizer

    notes: list[str] = []
    if backend != "pocketsphinx":
        info, problems = choose_model(model)
        notes.extend(problems)
        if info is not None:
            from ketavoice.speech.vosk_recognizer import VoskRecognizer

            try:
                return RecognizerChoice(VoskRecognizer(info.path), info.path, tuple(notes))
            except ModelError as error:
                notes.append(str(error))
        elif backend == "vosk" or model is not None:
            notes.append("no usable Vosk model found (see `ketavoice model list`)")
        if backend == "vosk" or notes:
            notes.append("using PocketSphinx's bundled English model instead")
    return RecognizerChoice(SphinxRecognizer(), None, tuple(notes))


def recognize_pcm(recognizer: Recognizer, pcm: bytes, phrases: tuple[str, ...] | None,
                  chunk_bytes: int = 8000) -> Result:
    """Recognise a whole utterance held in memory (used by `transcribe` and the benchmarks)."""
    recognizer.start(phrases)
    for offset in range(0, len(pcm), chunk_bytes):
        recognizer.accept(pcm[offset : offset + chunk_bytes])
    return recognizer.finish()
