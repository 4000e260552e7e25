"""`ketavoice voice`: the whole dialogue by voice, headless.

Microphone (or `--audio-in` WAV files, each "spoken" after the assistant finishes) -> recognizer ->
engine -> speaker (or `--audio-out DIR`, one WAV per sentence). The transcript is printed plainly to
stdout so a person can follow. With no microphone, or if it is lost mid-session, answers are typed.

`--jsonl` prints every engine action as `chat --jsonl` does, plus one line per spoken answer:
{"type": "turn", "step", "text", "speech_end_s", "endpoint_s", "reply_ms"} (positions in seconds in the
answer's input audio where speech ended and where the listen ended; wall milliseconds from the endpoint to
the reply's first synthesized sentence), and one {"type": "second_opinion", ...} line per second opinion
(the engine's verdict on the two readings: "verdict", "heard", "levels", "value", "winner", "why").
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
    parser.add_argument("--whisper-model", default=None, metavar="PATH",
                        help="a CTranslate2 Whisper model folder (default: $KETAVOICE_WHISPER_MODEL, "
                             "then the installed tiny.en)")
    parser.add_argument("--no-whisper", action="store_true", help="PocketSphinx/Vosk only")
    parser.add_argument("--jsonl", action="store_true",
                        help="print every engine action and one turn line per answer as JSON lines")


def _device(value: str | None) -> int | str | None:
    if value is None:
        return None
    return int(value) if value.isdigit() else value


def run(args: argparse.Namespace) -> int:
    import json
    import sys
    import time
    from pathlib import Path
    from typing import Any

    from ketavoice.clinic.link import LinkedEngine
    from ketavoice.content import load_content
    from ketavoice.engine.engine import Engine
    from ketavoice.engine.events import Action, Event, Listen, Typed
    from ketavoice.errors import AudioError
    from ketavoice.frontends.lines import read_line
    from ketavoice.frontends.voice import VoiceOptions, build_voice
    from ketavoice.journal import open_journal
    from ketavoice.speech.loop import LineRole, run_voice
    from ketavoice.speech.ports import AudioSource, Speaker
    from ketavoice.speech.second import Opinion
    from ketavoice.speech.sources import MicrophoneSource, WavFileSource
    from ketavoice.speech.speakers import WavSinkSpeaker, WorkerSpeaker
    from ketavoice.terminal import safe_text

    def emit(row: dict[str, Any]) -> None:
        print(json.dumps(row, ensure_ascii=False), flush=True)

    def on_action(action: Action) -> None:
        if args.jsonl:
            emit(action.to_json())

    def opinion_line(opinion: Opinion) -> None:
        weighing = loop.policy.weigh(opinion.listen, opinion.heard.text, opinion.text, waited=opinion.waited)
        emit({"type": "second_opinion", "step": opinion.listen.step, "text": opinion.text,
              "grammar_text": opinion.heard.text, "listen_id": opinion.listen.listen_id,
              **weighing.to_json()})

    def show(role: LineRole, text: str) -> None:
        if args.jsonl:
            return
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
    if args.dialogue is not None and args.dialogue not in {d.name for d in content.dialogues}:
        problem(f"no dialogue named {args.dialogue!r} in the content")
        return 2
    source: AudioSource
    use_keyboard_only = False
    if args.audio_in:
        missing = [name for name in args.audio_in if not Path(name).is_file()]
        if missing:
            problem(f"no such recording: {', '.join(missing)}")
            return 2
        tail = max(content.timing.answer_end_silence, content.timing.note_end_silence) + 1.0
        source = WavFileSource([Path(name) for name in args.audio_in], tail_seconds=tail)
    else:
        source = MicrophoneSource(_device(args.input_device))
        try:
            source.open()
        except AudioError as error:
            problem(f"{error}; answers will be typed instead")
            use_keyboard_only = True
    speaker: Speaker = WavSinkSpeaker(Path(args.audio_out)) if args.audio_out else WorkerSpeaker()
    options = VoiceOptions(backend=args.backend, model=Path(args.model) if args.model else None,
                           whisper_model=Path(args.whisper_model) if args.whisper_model else None,
                           use_whisper=not args.no_whisper, ready_tone=not args.no_tone)
    loop = build_voice(content, args.dialogue, source, speaker, options, on_line=show,
                       on_problem=problem, on_action=on_action,
                       on_opinion=opinion_line if args.jsonl else None)
    io = loop.io
    for note in loop.notes:
        problem(note)
    on_turn = emit if args.jsonl else None
    from ketavoice.clinic.background import background_sync

    with open_journal() as journal, background_sync(journal.path) as link:
        # The hold is worded by whether alerts reach the station (the sync's first pass, then each change);
        # alerts wake the sync, and one the journal could not keep is sent from memory.
        plain = Engine(content, journal, patient_id=args.patient, dialogue=args.dialogue, clock=time.time,
                       kiosk=args.kiosk, reach=link.reach, spoken=not use_keyboard_only)
        io.rate_wpm = plain.rate_wpm
        engine = LinkedEngine(plain, link)
        try:
            if use_keyboard_only:
                run_voice(engine, io, keyboard=keyboard, on_problem=problem, typed_only=True, on_turn=on_turn)
            else:
                run_voice(engine, io, keyboard=None if args.audio_in else keyboard, on_problem=problem,
                          on_turn=on_turn)
        finally:
            source.close()
            speaker.close()
    return 1 if link.problems() else 0  # an alert not saved here or not delivered (said on stderr)
