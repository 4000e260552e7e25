"""The exception tree.

KetavoiceError
 +-- ContentError      content.toml is unreadable or invalid (carries every problem)
 +-- JournalError      the SQLite journal cannot be opened or written
 |    +-- JournalCorrupt   the file is damaged or not a ketavoice journal; never reset silently
 |    +-- JournalReadOnly  the journal or its folder cannot be written (read-only medium, permission)
 +-- SpeechError       recognition or speech output failed
 |    +-- ModelError       a recognizer model is missing or broken
 |    +-- AudioError       no microphone, PortAudio missing, bad WAV
 |    +-- TTSError         text-to-speech failed or hung
 +-- KioskError        PIN and kiosk configuration problems
 +-- ClinicError       the clinic store (PostgreSQL) is misconfigured or cannot be reached
      +-- ClinicUnreachable  the server did not answer (the device keeps working and retries)
      +-- ClinicRefused      the server answered and refused a record (a data or constraint error)
"""

from __future__ import annotations

from dataclasses import dataclass


class KetavoiceError(Exception):
    """Root of every error ketavoice raises on purpose."""


@dataclass(frozen=True)
class ContentProblem:
    """One problem in a content file: `file:LINE: key.path: message` (line only when known for sure)."""

    file: str
    key_path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        key = f" {self.key_path}:" if self.key_path else ""
        return f"{where}:{key} {self.message}"


class ContentError(KetavoiceError):
    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class JournalError(KetavoiceError):
    pass


class JournalCorrupt(JournalError):
    pass


class JournalReadOnly(JournalError):
    pass


class SpeechError(KetavoiceError):
    pass


class ModelError(SpeechError):
    pass


class AudioError(SpeechError):
    pass


class TTSError(SpeechError):
    pass


class KioskError(KetavoiceError):
    pass


class ClinicError(KetavoiceError):
    pass


class ClinicUnreachable(ClinicError):
    pass


class ClinicRefused(ClinicError):
    pass


class RecordCollision(ClinicError):
    """The store holds another record under this device id and row id: the journal is a copy."""
