"""Vosk (Kaldi) recognizer: grammar mode with "[unk]" for garbage, or free-form for notes.

The model is loaded only with `Model(path)`: `Model(lang=)` / `Model(model_name=)` download, and an
unknown name calls `sys.exit`. Kaldi's logging is switched off so it never reaches the patient's screen.
Vosk ends utterances on its own inside `AcceptWaveform`; those segments are collected so nothing is lost
when our own endpointing decides the answer is over and calls `FinalResult`.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from ketavoice.errors import ModelError
from ketavoice.speech.models import verify_model
from ketavoice.speech.ports import SAMPLE_RATE, BackendName, Partial, Result, Word

_MODELS: dict[Path, Any] = {}
_MODELS_LOCK = threading.Lock()


def _import_vosk() -> Any:
    try:
        import vosk
    except (ImportError, OSError) as error:
        raise ModelError(f"the vosk package cannot be loaded ({error})") from error
    # Kaldi logs warnings at level -1 and errors at -2: hide both, failures surface as ModelError.
    vosk.SetLogLevel(-3)
    return vosk


def load_vosk_model(path: Path) -> Any:
    """Load (once per process) the Vosk model at `path`, by path only."""
    resolved = path.expanduser().resolve()
    problems = verify_model(resolved)
    if problems:
        raise ModelError(f"Vosk model {resolved} is not usable: {'; '.join(problems)}")
    with _MODELS_LOCK:
        if resolved not in _MODELS:
            vosk = _import_vosk()
            try:
                _MODELS[resolved] = vosk.Model(str(resolved))
            except Exception as error:  # vosk raises a bare Exception("Failed to create a model")
                raise ModelError(f"Vosk could not load the model at {resolved} ({error})") from error
        return _MODELS[resolved]


def _model_vocabulary(path: Path) -> frozenset[str] | None:
    for words_file in (path / "graph" / "words.txt", path / "words.txt"):
        if words_file.is_file():
            with open(words_file, encoding="utf-8", errors="replace") as handle:
                return frozenset(line.split(maxsplit=1)[0] for line in handle if line.strip())
    return None


class VoskRecognizer:
    """A `Recognizer` on a Vosk model folder."""

    def __init__(self, model_path: Path) -> None:
        self.model_path = model_path.expanduser().resolve()
        self._vosk = _import_vosk()
        self._model = load_vosk_model(self.model_path)
        self._vocabulary = _model_vocabulary(self.model_path)
        self._recognizer: Any = None
        self._segments: list[dict[str, Any]] = []
        self.dropped_phrases: tuple[str, ...] = ()

    @property
    def backend(self) -> BackendName:
        return "vosk"

    def knows(self, word: str) -> bool:
        """Whether `word` is in the model's vocabulary (words.txt when present, else the model's lookup)."""
        if self._vocabulary is not None:
            return word in self._vocabulary
        return bool(self._model.vosk_model_find_word(word) >= 0)

    def usable_phrases(self, phrases: tuple[str, ...]) -> tuple[str, ...]:
        """`phrases` whose every word the model knows; the rest are remembered in `dropped_phrases`."""
        kept = tuple(phrase for phrase in phrases
                     if phrase.split() and all(self.knows(word) for word in phrase.split()))
        self.dropped_phrases = tuple(phrase for phrase in phrases if phrase not in kept)
        return kept

    def start(self, phrases: tuple[str, ...] | None) -> None:
        self._segments = []
        if phrases is None:
            self._recognizer = self._vosk.KaldiRecognizer(self._model, SAMPLE_RATE)
        else:
            grammar = list(self.usable_phrases(phrases))
            if self.knows("[unk]") or not grammar:
                # Kaldi crashes (SIGSEGV) on an empty grammar, as when the model knows none of the
                # step's words: a grammar of only the unknown word then hears nothing, truthfully.
                grammar.append("[unk]")
            self._recognizer = self._vosk.KaldiRecognizer(
                self._model, SAMPLE_RATE, json.dumps(grammar, ensure_ascii=False)
            )
        self._recognizer.SetWords(True)

    def accept(self, chunk: bytes) -> Partial | None:
        if self._recognizer is None:
            raise ModelError("Vosk recognizer used before start()")
        if self._recognizer.AcceptWaveform(chunk):
            self._segments.append(json.loads(self._recognizer.Result()))
            return None
        partial = json.loads(self._recognizer.PartialResult()).get("partial", "")
        return Partial(_clean(partial)) if partial else None

    def finish(self) -> Result:
        if self._recognizer is None:
            raise ModelError("Vosk recognizer used before start()")
        self._segments.append(json.loads(self._recognizer.FinalResult()))
        self._recognizer = None
        words: list[Word] = []
        for segment in self._segments:
            for item in segment.get("result", []):
                word = str(item.get("word", ""))
                if word and word != "[unk]":
                    words.append(Word(word, float(item.get("conf", 0.0)),
                                      float(item.get("start", 0.0)), float(item.get("end", 0.0))))
        text = " ".join(word.word for word in words)
        if not words:
            # Free-form results may lack word details; fall back to the segment texts.
            text = _clean(" ".join(str(segment.get("text", "")) for segment in self._segments))
            confidence = 1.0 if text else 0.0
        else:
            confidence = sum(word.confidence for word in words) / len(words)
        return Result(text=text, confidence=round(confidence, 3), words=tuple(words))


def _clean(text: str) -> str:
    return " ".join(word for word in text.split() if word != "[unk]")
