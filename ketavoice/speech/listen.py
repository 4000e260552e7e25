"""One Listen action against an AudioSource and a Recognizer, with our own (semantic) endpointing.

A drowsy patient speaks slowly with long pauses, yet a plain "yes" should be answered within a second.
So: wait up to `timeout` for a first word (voice activity from Silero VAD, or the energy fallback); when
the patient pauses for `complete_silence` (about 0.5 s) and what the grammar heard so far is a complete,
confident answer for the step (the `judge`), the listen ends there. An incomplete or unclear answer keeps
listening through pauses, up to a pause learned from this patient's own pauses (`PauseModel`), never
shorter than `min_end_silence` nor longer than the listen's `end_silence`. A note is never ended early.
All times are counted in audio (not wall clock), so a WAV replay is fast and deterministic.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from ketavoice.engine.events import Heard, Listen, Silence
from ketavoice.speech.ports import BYTES_PER_SECOND, SAMPLE_RATE, AudioSource, Recognizer, Result, VoiceState
from ketavoice.speech.vad import EnergyVad, Vad
from ketavoice.speech.wavio import rms_level

StateCallback = Callable[[VoiceState, float], None]
# Is `text` (heard with `confidence`) a complete, confident answer to `listen`?
Judge = Callable[[Listen, str, float], bool]
# Told the utterance so far when the patient pauses (a second reader may start on it), and None when
# they speak again (that reading is stale).
PauseHook = Callable[[Listen, bytes | None], None]
NOTE_END_WORDS = frozenset({"done", "finished"})
_PEEKS = 2


@dataclass(frozen=True)
class EndOfAudio:
    """The source has nothing more (end of the WAV list); the listen heard no speech."""

    seconds: float


@dataclass
class PauseModel:
    """The patient's pauses inside answers, learned over the session (the last `keep` of them).

    `end_silence(ceiling)` is the pause that ends an incomplete answer: the 90th percentile of the pauses
    seen plus `margin`, bounded by [`floor`, `ceiling`]; with fewer than `needed` pauses seen, `ceiling`.
    """

    floor: float = 1.5
    margin: float = 1.0
    keep: int = 20
    needed: int = 3
    pauses: deque[float] = field(default_factory=deque)

    def add(self, seconds: float) -> None:
        self.pauses.append(seconds)
        while len(self.pauses) > self.keep:
            self.pauses.popleft()

    def end_silence(self, ceiling: float) -> float:
        if len(self.pauses) < self.needed:
            return ceiling
        ordered = sorted(self.pauses)
        p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
        return min(ceiling, max(self.floor, p90 + self.margin))


@dataclass
class Endpointing:
    """Listen settings shared across one session (the pause model learns as the session goes on)."""

    chunk_seconds: float = 0.1
    start_chunks: int = 2
    preroll_seconds: float = 0.5
    complete_silence: float = 0.5
    min_pause: float = 0.3  # a shorter quiet stretch inside speech is not a pause
    # How long a quiet stretch before `on_pause` hears of it: early, so a second reading is nearly done
    # when the listen ends half a second after speech (a reading begun too soon is dropped, not used).
    early_read_after: float = 0.2
    vad: Vad = field(default_factory=EnergyVad)
    judge: Judge | None = None
    pauses: PauseModel = field(default_factory=PauseModel)
    on_pause: PauseHook | None = None


@dataclass(frozen=True)
class ListenReport:
    """Where, in the listen's audio (seconds from its start), speech ended and the listen ended; why."""

    speech_end_s: float | None
    endpoint_s: float
    reason: str  # "complete", "pause", "max", "word", "timeout", "end_of_audio"


def listen_once(
    listen: Listen,
    source: AudioSource,
    recognizer: Recognizer,
    *,
    on_state: StateCallback | None = None,
    settings: Endpointing | None = None,
) -> Heard | Silence | EndOfAudio:
    """Run one listen; returns Heard (with the utterance audio), Silence, or EndOfAudio."""
    return listen_timed(listen, source, recognizer, on_state=on_state, settings=settings)[0]


