"""Screening flows: validated questionnaires (ASQ, PHQ-2/9, GAD-2/7) asked inside the dialogue, with
their own stepping; a low or dropping mood after a session leads to the ASQ.

Every item asked ends in a record (answered, declined or unclear). Inside a screening "skip", "next",
"go on" or the key C decline the item asked, never the battery. A declined or unclear ASQ item counts
positive, as the ASQ form says. What a positive screen leads to: PHQ-9 item 9 above 0 (a "yes" counts as
at least several days) the crisis hold at once, item 9 declined or unclear a staff alert; the ASQ in
the clinic the crisis hold (staff come), at home in two tiers (NIMH): acute (item 5 yes, or a yes about
thoughts right now) the crisis hold with 988/911, non-acute a same-day alert for the clinic and the
resources said, and the check-in goes on. A screen cut short (stop, end of input, a hold, back) is
saved as far as it went; a positive one stopped early still gets the alert and the crisis lines."""

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
from ketavoice.screening.answers import Reading, read
from ketavoice.screening.model import ItemAnswer, ItemStatus
from ketavoice.screening.plan import is_crisis_answer, line_before
from ketavoice.screening.scoring import score
from ketavoice.screening.yes_no import read_yes_no

# Unclear answers to one questionnaire item before it is recorded unclear (PHQ/GAD: asked again with the
# choices twice; yes/no items (ASQ): asked again once, then counted unsure, which is positive).
_SCREEN_MISSES = 3
_YES_NO_MISSES = 2


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

    def _screening_hold(self, flag: Flag, evidence: str) -> list[Action]:
        raise NotImplementedError  # defined in SafetyFlows, beside the hold it starts

    def _low_mood_check(self, step: Step) -> list[Action]:
        """A low mood said in words: the low-mood alert and the check (see `_mood_check`)."""
        return self._mood_check(step, self.content.messages.low_mood_alert, "")

    def _mood_check(self, step: Step, alert_text: str, said: str) -> list[Action]:
        """A very low rating, or a drop of three, leads to the ASQ (NIMH) before anything else; where the
        content has no ASQ, to its acuity question as a check, whose alerts quote `said` (the rating as
        the patient gave it). `alert_text` names the rule that fired (low, or a drop)."""
        alert = self._alert("note", alert_text)
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
        state.checking_words = said
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
        if instrument is None or item is None:
            return self._screening_next()  # the last item was answered beside a red flag
        texts = [line_before(instrument, run.answers)] if full else []
        yes_no = instrument.scoring == "any_yes"
        listen = self._listen("yes_no", "yes_no") if yes_no else self._listen("any", "any")
        extra = tuple(phrase for answer in instrument.answers for phrase in answer.phrases)
        listen = replace(listen, phrases=tuple(dict.fromkeys(listen.phrases + extra)))
        self._pending_listen = listen
        return self._says([*texts, item.ask]) + [listen]

    def _screening_reading(self, meaning: Understood, text: str) -> Reading:
        """What `text` answers to the item asked. "skip", "next", "go on" or the key C decline it."""
        run = self._state.screening
        assert run is not None and run.instrument is not None
        instrument = run.instrument
        reading = read(instrument, text)
        if reading.status == "unclear" and meaning.intent == "next":
            declined = next((a for a in instrument.answers if a.id == "declined"), None)
            reading = Reading(declined, "declined")
        item = run.item()
        if reading.status == "unclear" and item is not None and item.id == instrument.crisis_item:
            # PHQ-9 item 9: "yes" is at least several days; "don't know" is not a no.
            yes_no = read_yes_no(text).answer
            if yes_no == "yes":
                above = [a for a in instrument.answers if a.value > instrument.crisis_above]
                reading = Reading(min(above, key=lambda a: a.value), "answered") if above else reading
            elif yes_no == "unsure":
                reading = Reading(None, "unclear", own_words=True)  # recorded unclear at once, alerted
        return reading

    def _screening_answer(self, meaning: Understood, text: str) -> list[Action] | None:
        """The item's answer in `text`, recorded; None when `text` is no answer to it."""
        if meaning.intent == "question":
            return None  # seam: a patient's question is answered by the question flow, never an answer
        run = self._state.screening
        assert run is not None
        instrument, item = run.instrument, run.item()
        if instrument is None or item is None:
            return None
        reading = self._screening_reading(meaning, text)
        if reading.status == "unclear" and not reading.own_words:
            return None
        actions = self._record_item(reading.status, reading, now=reading.now)
        recorded = run.answers[-1]
        if is_crisis_answer(instrument, recorded):
            saved = self._save_screening(instrument, run.answers)
            flag = Flag("crisis", "certain", f"{instrument.name}: {item.text}", item.id)
            return actions + saved + self._continue_after_hold(run) + self._hold((flag,), text)
        if reading.answer is not None and reading.own_words and reading.answer.said_back:
            actions += self._says([reading.answer.said_back])
        return actions + self._screening_next()

    def _record_item(self, status: ItemStatus, reading: Reading | None, now: bool = False) -> list[Action]:
        """The item asked ends in a record: its answer, or declined / unclear with what that scores."""
        run = self._state.screening
        assert run is not None
        instrument, item = run.instrument, run.item()
        assert instrument is not None and item is not None
        answer = reading.answer if reading is not None else None
        if answer is None and instrument.scoring == "any_yes":
            # The ASQ form: a refusal or an unclear answer is a positive screen.
            fallback = "declined" if status == "declined" else "unsure"
            answer = next((a for a in instrument.answers if a.id == fallback), None)
        record = (
            ItemAnswer(item.id, answer.id, answer.value, status)
            if answer is not None
            else ItemAnswer(item.id, "", 0, "unclear" if status == "answered" else status)
        )
        run.answers.append(record)
        run.misses = 0
        if now and record.value > 0 and not item.acuity and instrument.scoring == "any_yes":
            run.acute_now = True
        actions: list[Action] = []
        if status == "declined" and instrument.declined_reply:
            actions += self._says([instrument.declined_reply])
        if status != "answered" and item.id == instrument.crisis_item and instrument.unanswered_alert:
            actions.append(self._alert("crisis", instrument.unanswered_alert, "possible", item.id))
        return actions

    def _heard_with_flag(self, meaning: Understood, text: str) -> list[Action]:
        """A red flag was heard in the answer to an item ("yes, I wish I was dead"): the answer is kept
        too, so the screen saved when the hold starts holds it; the red flag is answered next."""
        run = self._state.screening
        if run is None or run.instrument is None or run.item() is None:
            return []
        reading = self._screening_reading(meaning, text)
        if reading.status == "unclear":
            return []
        return self._record_item(reading.status, reading, now=reading.now)

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
        if instrument is None or item is None:
            return self._screening_next()
        run.misses += 1
        limit = _YES_NO_MISSES if instrument.scoring == "any_yes" else _SCREEN_MISSES
        if run.misses < limit:
            return self._says([instrument.options]) + self._screening_ask(full=False)
        return self._record_item("unclear", None) + self._screening_next()

    def _screening_next(self) -> list[Action]:
        """The next item, the next instrument, or the end of the run (with what a positive screen needs)."""
        state = self._state
        run = state.screening
        assert run is not None
        instrument = run.instrument
        assert instrument is not None
        if run.item() is not None:
            return self._screening_ask(full=bool(line_before(instrument, run.answers)))
        actions = self._save_screening(instrument, run.answers)
        result = score(instrument, tuple(run.answers))
        actions += self._says([instrument.closing])
        if result.crisis:
            acute = result.acute or run.acute_now
            if self.setting == "home" and instrument.scoring == "any_yes" and not acute:
                actions += self._non_acute(instrument, f"{result.form} {result.severity}")
            else:
                concept = f"{result.form} {'acute positive' if acute else result.severity}"
                flag = Flag("crisis", "certain", concept, instrument.key)
                evidence = positive_answers(instrument, run.answers)
                return actions + self._continue_after_hold(run) + self._screening_hold(flag, evidence)
        if run.next_instrument() is not None:
            return actions + self._screening_ask(full=True)
        state.screening = None
        if run.then_step is not None:
            return self._move_on(run.then_step, actions)
        state.mode = state.flag_resume_mode or Mode.ASKING
        return actions + self._ask(full=True)

    def _non_acute(self, instrument: Instrument, headline: str) -> list[Action]:
        """The clinic is told (to follow up the same day) and the patient hears the resources."""
        alert_text = f"{headline}. {instrument.positive_alert}".strip()
        alert = self._alert("crisis", alert_text, "certain", instrument.key)
        return [alert, *self._says(instrument.resources)]

    def _draft_pending_note(self) -> list[Action]:
        """Nothing said is lost when the dialogue is cut short (a hold, stop, end of input, back): a
        screen under way is saved as far as it went, besides the pending note."""
        return self._keep_partial_screening() + super()._draft_pending_note()

    def _keep_partial_screening(self) -> list[Action]:
        state = self._state
        run = state.screening
        if run is None or run.instrument is None or not run.answers or len(run.answers) == run.saved:
            return []
        instrument = run.instrument
        actions = self._save_screening(instrument, run.answers)
        result = score(instrument, tuple(run.answers))
        if state.mode is not Mode.HOLD and result.crisis:
            # Stopped (or ended) with a positive answer: staff are told and the crisis lines are said
            # before the dialogue finishes. (In a hold, the hold's own script says them.)
            actions += self._non_acute(instrument, f"{result.form} positive, stopped before the end")
        return actions

    def _save_screening(self, instrument: Instrument, answers: list[ItemAnswer]) -> list[Action]:
        state = self._state
        assert state.session_id is not None
        result = score(instrument, tuple(answers))
        if state.screening is not None and state.screening.instrument is instrument:
            state.screening.saved = len(answers)
        try:
            record_id = self.journal.save_screening(state.session_id, result, self._clock())
        except JournalError:
            return self._says([self.content.messages.save_failed])
        return [Saved("screening", record_id, state.step_id, text=result.form, value=result.score)]


def positive_answers(instrument: Instrument, answers: list[ItemAnswer]) -> str:
    """The items that scored, as staff read them: `Positive answers: "Item text?" yes; ...`."""
    items = {item.id: item for item in instrument.items}
    labels = {answer.id: answer.label for answer in instrument.answers}
    scored = [
        f"\u201c{items[a.item].text if a.item in items else a.item}\u201d {labels.get(a.answer, a.answer)}"
        for a in answers
        if a.value > 0
    ]
    return f"Positive answers: {'; '.join(scored)}." if scored else "No item scored."
