"""Endpointing for slow speech, silence, half-duplex, and the microphone edge (real PocketSphinx)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ketavoice.engine.events import Heard, Listen, Silence
from ketavoice.errors import AudioError
from ketavoice.speech.listen import EndOfAudio, listen_once
from ketavoice.speech.ports import BYTES_PER_SECOND
from ketavoice.speech.sources import MicrophoneSource, WavFileSource, import_sounddevice
from ketavoice.speech.sphinx_recognizer import SphinxRecognizer
from ketavoice.speech.wavio import read_wav
from tests.audio_fixtures import SpeechMaker, speech  # noqa: F401

PHRASES = ("yes", "no", "yes please", "chest pain", "help")


@pytest.fixture(scope="module")
def sphinx() -> SphinxRecognizer:
    return SphinxRecognizer()


def _listen(expect: str = "yes_no", timeout: float = 5.0, end: float = 3.5, longest: float = 30.0) -> Listen:
    return Listen("ride_home", expect, PHRASES if expect != "note" else (), timeout, end, longest,  # type: ignore[arg-type]
                  listen_id=7)


def test_an_answer_with_a_3_second_pause_is_one_utterance(sphinx: SphinxRecognizer,
                                                          speech: SpeechMaker) -> None:  # noqa: F811
    paused = speech("the garden | is lovely", "en-us", 120)  # 3 s of silence inside the answer
    states: list[str] = []
    outcome = listen_once(_listen("note", end=3.5), WavFileSource([paused]), sphinx,
                          on_state=lambda state, level: states.append(state))
    assert isinstance(outcome, Heard)
    assert outcome.listen_id == 7 and outcome.machine_transcript
    assert outcome.audio is not None
    assert len(outcome.audio) / BYTES_PER_SECOND > 3.0 + 1.0  # both halves are in the note's audio
    assert outcome.text.strip()
    assert set(states) == {"listening"}


def test_a_short_end_silence_splits_at_the_pause(sphinx: SphinxRecognizer, speech: SpeechMaker) -> None:  # noqa: F811
    paused = speech("the garden | is lovely", "en-us", 120)
    outcome = listen_once(_listen("note", end=1.5), WavFileSource([paused]), sphinx)
    assert isinstance(outcome, Heard) and outcome.audio is not None
    assert len(outcome.audio) / BYTES_PER_SECOND < 3.5


def test_grammar_listen_hears_yes(sphinx: SphinxRecognizer, speech: SpeechMaker) -> None:  # noqa: F811
    outcome = listen_once(_listen(), WavFileSource([speech("yes")]), sphinx)
    assert isinstance(outcome, Heard) and outcome.text == "yes"


def test_no_speech_is_silence_after_the_timeout(sphinx: SphinxRecognizer, speech: SpeechMaker) -> None:  # noqa: F811
    source = WavFileSource([bytes(3200), speech("yes")])
    source.read(1600)  # the first (silent) recording plays; then the source waits for the assistant
    outcome = listen_once(_listen(timeout=2.0), source, sphinx)
    assert isinstance(outcome, Silence) and outcome.seconds == pytest.approx(2.0, abs=0.11)
    assert outcome.listen_id == 7


def test_end_of_recordings_is_end_of_audio(sphinx: SphinxRecognizer) -> None:
    assert isinstance(listen_once(_listen(), WavFileSource([]), sphinx), EndOfAudio)


def test_max_seconds_caps_a_long_answer(sphinx: SphinxRecognizer, speech: SpeechMaker) -> None:  # noqa: F811
    long_note = speech("i have been sitting here thinking about many things today", "en-us", 90)
    outcome = listen_once(_listen("note", longest=1.0), WavFileSource([long_note]), sphinx)
    assert isinstance(outcome, Heard) and outcome.audio is not None
    assert len(outcome.audio) / BYTES_PER_SECOND < 1.0 + 0.5 + 0.2  # cap + pre-roll + one chunk


def test_half_duplex_mute_hides_the_recording_until_unmuted(speech: SpeechMaker) -> None:  # noqa: F811
    source = WavFileSource([speech("yes")], lead_in_seconds=0)
    source.mute()
    assert source.read(1600) == bytes(3200)
    source.unmute()
    assert source.read(1600) != b"" and source.played


def test_a_recording_plays_only_after_the_assistant_speaks(speech: SpeechMaker) -> None:  # noqa: F811
    first = read_wav(speech("yes")).pcm
    source = WavFileSource([first, speech("no")], lead_in_seconds=0)
    assert source.read(len(first) // 2) == first
    assert len(source.played) == 1
    assert source.read(1600) == bytes(3200)  # the patient waits: silence, not the next recording
    assert len(source.played) == 1
    source.mute()
    source.unmute()
    second = read_wav(speech("no")).pcm
    assert source.read(len(second) // 2) == second
    assert len(source.played) == 2


def test_lost_microphone_raises_audio_error(speech: SpeechMaker, sphinx: SphinxRecognizer) -> None:  # noqa: F811
    source = WavFileSource([speech("yes")], fail_after_seconds=0.5)
    with pytest.raises(AudioError, match="stopped delivering audio"):
        listen_once(_listen(), source, sphinx)


def test_no_microphone_is_a_clear_audio_error() -> None:
    # This machine (and CI) has no capture device: the real adapter must say so, not crash.
    microphone = MicrophoneSource(None)
    with pytest.raises(AudioError, match="microphone"):
        microphone.open()


def test_missing_portaudio_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    class NoPortAudio:
        def find_spec(self, name: str, path: object = None, target: object = None) -> None:
            if name == "sounddevice":
                raise OSError("PortAudio library not found")
            return None

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [NoPortAudio(), *sys.meta_path])
    with pytest.raises(AudioError, match="apt-get install libportaudio2"):
        import_sounddevice()
    with pytest.raises(AudioError, match="libportaudio2"):
        MicrophoneSource(None).open()


def test_wav_source_reports_a_bad_recording(tmp_path: Path) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF garbage")
    with pytest.raises(AudioError, match="bad.wav"):
        WavFileSource([bad]).read(1600)
