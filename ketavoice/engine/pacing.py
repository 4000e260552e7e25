"""What is heard between two listens, kept short enough for a drowsy listener (spoken output only).

An answer of several turns, or a help text or reassurance followed by the question again, can run past
`[meta] max_heard_words` although each of its parts is short. The engine then says what fits, listens
(the same listen as the one that would follow, so the patient may answer or ask at once), and says the
rest when the patient goes on ("okay", "next", silence). It cuts only before the question that closes
the reply, before the next step's opening or between the turns of an approved answer, so information
is never split mid-way; urgent
words (a hold's script) are never held back, and nothing but speech and the listen is ever deferred:
an alert, a save or the end of the dialogue happen when they happen.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ketavoice.content.turns import word_count
from ketavoice.engine.events import Action, Listen, Say


@dataclass
class Paced:
    """The actions to return now and those waiting for the patient to go on."""

    now: list[Action]
    pending: list[Action] = field(default_factory=list)


def pace(actions: list[Action], limit: int, clinic_phone: str = "") -> Paced:
    """`actions` cut where the words since the last listen would pass `limit`, with a pause listen (a
    copy of the listen that closes the rest) at the cut; unchanged when no cut is needed or allowed."""
    heard = 0
    for position, action in enumerate(actions):
        if isinstance(action, Listen):
            heard = 0
            continue
        if not isinstance(action, Say):
            continue
        words = word_count(action.text, clinic_phone)
        rest = actions[position:]
        closing = _closing_listen(rest)
        previous = next((a for a in reversed(actions[:position]) if isinstance(a, Say)), None)
        new_step = previous is not None and previous.step != action.step  # the next step's opening
        cut_here = action.topic is not None or new_step or (len(rest) > 1 and rest[1] is closing)
        if heard and heard + words > limit and cut_here and closing is not None:
            return Paced([*actions[:position], closing], rest)
        heard += words
    return Paced(list(actions))


def _closing_listen(rest: list[Action]) -> Listen | None:
    """The listen that ends `rest` when `rest` is only non-urgent speech before it, else None."""
    for action in rest:
        if isinstance(action, Listen):
            return action
        if not isinstance(action, Say) or action.urgent:
            return None
    return None
