"""Speakers: pyttsx3 in a worker subprocess (the real one) and a WAV sink that writes what would be said.

`say` blocks until the text is spoken and raises TTSError when speech fails or hangs; the caller shows
and logs the text anyway and the dialogue goes on. A hung worker is killed and replaced on the next say.
"""

from __future__ import annotations

import json
import math
import queue
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import IO, Any

from ketavoice.errors import TTSError
from ketavoice.paths import private_dir
from ketavoice.speech.wavio import write_wav

TONE_HZ = 660.0
TONE_SECONDS = 0.25


def tone_pcm(rate: int = 16000) -> bytes:
    """A soft 660 Hz "ready to listen" beep with short fades, as 16-bit mono PCM."""
    count = int(rate * TONE_SECONDS)
    fade = int(rate * 0.03)
    samples = []
    for index in range(count):
        envelope = min(1.0, index / fade, (count - index) / fade)
        samples.append(int(9000 * envelope * math.sin(2 * math.pi * TONE_HZ * index / rate)))
    return struct.pack(f"<{count}h", *samples)


def speech_timeout(text: str, rate_wpm: int) -> float:
    """Generous time to speak `text` at `rate_wpm`, plus start-up slack."""
    words = max(1, len(text.split()))
    return 10.0 + 3.0 * words * 60.0 / max(40, rate_wpm)


class WorkerSpeaker:
    """pyttsx3 behind a queue in its own process (`python -m ketavoice.speech.tts_worker`)."""

    def __init__(self, *, start_timeout: float = 20.0, command: list[str] | None = None,
                 saver: bool = False) -> None:
        default = [sys.executable, "-m", "ketavoice.speech.tts_worker"] + (["--save"] if saver else [])
        self._command = command or default
        self._start_timeout = start_timeout
        self._process: subprocess.Popen[str] | None = None
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self._stderr: IO[str] | None = None
        self.spoken: list[str] = []

    def _start(self) -> subprocess.Popen[str]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        self._stderr = tempfile.TemporaryFile("w+")
        try:
            process = subprocess.Popen(
                self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr,
                text=True, bufsize=1,
            )
        except OSError as error:
            raise TTSError(f"cannot start the speech worker ({error})") from error
        self._replies = queue.Queue()
        threading.Thread(target=self._read_replies, args=(process, self._replies), daemon=True).start()
        self._process = process
        ready = self._wait(self._start_timeout, "starting the speech engine")
        if not ready.get("ok"):
            self._kill()
            raise TTSError(str(ready.get("error", "the speech engine failed to start")))
        return process

    @staticmethod
    def _read_replies(process: subprocess.Popen[str], replies: queue.Queue[dict[str, Any]]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            try:
                replies.put(json.loads(line))
            except ValueError:
                continue
        replies.put({"ok": False, "error": "the speech worker exited", "exited": True})

    def _wait(self, timeout: float, doing: str) -> dict[str, Any]:
        try:
            return self._replies.get(timeout=timeout)
        except queue.Empty:
            self._kill()
            raise TTSError(f"text-to-speech hung while {doing} (gave up after {timeout:.0f} s)") from None

    def _request(self, request: dict[str, Any], timeout: float, doing: str) -> dict[str, Any]:
        process = self._start()
        assert process.stdin is not None
        try:
            process.stdin.write(json.dumps(request) + "\n")
            process.stdin.flush()
        except OSError as error:
            self._kill()
            raise TTSError(f"the speech worker is gone ({error})") from error
        reply = self._wait(timeout, doing)
        if not reply.get("ok"):
            if reply.get("exited"):
                self._kill()
            raise TTSError(str(reply.get("error", "text-to-speech failed")))
        return reply

    def say(self, text: str, rate_wpm: int) -> None:
        request = {"cmd": "say", "text": text, "rate": rate_wpm}
        self._request(request, speech_timeout(text, rate_wpm), "speaking")
        self.spoken.append(text)

    def save(self, text: str, rate_wpm: int, path: Path) -> None:
        """Write `text` as speech to `path` (needs a worker made with saver=True)."""
        request = {"cmd": "save", "text": text, "rate": rate_wpm, "path": str(path)}
        self._request(request, speech_timeout(text, rate_wpm), "saving speech")

    def voices(self) -> list[str]:
        reply = self._request({"cmd": "voices"}, self._start_timeout, "listing voices")
        return [str(name) for name in reply.get("voices", [])]

    def tone(self) -> None:
        player = shutil.which("aplay")
        if player is None:
            raise TTSError("no audio player for the ready tone: apt-get install alsa-utils")
        with tempfile.NamedTemporaryFile(suffix=".wav") as handle:
            write_wav(Path(handle.name), tone_pcm())
            subprocess.run([player, "-q", handle.name], capture_output=True, timeout=5, check=False)

    def _kill(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=5)
            self._process = None

    def close(self) -> None:
        if self._process is not None and self._process.stdin is not None:
            try:
                self._process.stdin.close()
                self._process.wait(timeout=3)
            except (OSError, subprocess.TimeoutExpired):
                pass
        self._kill()


class WavSinkSpeaker:
    """Writes each say to its own numbered WAV in `directory` (0001.wav, ...) with espeak-ng.

    The fake speaker for tests and headless runs; the files are real speech, so a person can listen.
    """

    def __init__(self, directory: Path, *, espeak: str | None = None, voice: str = "en-us") -> None:
        self.directory = private_dir(directory)
        self._espeak = espeak or shutil.which("espeak-ng") or shutil.which("espeak")
        self._voice = voice
        self.spoken: list[str] = []
        self.files: list[Path] = []
        self.tones = 0

    def say(self, text: str, rate_wpm: int) -> None:
        if self._espeak is None:
            raise TTSError("espeak-ng is not installed (apt-get install espeak-ng); cannot write speech WAVs")
        path = self.directory / f"{len(self.files) + 1:04d}.wav"
        try:
            subprocess.run([self._espeak, "-v", self._voice, "-s", str(rate_wpm), "-w", str(path), text],
                           capture_output=True, timeout=speech_timeout(text, rate_wpm), check=True)
        except subprocess.TimeoutExpired as error:
            raise TTSError("espeak-ng hung while writing speech") from error
        except (subprocess.CalledProcessError, OSError) as error:
            raise TTSError(f"espeak-ng failed writing {path.name}") from error
        self.files.append(path)
        self.spoken.append(text)

    def tone(self) -> None:
        self.tones += 1

    def close(self) -> None:
        return None


class MuteSpeaker:
    """No speaker at all (`transcribe`, benchmarks): says nothing and plays no tone."""

    def say(self, text: str, rate_wpm: int) -> None:
        pass

    def tone(self) -> None:
        pass

    def close(self) -> None:
        pass
