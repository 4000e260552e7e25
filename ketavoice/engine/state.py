"""The engine's mutable state: where the dialogue is and what it is waiting for."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from ketavoice.content.model import Content, RedFlagLevel
from ketavoice.engine.screening_run import ScreeningRun
from ketavoice.meaning import Flag
from ketavoice.understanding.normalize import tokens


class Mode(Enum):
    NOT_STARTED = "not_started"
    ASKING = "asking"  # the current step's question is out
    RECORDING_NOTE = "recording_note"
    CONFIRMING_NOTE = "confirming_note"  # a note was read back: save, try again or cancel?
    CONFIRMING_STOP = "confirming_stop"
    CONFIRMING_NUMBER = "confirming_number"  # two readings disagreed on a number: "Did you say seven?"
    CHECKING_FLAG = "checking_flag"  # a possible red flag: "Just to be safe: do you have ... right now?"
    HOLD = "hold"  # after a certain red flag: only staff (clinic) or a confirmed call (home) end it
    SCREENING = "screening"  # a validated questionnaire (ASQ, PHQ, GAD) is being asked
    FINISHED = "finished"


@dataclass(frozen=True)
class PendingNote:
    """A mood note heard or typed but not yet confirmed."""

    text: str
    audio: bytes | None
    machine_transcript: bool


@dataclass
class State:
    step_id: str
    rate_wpm: int
    mode: Mode = Mode.NOT_STARTED
    session_id: int | None = None
    history: list[str] = field(default_factory=list)
    attempts: int = 0  # silences on the current prompt, for re-prompts
    unanswered: int = 0  # silences in a row on this step, for the kiosk alert
    alerted_unanswered: bool = False
    teach_back_tries: int = 0
    note: PendingNote | None = None
    resume_mode: Mode | None = None  # where to return after a stop confirmation
    flag_resume_mode: Mode | None = None  # where to return after a check question or a hold
    checking: Flag | None = None  # the possible red flag the check question asks about
    checking_words: str = ""  # the words that raised it: its alerts quote them, not the answer
    check_asked_again: bool = False  # an unclear answer to the check question was met by asking once more
    hold_levels: tuple[RedFlagLevel, ...] = ()  # levels whose script ran in this hold
    hold_alert_ids: tuple[int, ...] = ()  # alerts whose acknowledgement ends a clinic hold
    alerts_unsaved: bool = False  # an alert could not be journaled; staff are not reached until told so
    misses: int = 0  # answers not understood on the current question, until one is understood
    missed_words: list[str] = field(default_factory=list)  # their words, kept verbatim for staff
    last_heard: str = ""  # the words of the answer being handled
    mood_words: int = 0  # mood said in words without a number on this step ("really bad")
    hold_not_yet_alerted: bool = False  # the home hold's "not yet" is recorded once per hold
    screening: ScreeningRun | None = None
    typing: bool = False  # the last answer was typed or a key: a note is typed, not spoken after a tone
    number_candidate: int | None = None  # the number "Did you say ...?" asks about


def strip_done(content: Content, text: str) -> str:
    """A spoken note without the "done" the patient said to end it."""
    words = text.strip().split()
    done_phrases = sorted((tokens(p) for p in content.intent("done").phrases), key=len, reverse=True)
    for phrase in done_phrases:
        size = len(phrase)
        if size and len(words) >= size and tokens(" ".join(words[-size:])) == phrase:
            return " ".join(words[:-size]).rstrip(" ,.;")
    return " ".join(words)
