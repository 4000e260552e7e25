"""Extra read records the journal offers front ends beyond the port in `base.py` (sessions, audit)."""

from __future__ import annotations

from dataclasses import dataclass

from ketavoice.journal.base import Actor


@dataclass(frozen=True)
class SessionRecord:
    id: int
    patient_id: str
    dialogue: str
    started_at: float
    ended_at: float | None
    status: str | None


@dataclass(frozen=True)
class AuditRecord:
    id: int
    session_id: int | None
    actor: Actor
    kind: str
    text: str
    at: float
