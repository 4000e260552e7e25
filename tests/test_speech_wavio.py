"""WAV reading, format conversion and the errors for bad files."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

import pytest

from ketavoice.errors import AudioError
from ketavoice.speech.wavio import read_wav, rms_level, trim_silence, write_wav


def _write(path: Path, *, rate: int, channels: int, width: int, seconds: float = 0.5) -> Path:
    frames = int(rate * seconds)
    data = bytearray()
    for index in range(frames):
        value = math.sin(2 * math.pi * 440 * index / rate) * 0.5
        for _ in range(channels):
            if width == 1:
                data += struct.pack("<B", int(128 + value * 127))
            else:
                data += struct.pack("<h", int(value * 32767))
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(bytes(data))
    return path


@pytest.mark.parametrize(
    ("rate", "channels", "width"), [(44100, 2, 2), (8000, 1, 1), (22050, 1, 2), (16000, 2, 1)]
)
def test_other_formats_are_converted(tmp_path: Path, rate: int, channels: int, width: int) -> None:
    audio = read_wav(_write(tmp_path / "in.wav", rate=rate, channels=channels, width=width))
    assert audio.converted
    assert abs(audio.seconds - 0.5) < 0.01
    assert 0.3 < rms_level(audio.pcm) < 0.4  # a half-scale sine keeps its level through conversion


def test_16k_mono_passes_through_unchanged(tmp_path: Path) -> None:
    path = _write(tmp_path / "in.wav", rate=16000, channels=1, width=2)
    audio = read_wav(path)
    assert not audio.converted
    with wave.open(str(path)) as wav:
        assert audio.pcm == wav.readframes(wav.getnframes())


def test_truncated_wav_is_refused_clearly(tmp_path: Path) -> None:
    path = _write(tmp_path / "cut.wav", rate=16000, channels=1, width=2, seconds=2.0)
    path.write_bytes(path.read_bytes()[:20000])
    with pytest.raises(AudioError, match="truncated WAV"):
        read_wav(path)
    assert read_wav(path, allow_truncated=True).seconds == pytest.approx(0.6236, abs=0.01)


@pytest.mark.parametrize("content", [b"", b"RIFF\x00\x00", b"not audio at all" * 10])
def test_corrupt_wav_is_an_audio_error(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(AudioError, match="bad.wav"):
        read_wav(path)


def test_missing_file_is_an_audio_error(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="no such file"):
        read_wav(tmp_path / "nope.wav")


def test_write_then_read_and_trim(tmp_path: Path) -> None:
    tone = struct.pack("<1600h", *([8000, -8000] * 800))
    pcm = bytes(32000) + tone + bytes(32000)
    write_wav(tmp_path / "t.wav", pcm)
    assert read_wav(tmp_path / "t.wav").pcm == pcm
    trimmed = trim_silence(pcm, margin_seconds=0.1)
    assert len(tone) <= len(trimmed) <= len(tone) + 2 * 3200 + 640
