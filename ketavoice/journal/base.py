"""The journal port: what the engine and the front ends need from storage.

The engine only calls the write methods; front ends (TUI, `ketavoice notes`) also read. The real one is
`ketavoice.journal.sqlite.SqliteJournal`; `MemoryJournal` serves benchmarks and pure engine tests.
Every write returns only after the data is durable; a failed write raises `JournalError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from ketavoice.screening.model import ItemAnswer, Screening

Actor = Literal["patient", "assistant", "staff", "system"]
Certainty = Literal["certain", "possible"]
NoteStatus = Literal["saved", "draft"]


@dataclass(frozen=True)
class MoodRecord:
    id: int
    patient_id: str
    session_id: int
    rating: int
    created_at: float


@dataclass(frozen=True)
class NoteRecord:
    id: int
    patient_id: str
    session_id: int
    text: str
    audio_path: str | None
    machine_transcript: bool
    status: NoteStatus
    created_at: float


@dataclass(frozen=True)
class AlertRecord:
    id: int
    patient_id: str
    session_id: int | None
    level: str
    text: str
    created_at: float
    acknowledged_at: float | None
    acknowledged_by: str | None
    certainty: Certainty = "certain"


@dataclass(frozen=True)
class QuestionRecord:
    """A question the patient or companion asked that has no approved answer: kept for the care team."""

    id: int
    patient_id: str
    session_id: int
    text: str
    created_at: float


@dataclass(frozen=True)
class StepAnswerRecord:
    """An answer the patient was told is noted ("I'll note it"): a side-effect check, better/same/worse.
    `answer`: the choice id, or yes / no, or "other" with the words in `said`."""

    id: int
    patient_id: str
    session_id: int
    created_at: float
    step: str
    question: str
    answer: str
    said: str


@dataclass(frozen=True)
class ScreeningRecord:
    """A saved screening: the result as scored, with where and when it was taken."""

    id: int
    patient_id: str
    session_id: int
    created_at: float
    instrument: str
    form: str
    answers: tuple[ItemAnswer, ...]
    score: int
    severity: str
    positive: bool
    crisis: bool
    acute: bool
    complete: bool

    def result(self) -> Screening:
        """The stored result as the scorer returns it."""
        return Screening(
            self.instrument, self.form, self.answers, self.score, self.severity, self.positive, self.crisis,
            self.acute, self.complete,
        )


@dataclass(frozen=True)
class StoredNote:
    """What `save_note` wrote: its row id and, for spoken notes, the WAV path."""

    id: int
    audio_path: str | None


class Journal(Protocol):
    def close(self) -> None: ...

    # -- writes (engine) --
    def start_session(self, patient_id: str, dialogue: str, now: float) -> int: ...

    def end_session(self, session_id: int, status: str, now: float) -> None: ...

    def save_mood(self, session_id: int, rating: int, now: float) -> int: ...

    def save_note(
        self,
        session_id: int,
        text: str,
        audio: bytes | None,
        machine_transcript: bool,
        now: float,
        status: NoteStatus = "saved",
    ) -> StoredNote: ...

    def add_alert(
        self,
        session_id: int | None,
        patient_id: str,
        level: str,
        text: str,
        now: float,
        certainty: Certainty = "certain",
    ) -> int: ...

    def acknowledge_alert(self, alert_id: int, staff: str, now: float) -> None: ...

    def save_screening(self, session_id: int, screening: Screening, now: float) -> int: ...

    def save_step_answer(
        self, session_id: int, step: str, question: str, answer: str, said: str, now: float
    ) -> int: ...

    def audit(self, session_id: int | None, actor: Actor, kind: str, text: str, now: float) -> None: ...

    def save_question(self, session_id: int, text: str, now: float) -> int: ...

    # -- reads (front ends) --
    def moods(self, patient_id: str | None = None) -> list[MoodRecord]: ...

    def notes(self, patient_id: str | None = None, include_drafts: bool = False) -> list[NoteRecord]: ...

    def open_alerts(self, patient_id: str | None = None) -> list[AlertRecord]: ...

    def screenings(self, patient_id: str | None = None) -> list[ScreeningRecord]: ...

    def questions(self, patient_id: str | None = None) -> list[QuestionRecord]: ...

    def step_answers(self, patient_id: str | None = None) -> list[StepAnswerRecord]: ...

    def patients(self) -> list[str]: ...
