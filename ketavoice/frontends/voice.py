"""The voice composition root: building the one voice loop `ketavoice voice`, the TUI's voice bridge,
`ketavoice transcribe` and the benchmarks drive.

Recognizer (Vosk or PocketSphinx), Whisper for notes and second opinions (loaded in the background),
Silero VAD (or the energy fallback), semantic endpointing from content.toml's [timing], and the engine's
listening rules for the dialogue being run: every choice and every fallback note is made here once, so
the front ends cannot drift apart. `read_utterance` is one listen through that loop with the engine's
verdict on its readings: what `transcribe` prints and the benchmarks count.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ketavoice.content.model import Content
from ketavoice.engine.events import Heard, Listen
from ketavoice.engine.listening import ListenPolicy, Weighing
from ketavoice.speech.listen import Endpointing, PauseModel, StateCallback
from ketavoice.speech.loop import (
    ActionCallback,
    Hearing,
    LineCallback,
    OpinionCallback,
    ProblemCallback,
    VoiceIO,
)
from ketavoice.speech.ports import AudioSource, Recognizer, Speaker
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


@dataclass(frozen=True)
class VoiceLoop:
    """The built loop, the listening rules it runs with, and the notes to show the user."""

    io: VoiceIO
    policy: ListenPolicy
    notes: tuple[str, ...]


def build_voice(
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
    second_reading: bool = True,
) -> VoiceLoop:
    """The voice loop for `dialogue` (default: the content's). `second_reading=False` leaves the
    free-form reader out (the grammar recognizer alone: `transcribe --grammar-only`)."""
    choice = make_recognizer(options.backend, options.model)
    notes = list(choice.notes)
    whisper: WhisperRecognizer | None = None
    if options.use_whisper and second_reading:
        loader, whisper_note = whisper_loader(options.whisper_model)
        if loader is not None:
            whisper = WhisperRecognizer(loader)
        elif whisper_note:
            notes.append(whisper_note)
    loop = assemble_voice(content, dialogue, choice.recognizer, whisper, source, speaker,
                          ready_tone=options.ready_tone, on_state=on_state, on_line=on_line,
                          on_problem=on_problem, on_action=on_action, on_opinion=on_opinion,
                          second_reading=second_reading)
    notes[len(choice.notes):len(choice.notes)] = loop.notes
    return replace(loop, notes=tuple(notes))


def assemble_voice(
    content: Content,
    dialogue: str | None,
    recognizer: Recognizer,
    whisper: WhisperRecognizer | None,
    source: AudioSource,
    speaker: Speaker,
    *,
    ready_tone: bool = True,
    on_state: StateCallback | None = None,
    on_line: LineCallback | None = None,
    on_problem: ProblemCallback | None = None,
    on_action: ActionCallback | None = None,
    on_opinion: OpinionCallback | None = None,
    second_reading: bool = True,
) -> VoiceLoop:
    """The voice loop from recognizers already made (the benchmarks share one Whisper across runs)."""
    policy = ListenPolicy(content, content.dialogue(dialogue or content.default_dialogue))
    second = SecondOpinions(policy, whisper=whisper, fallback=recognizer) if second_reading else None
    vad, vad_note = make_vad()
    timing = content.timing
    endpointing = Endpointing(
        vad=vad,
        judge=policy.complete,
        complete_silence=timing.complete_answer_silence,
        pauses=PauseModel(floor=timing.min_end_silence),
        on_pause=second.on_pause if second is not None else None,
    )
    io = VoiceIO(source, recognizer, speaker, rate_wpm=content.voice.rate_wpm,
                 ready_tone=ready_tone and content.voice.ready_tone, on_state=on_state,
                 on_line=on_line, on_problem=on_problem, endpointing=endpointing, second=second,
                 on_action=on_action, on_opinion=on_opinion)
    return VoiceLoop(io, policy, (vad_note,) if vad_note else ())



@dataclass(frozen=True)
class Utterance:
    """One utterance through the loop: what each recognizer read and what the engine acts on."""

    hearing: Hearing
    weighing: Weighing | None  # None when nothing was heard


def read_utterance(loop: VoiceLoop, listen: Listen) -> Utterance:
    """Listen once as the voice loop does (VAD, endpointing, both readings where the loop takes them),
    wait for a late free-form reading too, and weigh the readings with the engine's rules."""
    hearing = loop.io.hear(listen)
    if hearing.when == "late":
        opinion = loop.io.late_reading()
        if opinion is not None:
            hearing = replace(hearing, free_form=opinion.text)
    if not isinstance(hearing.event, Heard):
        return Utterance(hearing, None)
    weighing = loop.policy.weigh(listen, hearing.grammar_text, hearing.free_form,
                                 waited=hearing.when in ("both", "note"))
    return Utterance(hearing, weighing)
