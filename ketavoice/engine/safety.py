"""Safety flows: red flags in three tiers. A certain flag writes its alert before anything is said and
starts a *hold* (the setting's script, then gentle repeats, never routine questions) that only staff
(clinic) or a confirmed call (home) end; a possible flag asks its named check question, where "no" goes
back and yes, anything unclear or silence escalate."""

from __future__ import annotations

import re
from dataclasses import replace

from ketavoice.content.model import RedFlag, RedFlagLevel
from ketavoice.engine.base import ALERT_WORDS_MAX, EngineBase
from ketavoice.engine.events import (
    Acknowledge,
    Action,
    Alert,
    Event,
    Heard,
    StaffReach,
    Typed,
)
from ketavoice.engine.state import Mode
from ketavoice.meaning import Flag, Understood
from ketavoice.understanding import flags_in
from ketavoice.understanding.answers import hold_answer

# Answers to a check question that say neither yes nor no: asked once more before they escalate.
_UNCLEAR = frozenset({"question", "unknown", "unsure", "repeat", "help", "expected_effect", "mood", "choice"})
# Flags only speech suggests: the readings disagree, or the words were heard with low confidence.
_SPEECH_ONLY = frozenset({"misheard", "low_confidence"})
HEARD_CHECK_WORDS_MAX = 25
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_ESCAPE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)?")


def heard_question(template: str, text: str) -> str:
    """`template` with {heard} as the words of `text` (letters, digits, inner apostrophes only), cut so
    the question stays within HEARD_CHECK_WORDS_MAX words; "" when `text` holds no word."""
    room = max(1, HEARD_CHECK_WORDS_MAX - len(template.replace("{heard}", " ").split()))
    words = _WORD.findall(_ESCAPE.sub(" ", text))[:room]
    return template.replace("{heard}", " ".join(words)) if words else ""


