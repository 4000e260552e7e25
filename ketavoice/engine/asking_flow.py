"""Questions and expected after-effects, in any step: a question is answered from the clinic's approved
answers (or saved for the care team) and the interrupted question is asked again, with nothing recorded
for it; an expected effect gets its calm, specific reassurance."""

from __future__ import annotations

from ketavoice.engine.base import ALERT_WORDS_MAX, EngineBase
from ketavoice.engine.events import Action
from ketavoice.engine.state import Mode
from ketavoice.errors import JournalError
from ketavoice.meaning import Understood


class AskingFlows(EngineBase):
    """Questions and expected after-effects, in any step."""

    def _answer_question(self, meaning: Understood, text: str) -> list[Action]:
        topic = next((t for t in self.content.answers if t.id == meaning.value), None)
        if topic is None:
            return (
                self._save_question(text)
                + self._says([self.content.messages.question_saved])
                + self._ask(full=False)
            )
        lines = topic.home_say if self.setting == "home" and topic.home_say else topic.say
        self._audit("system", "question", f"{topic.id}: {text}")
        return self._says(list(lines), topic=topic.id) + self._ask(full=False)

    def _save_question(self, text: str) -> list[Action]:
        """A question with no approved answer: kept as a record and a non-urgent note for staff."""
        state = self._state
        if state.session_id is not None:
            try:
                self.journal.save_question(state.session_id, text, self._clock())
            except JournalError:
                pass  # the alert below still carries the words to staff
        said = " ".join(text.split())[:ALERT_WORDS_MAX]
        return [
            self._alert("note", f"{self.content.messages.question_alert} Patient asked: \u201c{said}\u201d")
        ]

    def _reassure(self, meaning: Understood, text: str) -> list[Action] | None:
        """An expected after-effect, said while a step's question is out: its reassurance; at a choice
        step ("How do you feel?") it is the answer, so the dialogue goes on. None elsewhere."""
        effect = next((e for e in self.content.expected_effects if e.id == meaning.value), None)
        if effect is None or self._state.mode is not Mode.ASKING:
            return None
        lines = effect.home_reply if self.setting == "home" and effect.home_reply else effect.reply
        self._audit("system", "expected_effect", effect.id)
        step = self.step
        if step.kind == "choice":
            return self._move_on(step.next, self._says(list(lines)))
        return self._says(list(lines)) + self._ask(full=False)
