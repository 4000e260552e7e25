"""The prompt that biases Whisper toward the answers a step expects ("Yes. No. Seven. Dizzy.").

Only the step's own answers go in: red-flag phrases are left out so a prompt never talks Whisper into
hearing one. Whisper's prompt window is short, so the list is capped.
"""

from __future__ import annotations

from ketavoice.content.model import Content, PhraseIntent, Step

_MAX_CHARS = 300
_ANSWER_INTENTS: dict[str, tuple[PhraseIntent, ...]] = {
    "yes_no": ("yes", "no"), "any": ("yes", "no"), "number": (),
}


def whisper_prompt(content: Content, step: Step | None, expect: str) -> str | None:
    """A short prompt of likely answers for a listen of kind `expect` on `step` (None for notes)."""
    if expect == "note":
        return None
    phrases: list[str] = []
    for name in _ANSWER_INTENTS.get(expect, ()):
        phrases += content.intent(name).phrases[:3]
    if expect == "number":
        phrases += [word for word, _ in content.numbers.words]
    if step is not None:
        phrases += [choice.phrases[0] for choice in step.choices if choice.phrases]
    phrases += [content.intent(name).phrases[0] for name in ("repeat", "help")]
    prompt = ""
    for phrase in dict.fromkeys(phrases):
        piece = phrase[:1].upper() + phrase[1:] + ". "
        if len(prompt) + len(piece) > _MAX_CHARS:
            break
        prompt += piece
    return prompt.strip() or None
