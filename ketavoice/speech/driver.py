"""Building the one voice loop both front ends drive (`ketavoice voice` and the TUI's voice bridge).

Recognizer (Vosk or PocketSphinx), Whisper for notes and second opinions (loaded in the background),
Silero VAD (or the energy fallback) and semantic endpointing from content.toml's [timing]: every choice
and every fallback note is made here once, so the two front ends cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ketavoice.content.model import Content
from ketavoice.speech.judge import answer_judge
from ketavoice.speech.listen import Endpointing, PauseModel, StateCallback
from ketavoice.speech.loop import ActionCallback, LineCallback, OpinionCallback, ProblemCallback, VoiceIO
from ketavoice.speech.ports import AudioSource, Speaker
from ketavoice.speech.recognizers import BackendChoice, make_recognizer
from ketavoice.speech.second import SecondOpinions
from ketavoice.speech.vad import make_vad
from ketavoice.speech.whisper_recognizer import WhisperRecognizer, whisper_loader


@dataclass(frozen=True)
class VoiceOptions:
    backend: BackendChoice = "auto"
    model: Path | None = None
    whisper_model: Path | None = None
    use_whisper: bool = True
    ready_tone: bool = True


def build_voice_io(
    content: Content,
    dialogue: str | None,
    source: AudioSource,
    speaker: Speaker,
    options: VoiceOptions,
    *,
    on_state: StateCallback | None = None,
    on_line: LineCallback | None = None,
    on_problem: ProblemCallback | None = None,
    on_action: ActionCallback | None = None,
    on_opinion: OpinionCallback | None = None,
) -> tuple[VoiceIO, tuple[str, ...]]:
    """The voice loop and the notes to show the user (fallbacks taken, what to install)."""
    choice = make_recognizer(options.backend, options.model)
    notes = list(choice.notes)
    vad, vad_note = make_vad()
    if vad_note:
        notes.append(vad_note)
    whisper: WhisperRecognizer | None = None
    if options.use_whisper:
        loader, whisper_note = whisper_loader(options.whisper_model)
        if loader is not None:
            whisper = WhisperRecognizer(loader)
        elif whisper_note:
            notes.append(whisper_note)
    name = dialogue or content.default_dialogue
    timing = content.timing
    endpointing = Endpointing(
        vad=vad,
        judge=answer_judge(content, content.dialogue(name)),
        complete_silence=timing.complete_answer_silence,
        pauses=PauseModel(floor=timing.min_end_silence),
    )
    second = SecondOpinions(content, content.dialogue(name), whisper=whisper, fallback=choice.recognizer)
    endpointing.on_pause = second.on_pause
    io = VoiceIO(source, choice.recognizer, speaker, rate_wpm=content.voice.rate_wpm,
                 ready_tone=options.ready_tone and content.voice.ready_tone, on_state=on_state,
                 on_line=on_line, on_problem=on_problem, endpointing=endpointing, second=second,
                 on_action=on_action, on_opinion=on_opinion)
    return io, tuple(notes)
