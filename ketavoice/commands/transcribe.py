"""`ketavoice transcribe FILE.wav ... [--step STEP_ID] [--backend vosk|pocketsphinx] --json`.

Prints one JSON object per file per line, in order: {"file", "text", "intent", "value", "flag",
"backend", "audio_seconds", "seconds"} (`flag` as in `ketavoice understand --json`). With --step,
recognition is constrained to that step's phrases plus the global ones (red flags always included);
without it, recognition is free-form. A file that cannot be read gets an object with "error" instead
of stopping the others; the exit code is then 1.
"""

from __future__ import annotations

import argparse

NAMES = ("transcribe",)
HELP = "Recognise WAV files and print text and intent (one JSON object per file with --json)."


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE.wav", help="WAV files (converted to 16 kHz mono)")
    parser.add_argument("--step", default=None, help="constrain recognition to this step's phrases")
    parser.add_argument("--backend", choices=("auto", "vosk", "pocketsphinx"), default="auto",
                        help="recognizer (default: Vosk when a model is found, else PocketSphinx)")
    parser.add_argument("--model", default=None, help="path to a Vosk model folder")
    parser.add_argument("--content", default=None, help="path to a content.toml")
    parser.add_argument("--dialogue", default=None, help="dialogue holding --step (default: the content's)")
    parser.add_argument("--json", action="store_true", help="one JSON object per file per line")
    parser.add_argument("--whisper", action="store_true",
                        help="recognise free-form with Whisper (prompted with --step's answers)")
    parser.add_argument("--whisper-model", default=None, metavar="PATH",
                        help="a CTranslate2 Whisper model folder (default: $KETAVOICE_WHISPER_MODEL, "
                             "then the installed tiny.en)")


def run(args: argparse.Namespace) -> int:
    import json
    import sys
    import time
    from pathlib import Path

    from ketavoice.commands._args import selected_step
    from ketavoice.content import load_content
    from ketavoice.errors import AudioError, ModelError
    from ketavoice.speech.ports import Recognizer
    from ketavoice.speech.prompting import whisper_prompt
    from ketavoice.speech.recognizers import make_recognizer, recognize_pcm
    from ketavoice.speech.wavio import read_wav
    from ketavoice.speech.whisper_recognizer import WhisperRecognizer, whisper_loader
    from ketavoice.terminal import safe_text
    from ketavoice.understanding import grammar_phrases, understand

    content = load_content(Path(args.content) if args.content else None)
    step = selected_step(content, args.dialogue, args.step)
    phrases: tuple[str, ...] | None = None
    if step is not None:
        expect = {"yes_no": "yes_no", "number": "number", "note": "note"}.get(step.kind, "any")
        phrases = grammar_phrases(content, step, expect) or None
    recognizer: Recognizer
    if args.whisper or args.whisper_model:
        loader, note = whisper_loader(Path(args.whisper_model) if args.whisper_model else None)
        if loader is None:
            print(f"ketavoice: {safe_text(note or 'Whisper is not available')}", file=sys.stderr)
            return 1
        whisper = WhisperRecognizer(loader)
        expect = "any" if step is None else {"yes_no": "yes_no", "number": "number", "note": "note"}.get(
            step.kind, "any")
        whisper.prompt = whisper_prompt(content, step, expect)
        phrases = None
        recognizer = whisper
    else:
        choice = make_recognizer(args.backend, Path(args.model) if args.model else None)
        for note in choice.notes:
            print(f"ketavoice: {safe_text(note)}", file=sys.stderr)
        recognizer = choice.recognizer
    status = 0
    for name in args.files:
        started = time.perf_counter()
        try:
            audio = read_wav(Path(name))
        except AudioError as error:
            status = 1
            row: dict[str, object] = {"file": name, "error": str(error), "backend": recognizer.backend}
            print(json.dumps(row, ensure_ascii=False) if args.json else safe_text(f"{name}: ERROR {error}"),
                  flush=True)
            continue
        try:
            text = recognize_pcm(recognizer, audio.pcm, phrases).text
        except ModelError as error:
            print(f"ketavoice: {error}", file=sys.stderr)
            return 1
        understood = understand(content, text, step)
        row = {
            "file": name,
            **understood.to_json(),  # text, intent, value (and the flag, once understanding has one)
            "backend": recognizer.backend,
            "audio_seconds": round(audio.seconds, 3),
            "seconds": round(time.perf_counter() - started, 3),
        }
        if args.json:
            print(json.dumps(row, ensure_ascii=False), flush=True)
        else:
            value = f" ({understood.value})" if understood.value is not None else ""
            line = f"{name}: {text!r} -> {understood.intent}{value} [{recognizer.backend}]"
            print(safe_text(line), flush=True)
    return status
