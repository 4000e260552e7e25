"""Totals, severity bands and flags of an administered instrument (published cut-offs from content)."""

from __future__ import annotations

from collections.abc import Sequence

from ketavoice.content.instruments import Instrument
from ketavoice.screening.model import ItemAnswer, Screening
from ketavoice.screening.plan import is_crisis_answer, next_item


def severity_of(instrument: Instrument, total: int) -> str:
    """The band a full-form total falls in (bands start at 0 and rise; the last is open-ended)."""
    severity = ""
    for band in instrument.bands:
        if total >= band.min:
            severity = band.severity
    return severity


def score(instrument: Instrument, answers: Sequence[ItemAnswer]) -> Screening:
    """The result of `answers` (in the order asked). An unfinished screen is scored as far as it went."""
    given = tuple(answers)
    complete = next_item(instrument, given) is None
    if instrument.scoring == "any_yes":
        return _any_yes(instrument, given, complete)
    crisis = any(is_crisis_answer(instrument, answer) for answer in given)
    total = sum(answer.value for answer in given if answer.scored)
    # The published scoring is for a complete form: one unanswered item makes it incomplete (the total
    # is then the sum of the items answered, a lower bound; content.toml cites why no prorating).
    complete = complete and all(answer.scored for answer in given)
    if instrument.short_items and len(given) <= instrument.short_items:
        positive = len(given) == instrument.short_items and total >= instrument.short_cutoff
        severity = ("positive" if positive else "negative") if complete else "incomplete"
        return Screening(instrument.key, instrument.short_name, given, total, severity, positive, crisis,
                         complete=complete)
    positive = total >= instrument.positive_at  # a partial total is a lower bound: still true
    severity = severity_of(instrument, total) if complete else "incomplete"
    return Screening(
        instrument.key, instrument.name, given, total, severity, positive, crisis, complete=complete
    )


def _any_yes(instrument: Instrument, answers: tuple[ItemAnswer, ...], complete: bool) -> Screening:
    acuity_ids = {item.id for item in instrument.items if item.acuity}
    screening = [answer for answer in answers if answer.item not in acuity_ids]
    positive = any(answer.value > 0 for answer in screening)
    acute = any(answer.value > 0 for answer in answers if answer.item in acuity_ids)
    if acute:
        severity = "acute positive"
    elif not complete:
        severity = "incomplete"
    else:
        severity = "non-acute positive" if positive else "negative"
    count = sum(1 for answer in screening if answer.value > 0)
    return Screening(instrument.key, instrument.name, answers, count, severity, positive,
                     crisis=positive, acute=acute, complete=complete)
