"""One Listen action against an AudioSource and a Recognizer, with our own energy-based endpointing.

Vosk 0.3.45 has no endpointer API, and its built-in endpointing is tuned for brisk speech. A drowsy
patient speaks slowly with long pauses, so we decide when an answer is over: wait up to `timeout` for
a first word, then keep listening through pauses shorter than `end_silence`, and stop at `max_seconds`.
All times are counted in audio (not wall clock), so a WAV replay is fast and deterministic.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ketavoice.engine.events import Heard, Listen, Silence
from ketavoice.speech.ports import BYTES_PER_SECOND, SAMPLE_RATE, AudioSource, Recognizer, VoiceState
from ketavoice.speech.wavio import rms_level

StateCallback = Callable[[VoiceState, float], None]
NOTE_END_WORDS = frozenset({"done", "finished"})


@dataclass(frozen=True)
class EndOfAudio:
    """The source has nothing more (end of the WAV list); the listen heard no speech."""

    seconds: float


@dataclass(frozen=True)
class Endpointing:
    """VAD settings. A chunk is speech when its RMS exceeds both `min_level` and `noise_ratio` x floor."""

    chunk_seconds: float = 0.1
    min_level: float = 0.012
    noise_ratio: float = 3.0
    start_chunks: int = 2
    preroll_seconds: float = 0.5


def listen_once(
    listen: Listen,
    source: AudioSource,
    recognizer: Recognizer,
    *,
    on_state: StateCallback | None = None,
    settings: Endpointing | None = None,
) -> Heard | Silence | EndOfAudio:
    """Run one listen; returns Heard (with the utterance audio), Silence, or EndOfAudio."""
    settings = settings or Endpointing()
    frames = int(SAMPLE_RATE * settings.chunk_seconds)
    phrases = None if listen.expect == "note" else listen.phrases
    recognizer.start(phrases)
    preroll: deque[bytes] = deque(maxlen=max(1, int(settings.preroll_seconds / settings.chunk_seconds)))
    utterance = bytearray()
    noise_floor: float | None = None
    voiced_run = 0
    elapsed = 0.0
    speech_seconds = 0.0
    quiet_seconds = 0.0
    in_speech = False
    ended_by_word = False
    while True:
        chunk = source.read(frames)
        if not chunk:
            break
        seconds = len(chunk) / BYTES_PER_SECOND
        elapsed += seconds
        level = rms_level(chunk)
        if on_state is not None:
            on_state("listening", level)
        floor = noise_floor if noise_floor is not None else level
        voiced = level > settings.min_level and level > floor * settings.noise_ratio
        if not voiced:
            noise_floor = level if noise_floor is None else 0.9 * noise_floor + 0.1 * level
        if not in_speech:
            preroll.append(chunk)
            voiced_run = voiced_run + 1 if voiced else 0
            if voiced_run >= settings.start_chunks:
                in_speech = True
                for held in preroll:
                    utterance.extend(held)
                    recognizer.accept(held)
            elif elapsed >= listen.timeout:
                recognizer.finish()
                return Silence(round(elapsed, 2), listen_id=listen.listen_id)
            continue
        utterance.extend(chunk)
        speech_seconds += seconds
        quiet_seconds = 0.0 if voiced else quiet_seconds + seconds
        partial = recognizer.accept(chunk)
        if listen.expect == "note" and partial is not None and partial.text.split()[-1:] in (
            [word] for word in NOTE_END_WORDS
        ) and quiet_seconds >= 1.0:
            ended_by_word = True
        if quiet_seconds >= listen.end_silence or speech_seconds >= listen.max_seconds or ended_by_word:
            break
    result = recognizer.finish()
    if not in_speech:
        return EndOfAudio(round(elapsed, 2))
    if not result.text and not result.alternatives:
        return Silence(round(elapsed, 2), listen_id=listen.listen_id)
    return Heard(text=result.text, confidence=result.confidence, audio=bytes(utterance),
                 machine_transcript=True, listen_id=listen.listen_id, alternatives=result.alternatives)
