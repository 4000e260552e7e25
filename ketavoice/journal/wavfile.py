"""Durable, private WAV files for spoken notes.

A note's audio is written to a 0600 temp file, fsynced, renamed to an unguessable name (no patient id in
it) and the folder fsynced, so a crash leaves either no file or a complete one, never a torn WAV under
its final name.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import wave
from pathlib import Path

from ketavoice.errors import JournalError
from ketavoice.journal.sqlerrors import translate_os

SAMPLE_RATE = 16_000
SAMPLE_WIDTH = 2  # bytes: 16-bit PCM
CHANNELS = 1
TEMP_PREFIX = ".tmp-"


def write_wav(audio_dir: Path, pcm: bytes) -> Path:
    """Write 16 kHz mono 16-bit `pcm` as a new WAV in `audio_dir` and return its final path."""
    if len(pcm) % SAMPLE_WIDTH:
        raise JournalError("could not save the note's audio: it is not 16-bit PCM (odd number of bytes).")
    name = f"{secrets.token_hex(16)}.wav"
    final = audio_dir / name
    temp = audio_dir / f"{TEMP_PREFIX}{name}"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw:
            os.fchmod(raw.fileno(), 0o600)
            with wave.open(raw, "wb") as wav:
                wav.setnchannels(CHANNELS)
                wav.setsampwidth(SAMPLE_WIDTH)
                wav.setframerate(SAMPLE_RATE)
                wav.writeframes(pcm)
            raw.flush()
            os.fsync(raw.fileno())
        os.rename(temp, final)
        fsync_dir(audio_dir)
    except OSError as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        with contextlib.suppress(OSError):
            final.unlink()
        raise translate_os(error, "save the note's audio", str(audio_dir)) from None
    return final


def remove_wav(path: Path) -> None:
    """Best-effort removal of a WAV whose row was never committed."""
    with contextlib.suppress(OSError):
        path.unlink()
        fsync_dir(path.parent)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def leftover_temps(audio_dir: Path) -> list[Path]:
    """Temp WAVs a crash left behind (never referenced by a row; safe to remove)."""
    return sorted(audio_dir.glob(f"{TEMP_PREFIX}*.wav"))
