"""`ketavoice transcribe`'s front end: WAV files heard by the voice loop's own pipeline, one row each.

`Pipeline.read(pcm)` returns the row's fields (without file name and timings). With a step it runs
`read_utterance` (the loop's listen, readings and the engine's verdict); the diagnostics run one
recognizer alone; without a step the recognizer reads the whole file free-form.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from itertools import count
from pathlib import Path
from typing import Any

from ketavoice.content.model import Content, Step
from ketavoice.engine.events import Expect, Heard, Listen
from ketavoice.engine.listening import ListenPolicy, step_listen
from ketavoice.errors import ModelError
from ketavoice.frontends.voice import Utterance, VoiceLoop, VoiceOptions, build_voice, read_utterance
from ketavoice.speech.listen import PauseModel
from ketavoice.speech.loop import ProblemCallback
from ketavoice.speech.ports import Recognizer
from ketavoice.speech.recognizers import make_recognizer, recognize_pcm
from ketavoice.speech.sources import WavFileSource
from ketavoice.speech.speakers import MuteSpeaker
from ketavoice.speech.whisper_recognizer import WhisperRecognizer, whisper_loader
from ketavoice.understanding import understand


@dataclass
class Pipeline:
    content: Content
    policy: ListenPolicy
    step: Step | None
    expect: Expect | None
    kind: str  # "loop", "grammar_only", "free_form_only", "recognizer"
    loop: VoiceLoop | None = None
    recognizer: Recognizer | None = None
    whisper: WhisperRecognizer | None = None
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._ids = count(1)

    @classmethod
    def build(cls, content: Content, args: argparse.Namespace, step: Step | None,
              on_problem: ProblemCallback) -> Pipeline:
        """From `transcribe`'s arguments; ModelError when the Whisper asked for is not there."""
        expect: Expect | None = args.expect
        policy = ListenPolicy(content, content.dialogue(args.dialogue or content.default_dialogue))
        if args.free_form_only or (step is None and args.whisper_model):
            loader, note = whisper_loader(Path(args.whisper_model) if args.whisper_model else None)
            if loader is None:
                raise ModelError(note or "Whisper is not available")
            return cls(content, policy, step, expect, "free_form_only", whisper=WhisperRecognizer(loader))
        options = VoiceOptions(backend=args.backend, model=Path(args.model) if args.model else None,
                               whisper_model=Path(args.whisper_model) if args.whisper_model else None,
                               use_whisper=not args.no_whisper, ready_tone=False)
        if step is None:
            choice = make_recognizer(args.backend, options.model)
            return cls(content, policy, None, expect, "recognizer", recognizer=choice.recognizer,
                       notes=choice.notes)
        loop = build_voice(content, args.dialogue, WavFileSource([]), MuteSpeaker(), options,
                           on_problem=on_problem, second_reading=not args.grammar_only)
        kind = "grammar_only" if args.grammar_only else "loop"
        return cls(content, loop.policy, step, expect, kind, loop=loop, recognizer=loop.io.recognizer,
                   notes=loop.notes)

    @property
    def backend(self) -> str:
        if self.recognizer is not None:
            return self.recognizer.backend
        return "whisper"

    def _listen(self) -> Listen | None:
        if self.step is None:
            return None
        return step_listen(self.content, self.step, self.expect, next(self._ids))

    def read(self, pcm: bytes) -> dict[str, Any]:
        listen = self._listen()
        if self.loop is not None and listen is not None:
            return self._heard_by_loop(self.loop, listen, pcm)
        if self.whisper is not None:
            prompt = self.policy.prompt(listen) if listen is not None else None
            text = self.whisper.transcribe(pcm, prompt).text
            return {**self._meaning(text), "backend": "whisper", "pipeline": self.kind,
                    **self._listen_fields(listen)}
        assert self.recognizer is not None
        text = recognize_pcm(self.recognizer, pcm, None).text
        return {**self._meaning(text), "backend": self.recognizer.backend, "pipeline": self.kind}

    def _listen_fields(self, listen: Listen | None) -> dict[str, Any]:
        return {} if listen is None else {"step": listen.step, "expect": listen.expect}

    def _meaning(self, text: str, possible_flag: bool = False) -> dict[str, Any]:
        meaning = understand(self.content, text, self.step).to_json()
        if possible_flag and meaning["flag"] is not None:
            # Only one reading holds the red flag: the engine asks about it; it is not certain.
            meaning["flag"] = {**meaning["flag"], "certainty": "possible"}
            if meaning["intent"] in ("emergency", "crisis"):
                meaning["intent"] = "unknown"
        return meaning

    def _heard_by_loop(self, loop: VoiceLoop, listen: Listen, pcm: bytes) -> dict[str, Any]:
        timing = self.content.timing
        loop.io.source = WavFileSource([pcm], tail_seconds=max(timing.answer_end_silence,
                                                              timing.note_end_silence) + 1.0)
        loop.io.endpointing.pauses = PauseModel(floor=timing.min_end_silence)  # each file on its own
        return self._row(loop, listen, read_utterance(loop, listen))

    def _row(self, loop: VoiceLoop, listen: Listen, utterance: Utterance) -> dict[str, Any]:
        hearing, weighing = utterance.hearing, utterance.weighing
        report = hearing.report
        second = loop.io.second
        grammar = None
        if isinstance(hearing.event, Heard):
            grammar = {"text": hearing.grammar_text, "confidence": round(hearing.grammar_confidence, 3),
                       "alternatives": list(hearing.event.alternatives)}
        free_form = None
        if hearing.free_form is not None and second is not None:
            free_form = {"text": hearing.free_form, "engine": second.engine_name}
        text = weighing.text if weighing is not None else ""
        possible = weighing is not None and weighing.verdict.kind == "possible_flag"
        row: dict[str, Any] = {
            **self._meaning(text, possible),
            "backend": loop.io.recognizer.backend,
            "pipeline": self.kind,
            **self._listen_fields(listen),
            "readings": {"grammar": grammar, "free_form": free_form},
            "when": hearing.when,
            "winner": weighing.winner if weighing is not None else "neither",
            "why": weighing.why if weighing is not None else "nothing_heard",
            "verdict": None,
            "endpoint": {"reason": report.reason, "speech_end_s": report.speech_end_s,
                         "endpoint_s": report.endpoint_s},
        }
        if weighing is not None:
            verdict = weighing.verdict.to_json()
            row["verdict"] = {"kind": verdict.pop("verdict"), **verdict}
        return row
