"""A small driver for engine tests: a fake clock, a real journal, and helpers to walk the dialogue."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ketavoice.content.model import Content, Step
from ketavoice.engine.engine import Engine
from ketavoice.engine.events import Action, Alert, Event, Listen, Reach, Saved, Say, Started, Typed
from ketavoice.journal.base import Journal
from ketavoice.journal.sqlite import SqliteJournal


@dataclass
class FakeClock:
    now: float = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


@dataclass
class Driver:
    engine: Engine
    clock: FakeClock
    journal: Journal
    log: list[Action] = field(default_factory=list)

    def send(self, event: Event) -> list[Action]:
        actions = self.engine.handle(event)
        self.log += actions
        return actions

    def type(self, text: str) -> list[Action]:
        return self.send(Typed(text))

    @property
    def step(self) -> Step:
        return self.engine.step

    def walk_to(self, step_id: str) -> None:
        """Answer each step the ordinary way until `step_id` is current."""
        for _ in range(50):
            if self.engine.step_id == step_id:
                return
            self.type(ordinary_answer(self.engine.step))
        raise AssertionError(f"never reached step {step_id!r}")


def ordinary_answer(step: Step) -> str:
    """An answer that moves the step on without side trips."""
    if step.kind == "choice":
        return step.choices[0].phrases[0]
    if step.kind == "yes_no":
        return step.expected or ("no" if step.yes_next and not step.no_next else "yes")
    if step.kind == "number":
        return "five"
    if step.kind == "note":
        return "no"
    if step.kind == "screen":
        return "no, not at all"  # every questionnaire item: no (ASQ), not at all (PHQ, GAD)
    return "okay"


def make_driver(
    content: Content,
    home: Path,
    *,
    dialogue: str | None = None,
    kiosk: bool = False,
    journal: Journal | None = None,
    reach: Reach = "station",
    spoken: bool = False,
) -> Driver:
    clock = FakeClock()
    journal = journal if journal is not None else SqliteJournal(home / "journal.sqlite3")
    engine = Engine(content, journal, patient_id="p1", dialogue=dialogue, clock=clock, kiosk=kiosk,
                    reach=reach, spoken=spoken)
    driver = Driver(engine, clock, journal)
    driver.send(Started())
    return driver


def says(actions: list[Action]) -> list[str]:
    return [a.text for a in actions if isinstance(a, Say)]


def listens(actions: list[Action]) -> list[Listen]:
    return [a for a in actions if isinstance(a, Listen)]


def alerts(actions: list[Action]) -> list[Alert]:
    return [a for a in actions if isinstance(a, Alert)]


def saved(actions: list[Action]) -> list[Saved]:
    return [a for a in actions if isinstance(a, Saved)]


def reachable_steps(content: Content, dialogue: str | None = None) -> list[str]:
    """Step ids in the order the ordinary path meets them (skipping the end step)."""
    d = content.dialogue(dialogue or content.default_dialogue)
    return [s.id for s in d.steps if s.kind != "end"]
