"""Voice v3: one pipeline, one command. `ketavoice transcribe --step` hears a file exactly as the voice loop
hears an answer, and its rows say what each recognizer read and which reading the engine acts on.
Real recognizers (PocketSphinx, Whisper tiny.en, Vosk), real audio (flite, Piper, LibriVox)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ketavoice.content.model import Content
from ketavoice.engine.events import Heard, Say, SecondOpinion
from ketavoice.engine.listening import step_listen
from ketavoice.engine.safety import HEARD_CHECK_WORDS_MAX, heard_question
from ketavoice.speech.sources import WavFileSource
from tests.audio_fixtures import voices, vosk_ko_model  # noqa: F401
from tests.engine_driver import alerts, make_driver
from tests.voices import VOICES, VoiceCache, real_recordings, word_error_rate

NOTE = "I slept badly last night and I feel a little low, but the nurse was very kind to me."


def _transcribe(*args: str) -> list[dict[str, Any]]:
    result = subprocess.run([sys.executable, "-m", "ketavoice", "transcribe", *args, "--json"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def _voice(*wavs: Path, out: Path) -> list[dict[str, Any]]:
    result = subprocess.run([sys.executable, "-m", "ketavoice", "voice", "--patient", "v3", "--no-tone",
                             "--audio-in", *map(str, wavs), "--audio-out", str(out), "--jsonl"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    return [json.loads(line) for line in result.stdout.splitlines()]


@pytest.mark.parametrize("step_id", ["welcome", "feeling", "ride_home", "mood_rating", "mood_note",
                                     "closing"])
def test_transcribe_listens_as_the_engine_asks(content: Content, tmp_path: Path, step_id: str) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to(step_id)
    issued = driver.engine.pending_listen
    assert issued is not None
    assert step_listen(content, driver.engine.step, listen_id=issued.listen_id) == issued


def test_transcribe_rows_carry_both_readings_the_winner_and_why(voices: VoiceCache) -> None:  # noqa: F811
    files = [voices("yes", "slt"), voices("I can't breathe", "rms"),
             voices("could I have some water please", "joe"), voices("I'd say six", "slt")]
    rows = _transcribe(*map(str, files[:3]), "--step", "ride_home")
    rows += _transcribe(str(files[3]), "--step", "mood_rating")
    assert [row["file"] for row in rows] == list(map(str, files))
    for row in rows:
        assert {"file", "text", "intent", "value", "flag", "backend", "audio_seconds", "seconds"} <= set(row)
        assert row["pipeline"] == "loop" and row["backend"] == "pocketsphinx"
        grammar, free = row["readings"]["grammar"], row["readings"]["free_form"]
        assert grammar["text"] and 0.0 <= grammar["confidence"] <= 1.0
        assert free is not None and free["engine"] == "whisper" and free["text"]
        assert row["winner"] in ("grammar", "free_form", "neither") and row["why"]
        assert row["endpoint"]["reason"] in ("complete", "pause")
    said_yes, breathe, calm, rating = rows
    # "yes" ends the listen at once; Whisper reads it late, agrees, and the grammar's answer stands.
    assert (said_yes["intent"], said_yes["when"], said_yes["winner"]) == ("yes", "late", "grammar")
    assert said_yes["why"] == "late_reading_holds_no_red_flag"
    assert said_yes["endpoint"]["reason"] == "complete"
    # A red flag the grammar heard waits for both readings; both hold it: certain.
    assert breathe["when"] == "both" and breathe["verdict"]["kind"] == "agree"
    assert breathe["intent"] == "emergency" and breathe["flag"]["certainty"] == "certain"
    # Calm speech is never a certain red flag.
    assert calm["flag"] is None or calm["flag"]["certainty"] == "possible", calm
    # A rating is read twice before the engine sees it.
    assert rating["when"] == "both" and (rating["intent"], rating["value"]) == ("number", 6), rating


def test_transcribe_hears_what_the_voice_loop_hears(voices: VoiceCache, tmp_path: Path) -> None:  # noqa: F811
    answer = voices("okay", "rms")
    lines = _voice(answer, out=tmp_path / "out")
    turn = next(line for line in lines if line["type"] == "turn")
    opinion = next(line for line in lines if line["type"] == "second_opinion")
    [row] = _transcribe(str(answer), "--step", turn["step"])
    assert row["readings"]["grammar"]["text"] == turn["text"] == opinion["grammar_text"]
    assert row["readings"]["free_form"]["text"] == opinion["text"]
    assert (row["winner"], row["why"]) == (opinion["winner"], opinion["why"])
    assert row["verdict"]["kind"] == opinion["verdict"]
    assert (row["endpoint"]["speech_end_s"], row["endpoint"]["endpoint_s"]) == (turn["speech_end_s"],
                                                                                turn["endpoint_s"])


@pytest.mark.parametrize("voice", VOICES)
def test_a_spoken_note_through_transcribe_is_whispers_transcript(voices: VoiceCache, voice: str) -> None:  # noqa: F811
    [row] = _transcribe(str(voices(NOTE, voice)), "--step", "mood_note", "--expect", "note")
    assert (row["expect"], row["when"], row["winner"], row["why"]) == ("note", "note", "free_form",
                                                                        "note_transcript")
    assert word_error_rate(NOTE, row["text"]) <= 0.05, row["text"]
    assert row["flag"] is None


def test_real_recorded_notes_through_transcribe() -> None:
    recordings = real_recordings()
    assert len(recordings) >= 5, "pocketsphinx-testdata must be installed (see .ci/run)"
    rows = _transcribe(*(str(r.path) for r in recordings), "--step", "mood_note", "--expect", "note")
    errors = [word_error_rate(r.transcript, row["text"].replace("Mr.", "mister"))
              for r, row in zip(recordings, rows, strict=True)]
    assert sum(errors) / len(errors) <= 0.10, errors


def test_the_diagnostics_run_one_recognizer_alone(voices: VoiceCache) -> None:  # noqa: F811
    wav = str(voices("I feel sleepy", "slt"))
    [grammar] = _transcribe(wav, "--step", "feeling", "--grammar-only")
    assert grammar["pipeline"] == "grammar_only" and grammar["readings"]["free_form"] is None
    assert (grammar["intent"], grammar["value"]) == ("choice", "sleepy")
    [free] = _transcribe(wav, "--step", "feeling", "--free-form-only")
    assert free["pipeline"] == "free_form_only" and free["backend"] == "whisper"
    assert "sleepy" in free["text"].lower()


def test_the_loop_pipeline_runs_behind_vosk_too(voices: VoiceCache, vosk_ko_model: Path) -> None:  # noqa: F811
    [row] = _transcribe(str(voices("yes", "slt")), "--step", "ride_home", "--model", str(vosk_ko_model),
                        "--no-whisper")
    assert row["backend"] == "vosk" and row["pipeline"] == "loop"
    free = row["readings"]["free_form"]
    assert free is None or free["engine"] == "vosk-free-form"
    assert row["endpoint"]["reason"] in ("complete", "pause", "max")


# ---- a flag only speech suggests is checked by quoting what was heard ---------------------------------


def test_a_late_reading_with_a_red_flag_is_checked_with_the_words_heard(content: Content,
                                                                         tmp_path: Path) -> None:
    driver = make_driver(content, tmp_path)
    driver.walk_to("ride_home")
    listen = driver.engine.pending_listen
    assert listen is not None
    driver.send(Heard("yes", 1.0, listen_id=listen.listen_id, second_opinion_follows=True))
    actions = driver.send(SecondOpinion("I can't see \x1b[2J anything!", listen_id=listen.listen_id))
    said = [action.text for action in actions if isinstance(action, Say)]
    assert said == ["I may have heard 'I can't see anything'. Did you say that?"]
    assert [(a.level, a.certainty) for a in alerts(actions)] == [("emergency", "possible")]
    held = driver.type("yes")  # "yes, I said that": the danger is taken as real
    assert [(a.level, a.certainty) for a in alerts(held)] == [("emergency", "certain")]
    assert driver.engine.on_hold


def test_the_quoted_words_are_plain_and_the_question_short(content: Content) -> None:
    template = content.messages.heard_check
    long = heard_question(template, "I can't breathe " * 40)
    assert len(long.split()) <= HEARD_CHECK_WORDS_MAX and long.startswith("I may have heard 'I can't")
    assert heard_question(template, "\x07 {heard} ‮") == "I may have heard 'heard'. Did you say that?"
    assert heard_question(template, "?!") == ""


@pytest.mark.parametrize("voice", VOICES)
def test_a_red_flag_the_grammar_cannot_hold_is_asked_about_in_the_patients_words(
    content: Content, voices: VoiceCache, tmp_path: Path, voice: str  # noqa: F811
) -> None:
    """A grammar that holds the step's answers only (voice v3's aim) is forced onto one of them; Whisper
    hears the red flag; the engine asks whether that is what was said."""
    from ketavoice.frontends.voice import VoiceOptions, build_voice
    from ketavoice.speech.speakers import WavSinkSpeaker

    driver = make_driver(content, tmp_path)
    driver.walk_to("ride_home")
    issued = driver.engine.pending_listen
    assert issued is not None
    answers_only = replace(issued, phrases=("yes", "no", "yeah", "nope"))
    loop = build_voice(content, None, WavFileSource([voices("I have chest pain", voice)], tail_seconds=6),
                       WavSinkSpeaker(tmp_path / "said"), VoiceOptions(backend="pocketsphinx",
                                                                      ready_tone=False))
    second = loop.io.second
    assert second is not None and second.whisper is not None
    second.whisper.loader.get(timeout=600)  # loaded first: this test is about the rule, not the load time
    heard = loop.io.listen(answers_only)
    assert isinstance(heard, Heard) and heard.text in ("yes", "no", "yeah", "nope")
    actions = driver.send(heard)
    late = loop.io.late_opinion()
    if late is not None:  # the grammar was sure of its answer: Whisper's reading came after it
        actions = driver.send(late)
    said = [action.text for action in actions if isinstance(action, Say)]
    assert "I may have heard 'I have chest pain'. Did you say that?" in said, (heard, said)
    assert [(a.level, a.certainty) for a in alerts(actions)] == [("emergency", "possible")]


# ---- a free-form reading wherever free speech can come ----------------------------------------------


def test_an_answer_waits_for_its_free_form_reading_unless_the_grammar_heard_a_complete_one(
    content: Content,
) -> None:
    from ketavoice.engine.listening import ListenPolicy

    dialogue = content.dialogue(content.default_dialogue)
    policy = ListenPolicy(content, dialogue)
    ride_home = step_listen(content, dialogue.step("ride_home"))
    assert not ride_home.both_readings
    assert not policy.wants_both(ride_home, "yes", 0.9)  # complete: answered at once, read late
    assert policy.wants_both(ride_home, "the weather is", 0.9)  # words a yes/no step cannot use
    assert policy.wants_both(ride_home, "yes", 0.2)  # a guess
    assert policy.wants_both(ride_home, "chest pain", 1.0)
    assert policy.wants_both(step_listen(content, dialogue.step("mood_rating")), "seven", 1.0)
    assert not policy.wants_both(step_listen(content, dialogue.step("mood_note"), "note"), "the sea", 0.1)


@pytest.mark.parametrize("voice", VOICES)
def test_a_complete_answer_is_read_free_form_once_from_the_first_pause(content: Content, voices: VoiceCache,  # noqa: F811
                                                                       tmp_path: Path, voice: str) -> None:
    from ketavoice.frontends.voice import assemble_voice
    from ketavoice.speech.speakers import WavSinkSpeaker
    from ketavoice.speech.sphinx_recognizer import SphinxRecognizer
    from ketavoice.speech.whisper_model import WhisperModelInfo, packaged_model
    from ketavoice.speech.whisper_recognizer import WhisperLoader, WhisperRecognizer

    model = packaged_model()
    assert model is not None
    whisper = WhisperRecognizer(WhisperLoader(WhisperModelInfo(model, "test", pinned=True)).start())
    read: list[int] = []
    transcribe = whisper.transcribe

    def counted(audio: bytes, prompt: str | None = None) -> Any:
        read.append(len(audio))
        return transcribe(audio, prompt)

    whisper.transcribe = counted  # type: ignore[method-assign]
    loop = assemble_voice(content, None, SphinxRecognizer(), whisper,
                          WavFileSource([voices("yes", voice)], tail_seconds=6),
                          WavSinkSpeaker(tmp_path / "said"), ready_tone=False)
    listen = step_listen(content, content.dialogue(content.default_dialogue).step("ride_home"))
    hearing = loop.io.hear(listen)
    assert hearing.when == "late" and hearing.report.reason == "complete"
    late = loop.io.late_reading()
    assert late is not None and "yes" in late.text.lower()
    assert len(read) == 1 and read[0] < len(hearing.event.audio or b"")  # the reading begun at the pause


# ---- speech the grammar was forced onto a red-flag phrase is judged on the free-form reading ----------

CALM_AT_STEPS = (
    ("could I have some water please", "welcome"), ("where did I put my phone", "welcome"),
    ("I slept well last night", "feeling"), ("can I have a blanket", "feeling"),
    ("my daughter is picking me up", "ride_home"), ("the weather is nice today", "ride_home"),
    ("my cat is hungry", "mood_rating"), ("I had toast for breakfast", "mood_rating"),
    ("I would like to go home soon", "closing"), ("the nurse was very kind", "closing"),
)
RED_AT_STEPS = (
    ("I have chest pain", "mood_rating"), ("I can't breathe", "welcome"), ("my chest hurts", "feeling"),
    ("I want to kill myself", "mood_rating"), ("I want to die", "welcome"),
    ("I want to end my life", "feeling"),
)


def _by_step(voices: VoiceCache, said: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:  # noqa: F811
    rows: list[dict[str, Any]] = []
    for step in dict.fromkeys(step for _text, step in said):
        files = [str(voices(text, voice)) for text, at in said if at == step for voice in VOICES]
        rows += _transcribe(*files, "--step", step)
    return rows


def test_calm_speech_is_never_a_certain_flag_and_seldom_a_check(voices: VoiceCache) -> None:  # noqa: F811
    rows = _by_step(voices, CALM_AT_STEPS)
    assert len(rows) == len(CALM_AT_STEPS) * len(VOICES)
    flags = [row["flag"] for row in rows if row["flag"] is not None]
    assert all(flag["certainty"] == "possible" for flag in flags)
    forced = [row for row in rows if row["why"] == "grammar_forced_onto_red_flag"]
    assert len(forced) >= len(rows) // 3  # the grammar forced a third or more of them onto a red flag...
    asked = [(row["readings"], row["why"]) for row in rows if row["flag"]]
    assert len(flags) <= len(rows) // 10, asked  # ...and few are asked about


def test_spoken_red_flags_are_all_caught(voices: VoiceCache) -> None:  # noqa: F811
    rows = _by_step(voices, RED_AT_STEPS)
    missed = [row["readings"] for row in rows if row["flag"] is None]
    assert missed == []
    assert sum(row["flag"]["certainty"] == "certain" for row in rows) >= len(rows) - 2


@pytest.mark.parametrize("voice", VOICES)
def test_a_calm_request_the_grammar_hears_as_self_harm_raises_no_alert(
    content: Content, voices: VoiceCache, tmp_path: Path, voice: str  # noqa: F811
) -> None:
    from ketavoice.frontends.voice import VoiceOptions, build_voice
    from ketavoice.speech.speakers import WavSinkSpeaker

    driver = make_driver(content, tmp_path)
    listen = driver.engine.pending_listen
    assert listen is not None and listen.step == "welcome"
    source = WavFileSource([voices("could I have some water please", voice)], tail_seconds=6)
    loop = build_voice(content, None, source, WavSinkSpeaker(tmp_path / "said"),
                       VoiceOptions(backend="pocketsphinx", ready_tone=False))
    heard = loop.io.listen(listen)
    assert isinstance(heard, Heard)
    actions = driver.send(heard)
    late = loop.io.late_opinion()
    if late is not None:
        actions += driver.send(late)
    red = [(a.level, a.certainty) for a in alerts(actions) if a.level in ("emergency", "crisis")]
    assert red == [], (heard.text, heard.second_opinion)
    assert not driver.engine.on_hold


def test_a_free_form_reading_not_ready_in_time_is_read_by_the_fallback_not_taken_as_silence(
    content: Content, voices: VoiceCache  # noqa: F811
) -> None:
    from ketavoice.engine.listening import ListenPolicy
    from ketavoice.speech.second import SecondOpinions
    from ketavoice.speech.sphinx_recognizer import SphinxRecognizer
    from ketavoice.speech.wavio import read_wav
    from ketavoice.speech.whisper_model import WhisperModelInfo, packaged_model
    from ketavoice.speech.whisper_recognizer import WhisperLoader, WhisperRecognizer

    class NeverLoaded(WhisperLoader):
        """A model still loading however long it is waited for (a slow disk on a loaded machine)."""

        def start(self) -> WhisperLoader:
            return self

    model = packaged_model()
    assert model is not None
    loading = NeverLoaded(WhisperModelInfo(model, "test", pinned=True))
    dialogue = content.dialogue(content.default_dialogue)
    second = SecondOpinions(ListenPolicy(content, dialogue), whisper=WhisperRecognizer(loading),
                            fallback=SphinxRecognizer())
    listen = step_listen(content, dialogue.step("ride_home"))
    audio = read_wav(voices("I have chest pain", "slt")).pcm
    second.start(listen, Heard("yes", 1.0, audio=audio, listen_id=listen.listen_id))
    opinion = second.collect(timeout=0.5)
    assert opinion is not None and opinion.text.startswith("i have"), opinion  # PocketSphinx read it
