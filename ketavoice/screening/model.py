"""A screening's result as plain values: shared by the scorer, the journal and the exports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ItemAnswer:
    """One answered item: the item id, the chosen answer's id, and the value it scores."""

    item: str
    answer: str
    value: int


@dataclass(frozen=True)
class Screening:
    """One administered instrument.

    instrument: the content key ("phq9"); form: the name of what was actually asked ("PHQ-2" when the
    short form did not step up, else "PHQ-9"); score: the total (ASQ: positive screening answers);
    severity: a band ("minimal" ... "severe"), "positive"/"negative" for a short form, "negative" /
    "non-acute positive" / "acute positive" for the ASQ, or "incomplete"; positive: a positive screen;
    crisis: needs the crisis flow now (ASQ positive, or PHQ-9 item 9 above 0); acute: the ASQ acuity
    item was answered yes; complete: every item the plan called for was answered.
    """

    instrument: str
    form: str
    answers: tuple[ItemAnswer, ...]
    score: int
    severity: str
    positive: bool
    crisis: bool = False
    acute: bool = False
    complete: bool = True
