"""Argument handling shared by several commands (not a command itself: the `_` keeps cli.py from listing it).

`selected_step` turns `--dialogue`/`--step` into a content step once, so every command that takes them
reports an unknown name the same way: a `UsageError` that the CLI prints and exits on with status 2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketavoice.content.model import Content, Step


class UsageError(Exception):
    """The command line names something that does not exist; cli.py prints it and exits with status 2."""


def selected_step(content: Content, dialogue_name: str | None, step_id: str | None) -> Step | None:
    """Step `step_id` of dialogue `dialogue_name` (default: the content's own); None without a step id."""
    if not step_id:
        return None
    name = dialogue_name or content.default_dialogue
    try:
        dialogue = content.dialogue(name)
    except KeyError:
        known = ", ".join(d.name for d in content.dialogues)
        raise UsageError(f"no dialogue {name!r} (dialogues: {known})") from None
    try:
        return dialogue.step(step_id)
    except KeyError:
        known = ", ".join(s.id for s in dialogue.steps)
        raise UsageError(f"no step {step_id!r} in dialogue {dialogue.name!r} (steps: {known})") from None
