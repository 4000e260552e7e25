"""Screening answers to and from the JSON text the journal stores (one list of item/answer/value)."""

from __future__ import annotations

import json

from ketavoice.errors import JournalError
from ketavoice.screening.model import ITEM_STATUSES, ItemAnswer, ItemStatus


def answers_to_json(answers: tuple[ItemAnswer, ...]) -> str:
    """`[{"item": "phq9_1", "answer": "several_days", "value": 1, "status": "answered"}, ...]`, compact,
    in the order asked."""
    return json.dumps(
        [{"item": a.item, "answer": a.answer, "value": a.value, "status": a.status} for a in answers],
        separators=(",", ":"),
    )


def _status(entry: dict[str, object]) -> ItemStatus:
    """The stored status; rows written before statuses were stored (schema 4) had only answered items
    and the ASQ's own "declined" answer."""
    raw = entry.get("status")
    if raw is None:
        return "declined" if entry["answer"] == "declined" else "answered"
    for status in ITEM_STATUSES:
        if raw == status:
            return status
    raise TypeError("bad status")


def answers_from_json(text: str) -> tuple[ItemAnswer, ...]:
    """The stored answers; a JournalError (not a traceback) when the stored text is not what we wrote."""
    try:
        raw = json.loads(text)
        if not isinstance(raw, list):
            raise TypeError("not a list")
        answers: list[ItemAnswer] = []
        for entry in raw:
            item, answer, value = entry["item"], entry["answer"], entry["value"]
            if not (isinstance(item, str) and isinstance(answer, str) and type(value) is int):
                raise TypeError("bad answer")
            answers.append(ItemAnswer(item, answer, value, _status(entry)))
        return tuple(answers)
    except (ValueError, TypeError, KeyError):
        raise JournalError(
            "a stored screening has unreadable answers (the journal may be damaged)."
        ) from None
