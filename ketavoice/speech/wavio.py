"""Reading, converting and writing WAV files as 16 kHz mono 16-bit PCM, in pure Python.

`audioop` is deprecated (removed in 3.13), so conversion uses `array`: 8/24/32-bit to 16-bit, any channel
count to mono (average), any rate to 16 kHz (linear interpolation, good enough for speech recognition).
"""

from __future__ import annotations

import array
import os
import stat
import struct
import sys
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from ketavoice.errors import AudioError
from ketavoice.speech.ports import BYTES_PER_SECOND, SAMPLE_RATE

MAX_WAV_SECONDS = 120.0  # one spoken answer or note; longer runs past any recognizer's patience
MAX_WAV_BYTES = 32 * 1024 * 1024
MAX_CHANNELS = 8
MIN_RATE = 4000
MAX_RATE = 192_000


@dataclass(frozen=True)
class WavAudio:
    """PCM ready for the recognizers, and what the file was before conversion."""

    pcm: bytes
    original_rate: int
    original_channels: int
    original_width: int

    @property
    def seconds(self) -> float:
        return len(self.pcm) / BYTES_PER_SECOND

    @property
    def converted(self) -> bool:
        return (self.original_rate, self.original_channels, self.original_width) != (SAMPLE_RATE, 1, 2)


def read_wav(path: Path, *, allow_truncated: bool = False) -> WavAudio:
    """Read `path` and convert it to 16 kHz mono 16-bit; AudioError names the file and the problem.

    Only a regular file of at most MAX_WAV_BYTES is opened (a FIFO or a device could block forever).
    """
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise AudioError(f"{path}: not a regular file")
        if info.st_size > MAX_WAV_BYTES:
            raise AudioError(
                f"{path}: the file is {info.st_size / 1e6:.1f} MB; at most {MAX_WAV_BYTES / 1e6:.0f} MB of "
                f"WAV ({MAX_WAV_SECONDS:.0f} s) can be read"
            )
        with open(path, "rb") as handle:
            return decode_wav(handle, str(path), allow_truncated=allow_truncated)
    except FileNotFoundError as error:
        raise AudioError(f"{path}: no such file") from error
    except OSError as error:
        raise AudioError(f"{path}: cannot be read ({error.strerror or type(error).__name__})") from error


