"""Note flows: a mood note heard or typed, read back, saved on yes, recorded again or cancelled; an
unconfirmed note is kept as a draft whenever the dialogue leaves it."""

from __future__ import annotations

from ketavoice.engine.base import ALERT_WORDS_MAX, EngineBase
from ketavoice.engine.events import (
    Action,
    Saved,
    SavedKind,
)
from ketavoice.engine.state import Mode, PendingNote, strip_done
from ketavoice.errors import JournalError
from ketavoice.journal.base import NoteStatus
from ketavoice.meaning import Understood


class NoteFlows(EngineBase):
    """Note flows: a mood note heard or typed, read back, saved on yes, recorded again or cancelled; an
    unconfirmed note is kept as a draft whenever the dialogue leaves it."""

    def _note_heard(self, text: str, audio: bytes | None, machine: bool) -> list[Action]:
        state = self._state
        note_text = strip_done(self.content, text)
        if not note_text:
            return self._move_on(self.step.next, self._says([self.step.skipped]))
        state.note = PendingNote(note_text, audio, machine)
        state.mode = Mode.CONFIRMING_NOTE
        return self._ask(full=True)

    def _note_confirm_answer(self, meaning: Understood) -> list[Action]:
        state = self._state
        step = self.step
        note = state.note
        assert note is not None
        if meaning.intent == "yes":
            stored = self._store_note(note, status="saved")
            if not stored:
                return self._says([self.content.messages.save_failed]) + self._ask(full=False)
            return self._move_on(step.next, stored + self._says([step.saved]))
        if meaning.intent == "retry":
            state.note = None
            state.mode = Mode.RECORDING_NOTE
            return self._ask(full=True)
        if meaning.intent in ("cancel", "no"):
            state.note = None
            return self._move_on(step.next, self._says([step.cancelled]))
        return self._not_understood()

    def _record_answer(self, answer: str, text: str) -> list[Action]:
        """An answer the step's reply says is noted (`record = true`: side effects, better/same/worse)
        kept as a record for the care team; nothing when the step does not keep its answers."""
        state = self._state
        step = self.step
        if not step.record or state.session_id is None:
            return []
        said = " ".join(text.split())[:ALERT_WORDS_MAX]
        try:
            record_id = self.journal.save_step_answer(
                state.session_id, step.id, step.prompt, answer, said, self._clock()
            )
        except JournalError:
            return self._says([self.content.messages.save_failed])
        return [Saved("answer", record_id, step.id, text=answer)]

    def _store_note(self, note: PendingNote, status: NoteStatus) -> list[Action]:
        state = self._state
        assert state.session_id is not None
        try:
            stored = self.journal.save_note(
                state.session_id,
                note.text,
                note.audio,
                note.machine_transcript,
                self._clock(),
                status=status,
            )
        except JournalError:
            return []
        state.note = None
        kind: SavedKind = "draft" if status == "draft" else "note"
        return [Saved(kind, stored.id, state.step_id, text=note.text, audio_path=stored.audio_path)]

    def _draft_pending_note(self) -> list[Action]:
        note = self._state.note
        if note is None or not note.text:
            return []
        return self._store_note(note, status="draft")
