"""Round trips of every journal write and read, on the real SQLite journal and on MemoryJournal alike."""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ketavoice.errors import JournalError
from ketavoice.journal import open_journal
from ketavoice.journal.memory import MemoryJournal
from ketavoice.journal.sqlite import SqliteJournal

PCM = bytes(range(256)) * 25  # 6400 bytes = 3200 samples = 0.2 s


@pytest.fixture(params=["sqlite", "memory"])
def journal(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("KETAVOICE_HOME", str(tmp_path / "home"))
    opened: Any = open_journal() if request.param == "sqlite" else MemoryJournal()
    yield opened
    opened.close()


def test_sessions_round_trip(journal: Any) -> None:
    first = journal.start_session("ana", "default", 10.0)
    second = journal.start_session("ben", "checkin", 11.0)
    journal.end_session(first, "finished", 20.0)
    assert first != second
    sessions = journal.sessions()
    assert [(s.id, s.patient_id, s.dialogue, s.started_at, s.ended_at, s.status) for s in sessions] == [
        (first, "ana", "default", 10.0, 20.0, "finished"),
        (second, "ben", "checkin", 11.0, None, None),
    ]
    assert [s.id for s in journal.sessions("ben")] == [second]
    assert journal.patients() == ["ana", "ben"]


def test_moods_round_trip_and_filter(journal: Any) -> None:
    ana = journal.start_session("ana", "default", 1.0)
    ben = journal.start_session("ben", "default", 1.0)
    m1 = journal.save_mood(ana, 3, 5.0)
    m2 = journal.save_mood(ben, 9, 4.0)
    m3 = journal.save_mood(ana, 0, 6.0)
    everyone = journal.moods()
    assert [(m.id, m.patient_id, m.session_id, m.rating, m.created_at) for m in everyone] == [
        (m2, "ben", ben, 9, 4.0),
        (m1, "ana", ana, 3, 5.0),
        (m3, "ana", ana, 0, 6.0),
    ]
    assert [m.rating for m in journal.moods("ana")] == [3, 0]
    assert journal.moods("nobody") == []


def test_notes_round_trip_typed_spoken_and_drafts(journal: Any) -> None:
    session = journal.start_session("ana", "default", 1.0)
    typed = journal.save_note(session, "slept well, a bit dizzy", None, False, 2.0)
    spoken = journal.save_note(session, "feeling calmer", PCM, True, 3.0)
    draft = journal.save_note(session, "half a thought", None, True, 4.0, status="draft")
    assert typed.audio_path is None
    assert spoken.audio_path is not None
    saved = journal.notes()
    assert [(n.id, n.text, n.machine_transcript, n.status, n.created_at) for n in saved] == [
        (typed.id, "slept well, a bit dizzy", False, "saved", 2.0),
        (spoken.id, "feeling calmer", True, "saved", 3.0),
    ]
    assert saved[1].audio_path == spoken.audio_path
    assert all(n.patient_id == "ana" and n.session_id == session for n in saved)
    with_drafts = journal.notes("ana", include_drafts=True)
    assert [n.id for n in with_drafts] == [typed.id, spoken.id, draft.id]
    assert with_drafts[-1].status == "draft"
    if isinstance(journal, SqliteJournal):
        with wave.open(spoken.audio_path, "rb") as wav:
            assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, 16000)
            assert wav.readframes(wav.getnframes()) == PCM
        assert "ana" not in Path(spoken.audio_path).name
    else:
        assert spoken.audio_path.startswith("memory://")
        assert journal.audio_of(spoken.id) == PCM


def test_alerts_open_until_acknowledged(journal: Any) -> None:
    session = journal.start_session("ana", "default", 1.0)
    crisis = journal.add_alert(session, "ana", "crisis", "crisis phrase heard", 2.0)
    ride = journal.add_alert(None, "ben", "staff", "no ride home", 3.0)
    opened = journal.open_alerts()
    assert [(a.id, a.patient_id, a.session_id, a.level, a.text) for a in opened] == [
        (crisis, "ana", session, "crisis", "crisis phrase heard"),
        (ride, "ben", None, "staff", "no ride home"),
    ]
    assert all(a.acknowledged_at is None and a.acknowledged_by is None for a in opened)
    journal.acknowledge_alert(crisis, "nurse kim", 9.0)
    journal.acknowledge_alert(crisis, "someone later", 12.0)  # a second acknowledgement changes nothing
    assert [a.id for a in journal.open_alerts()] == [ride]
    assert [a.id for a in journal.open_alerts("ana")] == []
    assert journal.patients() == ["ana", "ben"]
    with pytest.raises(JournalError, match="no such alert"):
        journal.acknowledge_alert(999, "nurse kim", 9.0)


def test_audit_trail_round_trip(journal: Any) -> None:
    session = journal.start_session("ana", "default", 1.0)
    journal.audit(session, "assistant", "say", "welcome", 2.0)
    journal.audit(session, "patient", "heard", "yes", 3.0)
    journal.audit(None, "system", "start", "boot", 0.5)
    trail = journal.audit_trail(session)
    assert [(a.actor, a.kind, a.text, a.at) for a in trail] == [
        ("assistant", "say", "welcome", 2.0),
        ("patient", "heard", "yes", 3.0),
    ]


def test_writes_to_unknown_session_fail_cleanly(journal: Any) -> None:
    with pytest.raises(JournalError):
        journal.save_mood(4242, 5, 1.0)
    with pytest.raises(JournalError):
        journal.save_note(4242, "orphan note text", PCM, True, 1.0)
    with pytest.raises(JournalError):
        journal.end_session(4242, "finished", 1.0)
    assert journal.notes() == [] and journal.moods() == []


def test_odd_audio_is_refused(journal: Any) -> None:
    session = journal.start_session("ana", "default", 1.0)
    with pytest.raises(JournalError, match="16-bit"):
        journal.save_note(session, "note", b"\x01\x02\x03", True, 2.0)
    assert journal.notes() == []