def listen_timed(
    listen: Listen,
    source: AudioSource,
    recognizer: Recognizer,
    *,
    on_state: StateCallback | None = None,
    settings: Endpointing | None = None,
) -> tuple[Heard | Silence | EndOfAudio, ListenReport]:
    """`listen_once` plus a report of where speech and the listen ended (for the turn-gap contract)."""
    settings = settings or Endpointing()
    vad = settings.vad
    vad.reset()
    frames = int(SAMPLE_RATE * settings.chunk_seconds)
    note = listen.expect == "note"
    phrases = None if note else listen.phrases
    recognizer.start(phrases)
    preroll: deque[bytes] = deque(maxlen=max(1, int(settings.preroll_seconds / settings.chunk_seconds)))
    utterance = bytearray()
    voiced_run = 0
    elapsed = 0.0
    speech_seconds = 0.0
    quiet_seconds = 0.0
    speech_end: float | None = None
    in_speech = False
    next_peek = settings.complete_silence  # when, in the current pause, to consult the grammar next
    reason = "end_of_audio"
    early: Result | None = None
    patience = listen.end_silence if note else settings.pauses.end_silence(listen.end_silence)
    told_pause = False  # on_pause has the utterance up to this pause
    while True:
        chunk = source.read(frames)
        if not chunk:
            break
        seconds = len(chunk) / BYTES_PER_SECOND
        elapsed += seconds
        if on_state is not None:
            on_state("listening", rms_level(chunk))
        voiced = vad.is_speech(chunk)
        if not in_speech:
            preroll.append(chunk)
            voiced_run = voiced_run + 1 if voiced else 0
            if voiced_run >= settings.start_chunks:
                in_speech = True
                speech_end = elapsed
                for held in preroll:
                    utterance.extend(held)
                    recognizer.accept(held)
            elif elapsed >= listen.timeout:
                recognizer.finish()
                return (Silence(round(elapsed, 2), listen_id=listen.listen_id),
                        ListenReport(None, round(elapsed, 2), "timeout"))
            continue
        utterance.extend(chunk)
        speech_seconds += seconds
        partial = recognizer.accept(chunk)
        if voiced:
            if quiet_seconds >= settings.min_pause and not note:
                settings.pauses.add(quiet_seconds)  # the patient paused, then went on: learn it
            if told_pause and settings.on_pause is not None:
                settings.on_pause(listen, None)
                told_pause = False
            quiet_seconds = 0.0
            next_peek = settings.complete_silence
            speech_end = elapsed
        else:
            quiet_seconds += seconds
            read_now = quiet_seconds >= settings.early_read_after
            if not note and not told_pause and read_now and settings.on_pause is not None:
                settings.on_pause(listen, bytes(utterance))
                told_pause = True
        if speech_seconds >= listen.max_seconds:
            reason = "max"
            break
        if note and partial is not None and partial.text.split()[-1:] in (
            [word] for word in NOTE_END_WORDS
        ) and quiet_seconds >= 1.0:
            reason = "word"
            break
        if (not note and settings.judge is not None and quiet_seconds >= next_peek
                and next_peek <= _PEEKS * settings.complete_silence):
            # Twice per pause: a decode of a clipped word can fail at the first look and pass at the second.
            next_peek += settings.complete_silence
            peek = recognizer.finish()
            if peek.text and settings.judge(listen, peek.text, peek.confidence):
                early, reason = peek, "complete"
                break
            recognizer.start(phrases)  # not complete: carry on with the same audio so far
            recognizer.accept(bytes(utterance))
        if quiet_seconds >= patience:
            reason = "pause"
            break
    result = early if early is not None else recognizer.finish()
    report = ListenReport(None if speech_end is None else round(speech_end, 2), round(elapsed, 2), reason)
    if not in_speech:
        return EndOfAudio(round(elapsed, 2)), report
    if not result.text and not result.alternatives:
        return Silence(round(elapsed, 2), listen_id=listen.listen_id), report
    return (Heard(text=result.text, confidence=result.confidence, audio=bytes(utterance),
                  machine_transcript=True, listen_id=listen.listen_id, alternatives=result.alternatives),
            report)
