"""Which answer keys to show for a listen, taken from content.toml's intent keys and the step itself.

This only chooses buttons to display; what a key means is decided by the engine (`intent_for_key`).
"""

from __future__ import annotations

from ketavoice.content.model import Content, PhraseIntent, Step
from ketavoice.engine.events import Listen
from ketavoice.tui.widgets import AnswerKey

# Global commands shown on every step, in this order (the issue asks for repeat, help, slower).
SHOWN_GLOBALS: tuple[PhraseIntent, ...] = ("repeat", "help", "slower")
LABELS: dict[str, str] = {
    "yes": "Yes", "no": "No", "repeat": "Repeat", "slower": "Slower", "faster": "Faster", "help": "Help",
    "next": "Continue", "back": "Back", "cancel": "Cancel", "retry": "Again", "done": "Done",
}


def _intent_keys(content: Content, names: tuple[PhraseIntent, ...]) -> list[AnswerKey]:
    answers: list[AnswerKey] = []
    for name in names:
        try:
            intent = content.intent(name)
        except KeyError:
            continue
        if intent.keys:
            answers.append(AnswerKey(intent.keys[0], LABELS.get(name, name.title())))
    return answers


def _step(content: Content, listen: Listen) -> Step | None:
    for dialogue in content.dialogues:
        for step in dialogue.steps:
            if step.id == listen.step:
                return step
    return None


def answer_keys_for(content: Content, listen: Listen) -> list[AnswerKey]:
    """The buttons for this listen: the step's own answers first, then the global commands."""
    answers: list[AnswerKey] = []
    step = _step(content, listen)
    if listen.expect == "yes_no":
        answers += _intent_keys(content, ("yes", "no"))
    elif listen.expect == "number":
        low, high = (step.min_value, step.max_value) if step is not None else (0, 10)
        for value in range(low, high + 1):
            text = str(value)
            answers.append(AnswerKey(text, "") if len(text) == 1 else AnswerKey("", text, typed=text))
    elif listen.expect == "note":
        answers += _intent_keys(content, ("cancel",))
    else:
        if step is not None and step.kind == "choice":
            answers += [AnswerKey("", choice.id.replace("_", " "), typed=choice.phrases[0])
                        for choice in step.choices if choice.phrases]
        answers += _intent_keys(content, ("next",))
    answers += _intent_keys(content, SHOWN_GLOBALS)
    return answers


def key_caption(answer: AnswerKey) -> str:
    """What the button shows, e.g. `y Yes`, `7`, `10`, `dizzy`."""
    return " ".join(part for part in (answer.key, answer.label) if part)
