"""Which item comes next, and what is said between items: the stepping rules of each instrument.

Sum-scored instruments with a short form ask its items first and step up to the full form only when the
short total reaches `short_cutoff` (PHQ-2 >= 3 -> PHQ-9, GAD-2 >= 3 -> GAD-7). The ASQ asks its screening
items in order and the acuity item only after a positive answer to one of them.
"""

from __future__ import annotations

from collections.abc import Sequence

from ketavoice.content.instruments import Instrument, Item
from ketavoice.screening.model import ItemAnswer


def next_item(instrument: Instrument, answers: Sequence[ItemAnswer]) -> Item | None:
    """The item to ask after `answers` (given in the order asked), or None when the screen is done."""
    asked = len(answers)
    if instrument.scoring == "any_yes":
        screening = [item for item in instrument.items if not item.acuity]
        if asked < len(screening):
            return screening[asked]
        acuity = [item for item in instrument.items if item.acuity]
        answered = {answer.item for answer in answers}
        if acuity and acuity[0].id not in answered and any(answer.value > 0 for answer in answers):
            return acuity[0]
        return None
    if instrument.short_items and asked == instrument.short_items and not steps_up(instrument, answers):
        return None
    return instrument.items[asked] if asked < len(instrument.items) else None


def steps_up(instrument: Instrument, answers: Sequence[ItemAnswer]) -> bool:
    """True when the short form's items are asked and their total reaches the cut-off, or could have:
    an unanswered short item counts as its highest value, so a skip never hides a positive short form."""
    if not instrument.short_items or len(answers) < instrument.short_items:
        return False
    short = answers[: instrument.short_items]
    highest = sum(answer.value if answer.scored else instrument.max_value for answer in short)
    return highest >= instrument.short_cutoff


def line_before(instrument: Instrument, answers: Sequence[ItemAnswer]) -> str:
    """What to say before the next question (or after the last): intro, step-up line, or closing.

    Empty between ordinary items; the item's own `ask` follows it.
    """
    if not answers:
        return instrument.intro
    if next_item(instrument, answers) is None:
        return instrument.closing
    if instrument.short_items and len(answers) == instrument.short_items:
        return instrument.step_up
    return ""


def is_crisis_answer(instrument: Instrument, answer: ItemAnswer) -> bool:
    """An answer that calls for the crisis flow at once (PHQ-9 item 9 above 0)."""
    if not instrument.crisis_item or answer.item != instrument.crisis_item:
        return False
    return answer.scored and answer.value > instrument.crisis_above
