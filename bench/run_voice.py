"""Voice benchmarks on realistic voices: `python bench/run_voice.py [--quick | --turns]` prints JSON.

Voices: flite slt and rms, Piper joe (test extra), each plain, with mild brown noise and slowed to tempo
0.8; real LibriVox recordings from pocketsphinx-testdata for note word error rate. Per voice and per
pipeline (grammar only: PocketSphinx with the step's phrase list; Whisper only: tiny.en prompted with the
step's answers; both: the voice loop's own pipeline, `read_utterance`, as `ketavoice transcribe` runs it):
intent accuracy, red flags caught / asked about / missed, certain false alarms on calm out-of-grammar
speech, real-time factor. Then note WER, turn gaps through the real listen + engine + speaker path, notes
cut off by a 3-second pause, and the voice loop's ready time and memory (in a fresh process).
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ketavoice.content import load_content  # noqa: E402
from ketavoice.content.model import Content, Step  # noqa: E402
from ketavoice.engine.listening import step_listen, whisper_prompt  # noqa: E402
from ketavoice.frontends.voice import VoiceLoop, assemble_voice, read_utterance  # noqa: E402
from ketavoice.speech.listen import PauseModel  # noqa: E402
from ketavoice.speech.recognizers import recognize_pcm  # noqa: E402
from ketavoice.speech.sources import WavFileSource  # noqa: E402
from ketavoice.speech.speakers import MuteSpeaker  # noqa: E402
from ketavoice.speech.wavio import read_wav  # noqa: E402
from ketavoice.understanding import flags_in, grammar_phrases, understand  # noqa: E402
from tests.voices import VARIANTS, VOICES, VoiceCache, real_recordings, word_error_rate  # noqa: E402

# (utterance, step, intent, value). Red flags are said in several carrier sentences.
SHORT: tuple[tuple[str, str, str, int | str | None], ...] = (
    ("yes", "ride_home", "yes", None),
    ("yeah", "ride_home", "yes", None),
    ("no", "ride_home", "no", None),
    ("nope", "ride_home", "no", None),
    ("repeat", "ride_home", "repeat", None),
    ("say that again", "welcome", "repeat", None),
    ("slower", "welcome", "slower", None),
    ("help", "welcome", "help", None),
    ("stop", "welcome", "stop", None),
    ("next", "welcome", "next", None),
    ("go back", "welcome", "back", None),
    ("okay", "welcome", "yes", None),
    ("I feel dizzy", "feeling", "choice", "dizzy"),
    ("I feel sick", "feeling", "choice", "sick"),
    ("I feel sleepy", "feeling", "choice", "sleepy"),
    ("I'm okay", "feeling", "choice", "okay"),
    ("seven", "mood_rating", "number", 7),
    ("three", "mood_rating", "number", 3),
    ("eight", "mood_rating", "number", 8),
    ("about a five", "mood_rating", "number", 5),
    ("eight out of ten", "mood_rating", "number", 8),
    ("I'd say six", "mood_rating", "number", 6),
    ("zero", "mood_rating", "number", 0),
    ("ten", "mood_rating", "number", 10),
    ("chest pain", "ride_home", "emergency", None),
    ("I have chest pain", "mood_rating", "emergency", None),
    ("I can't breathe", "welcome", "emergency", None),
    ("my chest hurts", "feeling", "emergency", None),
    ("I want to kill myself", "mood_rating", "crisis", None),
    ("I want to die", "welcome", "crisis", None),
    ("I want to end my life", "feeling", "crisis", None),
    ("I want to hurt myself", "closing", "crisis", None),
)
CALM: tuple[tuple[str, str], ...] = (
    ("the weather is nice today", "ride_home"),
    ("could I have some water please", "welcome"),
    ("what time is it", "ride_home"),
    ("my cat is hungry", "mood_rating"),
    ("I slept well last night", "feeling"),
    ("can I have a blanket", "feeling"),
    ("slower please", "welcome"),
    ("I'm fine thanks", "feeling"),
    ("my daughter is picking me up", "ride_home"),
    ("I had toast for breakfast", "mood_rating"),
    ("the nurse was very kind", "closing"),
    ("I'm a little cold", "feeling"),
    ("where did I put my phone", "welcome"),
    ("I would like to go home soon", "closing"),
    ("that music is lovely", "mood_rating"),
)
NOTES: tuple[str, ...] = (
    "I slept badly last night and I feel a little low, but the nurse was very kind to me.",
    "My head feels heavy and I keep thinking about work, although the music helped me relax.",
    "Today was better than last week. I noticed colours more and I want to call my sister.",
)
RED = ("emergency", "crisis")
EXPECT = {"yes_no": "yes_no", "number": "number", "note": "note"}


@dataclass
class Tally:
    samples: int = 0
    correct: int = 0
    flags: int = 0
    caught: int = 0
    asked: int = 0
    missed: int = 0
    calm: int = 0
    certain_false: int = 0
    possible_false: int = 0
    confirmed: int = 0
    asked_again: int = 0
    audio_s: float = 0.0
    decode_s: float = 0.0

    def report(self) -> dict[str, Any]:
        return {
            "intent_accuracy": round(self.correct / max(1, self.samples), 3),
            "samples": self.samples,
            "red_flags": self.flags,
            "red_flags_caught": self.caught,
            "red_flags_asked": self.asked,
            "red_flags_missed": self.missed,
            "calm_out_of_grammar": self.calm,
            "calm_certain_false_alarms": self.certain_false,
            "calm_possible_flags_asked": self.possible_false,
            "numbers_confirmed": self.confirmed,
            "asked_again": self.asked_again,
            "real_time_factor": round(self.decode_s / max(1e-9, self.audio_s), 3),
        }


def _right(content: Content, text: str, step: Step, intent: str, value: object) -> bool:
    meaning = understand(content, text, step)
    if intent in RED:
        return any(flag.level == intent for flag in meaning.flags)
    if intent == "yes" and step.kind == "info":
        return meaning.intent in ("yes", "next") or meaning.value is not None or meaning.intent == "choice"
    return meaning.intent == intent and (value is None or meaning.value == value)



def loop_for(content: Content, sphinx: Any, whisper: Any) -> VoiceLoop:
    """The voice loop's pipeline on the benchmark's own recognizers (one Whisper for every run)."""
    return assemble_voice(content, None, sphinx, whisper, WavFileSource([]), MuteSpeaker(), ready_tone=False)


def through_loop(content: Content, loop: VoiceLoop, pcm: bytes, step: Step, listen_id: int) -> Any:
    """One utterance as the loop hears it (what `ketavoice transcribe --step` prints)."""
    timing = content.timing
    loop.io.source = WavFileSource([pcm], tail_seconds=max(timing.answer_end_silence,
                                                          timing.note_end_silence) + 1.0)
    loop.io.endpointing.pauses = PauseModel(floor=timing.min_end_silence)
    return read_utterance(loop, step_listen(content, step, listen_id=listen_id))


def evaluate(content: Content, sphinx: Any, whisper: Any, voices: VoiceCache, voice: str,
             variant: str) -> dict[str, Any]:
    dialogue = content.dialogue(content.default_dialogue)
    tallies = {name: Tally() for name in ("grammar", "whisper", "both")}
    misses: list[str] = []
    rows = [(text, step, intent, value) for text, step, intent, value in SHORT]
    rows += [(text, step, "calm", None) for text, step in CALM]
    loop = loop_for(content, sphinx, whisper)
    for number, (text, step_id, intent, value) in enumerate(rows, start=1):
        step = dialogue.step(step_id)
        expect = EXPECT.get(step.kind, "any")
        pcm = read_wav(voices(text, voice, variant)).pcm
        seconds = len(pcm) / 32000
        began = time.perf_counter()
        grammar = recognize_pcm(sphinx, pcm, grammar_phrases(content, step, expect))
        grammar_s = time.perf_counter() - began
        began = time.perf_counter()
        second = whisper.transcribe(pcm, whisper_prompt(content, step, expect)).text
        whisper_s = time.perf_counter() - began
        near = any(flags_in(content, alt) for alt in grammar.alternatives)
        began = time.perf_counter()
        weighing = through_loop(content, loop, pcm, step, number).weighing
        both_s = time.perf_counter() - began
        kind = weighing.verdict.kind if weighing is not None else "agree"
        readings = {"grammar": grammar.text, "whisper": second,
                    "both": weighing.text if weighing is not None else ""}
        costs = {"grammar": grammar_s, "whisper": whisper_s, "both": both_s}
        for name, tally in tallies.items():
            text_heard = readings[name]
            found = flags_in(content, text_heard)
            flags = [flag for flag in found if flag.certainty == "certain"]
            asked_flag = (
                (name == "grammar" and near)
                or (name == "both" and kind == "possible_flag")
                or any(flag.certainty == "possible" for flag in found)
            )
            tally.audio_s += seconds
            tally.decode_s += costs[name]
            if intent == "calm":
                tally.calm += 1
                certain = bool(flags) and not (name == "both" and kind == "possible_flag")
                tally.certain_false += certain
                tally.possible_false += (not certain) and (bool(flags) or asked_flag)
                continue
            tally.samples += 1
            if intent in RED:
                tally.flags += 1
                if flags and not (name == "both" and kind == "possible_flag"):
                    tally.caught += 1
                    tally.correct += 1
                elif flags or asked_flag:
                    tally.asked += 1
                    tally.correct += 1  # asked "did you say...?" and alerted as possible: never dropped
                else:
                    tally.missed += 1
                continue
            if name == "both" and kind == "confirm_number":
                tally.confirmed += 1
                tally.correct += weighing is not None and weighing.verdict.value == value
                continue
            if name == "both" and kind == "ask_again":
                tally.asked_again += 1
                continue
            good = _right(content, text_heard, step, intent, value) and not flags
            tally.correct += good
            if not good and len(misses) < 8:
                misses.append(f"{name}: {text!r} -> {text_heard!r}")
    return {**{name: tally.report() for name, tally in tallies.items()}, "first_misses": misses}


def notes(sphinx: Any, whisper: Any, voices: VoiceCache) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for voice in VOICES:
        for variant in VARIANTS:
            wer_w, wer_s = [], []
            for note in NOTES:
                pcm = read_wav(voices(note, voice, variant)).pcm
                wer_w.append(word_error_rate(note, whisper.transcribe(pcm).text))
                wer_s.append(word_error_rate(note, recognize_pcm(sphinx, pcm, None).text))
            report[f"{voice}-{variant}"] = {"whisper_wer": round(statistics.mean(wer_w), 3),
                                            "pocketsphinx_wer": round(statistics.mean(wer_s), 3)}
    recordings = real_recordings()
    if recordings:
        wer_w = [word_error_rate(r.transcript, whisper.transcribe(read_wav(r.path).pcm).text
                                 .replace("Mr.", "mister")) for r in recordings]
        wer_s = [word_error_rate(r.transcript, recognize_pcm(sphinx, read_wav(r.path).pcm, None).text)
                 for r in recordings]
        report["real_recordings"] = {"files": len(recordings),
                                     "whisper_wer": round(statistics.mean(wer_w), 3),
                                     "pocketsphinx_wer": round(statistics.mean(wer_s), 3)}
    return report


def turns(content: Content, sphinx: Any, whisper: Any, voices: VoiceCache, cache: Path) -> dict[str, Any]:
    """Turn gap through the real path: Silero VAD + semantic endpointing, the second reading where the
    loop waits for it, the engine, and the first sentence of the reply as audio."""
    from ketavoice.engine.engine import Engine
    from ketavoice.engine.events import Heard, Started, Typed
    from ketavoice.journal.memory import MemoryJournal
    from ketavoice.speech.listen import Endpointing, listen_timed
    from ketavoice.speech.speakers import WavSinkSpeaker
    from ketavoice.speech.vad import SileroVad
    from tests.engine_driver import ordinary_answer

    sink = WavSinkSpeaker(cache / "said")
    gaps: list[float] = []
    number_gaps: list[float] = []
    endpoint_waits: list[float] = []
    for voice in VOICES:
        for variant in VARIANTS:
            loop = assemble_voice(content, None, sphinx, whisper, WavFileSource([]), sink, ready_tone=False)
            io = loop.io
            for text, step_id, intent, _value in SHORT:
                if intent in RED:
                    continue
                engine = Engine(content, MemoryJournal(), patient_id="bench", clock=time.time)
                engine.handle(Started())
                for _ in range(20):
                    if engine.step_id == step_id:
                        break
                    engine.handle(Typed(ordinary_answer(engine.step)))
                listen = engine.pending_listen
                if listen is None or engine.step_id != step_id:
                    continue
                # Paced like a microphone: a reading begun in the patient's pause gets its real head start.
                io.source = WavFileSource([voices(text, voice, variant)], tail_seconds=10, realtime=True)
                heard = io.listen(listen)
                report = io.last_report
                if not isinstance(heard, Heard) or report is None or report.speech_end_s is None:
                    continue
                io.mark()
                io.perform(engine.handle(heard))
                assert io.endpoint_at is not None
                reply_ms = ((io.first_say_at or time.perf_counter()) - io.endpoint_at) * 1000
                io.late_reading()  # the background reading, if one was started, before the next answer
                wait = report.endpoint_s - report.speech_end_s
                endpoint_waits.append(wait)
                gaps.append(wait + reply_ms / 1000)
                if listen.both_readings:
                    number_gaps.append(wait + reply_ms / 1000)
    from ketavoice.engine.events import Listen

    cut = 0
    paused_notes = ("I slept badly last night | and I feel a little low today",
                    "my head feels heavy | but the music helped me relax")
    for voice in VOICES:
        for note in paused_notes:
            paused = voices(note, voice, "slow")
            listen = Listen("mood_note", "note", (), 12.0, content.timing.note_end_silence,
                            content.timing.note_max, listen_id=1)
            _heard, report = listen_timed(listen, WavFileSource([paused], tail_seconds=10), sphinx,
                                          settings=Endpointing(vad=SileroVad()))
            total = len(read_wav(paused).pcm) / 32000
            cut += report.speech_end_s is None or report.speech_end_s < total - 1.5
    ordered = sorted(gaps)
    return {
        "short_answers": len(gaps),
        "turn_gap_median_s": round(statistics.median(ordered), 3),
        "turn_gap_p95_s": round(ordered[int(0.95 * (len(ordered) - 1))], 3),
        "endpoint_wait_median_s": round(statistics.median(endpoint_waits), 3),
        "number_answers": len(number_gaps),
        "number_turn_gap_median_s": round(statistics.median(number_gaps), 3) if number_gaps else None,
        "notes_with_3s_pause": len(VOICES) * len(paused_notes),
        "notes_cut_off": cut,
    }


READY = """
import json, resource, time
began = time.perf_counter()
from pathlib import Path
from ketavoice.content import load_content
from ketavoice.frontends.voice import VoiceOptions, build_voice
from ketavoice.speech.sources import WavFileSource
from ketavoice.speech.speakers import WavSinkSpeaker
content = load_content()
io = build_voice(content, None, WavFileSource([]), WavSinkSpeaker(Path({out!r})), VoiceOptions()).io
ready = time.perf_counter() - began
io.second.whisper.loader.get()
loaded = time.perf_counter() - began
io.second.whisper.transcribe(bytes(32000))
print(json.dumps({{"ready_s": round(ready, 3), "whisper_loaded_s": round(loaded, 3),
                  "peak_memory_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}}))
"""


def ready(cache: Path) -> dict[str, Any]:
    result = subprocess.run([sys.executable, "-c", READY.format(out=str(cache / "ready"))],
                            capture_output=True, text=True, cwd=ROOT, timeout=300)
    if result.returncode != 0:
        return {"error": result.stderr[-500:]}
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> int:
    from ketavoice.speech.sphinx_recognizer import SphinxRecognizer
    from ketavoice.speech.whisper_model import find_whisper_model
    from ketavoice.speech.whisper_recognizer import WhisperLoader, WhisperRecognizer

    quick = "--quick" in sys.argv
    only_turns = "--turns" in sys.argv  # turn gaps alone (on a quiet machine: they are wall-clock times)
    cache = Path(tempfile.gettempdir()) / "ketavoice-bench-voice2"
    voices = VoiceCache(cache / "voices")
    content = load_content()
    info = find_whisper_model(None)
    if info is None:
        print(json.dumps({"error": "Whisper is not installed: pip install -e '.[test]'"}))
        return 1
    sphinx = SphinxRecognizer()
    whisper = WhisperRecognizer(WhisperLoader(info).start())
    result: dict[str, Any] = {"ready": ready(cache)}
    if only_turns:
        result["turns"] = turns(content, sphinx, whisper, voices, cache)
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return 0
    per_voice: dict[str, Any] = {}
    for voice in VOICES:
        for variant in (("plain",) if quick else VARIANTS):
            per_voice[f"{voice}-{variant}"] = evaluate(content, sphinx, whisper, voices, voice, variant)
    result["short_answers"] = per_voice
    result["notes"] = notes(sphinx, whisper, voices)
    result["turns"] = turns(content, sphinx, whisper, voices, cache)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["peak_memory_mb_whole_benchmark"] = round(peak, 1)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