class SafetyFlows(EngineBase):
    """Safety flows: red flags in three tiers."""

    def _stale_heard(self, event: Heard) -> list[Action]:
        """A late answer to a superseded listen is dropped, unless it holds a red flag: those never are."""
        flags = self._heard_flags(flags_in(self.content, event.text), event.confidence, event.alternatives)
        if not flags:
            return []
        self._audit("patient", "heard", event.text)
        return self._safety(flags, event.text)

    def _heard_flags(
        self,
        flags: tuple[Flag, ...],
        confidence: float,
        alternatives: tuple[str, ...],
        unconfirmed: bool = False,
    ) -> tuple[Flag, ...]:
        """Flags in speech: heard with low confidence, or by a grammar whose free-form second opinion is
        still to come, they are only possible; a red flag among the recognizer's runner-up hypotheses is
        possible too, never dropped."""
        if confidence < self.content.timing.low_confidence:
            flags = tuple(flag.as_possible("low_confidence") for flag in flags)
        elif unconfirmed:
            flags = tuple(flag.as_possible("misheard") for flag in flags)
        if flags:
            return flags
        for alternative in alternatives:
            heard = tuple(flag.as_possible("misheard") for flag in flags_in(self.content, alternative))
            if heard:
                self._audit("system", "possible_red_flag", alternative)
                return heard
        return ()

    def _safety(self, flags: tuple[Flag, ...], text: str) -> list[Action]:
        """Certain flags start (or join) the hold; otherwise the first possible flag is checked."""
        certain = tuple(flag for flag in flags if flag.certainty == "certain")
        if certain:
            return self._hold(certain, text)
        flag = flags[0]
        in_note = self._state.mode is Mode.CONFIRMING_NOTE and self._state.note is not None
        if in_note and flag.level == "crisis" and self._instrument("asq") is not None:
            # A mood note with a possible crisis thought leads to the ASQ, then back to its read-back.
            alert = self._alert(flag.level, self._alert_text(flag, text), "possible", flag.concept)
            return [alert, *self._start_screening(("asq",), None)]
        return self._check(flag, text)

    def _second_opinion(self, text: str) -> list[Action]:
        """A free-form reading of the last utterance, a moment after the grammar's. A red flag both
        heard is certain; one only it heard is asked about; otherwise nothing changes."""
        state = self._state
        flags = flags_in(self.content, text)
        if not flags or state.mode in (Mode.HOLD, Mode.FINISHED):
            return []
        self._audit("system", "second_opinion", text)
        asked = state.checking
        if state.mode is Mode.CHECKING_FLAG and asked is not None:
            agreeing = [flag for flag in flags if flag.level == asked.level and flag.certainty == "certain"]
            if not agreeing:
                return []  # the question stands; the patient's answer decides
            return self._hold((asked.as_certain(),), text)
        return self._check(flags[0].as_possible("misheard"), text)

    def _check(self, flag: Flag, text: str) -> list[Action]:
        state = self._state
        flag = self._check_for(flag, text)
        # Staff hear of it even if the patient then says no: a missed red flag is the worst bug.
        alert = self._alert(flag.level, self._alert_text(flag, text), "possible", flag.concept)
        if state.mode is not Mode.CHECKING_FLAG:
            state.flag_resume_mode = state.mode
        state.checking = flag
        state.checking_words = text
        state.check_asked_again = False
        state.mode = Mode.CHECKING_FLAG
        return [alert, *self._says([flag.check], urgent=True), self._listen("yes_no", "yes_no")]

    def _check_for(self, flag: Flag, text: str) -> Flag:
        """A flag only speech suggests is checked by quoting what was heard ("I may have heard 'I can't
        see'. Did you say that?"), so that "yes" means the patient said it; only where those words hold
        the flag (not a runner-up hypothesis's)."""
        if flag.context not in _SPEECH_ONLY:
            return flag
        if not any(found.level == flag.level for found in flags_in(self.content, text)):
            return flag
        question = heard_question(self.content.messages.heard_check, text)
        return replace(flag, check=question) if question else flag

    def _check_answer(self, flags: tuple[Flag, ...], meaning: Understood, text: str) -> list[Action]:
        state = self._state
        asked = state.checking
        assert asked is not None
        certain = tuple(flag for flag in flags if flag.certainty == "certain")
        asked_now = asked.as_certain()
        if certain:
            # Another danger while the question is open: the question was not answered with "no".
            return self._hold((*certain, asked_now), text)
        if meaning.intent == "no" and not flags:
            state.mode = state.flag_resume_mode or Mode.ASKING
            state.checking = None
            state.checking_words = ""
            messages = self.content.messages
            dismissed = (
                messages.red_flag_dismissed if self.setting == "clinic" else messages.red_flag_dismissed_home
            )
            return self._says([dismissed]) + self._ask(full=False)
        if not flags and meaning.intent in _UNCLEAR and not state.check_asked_again:
            # A question back or an unclear answer is asked once more, plainly; a second one escalates.
            state.check_asked_again = True
            return self._says([self.content.messages.check_again, asked.check], urgent=True) + [
                self._listen("yes_no", "yes_no")
            ]
        # Yes, anything unclear, or another possible flag: when unsure, act as if it were true.
        return self._hold((asked_now,), text)

    def _screening_hold(self, flag: Flag, evidence: str) -> list[Action]:
        """The hold after a positive screen: its alert gives the answers that made it positive, since
        no words of the patient's raised it (not "Patient said: “ASQ acute positive”")."""
        return self._hold((flag,), "", evidence=evidence)

    def _hold(self, flags: tuple[Flag, ...], text: str, evidence: str | None = None) -> list[Action]:
        """Alert and script for each new level, then hold: never back to routine without an all-clear.

        A hold reached from a check question quotes the words that raised the question, and the answer
        to it beside them ("what?" alone tells staff nothing); one from a screen gives its `evidence`."""
        state = self._state
        asked = state.checking if state.mode is Mode.CHECKING_FLAG else None
        asked_words = state.checking_words
        if state.mode not in (Mode.HOLD, Mode.CHECKING_FLAG):
            state.flag_resume_mode = state.mode
        if state.flag_resume_mode in (Mode.RECORDING_NOTE, Mode.CONFIRMING_NOTE, Mode.CONFIRMING_NUMBER):
            state.flag_resume_mode = Mode.ASKING  # the step's question is asked again after the hold
        state.mode = Mode.HOLD
        state.checking = None
        state.checking_words = ""
        actions: list[Action] = []
        for flag in flags:
            if flag.level in state.hold_levels:
                continue
            red_flag = self._red_flag_content(flag.level)
            if evidence is not None:
                alert_text = f"{red_flag.alert} ({flag.concept}) {evidence}"
            elif asked is not None and (flag.level, flag.concept) == (asked.level, asked.concept):
                alert_text = self._alert_text(flag, asked_words, red_flag.alert, answer=text)
            else:
                alert_text = self._alert_text(flag, text, red_flag.alert)
            alert = self._alert(flag.level, alert_text, "certain", flag.concept)
            actions.append(alert)
            state.hold_levels += (flag.level,)
            if alert.alert_id >= 0:
                state.hold_alert_ids += (alert.alert_id,)
            actions += self._says(self._script(red_flag, flag), urgent=True)
        new_alerts = any(isinstance(action, Alert) for action in actions)
        # Nothing said is lost while the hold lasts: a note being recorded or confirmed is kept now.
        actions += self._draft_pending_note()
        return actions + self._hold_prompt(repeat=not new_alerts)

    def _hold_prompt(self, repeat: bool) -> list[Action]:
        messages = self.content.messages
        if self.setting == "home":
            texts = (
                [messages.hold_home_repeat, messages.hold_home_question]
                if repeat
                else [messages.hold_home_question]
            )
            return self._says(texts, urgent=True) + [self._listen("yes_no", "yes_no")]
        reach = self._staff_reach()
        if reach == "none":
            text = messages.hold_no_station_repeat if repeat else messages.hold_no_station
        elif reach == "unreachable":
            text = messages.hold_unreachable_repeat if repeat else messages.hold_unreachable
        else:
            text = messages.hold_clinic_repeat if repeat else messages.hold_clinic
        return self._says([text], urgent=True) + [self._listen("any", "any")]

    def _reach_changed(self, event: StaffReach) -> list[Action]:
        """The front end says whether alerts reach the station now; a clinic hold says the new truth once
        (it never keeps promising "someone is coming" to a room nobody was told about)."""
        state = self._state
        before = self._staff_reach()
        self.reach = event.reach
        if event.reach == "station":
            state.alerts_unsaved = False  # the front end delivered what the journal could not keep
        after = self._staff_reach()
        if after == before or state.mode is not Mode.HOLD or self.setting != "clinic":
            return []
        if after == "station":
            return self._says([self.content.messages.hold_reached], urgent=True) + [
                self._listen("any", "any")
            ]
        return self._hold_prompt(repeat=False)

    def _in_hold(self, flags: tuple[Flag, ...], meaning: Understood, text: str) -> list[Action]:
        """Everything said in a hold is kept (audited); a new danger adds its alert; at home the patient
        is asked whether they talked to someone, and a call they confirm ends the session gently;
        nothing else leaves the hold."""
        state = self._state
        new = tuple(flag.as_certain() for flag in flags if flag.level not in state.hold_levels)
        if new:
            return self._hold(new, text)
        if self.setting == "home":
            return self._home_hold_answer(meaning, text)
        return self._hold_prompt(repeat=True)

    def _home_hold_answer(self, meaning: Understood, text: str) -> list[Action]:
        """ "I called" / "they're on the way" end the hold as a call; "okay" only acknowledges; "no",
        "not yet", "I can't" or "stop" get other ways to reach help and a means-restriction line (NIMH
        ASQ toolkit; 988 can be called or texted); a request for a person gets the clinic's number."""
        state = self._state
        messages = self.content.messages
        answer = hold_answer(self.content, text)
        question = [messages.hold_home_question]
        if answer == "called":
            alert = self._hold_outcome("called", text)
            return (
                [alert]
                + self._draft_pending_note()
                + self._says([messages.hold_home_done])
                + self._finish("stopped")
            )
        if meaning.intent == "staff":
            return self._hold_says([messages.staff_home, *question])
        if answer == "not_called" or meaning.intent in ("no", "stop", "unsure", "cancel"):
            actions: list[Action] = []
            if not state.hold_not_yet_alerted:
                state.hold_not_yet_alerted = True
                actions.append(self._hold_outcome("not_yet", text))
            else:
                self._audit("system", "hold_outcome", "not_yet")
            said = [messages.hold_home_alternatives, messages.hold_home_means, *question]
            return actions + self._hold_says(said)
        if meaning.intent == "yes" and answer is None:
            # "Okay" acknowledges the advice; it is not a call.
            return self._hold_says([messages.hold_home_ack, *question])
        return self._hold_prompt(repeat=True)

    def _hold_says(self, texts: list[str]) -> list[Action]:
        return self._says(texts, urgent=True) + [self._listen("yes_no", "yes_no")]

    def _hold_outcome(self, outcome: str, text: str = "") -> Alert:
        """The outcome of a home hold, in the audit trail and as a staff note beside the hold's alert."""
        messages = self.content.messages
        self._audit("system", "hold_outcome", outcome)
        headline = {
            "called": messages.hold_home_called_alert,
            "not_yet": messages.hold_home_not_yet_alert,
        }.get(outcome, messages.hold_home_ended_alert)
        said = " ".join(text.split())[:ALERT_WORDS_MAX]
        return self._alert("note", f"{headline} Patient said: \u201c{said}\u201d" if said else headline)

    def _release_hold(self) -> list[Action]:
        state = self._state
        state.hold_not_yet_alerted = False
        state.mode = state.flag_resume_mode or Mode.ASKING
        if state.mode in (Mode.HOLD, Mode.CHECKING_FLAG):
            state.mode = Mode.ASKING
        state.hold_levels = ()
        state.hold_alert_ids = ()
        released = self._says([self.content.messages.hold_released])
        if state.mode is Mode.ASKING and self.step.kind in ("end", "screen"):
            return released + self._enter(state.step_id, remember=False)
        return released + self._ask(full=state.mode is Mode.SCREENING)

    def _red_flag_content(self, level: RedFlagLevel) -> RedFlag:
        return next(flag for flag in self.content.red_flags if flag.level == level)

    def _alert_text(self, flag: Flag, text: str, headline: str = "", answer: str | None = None) -> str:
        """The alert's text: headline, concept, the words that raised it and, after a check question,
        the patient's answer to it (or that there was none)."""
        said = " ".join(text.split())[:ALERT_WORDS_MAX]
        if flag.certainty == "possible":
            headline = f"Possible {flag.level} red flag: check question asked."
        quoted = f"{headline} ({flag.concept}) Patient said: \u201c{said}\u201d"
        if answer is None:
            return quoted
        replied = " ".join(answer.split())[:ALERT_WORDS_MAX]
        if not replied:
            return f"{quoted} No answer to the check question."
        return f"{quoted} Answer to the check question: \u201c{replied}\u201d"

    def _after_finish(self, event: Event) -> list[Action]:
        """The dialogue is over, but a red flag typed or said afterwards is still answered."""
        if not isinstance(event, Heard | Typed):
            return []
        self._audit("patient", "heard" if isinstance(event, Heard) else "typed", event.text)
        actions: list[Action] = []
        for flag in flags_in(self.content, event.text):
            red_flag = self._red_flag_content(flag.level)
            actions.append(
                self._alert(
                    flag.level,
                    self._alert_text(flag, event.text, red_flag.alert),
                    flag.certainty,
                    flag.concept,
                )
            )
            actions += self._says(self._script(red_flag, flag), urgent=True)
        return actions

    def _script(self, red_flag: RedFlag, flag: Flag) -> tuple[str, ...]:
        """What to do now, for this setting: at home nobody has been called, so it says whom to call;
        to a companion reporting the patient's danger, what to do for them."""
        home = self.setting == "home"
        if flag.subject == "companion":
            # The clinic's companion script says staff were told: only true when the station has it.
            unreached = self._staff_reach() != "station"
            use_home = home or (unreached and bool(red_flag.companion_home_script))
            script = red_flag.companion_home_script if use_home else red_flag.companion_script
            if script:
                return script
        return red_flag.home_script if home and red_flag.home_script else red_flag.script

    def _acknowledge(self, event: Acknowledge) -> list[Action]:
        self.journal.acknowledge_alert(event.alert_id, event.staff, self._clock())
        self._audit("staff", "acknowledge", f"alert {event.alert_id}")
        state = self._state
        if state.mode is not Mode.HOLD or self.setting != "clinic":
            return []
        state.hold_alert_ids = tuple(i for i in state.hold_alert_ids if i != event.alert_id)
        if state.hold_alert_ids:
            return []  # another alert of this hold is still open
        return self._release_hold()
