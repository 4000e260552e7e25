"""Adapts the speech package's `VoiceIO` to the TUI's one-action-at-a-time `VoicePerformer`.

Everything here runs on the voice worker thread. The end of a scripted audio source, like a lost
microphone, stops the voice side (the screen then carries on by keyboard).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ketavoice.content.model import Content
from ketavoice.engine.events import Action, Event, Listen
from ketavoice.errors import AudioError
from ketavoice.speech.listen import EndOfAudio
from ketavoice.speech.loop import VoiceIO
from ketavoice.speech.ports import AudioSource, Speaker
from ketavoice.tui.ports import StateCallback, VoicePerformer
from ketavoice.tui.voice import PerformerFactory


class VoiceIOPerformer:
    """One action at a time: Say/SetRate through `VoiceIO.perform`, Listen through `VoiceIO.listen`."""

    def __init__(self, io: VoiceIO, notes: tuple[str, ...] = ()) -> None:
        self.io = io
        self.notes = notes  # fallbacks taken while building the loop; the bridge shows them on screen

    def perform(self, action: Action) -> Event | None:
        if isinstance(action, Listen):
            late = self.io.late_opinion()
            if late is not None:
                return late  # a red flag only the second reading heard: the engine asks (a newer listen)
            outcome = self.io.listen(action)
            if isinstance(outcome, EndOfAudio):
                raise AudioError("the audio input has ended")
            return outcome
        self.io.perform([action])
        return None

    def close(self) -> None:
        try:
            self.io.source.close()
        finally:
            self.io.speaker.close()


def voice_factory(
    content: Content,
    *,
    make_source: Callable[[], AudioSource] | None = None,
    make_speaker: Callable[[], Speaker] | None = None,
    backend: str = "auto",
    model: Path | None = None,
    whisper_model: Path | None = None,
) -> PerformerFactory:
    """A factory the worker calls on its own thread: opens devices, builds the recognizer."""

    def build(on_state: StateCallback) -> VoicePerformer:
        from ketavoice.frontends.voice import VoiceOptions, build_voice
        from ketavoice.speech.sources import MicrophoneSource
        from ketavoice.speech.speakers import WorkerSpeaker

        source = make_source() if make_source is not None else MicrophoneSource()
        source.open()
        speaker = make_speaker() if make_speaker is not None else WorkerSpeaker()
        options = VoiceOptions(backend="pocketsphinx" if backend == "pocketsphinx" else
                               "vosk" if backend == "vosk" else "auto", model=model,
                               whisper_model=whisper_model)
        loop = build_voice(content, None, source, speaker, options, on_state=on_state)
        return VoiceIOPerformer(loop.io, loop.notes)

    return build