def decode_wav(handle: BinaryIO, name: str, *, allow_truncated: bool = False) -> WavAudio:
    """Decode the WAV in `handle` (reported as `name`) to 16 kHz mono 16-bit PCM.

    Every malformed header is an AudioError: the `wave` module also raises EOFError, RuntimeError (a
    corrupt chunk size), struct.error, ValueError or OverflowError on hostile input. The header must
    describe 1-8 channels, 8-32-bit samples, 4-192 kHz and at most MAX_WAV_SECONDS of audio.
    """
    try:
        with wave.open(handle, "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            declared = wav.getnframes()
            if not (1 <= channels <= MAX_CHANNELS and width in (1, 2, 3, 4)
                    and MIN_RATE <= rate <= MAX_RATE):
                raise AudioError(
                    f"{name}: unsupported WAV format ({channels} channels, {width * 8}-bit, {rate} Hz)"
                )
            if declared / rate > MAX_WAV_SECONDS:
                raise AudioError(
                    f"{name}: the recording is {declared / rate:.0f} s long; at most "
                    f"{MAX_WAV_SECONDS:.0f} s can be recognised (cut it into shorter parts)"
                )
            raw = wav.readframes(declared)
    except (wave.Error, EOFError, RuntimeError, struct.error, ValueError, OverflowError, MemoryError,
            OSError) as error:
        raise AudioError(f"{name}: not a readable PCM WAV file ({type(error).__name__})") from error
    frames = len(raw) // (width * channels)
    if frames < declared and not allow_truncated:
        raise AudioError(
            f"{name}: truncated WAV (header says {declared / rate:.2f} s, file holds {frames / rate:.2f} s)"
        )
    raw = raw[: frames * width * channels]
    pcm = to_pcm16_mono_16k(raw, width=width, channels=channels, rate=rate)
    return WavAudio(pcm=pcm, original_rate=rate, original_channels=channels, original_width=width)


def to_pcm16_mono_16k(raw: bytes, *, width: int, channels: int, rate: int) -> bytes:
    """Convert little-endian PCM of any common width/channels/rate to 16 kHz mono int16 bytes."""
    samples = _to_int16(raw, width)
    if channels > 1:
        samples = _downmix(samples, channels)
    if rate != SAMPLE_RATE:
        samples = _resample(samples, rate, SAMPLE_RATE)
    return _to_bytes(samples)


def _to_int16(raw: bytes, width: int) -> array.array[int]:
    if width == 2:
        samples = array.array("h")
        samples.frombytes(raw)
        if sys.byteorder == "big":
            samples.byteswap()
        return samples
    if width == 1:  # 8-bit WAV is unsigned
        return array.array("h", ((byte - 128) << 8 for byte in raw))
    if width == 3:
        return array.array("h", (int.from_bytes(raw[i + 1 : i + 3], "little", signed=True)
                                 for i in range(0, len(raw) - 2, 3)))
    wide = array.array("i")
    wide.frombytes(raw)
    if sys.byteorder == "big":
        wide.byteswap()
    return array.array("h", (value >> 16 for value in wide))


def _downmix(samples: array.array[int], channels: int) -> array.array[int]:
    frames = len(samples) // channels
    return array.array(
        "h", (sum(samples[i * channels : (i + 1) * channels]) // channels for i in range(frames))
    )


def _resample(samples: array.array[int], source_rate: int, target_rate: int) -> array.array[int]:
    if not samples:
        return array.array("h")
    count = int(len(samples) * target_rate / source_rate)
    step = source_rate / target_rate
    last = len(samples) - 1
    out = array.array("h", bytes(2 * count))
    for index in range(count):
        position = index * step
        left = int(position)
        right = left + 1 if left < last else last
        fraction = position - left
        out[index] = int(samples[left] + (samples[right] - samples[left]) * fraction)
    return out


def _to_bytes(samples: array.array[int]) -> bytes:
    if sys.byteorder == "big":
        samples = array.array("h", samples)
        samples.byteswap()
    return samples.tobytes()


def write_wav(path: Path, pcm: bytes, *, rate: int = SAMPLE_RATE,
              opener: Callable[[str, int], int] | None = None) -> None:
    """Write mono 16-bit PCM to `path` (pass `ketavoice.paths.private_file_opener` for health data)."""
    with open(path, "wb", opener=opener) as handle, wave.open(handle, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)


def rms_level(chunk: bytes) -> float:
    """Root-mean-square level of int16 PCM, 0..1 (used for VAD and the TUI's mic meter)."""
    if len(chunk) < 2:
        return 0.0
    samples = array.array("h")
    samples.frombytes(chunk[: len(chunk) - len(chunk) % 2])
    if sys.byteorder == "big":
        samples.byteswap()
    total = sum(value * value for value in samples)
    return float((total / len(samples)) ** 0.5 / 32768.0)


def trim_silence(pcm: bytes, *, margin_seconds: float = 0.5, frame_seconds: float = 0.02,
                 relative: float = 0.05) -> bytes:
    """`pcm` cut to the span from the first to the last frame louder than `relative` x the loudest frame.

    PocketSphinx normalises features over the whole utterance; seconds of surrounding silence (our
    endpointing keeps the end-of-answer pause) skew that normalisation and wreck recognition.
    """
    frame = int(SAMPLE_RATE * frame_seconds) * 2
    levels = [rms_level(pcm[offset : offset + frame]) for offset in range(0, len(pcm), frame)]
    if not levels:
        return pcm
    threshold = max(max(levels) * relative, 0.003)
    voiced = [index for index, level in enumerate(levels) if level > threshold]
    if not voiced:
        return pcm
    margin = int(margin_seconds / frame_seconds)
    start = max(0, voiced[0] - margin) * frame
    end = min(len(levels), voiced[-1] + 1 + margin) * frame
    return pcm[start:end]
