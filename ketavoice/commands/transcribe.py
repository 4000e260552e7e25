"""`ketavoice transcribe FILE.wav ... [--step STEP_ID] [--backend vosk|pocketsphinx] --json`.

With --step, each file is heard exactly as the voice loop hears an answer to that step: the same listen
(`--expect` picks another listen on the step, say `note`), the same VAD and endpointing, the free-form
reading where the loop takes it (waited for, or read late and weighed as the loop does), and the engine's
verdict on the two readings. Each file is one answer on its own (the learned pause length starts afresh).
`--grammar-only` and `--free-form-only` are diagnostics: one recognizer, alone. Without --step, the
recognizer reads each whole file free-form.

Prints one JSON object per file per line, in order: {"file", "text", "intent", "value", "flag",
"backend", "audio_seconds", "seconds"} (`flag` as in `ketavoice understand --json`; `text` is the
reading the engine acts on), plus "pipeline" ("loop", "grammar_only", "free_form_only", "recognizer"),
and with --step "step", "expect", "readings" ({"grammar": {"text", "confidence", "alternatives"} | null,
"free_form": {"text", "engine"} | null}), "when" ("both", "late", "note", "none": how the loop took the
free-form reading), "winner" ("grammar", "free_form", "neither"), "why" (a code), "verdict" ({"kind",
"heard", "levels", "value"}) and "endpoint" ({"reason", "speech_end_s", "endpoint_s"}). A file that
cannot be read gets an object with "error" instead of stopping the others; the exit code is then 1.
"""

from __future__ import annotations

import argparse

NAMES = ("transcribe",)
HELP = "Recognise WAV files as the voice loop does and print text and intent (one JSON object per file)."


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE.wav", help="WAV files (converted to 16 kHz mono)")
    parser.add_argument("--step", default=None, help="hear each file as an answer to this step")
    parser.add_argument("--expect", choices=("any", "yes_no", "number", "note"), default=None,
                        help="the listen on --step (default: the one the step asks with)")
    parser.add_argument("--backend", choices=("auto", "vosk", "pocketsphinx"), default="auto",
                        help="recognizer (default: Vosk when a model is found, else PocketSphinx)")
    parser.add_argument("--model", default=None, help="path to a Vosk model folder")
    parser.add_argument("--content", default=None, help="path to a content.toml")
    parser.add_argument("--dialogue", default=None, help="dialogue holding --step (default: the content's)")
    parser.add_argument("--json", action="store_true", help="one JSON object per file per line")
    only = parser.add_mutually_exclusive_group()
    only.add_argument("--grammar-only", action="store_true",
                      help="diagnostic: the grammar recognizer alone, no free-form reading")
    only.add_argument("--free-form-only", "--whisper", dest="free_form_only", action="store_true",
                      help="diagnostic: Whisper alone on the whole file (prompted with --step's answers)")
    parser.add_argument("--no-whisper", action="store_true",
                        help="as `voice --no-whisper`: the free-form reading by PocketSphinx/Vosk")
    parser.add_argument("--whisper-model", default=None, metavar="PATH",
                        help="a CTranslate2 Whisper model folder (default: $KETAVOICE_WHISPER_MODEL, "
                             "then the installed tiny.en)")


def run(args: argparse.Namespace) -> int:
    import json
    import sys
    import time
    from pathlib import Path
    from typing import Any

    from ketavoice.commands._args import selected_step
    from ketavoice.content import load_content
    from ketavoice.errors import AudioError, ModelError
    from ketavoice.frontends.transcribe import Pipeline
    from ketavoice.speech.wavio import read_wav
    from ketavoice.terminal import safe_text

    content = load_content(Path(args.content) if args.content else None)
    step = selected_step(content, args.dialogue, args.step)
    def problem(message: str) -> None:
        print(f"ketavoice: {safe_text(message)}", file=sys.stderr, flush=True)

    try:
        pipeline = Pipeline.build(content, args, step, problem)
    except ModelError as error:
        print(f"ketavoice: {safe_text(str(error))}", file=sys.stderr)
        return 1
    for note in pipeline.notes:
        print(f"ketavoice: {safe_text(note)}", file=sys.stderr)
    status = 0
    for name in args.files:
        started = time.perf_counter()
        try:
            audio = read_wav(Path(name))
        except AudioError as error:
            status = 1
            row: dict[str, Any] = {"file": name, "error": str(error), "backend": pipeline.backend}
            print(json.dumps(row, ensure_ascii=False) if args.json else safe_text(f"{name}: ERROR {error}"),
                  flush=True)
            continue
        try:
            fields = pipeline.read(audio.pcm)
        except ModelError as error:
            print(f"ketavoice: {safe_text(str(error))}", file=sys.stderr)
            return 1
        row = {
            "file": name,
            **fields,
            "audio_seconds": round(audio.seconds, 3),
            "seconds": round(time.perf_counter() - started, 3),
        }
        if args.json:
            print(json.dumps(row, ensure_ascii=False), flush=True)
        else:
            value = f" ({row['value']})" if row["value"] is not None else ""
            won = f", {row['winner']}: {row['why']}" if "winner" in row else ""
            line = f"{name}: {row['text']!r} -> {row['intent']}{value} [{row['backend']}{won}]"
            print(safe_text(line), flush=True)
    return status
