"""No loop anywhere, and a person on request.

Answers not understood count (`misses`) until one is understood or the question changes: after two, the
answers are offered by key; after three, the patient's words are kept verbatim for staff (a note alert)
and the dialogue moves on. A safety item counts as unclear: the ride home as no (staff alerted), a
teach-back as wrong (the correction and the alert). A request for a person (`staff`) is heard in every
step and mode: a staff note in the clinic ("I've asked a nurse to come."), the clinic's number at home.
"""

from __future__ import annotations

from ketavoice.engine.base import ALERT_WORDS_MAX, EngineBase
from ketavoice.engine.events import Action
from ketavoice.engine.state import Mode

# Answers not understood in a row before the question offers its keys, and before it moves on.
MISSES_BEFORE_OFFER = 2
MISSES_BEFORE_MOVING_ON = 3


def said_quote(text: str) -> str:
    """The patient's words as an alert keeps them."""
    return " ".join(text.split())[:ALERT_WORDS_MAX]


class MissFlows(EngineBase):
    """Counting answers not understood, and requests for a person."""

    def _not_understood(self) -> list[Action]:
        state = self._state
        state.misses += 1
        if state.last_heard:
            state.missed_words.append(state.last_heard)
        if state.misses >= MISSES_BEFORE_MOVING_ON:
            return self._give_up()
        messages = self.content.messages
        if state.misses >= MISSES_BEFORE_OFFER:
            return self._says([self._offer()]) + self._ask(full=False)
        return self._says([messages.not_understood]) + self._ask(full=False)

    def _offer(self) -> str:
        """How to answer by key, for what the dialogue is waiting for."""
        messages = self.content.messages
        state = self._state
        if state.mode is Mode.CONFIRMING_NOTE:
            return messages.choices_keys
        if state.mode is Mode.ASKING and self.step.kind == "number":
            return messages.number_keys
        return messages.yes_no_keys

    def _missed_alert_text(self) -> str:
        words = " / ".join(said_quote(text) for text in self._state.missed_words[-MISSES_BEFORE_MOVING_ON:])
        headline = self.content.messages.not_understood_alert
        return f"{headline} ({self._state.step_id}) Patient said: \u201c{words}\u201d"

    def _give_up(self) -> list[Action]:
        """Three answers not understood: the words go to staff, and the dialogue goes on."""
        state = self._state
        step = self.step
        messages = self.content.messages
        alert = self._alert("note", self._missed_alert_text())
        self._audit("system", "not_understood", " / ".join(state.missed_words))
        state.misses = 0
        state.missed_words = []
        if state.mode is Mode.CONFIRMING_NUMBER:
            # Neither yes nor no to "Did you say 7?": ask for the number itself once more.
            state.mode = Mode.ASKING
            state.number_candidate = None
            return [alert, *self._says([messages.number_again]), *self._ask(full=False)]
        if state.mode is Mode.CONFIRMING_NOTE:
            # The note is kept as a draft for staff, never lost and never saved unconfirmed.
            kept = self._draft_pending_note()
            state.note = None
            moving_on = self._says([messages.not_understood_moving_on])
            return self._move_on(step.next, [alert, *kept, *moving_on])
        if step.kind == "yes_no" and (step.unsure_as is not None or step.expected is not None):
            # A safety item: unclear counts as doubt (ride home: no and the staff alert; a teach-back:
            # wrong, so the correction and the alert, with no second try).
            state.teach_back_tries = 1
            return [alert, *self._yes_no_answer(step, "unsure")]
        target = step.next or step.no_next or step.yes_next
        return self._move_on(target, [alert, *self._says([messages.not_understood_moving_on])])

    def _staff_request(self, text: str) -> list[Action]:
        """ "I need the nurse": in the clinic a staff note (not urgent unless more is said), at home the
        clinic's number; then the question the patient was asked, again."""
        messages = self.content.messages
        self._audit("system", "staff_request", text)
        if self.setting == "home":
            return self._says([messages.staff_home]) + self._ask(full=False)
        alert = self._alert("note", f"{messages.staff_alert} Patient said: \u201c{said_quote(text)}\u201d")
        called = messages.staff_called if self._staff_reach() == "station" else messages.staff_unreached
        return [alert, *self._says([called]), *self._ask(full=False)]
