"""Speech output: the pyttsx3 worker, its failure modes (hang, crash, no player), and the WAV sink."""

from __future__ import annotations

import sys
import time
import wave
from pathlib import Path

import pytest

from ketavoice.errors import TTSError
from ketavoice.speech import tts_worker
from ketavoice.speech.speakers import WavSinkSpeaker, WorkerSpeaker, tone_pcm


def test_wav_sink_writes_one_numbered_owner_only_wav_per_sentence(tmp_path: Path) -> None:
    sink = WavSinkSpeaker(tmp_path / "out")
    sink.say("Hello there.", 140)
    sink.say("How do you feel?", 100)
    assert [p.name for p in sink.files] == ["0001.wav", "0002.wav"]
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o700
    with wave.open(str(sink.files[1])) as wav:
        slow_seconds = wav.getnframes() / wav.getframerate()
    with wave.open(str(sink.files[0])) as wav:
        assert wav.getnframes() > 0
    assert slow_seconds > 0.8  # a real sentence, spoken at the slower rate


def test_wav_sink_without_espeak_is_a_tts_error(tmp_path: Path) -> None:
    sink = WavSinkSpeaker(tmp_path / "out", espeak="/nonexistent/espeak-ng")
    with pytest.raises(TTSError, match="espeak-ng failed"):
        sink.say("hello", 140)


def test_hung_worker_times_out_and_is_replaced() -> None:
    # The worker never answers (it sleeps an hour): the only way `say` returns is the start timeout.
    hung = [sys.executable, "-c", "import time; time.sleep(3600)"]
    speaker = WorkerSpeaker(start_timeout=1.0, command=hung)
    started = time.monotonic()
    with pytest.raises(TTSError, match="hung while starting"):
        speaker.say("hello", 140)
    assert time.monotonic() - started < 600  # gave up on its own, far before the worker would end
    speaker.close()


def test_worker_that_dies_is_reported() -> None:
    speaker = WorkerSpeaker(start_timeout=5.0, command=[sys.executable, "-c", "import sys; sys.exit(3)"])
    with pytest.raises(TTSError, match="exited"):
        speaker.say("hello", 140)


def test_missing_audio_player_is_a_clear_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no aplay on PATH

    class Engine:
        def setProperty(self, name: str, value: object) -> None:
            pass

    reply = tts_worker.handle(Engine(), {"cmd": "say", "text": "hi", "rate": 140})
    assert reply == {"ok": False, "error": tts_worker.PLAYER_HELP}


def test_real_workers_save_and_speak_without_overwriting(tmp_path: Path) -> None:
    # Real pyttsx3 engines: a say after save_to_file in one engine overwrites the file, so each job kind
    # has its own process and each refuses the other's job.
    speaker, saver = WorkerSpeaker(start_timeout=20), WorkerSpeaker(start_timeout=20, saver=True)
    try:
        target = tmp_path / "saved.wav"
        saver.save("hello there", 140, target)
        size = target.stat().st_size
        assert size > 1000
        speaker.say("goodbye", 140)
        saver.save("hello there", 140, tmp_path / "other.wav")
        assert target.stat().st_size == size
        with pytest.raises(TTSError, match="separate workers"):
            saver.say("goodbye", 140)
        with pytest.raises(TTSError, match="separate workers"):
            speaker.save("x", 140, tmp_path / "x.wav")
        assert any("English" in voice for voice in speaker.voices())
    finally:
        speaker.close()
        saver.close()


def test_tone_is_short_and_soft() -> None:
    pcm = tone_pcm()
    assert len(pcm) == 2 * 4000
    peak = max(abs(int.from_bytes(pcm[i : i + 2], "little", signed=True)) for i in range(0, len(pcm), 2))
    assert peak < 10000
