"""Is what the grammar heard so far a complete, confident answer for the step? (semantic endpointing)

Complete: a yes/no, a number, a choice or a command (repeat, help, stop...), heard at or above
`timing.complete_answer_confidence`. Anything else keeps the listen open: unknown words, a
low-confidence guess, and a red flag, which the grammar also produces when it is forced onto speech
it does not hold ("I slept badly" heard as a headache phrase); the whole utterance is worth the wait.
"""

from __future__ import annotations

from ketavoice.content.model import Content, Dialogue, Step
from ketavoice.engine.events import Listen
from ketavoice.speech.listen import Judge
from ketavoice.understanding import understand


def answer_judge(content: Content, dialogue: Dialogue) -> Judge:
    """A `Judge` for listens on `dialogue`'s steps."""

    def step_of(step_id: str) -> Step | None:
        try:
            return dialogue.step(step_id)
        except (KeyError, ValueError):
            return None

    def judge(listen: Listen, text: str, confidence: float) -> bool:
        if listen.expect == "note":
            return False
        meaning = understand(content, text, step_of(listen.step))
        unsure = confidence < content.timing.complete_answer_confidence
        if meaning.flag is not None or meaning.intent == "unknown" or unsure:
            return False
        if listen.expect == "number":
            return meaning.intent != "yes"  # "yes" to "from zero to ten?" is not an answer yet
        return True

    return judge
