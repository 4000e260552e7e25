"""`ketavoice doctor`: what this machine has for voice (audio devices, TTS, recognizers, models).

Each line says what was found and, when something is missing, what to do about it. It never downloads.
"""

from __future__ import annotations

import argparse

NAMES = ("doctor",)
HELP = "Check audio devices, text-to-speech, recognizers and models, and say what would be used."


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--model", default=None, help="an explicit Vosk model folder to consider first")
    parser.add_argument("--no-tts", action="store_true", help="skip starting the speech engine")


def _say(text: str) -> None:
    """Device names, voice names and paths come from the system: printed only through safe_text."""
    from ketavoice.terminal import safe_text

    print(safe_text(text))


def _line(ok: bool, what: str, detail: str) -> None:
    _say(f"[{'ok' if ok else '!!'}] {what}: {detail}")


def run(args: argparse.Namespace) -> int:
    import shutil
    from pathlib import Path

    from ketavoice.errors import AudioError, ModelError, TTSError
    from ketavoice.speech.models import candidate_models, choose_model
    from ketavoice.speech.sources import import_sounddevice

    problems = 0
    try:
        sounddevice = import_sounddevice()
        devices = sounddevice.query_devices()
        inputs = [(index, device["name"]) for index, device in enumerate(devices)
                  if device.get("max_input_channels", 0) > 0]
        outputs = [(index, device["name"]) for index, device in enumerate(devices)
                   if device.get("max_output_channels", 0) > 0]
        _line(bool(inputs), "microphones", ", ".join(f"{i}: {n}" for i, n in inputs)
              or "none found; plug one in (or use --audio-in WAV / typed answers)")
        _line(bool(outputs), "speakers", ", ".join(f"{i}: {n}" for i, n in outputs)
              or "none found; speech can be written with --audio-out DIR")
        problems += not inputs
    except AudioError as error:
        _line(False, "audio devices", str(error))
        problems += 1
    for tool, package in (("aplay", "alsa-utils"), ("espeak-ng", "espeak-ng")):
        found = shutil.which(tool)
        _line(found is not None, tool, found or f"missing; apt-get install {package}")
    if not args.no_tts:
        from ketavoice.speech.speakers import WorkerSpeaker

        speaker = WorkerSpeaker(start_timeout=15)
        try:
            voices = speaker.voices()
            english = [voice for voice in voices if "english" in voice.lower()]
            _line(bool(voices), "text-to-speech (pyttsx3)",
                  f"{len(voices)} voices ({', '.join(english[:3]) or 'no English voice'})")
        except TTSError as error:
            _line(False, "text-to-speech (pyttsx3)", f"{error}; apt-get install espeak-ng alsa-utils")
            problems += 1
        finally:
            speaker.close()
    explicit = Path(args.model) if args.model else None
    for info in candidate_models(explicit):
        _line(info.usable, f"Vosk model ({info.source})",
              f"{info.path}" + ("" if info.usable else " NOT USABLE: " + "; ".join(info.problems)))
    chosen, _notes = choose_model(explicit)
    try:
        from ketavoice.speech.sphinx_recognizer import SphinxRecognizer

        SphinxRecognizer()
        _line(True, "PocketSphinx", "bundled en-us model loads")
    except ModelError as error:
        _line(False, "PocketSphinx", f"{error}; pip install pocketsphinx")
        problems += 1
    from ketavoice.speech.vad import make_vad
    from ketavoice.speech.whisper_model import (
        INSTALL_HINT,
        faster_whisper_installed,
        find_whisper_model,
        verify_whisper_model,
    )

    vad, vad_note = make_vad()
    _line(vad_note is None, "voice activity", f"{vad.name}" + (f" ({vad_note})" if vad_note else ""))
    whisper = find_whisper_model(None) if faster_whisper_installed() else None
    if whisper is None:
        _line(False, "Whisper (notes, second opinion)",
              f"not installed, PocketSphinx alone runs; {INSTALL_HINT}")
    else:
        try:
            verify_whisper_model(whisper)
            _line(True, "Whisper (notes, second opinion)", f"{whisper.path} ({whisper.source}, verified)")
        except ModelError as error:
            _line(False, "Whisper (notes, second opinion)", str(error))
            problems += 1
    if chosen is not None:
        _say(f"Would use: Vosk with {chosen.path}")
    else:
        print("Would use: PocketSphinx (bundled English). For better accuracy install a Vosk model: "
              "`ketavoice model install ZIP` (or `ketavoice model download NAME` where online).")
    return 1 if problems else 0
