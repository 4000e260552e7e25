"""Durable, private WAV files for spoken notes.

A note's audio is written to a 0600 temp file, fsynced, renamed to an unguessable name (no patient id in
it) and the folder fsynced, so a crash leaves either no file or a complete one, never a torn WAV under
its final name.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
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
    temp: Path | None = None
    try:
        fd, temp = _locked_temp(audio_dir)
        final = audio_dir / temp.name.removeprefix(TEMP_PREFIX)
        with os.fdopen(fd, "wb") as raw:
            os.fchmod(raw.fileno(), 0o600)
            with wave.open(raw, "wb") as wav:
                wav.setnchannels(CHANNELS)
                wav.setsampwidth(SAMPLE_WIDTH)
                wav.setframerate(SAMPLE_RATE)
                wav.writeframes(pcm)
            raw.flush()
            os.fsync(raw.fileno())
            os.rename(temp, final)  # still holding the lock, so no cleaner can take it first
        fsync_dir(audio_dir)
    except OSError as error:
        if temp is not None:
            with contextlib.suppress(OSError):
                temp.unlink()
        raise translate_os(error, "save the note's audio", str(audio_dir)) from None
    return final


def _locked_temp(audio_dir: Path) -> tuple[int, Path]:
    """A new 0600 temp file, flock-ed so `remove_leftover_temps` in another process leaves it alone."""
    for _ in range(5):
        temp = audio_dir / f"{TEMP_PREFIX}{secrets.token_hex(16)}.wav"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.stat(temp).st_ino == os.fstat(fd).st_ino:
                return fd, temp
        except FileNotFoundError:
            pass
        os.close(fd)  # a cleaner unlinked it between create and lock: try a new name
    raise OSError(errno.EAGAIN, "could not create a temporary audio file")


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


def remove_leftover_temps(audio_dir: Path) -> int:
    """Remove temp WAVs a crashed writer left (never referenced by a row); skip ones still being written."""
    removed = 0
    for temp in sorted(audio_dir.glob(f"{TEMP_PREFIX}*.wav")):
        try:
            fd = os.open(temp, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            temp.unlink()
            removed += 1
        except OSError:
            continue  # locked: a live writer owns it
        finally:
            os.close(fd)
    return removed
