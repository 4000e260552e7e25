"""Two readings of one utterance: the grammar's and a free-form recognizer's, compared before acting.

A front end waits for the second reading when getting the answer wrong would matter (a number, a red
flag, words the step cannot use) and hands both over in one `Heard`. Where they agree the answer stands
(a red flag both heard is certain); a red flag only the grammar heard, in a free-form reading that is a
different sentence, was forced onto the grammar, and the free-form reading is judged instead (while a
question is asked; in a check question or a hold it is asked about as before); any other red flag only one
heard is asked about; a number they disagree on is confirmed ("Did you say seven?") before it is saved;
anything else is asked again.
"""

from __future__ import annotations

from ketavoice.engine.base import EngineBase
from ketavoice.engine.events import Action, Heard
from ketavoice.engine.second_opinion import review
from ketavoice.engine.state import Mode
from ketavoice.meaning import Understood


class ReadingFlows(EngineBase):
    """Comparing two readings, and the number confirmation that follows a disagreement."""

    def _two_readings(self, event: Heard) -> list[Action]:
        state = self._state
        second = event.second_opinion or ""
        self._audit("system", "second_opinion", second)
        step = self.step if state.mode is Mode.ASKING else None
        verdict = review(self.content, step, event.text, second)
        if verdict.kind == "forced" and state.mode is Mode.ASKING:
            # The grammar was forced onto a red-flag phrase ("could I have some water" as "cut myself"):
            # the free-form reading is what was said, and the engine judges it as it would a typed line
            # (a number in it is confirmed first, as any number the readings disagree on).
            self._audit("system", "grammar_forced", event.text)
            if verdict.value is not None and self.step.kind == "number":
                state.number_candidate = verdict.value
                state.mode = Mode.CONFIRMING_NUMBER
                return self._ask(full=False)
            return self._on_text(second, event.confidence, event.audio, event.machine_transcript)
        if verdict.kind in ("possible_flag", "forced"):
            # Never dropped: the reading that holds the red flag is asked about.
            return self._on_text(verdict.heard, event.confidence, event.audio, event.machine_transcript,
                                 unconfirmed=True)
        if verdict.kind == "confirm_number" and verdict.value is not None and state.mode is Mode.ASKING:
            state.number_candidate = verdict.value
            state.mode = Mode.CONFIRMING_NUMBER
            return self._ask(full=False)
        if verdict.kind != "agree":
            if state.mode is Mode.CHECKING_FLAG:
                # One reading heard no and the other something else (a yes): act as if the danger were
                # real, without asking again, as for silence.
                state.check_asked_again = True
                return self._check_answer((), Understood(event.text, "unknown"), event.text)
            if state.mode is Mode.HOLD:
                return self._on_text(event.text, event.confidence, event.audio, event.machine_transcript)
            return self._not_understood()
        # Two recognizers agree: a red flag both heard is certain, whatever each one's confidence.
        confidence = 1.0 if verdict.levels else event.confidence
        return self._on_text(event.text, confidence, event.audio, event.machine_transcript,
                             event.alternatives)

    def _number_confirm_answer(self, meaning: Understood) -> list[Action]:
        state = self._state
        value = state.number_candidate
        if meaning.intent == "number" and isinstance(meaning.value, int):
            value, confirmed = meaning.value, True  # the number said again is the answer
        else:
            confirmed = meaning.intent == "yes"
        if meaning.intent not in ("yes", "no", "number") or value is None:
            return self._not_understood()
        state.mode = Mode.ASKING
        state.number_candidate = None
        if not confirmed:
            return self._says([self.content.messages.number_again]) + self._ask(full=False)
        return self._number_answer(self.step, Understood(str(value), "number", value))
