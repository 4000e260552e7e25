"""The synthesised benchmark set: (text, step, expected intent, expected value) spoken several ways.

Kept beside the benchmark, not in tests: it measures accuracy, it does not gate a commit.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ketavoice.speech.synth import synthesize

# (utterance, step, intent, value). "|" is a 3 s pause. Red flags are said in several carrier sentences.
ITEMS: tuple[tuple[str, str, str, int | None], ...] = (
    ("yes", "ride_home", "yes", None),
    ("yeah", "ride_home", "yes", None),
    ("no", "ride_home", "no", None),
    ("nope", "ride_home", "no", None),
    ("repeat", "ride_home", "repeat", None),
    ("say that again", "welcome", "repeat", None),
    ("slower", "welcome", "slower", None),
    ("help", "welcome", "help", None),
    ("stop", "welcome", "stop", None),
    ("next", "welcome", "next", None),
    ("go back", "welcome", "back", None),
    ("seven", "mood_rating", "number", 7),
    ("three", "mood_rating", "number", 3),
    ("about a five", "mood_rating", "number", 5),
    ("eight out of ten", "mood_rating", "number", 8),
    ("zero", "mood_rating", "number", 0),
    ("ten", "mood_rating", "number", 10),
    ("chest pain", "ride_home", "emergency", None),
    ("i have chest pain", "mood_rating", "emergency", None),
    ("i can't breathe", "welcome", "emergency", None),
    ("my heart is racing", "ride_home", "emergency", None),
    ("i want to kill myself", "mood_rating", "crisis", None),
    ("i want to die", "welcome", "crisis", None),
    ("i don't want to be alive", "ride_home", "crisis", None),
    ("i want to hurt myself", "closing", "crisis", None),
    ("yes | please", "ride_home", "yes", None),
)
RED_FLAG_INTENTS = ("emergency", "crisis")
STYLES: tuple[tuple[str, int], ...] = (("en-us", 120), ("en-us", 90), ("en+f3", 110), ("en-gb", 120))


@dataclass(frozen=True)
class Sample:
    path: Path
    text: str
    step: str
    intent: str
    value: int | None
    voice: str
    wpm: int


# flite's voices are closer to a human voice than espeak-ng's formant synthesis; PocketSphinx's acoustic
# model, trained on people, hears them far better. Benchmark only (`apt-get install flite`).
FLITE_VOICES: tuple[str, ...] = ("rms", "awb", "slt", "kal16")


def build(directory: Path) -> list[Sample]:
    """The espeak-ng set: every item in every espeak-ng style (the voices the tests use)."""
    directory.mkdir(parents=True, exist_ok=True)
    samples: list[Sample] = []
    for index, (text, step, intent, value) in enumerate(ITEMS):
        for voice, wpm in STYLES:
            path = directory / f"{index:02d}-{voice.replace('+', '_')}-{wpm}.wav"
            if not path.exists():
                synthesize(text, path, voice=voice, wpm=wpm)
            samples.append(Sample(path, text, step, intent, value, voice, wpm))
    return samples


def build_flite(directory: Path) -> list[Sample]:
    """The flite set, or [] where flite is not installed. A "|" pause becomes a comma."""
    if shutil.which("flite") is None:
        return []
    directory.mkdir(parents=True, exist_ok=True)
    samples: list[Sample] = []
    for index, (text, step, intent, value) in enumerate(ITEMS):
        for voice in FLITE_VOICES:
            path = directory / f"{index:02d}-flite-{voice}.wav"
            if not path.exists():
                raw = directory / "flite-raw.wav"
                spoken = text.replace("|", ",")
                subprocess.run(["flite", "-voice", voice, "-t", spoken, "-o", str(raw)], check=True)
                subprocess.run(
                    ["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(path), "pad", "0.4", "0.6"],
                    check=True,
                    capture_output=True,
                )
            samples.append(Sample(path, text, step, intent, value, f"flite-{voice}", 0))
    return samples
