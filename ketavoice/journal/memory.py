"""An in-memory Journal for benchmarks and pure engine tests: same port, same checks, nothing on disk.

Spoken notes keep their audio as bytes (`audio_of`); their `audio_path` is a `memory://` marker.
It refuses what the SQLite journal refuses (unknown sessions or alerts), so engine tests stay honest.
"""

from __future__ import annotations

from dataclasses import replace

from ketavoice.errors import JournalError
from ketavoice.journal.base import (
    Actor,
    AlertRecord,
    Certainty,
    MoodRecord,
    NoteRecord,
    NoteStatus,
    QuestionRecord,
    ScreeningRecord,
    StepAnswerRecord,
    StoredNote,
)
from ketavoice.journal.records import AuditRecord, SessionRecord
from ketavoice.screening.model import Screening

MEMORY_SCHEME = "memory://"


class MemoryJournal:
    """The Journal port held in lists; not thread-safe beyond what the GIL gives single appends."""

    def __init__(self) -> None:
        self._patients: dict[str, float] = {}
        self._sessions: list[SessionRecord] = []
        self._moods: list[MoodRecord] = []
        self._notes: list[NoteRecord] = []
        self._alerts: list[AlertRecord] = []
        self._audit: list[AuditRecord] = []
        self._screenings: list[ScreeningRecord] = []
        self._questions: list[QuestionRecord] = []
        self._step_answers: list[StepAnswerRecord] = []
        self._audio: dict[int, bytes] = {}

    # -- writes --
    def start_session(self, patient_id: str, dialogue: str, now: float) -> int:
        self._patients.setdefault(patient_id, now)
        session = SessionRecord(len(self._sessions) + 1, patient_id, dialogue, now, None, None)
        self._sessions.append(session)
        return session.id

    def end_session(self, session_id: int, status: str, now: float) -> None:
        session = self._session(session_id, "end the session")
        self._sessions[session.id - 1] = replace(session, ended_at=now, status=status)

    def save_mood(self, session_id: int, rating: int, now: float) -> int:
        session = self._session(session_id, "save the mood rating")
        mood = MoodRecord(len(self._moods) + 1, session.patient_id, session_id, rating, now)
        self._moods.append(mood)
        return mood.id

    def save_note(
        self,
        session_id: int,
        text: str,
        audio: bytes | None,
        machine_transcript: bool,
        now: float,
        status: NoteStatus = "saved",
    ) -> StoredNote:
        session = self._session(session_id, "save the note")
        if audio is not None and len(audio) % 2:
            raise JournalError("could not save the note's audio: it is not 16-bit PCM (odd number of bytes).")
        note_id = len(self._notes) + 1
        audio_path = f"{MEMORY_SCHEME}audio/{note_id}.wav" if audio is not None else None
        note = NoteRecord(
            note_id, session.patient_id, session_id, text, audio_path, machine_transcript, status, now
        )
        self._notes.append(note)
        if audio is not None:
            self._audio[note_id] = bytes(audio)
        return StoredNote(id=note_id, audio_path=audio_path)

    def add_alert(
        self,
        session_id: int | None,
        patient_id: str,
        level: str,
        text: str,
        now: float,
        certainty: Certainty = "certain",
    ) -> int:
        if session_id is not None:
            self._session(session_id, "save the staff alert")
        self._patients.setdefault(patient_id, now)
        alert = AlertRecord(
            len(self._alerts) + 1, patient_id, session_id, level, text, now, None, None, certainty
        )
        self._alerts.append(alert)
        return alert.id

    def acknowledge_alert(self, alert_id: int, staff: str, now: float) -> None:
        if not 1 <= alert_id <= len(self._alerts):
            raise JournalError(f"could not acknowledge alert {alert_id}: the journal has no such alert.")
        alert = self._alerts[alert_id - 1]
        if alert.acknowledged_at is None:
            self._alerts[alert_id - 1] = replace(alert, acknowledged_at=now, acknowledged_by=staff)

    def save_screening(self, session_id: int, screening: Screening, now: float) -> int:
        session = self._session(session_id, "save the screening")
        record = ScreeningRecord(
            id=len(self._screenings) + 1,
            patient_id=session.patient_id,
            session_id=session_id,
            created_at=now,
            instrument=screening.instrument,
            form=screening.form,
            answers=tuple(screening.answers),
            score=screening.score,
            severity=screening.severity,
            positive=screening.positive,
            crisis=screening.crisis,
            acute=screening.acute,
            complete=screening.complete,
        )
        self._screenings.append(record)
        return record.id

    def save_step_answer(
        self, session_id: int, step: str, question: str, answer: str, said: str, now: float
    ) -> int:
        session = self._session(session_id, "save the answer")
        record = StepAnswerRecord(
            len(self._step_answers) + 1, session.patient_id, session_id, now, step, question, answer, said
        )
        self._step_answers.append(record)
        return record.id

    def step_answers(self, patient_id: str | None = None) -> list[StepAnswerRecord]:
        return [a for a in self._step_answers if patient_id is None or a.patient_id == patient_id]

    def audit(self, session_id: int | None, actor: Actor, kind: str, text: str, now: float) -> None:
        if session_id is not None:
            self._session(session_id, "write the audit trail")
        self._audit.append(AuditRecord(len(self._audit) + 1, session_id, actor, kind, text, now))

    # -- reads --
    def moods(self, patient_id: str | None = None) -> list[MoodRecord]:
        found = [m for m in self._moods if patient_id is None or m.patient_id == patient_id]
        return sorted(found, key=lambda m: (m.created_at, m.id))

    def notes(self, patient_id: str | None = None, include_drafts: bool = False) -> list[NoteRecord]:
        found = [
            n
            for n in self._notes
            if (patient_id is None or n.patient_id == patient_id) and (include_drafts or n.status == "saved")
        ]
        return sorted(found, key=lambda n: (n.created_at, n.id))

    def open_alerts(self, patient_id: str | None = None) -> list[AlertRecord]:
        found = [
            a
            for a in self._alerts
            if a.acknowledged_at is None and (patient_id is None or a.patient_id == patient_id)
        ]
        return sorted(found, key=lambda a: (a.created_at, a.id))

    def alerts(self, patient_id: str | None = None) -> list[AlertRecord]:
        """Every alert, acknowledged or not."""
        found = [a for a in self._alerts if patient_id is None or a.patient_id == patient_id]
        return sorted(found, key=lambda a: (a.created_at, a.id))

    def save_question(self, session_id: int, text: str, now: float) -> int:
        session = self._session(session_id, "save the question")
        record = QuestionRecord(len(self._questions) + 1, session.patient_id, session_id, text, now)
        self._questions.append(record)
        return record.id

    def questions(self, patient_id: str | None = None) -> list[QuestionRecord]:
        return [q for q in self._questions if patient_id is None or q.patient_id == patient_id]

    def screenings(self, patient_id: str | None = None) -> list[ScreeningRecord]:
        found = [s for s in self._screenings if patient_id is None or s.patient_id == patient_id]
        return sorted(found, key=lambda s: (s.created_at, s.id))

    def patients(self) -> list[str]:
        return sorted(self._patients)

    def sessions(self, patient_id: str | None = None) -> list[SessionRecord]:
        found = [s for s in self._sessions if patient_id is None or s.patient_id == patient_id]
        return sorted(found, key=lambda s: (s.started_at, s.id))

    def audit_trail(self, session_id: int) -> list[AuditRecord]:
        return sorted((a for a in self._audit if a.session_id == session_id), key=lambda a: (a.at, a.id))

    def audio_of(self, note_id: int) -> bytes | None:
        """The PCM bytes kept for a spoken note (None for typed notes)."""
        return self._audio.get(note_id)

    def close(self) -> None:
        """Nothing to release; present so callers can treat both journals alike."""

    def __enter__(self) -> MemoryJournal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _session(self, session_id: int, what: str) -> SessionRecord:
        if not 1 <= session_id <= len(self._sessions):
            raise JournalError(f"could not {what}: the journal has no session {session_id}.")
        return self._sessions[session_id - 1]
