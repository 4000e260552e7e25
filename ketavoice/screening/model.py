"""A screening's result as plain values: shared by the scorer, the journal and the exports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ItemStatus = Literal["answered", "declined", "unclear"]
ITEM_STATUSES: tuple[ItemStatus, ...] = ("answered", "declined", "unclear")


@dataclass(frozen=True)
class ItemAnswer:
    """One asked item's record: the item id, the chosen answer's id, the value it scores, and its status.

    Every item asked ends in one: "answered"; "declined" (the patient would not answer: on the ASQ its
    own answer "declined", value 1, a positive screen; on the PHQ/GAD answer "" and value 0, unscored);
    "unclear" (asked again and still not understood: on the ASQ "unsure", value 1; on the PHQ/GAD
    unscored). A sum-scored form with an unscored item is incomplete.
    """

    item: str
    answer: str
    value: int
    status: ItemStatus = "answered"

    @property
    def scored(self) -> bool:
        """True when the value counts in a sum score (an answered item)."""
        return self.status == "answered"


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
