"""Real recognizers on real synthesized speech: PocketSphinx (English) and Vosk (Korean wheel)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketavoice.content.model import Content
from ketavoice.speech.recognizers import recognize_pcm
from ketavoice.speech.sphinx_recognizer import SphinxRecognizer
from ketavoice.speech.vosk_recognizer import VoskRecognizer
from ketavoice.speech.wavio import read_wav
from ketavoice.understanding import grammar_phrases, understand
from tests.audio_fixtures import SpeechMaker, speech, vosk_ko_model  # noqa: F401

KOREAN = ("안녕하세요", "감사합니다", "네", "아니요", "다섯", "천천히")


@pytest.fixture(scope="module")
def sphinx() -> SphinxRecognizer:
    return SphinxRecognizer()


@pytest.fixture(scope="module")
def vosk(vosk_ko_model: Path) -> VoskRecognizer:  # noqa: F811
    return VoskRecognizer(vosk_ko_model)


@pytest.mark.parametrize(
    ("text", "voice", "wpm", "step", "expect", "intent", "value"),
    [
        ("yes", "en-us", 150, "ride_home", "yes_no", "yes", None),
        ("yes", "en-us", 90, "ride_home", "yes_no", "yes", None),
        ("yes", "en-gb", 120, "ride_home", "yes_no", "yes", None),
        ("no", "en-us", 150, "ride_home", "yes_no", "no", None),
        ("no", "en+f3", 110, "ride_home", "yes_no", "no", None),
        ("three", "en-us", 150, "mood_rating", "number", "number", 3),
        ("seven", "en-us", 150, "mood_rating", "number", "number", 7),
        ("ten", "en-us", 120, "mood_rating", "number", "number", 10),
        ("chest pain", "en-us", 150, "ride_home", "yes_no", "emergency", None),
        ("chest pain", "en+f3", 110, "ride_home", "yes_no", "emergency", None),
        ("suicidal", "en-us", 120, "welcome", "any", "crisis", None),
        ("seizure", "en-us", 90, "welcome", "any", "emergency", None),
        ("repeat", "en-us", 90, "welcome", "any", "repeat", None),
        ("slower", "en-us", 150, "welcome", "any", "slower", None),
    ],
)
def test_pocketsphinx_grammar_on_synthesized_speech(
    sphinx: SphinxRecognizer,
    speech: SpeechMaker,  # noqa: F811
    content: Content,
    text: str,
    voice: str,
    wpm: int,
    step: str,
    expect: str,
    intent: str,
    value: int | None,
) -> None:
    step_obj = content.dialogue(content.default_dialogue).step(step)
    pcm = read_wav(speech(text, voice, wpm)).pcm
    result = recognize_pcm(sphinx, pcm, grammar_phrases(content, step_obj, expect))
    heard, confidence = result.text, result.confidence
    understood = understand(content, heard, step_obj)
    assert (understood.intent, understood.value) == (intent, value), heard
    assert 0.0 < confidence <= 1.0


def test_pocketsphinx_with_background_noise_and_a_pause(
    sphinx: SphinxRecognizer,
    speech: SpeechMaker,  # noqa: F811
    content: Content,
) -> None:
    step = content.dialogue(content.default_dialogue).step("ride_home")
    phrases = grammar_phrases(content, step, "yes_no")
    noisy = read_wav(speech("yes", "en-us", 150, noise=0.02)).pcm
    assert understand(content, recognize_pcm(sphinx, noisy, phrases).text, step).intent == "yes"


def test_pocketsphinx_noise_only_is_not_forced_onto_a_command(
    sphinx: SphinxRecognizer, tmp_path: Path, content: Content
) -> None:
    hiss = _hiss(tmp_path)
    step = content.dialogue(content.default_dialogue).step("ride_home")
    text = recognize_pcm(sphinx, read_wav(hiss).pcm, grammar_phrases(content, step, "yes_no")).text
    assert understand(content, text, step).intent not in ("yes", "no")


def test_pocketsphinx_drops_words_missing_from_its_dictionary(sphinx: SphinxRecognizer) -> None:
    assert sphinx.usable_phrases(("yes", "zzqxv now", "no")) == ("yes", "no")
    assert sphinx.dropped_phrases == ("zzqxv now",)


def test_pocketsphinx_free_form_for_notes(sphinx: SphinxRecognizer, speech: SpeechMaker) -> None:  # noqa: F811
    text = recognize_pcm(sphinx, read_wav(speech("the garden is lovely today", "en-us", 120)).pcm, None).text
    assert "garden" in text.split()


@pytest.mark.parametrize("word", ["안녕하세요", "감사합니다", "아니요"])
def test_vosk_korean_grammar_on_synthesized_speech(
    vosk: VoskRecognizer,
    speech: SpeechMaker,  # noqa: F811
    word: str,
) -> None:
    pcm = read_wav(speech(word, "ko", 120)).pcm
    result = recognize_pcm(vosk, pcm, KOREAN + ("도와주세요",))
    text, confidence = result.text, result.confidence
    assert word in text.split()
    assert confidence > 0.5
    assert vosk.dropped_phrases == ("도와주세요",)  # not in the model's vocabulary


def test_vosk_free_form_returns_words(vosk: VoskRecognizer, speech: SpeechMaker) -> None:  # noqa: F811
    text = recognize_pcm(vosk, read_wav(speech("안녕하세요", "ko", 120)).pcm, None).text
    assert text.strip() != ""


def test_vosk_noise_gives_no_command(vosk: VoskRecognizer, tmp_path: Path) -> None:
    hiss = _hiss(tmp_path)
    text = recognize_pcm(vosk, read_wav(hiss).pcm, KOREAN).text
    assert text not in KOREAN


def test_grammar_results_carry_runner_up_phrases_from_the_grammar(
    sphinx: SphinxRecognizer,
    content: Content,
    speech: SpeechMaker,  # noqa: F811
) -> None:
    step = content.dialogue("post_session").step("ride_home")
    phrases = grammar_phrases(content, step, "yes_no")
    result = recognize_pcm(sphinx, read_wav(speech("yes", "en-us", 120)).pcm, phrases)
    assert result.text == "yes"
    assert all(alternative in phrases and alternative != "yes" for alternative in result.alternatives)


def _hiss(tmp_path: Path) -> Path:
    """Two seconds of white noise and no words, 16 kHz mono 16-bit."""
    from ketavoice.speech.synth import run_tool

    hiss = tmp_path / "hiss.wav"
    pcm_format = ["-r", "16000", "-c", "1", "-b", "16"]
    # -R: repeatable, the same noise every run (random noise made these tests flaky)
    run_tool(["sox", "-R", "-n", *pcm_format, str(hiss), "synth", "2", "whitenoise", "vol", "0.1"])
    return hiss
