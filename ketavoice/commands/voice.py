"""`ketavoice voice`: the whole dialogue by voice, headless.

Microphone (or `--audio-in` WAV files, each "spoken" after the assistant finishes) -> recognizer ->
engine -> speaker (or `--audio-out DIR`, one WAV per sentence). The transcript is printed plainly to
stdout so a person can follow. With no microphone, or if it is lost mid-session, answers are typed.
"""

from __future__ import annotations

import argparse

NAMES = ("voice",)
HELP = "Run the dialogue by voice (microphone and speaker, or WAV files in and out)."


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("--patient", default="default", help="patient id (default: %(default)s)")
    parser.add_argument("--audio-in", nargs="+", default=None, metavar="WAV",
                        help="play these recordings as the patient's answers instead of the microphone")
    parser.add_argument("--audio-out", default=None, metavar="DIR",
                        help="write each sentence to a numbered WAV in DIR instead of the speaker")
    parser.add_argument("--backend", choices=("auto", "vosk", "pocketsphinx"), default="auto")
    parser.add_argument("--model", default=None, help="path to a Vosk model folder")
    parser.add_argument("--input-device", default=None, help="microphone device index or name")
    parser.add_argument("--dialogue", default=None, help="dialogue name (default: the content's default)")
    parser.add_argument("--content", default=None, help="path to a content.toml")
    parser.add_argument("--kiosk", action="store_true", help="clinic rules (staff alert on silence)")
    parser.add_argument("--no-tone", action="store_true", help="no ready-to-listen tone")


def _device(value: str | None) -> int | str | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def run(args: argparse.Namespace) -> int:
    import sys
    import time
    from pathlib import Path

    from ketavoice.content import load_content
    from ketavoice.engine.engine import Engine
    from ketavoice.engine.events import Event, Listen, Typed
    from ketavoice.errors import AudioError
    from ketavoice.frontends.lines import read_line
    from ketavoice.journal import open_journal
    from ketavoice.speech.loop import LineRole, VoiceIO, run_voice
    from ketavoice.speech.ports import AudioSource, Speaker
    from ketavoice.speech.recognizers import make_recognizer
    from ketavoice.speech.sources import MicrophoneSource, WavFileSource
    from ketavoice.speech.speakers import WavSinkSpeaker, WorkerSpeaker
    from ketavoice.terminal import safe_text

    def show(role: LineRole, text: str) -> None:
        if role in ("assistant", "patient"):
            print(f"{'ketavoice' if role == 'assistant' else 'patient'}: {safe_text(text)}", flush=True)
        else:
            print(f"{'!!' if role == 'alert' else '  '} [{safe_text(text)}]", flush=True)

    def problem(message: str) -> None:
        print(f"ketavoice: {safe_text(message)}", file=sys.stderr, flush=True)

    def keyboard(listen: Listen) -> Event | None:
        print("(type your answer) > ", end="", flush=True)
        line = read_line(sys.stdin.buffer)
        return Typed(line.strip()) if line is not None else None

    content = load_content(Path(args.content) if args.content else None)
    choice = make_recognizer(args.backend, Path(args.model) if args.model else None)
    for note in choice.notes:
        problem(note)
    source: AudioSource
    use_keyboard_only = False
    if args.audio_in:
        missing = [name for name in args.audio_in if not Path(name).is_file()]
        if missing:
            problem(f"no such recording: {', '.join(missing)}")
            return 2
        source = WavFileSource([Path(name) for name in args.audio_in])
    else:
        source = MicrophoneSource(_device(args.input_device))
        try:
            source.open()
        except AudioError as error:
            problem(f"{error}; answers will be typed instead")
            use_keyboard_only = True
    speaker: Speaker = WavSinkSpeaker(Path(args.audio_out)) if args.audio_out else WorkerSpeaker()
    io = VoiceIO(source, choice.recognizer, speaker, rate_wpm=content.voice.rate_wpm,
                 ready_tone=content.voice.ready_tone and not args.no_tone, on_line=show, on_problem=problem)
    from ketavoice.clinic.background import background_sync

    with open_journal() as journal, background_sync(journal.path):
        engine = Engine(content, journal, patient_id=args.patient, dialogue=args.dialogue, clock=time.time,
                        kiosk=args.kiosk)
        io.rate_wpm = engine.rate_wpm
        try:
            if use_keyboard_only:
                run_voice(engine, io, keyboard=keyboard, on_problem=problem, typed_only=True)
            else:
                run_voice(engine, io, keyboard=None if args.audio_in else keyboard, on_problem=problem)
        finally:
            source.close()
            speaker.close()
    return 0
