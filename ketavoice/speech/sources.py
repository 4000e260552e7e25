"""Audio sources: the real microphone (sounddevice) and a scripted microphone that plays WAV files.

Both are half-duplex: `mute()` before the assistant speaks, `unmute()` after; nothing heard in between
reaches the recognizer, so the assistant never hears itself.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ketavoice.errors import AudioError
from ketavoice.speech.ports import SAMPLE_RATE, SAMPLE_WIDTH
from ketavoice.speech.wavio import read_wav, to_pcm16_mono_16k

PORTAUDIO_HELP = "PortAudio is not installed; install it with: apt-get install libportaudio2"


def import_sounddevice() -> Any:
    """Import sounddevice, turning a missing PortAudio (an OSError at import) into a clear AudioError."""
    try:
        import sounddevice
    except OSError as error:
        raise AudioError(PORTAUDIO_HELP) from error
    except ImportError as error:
        raise AudioError("the sounddevice package is missing: pip install sounddevice") from error
    return sounddevice


class WavFileSource:
    """A scripted microphone: each recording is "spoken" once the assistant has finished speaking.

    Between recordings it yields silence (so listens time out like a quiet patient); once every
    recording has been played it returns b"" (end of input).
    """

    def __init__(self, recordings: Sequence[Path | bytes], *, lead_in_seconds: float = 0.3,
                 fail_after_seconds: float | None = None, tail_seconds: float = 0.0,
                 realtime: bool = False) -> None:
        self._fail_after = None if fail_after_seconds is None else int(fail_after_seconds * SAMPLE_RATE) * 2
        self._bytes_read = 0
        self._pending: list[Path | bytes] = list(recordings)
        self._current = b""
        self._position = 0
        self._armed = True
        self._muted = False
        self._lead_in = bytes(int(lead_in_seconds * SAMPLE_RATE) * SAMPLE_WIDTH)
        self.played: list[str] = []
        # Silence after the last recording before the end of input, so its answer ends by a pause (as
        # the others do) rather than by the end of the file.
        self._tail = int(tail_seconds * SAMPLE_RATE) * SAMPLE_WIDTH
        # Paced like a microphone (benchmarks of wall-clock turn gaps); otherwise as fast as it is read.
        self._realtime = realtime
        self._began: float | None = None

    def open(self) -> None:
        return None

    def close(self) -> None:
        self._pending.clear()

    def mute(self) -> None:
        self._muted = True

    def unmute(self) -> None:
        self._muted = False
        self._armed = True

    @property
    def exhausted(self) -> bool:
        return not self._pending and self._position >= len(self._current)

    def read(self, frames: int) -> bytes:
        size = frames * SAMPLE_WIDTH
        self._bytes_read += size
        if self._realtime:
            self._pace()
        if self._fail_after is not None and self._bytes_read > self._fail_after:
            # Simulates a microphone unplugged mid-session, as MicrophoneSource reports it.
            raise AudioError("the microphone stopped delivering audio (unplugged?)")
        if self._muted:
            return bytes(size)
        if self._position >= len(self._current):
            if not self._pending:
                if self._tail > 0 and self._current:
                    self._tail -= size
                    return bytes(size)
                return b""
            if not self._armed:
                return bytes(size)
            self._start_next()
        chunk = self._current[self._position : self._position + size]
        self._position += len(chunk)
        return chunk

    def _pace(self) -> None:
        now = time.monotonic()
        if self._began is None:
            self._began = now
        due = self._began + self._bytes_read / (SAMPLE_RATE * SAMPLE_WIDTH)
        if due > now:
            time.sleep(due - now)

    def _start_next(self) -> None:
        item = self._pending.pop(0)
        if isinstance(item, bytes):
            pcm, name = item, "<memory>"
        else:
            pcm, name = read_wav(item).pcm, str(item)
        self.played.append(name)
        self._current = self._lead_in + pcm
        self._position = 0
        self._armed = False


class MicrophoneSource:
    """The real microphone through sounddevice, at 16 kHz mono when the device allows it."""

    def __init__(self, device: int | str | None = None, *, stall_seconds: float = 3.0) -> None:
        self._device = device
        self._stall = stall_seconds
        self._queue: queue.Queue[bytes] = queue.Queue()
        self._buffer = b""
        self._muted = False
        self._stream: Any = None
        self._device_rate = SAMPLE_RATE

    def open(self) -> None:
        sounddevice = import_sounddevice()
        try:
            info = sounddevice.query_devices(self._device, "input")
        except (ValueError, sounddevice.PortAudioError) as error:
            raise AudioError(f"no microphone found ({error}); check `ketavoice doctor`") from error
        for rate in (SAMPLE_RATE, int(info["default_samplerate"])):
            try:
                self._stream = sounddevice.RawInputStream(
                    samplerate=rate, channels=1, dtype="int16", device=self._device,
                    blocksize=int(rate * 0.1), callback=self._callback,
                )
                self._device_rate = rate
                break
            except sounddevice.PortAudioError as error:
                last_error = error
        else:
            raise AudioError(f"cannot open the microphone ({last_error})")
        self._stream.start()

    def _callback(self, data: Any, frames: int, time: Any, status: Any) -> None:
        if not self._muted:
            self._queue.put(bytes(data))

    def close(self) -> None:
        if self._stream is not None:
            try:
                self._stream.stop()
                self._stream.close()
            except Exception:  # noqa: BLE001 - the device may already be gone; closing must not raise
                pass
            self._stream = None

    def mute(self) -> None:
        self._muted = True

    def unmute(self) -> None:
        while not self._queue.empty():
            self._queue.get_nowait()
        self._buffer = b""
        self._muted = False

    def read(self, frames: int) -> bytes:
        if self._stream is None:
            raise AudioError("the microphone is not open")
        size = frames * SAMPLE_WIDTH
        while len(self._buffer) < size:
            try:
                block = self._queue.get(timeout=self._stall)
            except queue.Empty as error:
                raise AudioError("the microphone stopped delivering audio (unplugged?)") from error
            if self._device_rate != SAMPLE_RATE:
                block = to_pcm16_mono_16k(block, width=2, channels=1, rate=self._device_rate)
            self._buffer += block
        chunk, self._buffer = self._buffer[:size], self._buffer[size:]
        return chunk
