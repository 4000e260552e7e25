"""One run of validated questionnaires inside a dialogue: which instrument and item are current, the
answers so far, and what the run leads to when it ends. Plain state; the engine decides what to say.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ketavoice.content.instruments import Instrument, Item
from ketavoice.screening.model import ItemAnswer
from ketavoice.screening.plan import next_item


@dataclass
class ScreeningRun:
    instruments: tuple[Instrument, ...]
    then_step: str | None  # the step entered when the run ends; None resumes where the patient was
    index: int = 0
    answers: list[ItemAnswer] = field(default_factory=list)
    misses: int = 0
    saved: int = 0  # answers of the current instrument already in a saved (partial) screen
    acute_now: bool = False  # a yes about thoughts right now: the acute tier, whatever item 5 says

    @property
    def instrument(self) -> Instrument | None:
        return self.instruments[self.index] if self.index < len(self.instruments) else None

    def item(self) -> Item | None:
        instrument = self.instrument
        return next_item(instrument, self.answers) if instrument is not None else None

    def next_instrument(self) -> Instrument | None:
        self.index += 1
        self.answers = []
        self.misses = 0
        self.saved = 0
        self.acute_now = False
        return self.instrument
