"""Screening flows: validated questionnaires (ASQ, PHQ-2/9, GAD-2/7) asked inside the dialogue, with
their own stepping; a positive ASQ or PHQ-9 item 9 runs the crisis hold; a low or dropping mood after a
session leads to the ASQ."""

from __future__ import annotations

from dataclasses import replace

from ketavoice.content.instruments import Instrument
from ketavoice.content.model import Step
from ketavoice.engine.base import EngineBase
from ketavoice.engine.events import (
    Action,
    Saved,
)
from ketavoice.engine.screening_run import ScreeningRun
from ketavoice.engine.state import Mode
from ketavoice.errors import JournalError
from ketavoice.meaning import Flag, Understood
from ketavoice.screening.answers import interpret
from ketavoice.screening.model import ItemAnswer
from ketavoice.screening.plan import is_crisis_answer, line_before
from ketavoice.screening.scoring import score

# Unclear answers to one questionnaire item before it is settled (ASQ: counted positive, as its
# guidance says of a refusal; PHQ/GAD: the form ends incomplete).
_SCREEN_MISSES = 3


class ScreeningFlows(EngineBase):
    """Screening flows: validated questionnaires (ASQ, PHQ-2/9, GAD-2/7) asked inside the dialogue, with
    their own stepping; a positive ASQ or PHQ-9 item 9 runs the crisis hold; a low or dropping mood after a
    session leads to the ASQ."""

    def _last_mood(self) -> int | None:
        try:
            moods = self.journal.moods(self.patient_id)
        except JournalError:
            return None
        return moods[-1].rating if moods else None

    def _screens_anyway(self) -> bool:
        """True when this dialogue asks the ASQ in any case (the home check-in)."""
        return any("asq" in step.instruments for step in self.dialogue.steps)

    def _low_mood_check(self, step: Step) -> list[Action]:
        """A very low rating, or a drop of three, leads to the ASQ (NIMH) before anything else; where the
        content has no ASQ, to its acuity question as a check."""
        alert = self._alert("note", self.content.messages.low_mood_alert)
        if self._instrument("asq") is not None:
            return [alert, *self._start_screening(("asq",), step.next)]
        messages = self.content.messages
        flag = Flag("crisis", "possible", "low mood", "low_mood", messages.low_mood_check, "vague")
        state = self._state
        if step.next is not None:
            state.history.append(state.step_id)
            state.step_id = step.next
        state.mode = Mode.ASKING
        state.flag_resume_mode = Mode.ASKING
        state.checking = flag
        state.mode = Mode.CHECKING_FLAG
        return [alert, *self._says([flag.check]), self._listen("yes_no", "yes_no")]

    def _instrument(self, key: str) -> Instrument | None:
        return next((item for item in self.content.instruments if item.key == key), None)

    def _start_screening(self, keys: tuple[str, ...], then_step: str | None) -> list[Action]:
        state = self._state
        instruments = tuple(i for i in (self._instrument(key) for key in keys) if i is not None)
        if not instruments:
            return self._move_on(then_step, []) if then_step else self._ask(full=True)
        if state.mode is not Mode.SCREENING:
            state.flag_resume_mode = state.mode
        state.screening = ScreeningRun(instruments, then_step)
        state.mode = Mode.SCREENING
        return self._screening_ask(full=True)

    def _screening_ask(self, full: bool) -> list[Action]:
        run = self._state.screening
        assert run is not None
        instrument, item = run.instrument, run.item()
        assert instrument is not None and item is not None
        texts = [line_before(instrument, run.answers)] if full else []
        listen = self._listen("any", "any")
        extra = tuple(phrase for answer in instrument.answers for phrase in answer.phrases)
        listen = replace(listen, phrases=tuple(dict.fromkeys(listen.phrases + extra)))
        self._pending_listen = listen
        return self._says([*texts, item.ask]) + [listen]

    def _screening_answer(self, meaning: Understood, text: str) -> list[Action] | None:
        """The item's answer in `text`, recorded; None when `text` is no answer to it."""
        state = self._state
        run = state.screening
        assert run is not None
        instrument, item = run.instrument, run.item()
        assert instrument is not None and item is not None
        answer = interpret(instrument, text)
        if answer is None and meaning.intent in ("yes", "no"):
            answer = next((a for a in instrument.answers if a.id == meaning.intent), None)
        if answer is None:
            return None
        recorded = ItemAnswer(item.id, answer.id, answer.value)
        run.answers.append(recorded)
        run.misses = 0
        if is_crisis_answer(instrument, recorded):
            saved = self._save_screening(instrument, run.answers)
            flag = Flag("crisis", "certain", f"{instrument.name}: {item.text}", item.id)
            return saved + self._continue_after_hold(run) + self._hold((flag,), text)
        return self._screening_next()

    def _continue_after_hold(self, run: ScreeningRun) -> list[Action]:
        """Where the dialogue goes once a hold raised by a questionnaire ends: the next instrument, or
        the step after the run. Nothing is said now; the hold speaks next."""
        state = self._state
        if run.next_instrument() is not None:
            state.mode = Mode.SCREENING
            return []
        state.screening = None
        if run.then_step is not None and run.then_step != state.step_id:
            state.history.append(state.step_id)
            state.step_id = run.then_step
            state.mode = Mode.ASKING
        else:
            state.mode = state.flag_resume_mode or Mode.ASKING
        return []

    def _screening_miss(self) -> list[Action]:
        state = self._state
        run = state.screening
        assert run is not None
        instrument, item = run.instrument, run.item()
        assert instrument is not None and item is not None
        run.misses += 1
        if run.misses < _SCREEN_MISSES:
            return self._says([instrument.options]) + self._screening_ask(full=False)
        unsure = next((a for a in instrument.answers if a.id == "unsure"), None)
        if instrument.scoring == "any_yes" and unsure is not None:
            run.answers.append(ItemAnswer(item.id, unsure.id, unsure.value))
            run.misses = 0
            return self._screening_next()
        return self._screening_next(give_up=True)

    def _screening_next(self, give_up: bool = False) -> list[Action]:
        """The next item, the next instrument, or the end of the run (with the crisis flow when positive)."""
        state = self._state
        run = state.screening
        assert run is not None
        instrument = run.instrument
        assert instrument is not None
        if not give_up and run.item() is not None:
            return self._screening_ask(full=bool(line_before(instrument, run.answers)))
        actions = self._save_screening(instrument, run.answers)
        result = score(instrument, tuple(run.answers))
        actions += self._says([instrument.closing]) if not give_up else []
        if result.crisis:
            concept = f"{result.form} {result.severity}"
            flag = Flag("crisis", "certain", concept, instrument.key)
            return actions + self._continue_after_hold(run) + self._hold((flag,), concept)
        if run.next_instrument() is not None:
            return actions + self._screening_ask(full=True)
        state.screening = None
        if run.then_step is not None:
            return self._move_on(run.then_step, actions)
        state.mode = state.flag_resume_mode or Mode.ASKING
        return actions + self._ask(full=True)

    def _save_screening(self, instrument: Instrument, answers: list[ItemAnswer]) -> list[Action]:
        state = self._state
        assert state.session_id is not None
        result = score(instrument, tuple(answers))
        try:
            record_id = self.journal.save_screening(state.session_id, result, self._clock())
        except JournalError:
            return self._says([self.content.messages.save_failed])
        return [Saved("screening", record_id, state.step_id, text=result.form, value=result.score)]
