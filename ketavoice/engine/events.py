"""What goes into the engine (events) and what comes out (actions): plain frozen data.

Front ends translate device input into events and carry out actions; they hold no dialogue rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ketavoice.meaning import Certainty
from ketavoice.meaning import Expect as Expect  # re-exported: front ends name listen kinds from here

AlertLevel = Literal["emergency", "crisis", "warning", "note"]
Setting = Literal["clinic", "home"]
# Whether an alert raised now reaches staff beyond this screen: "station" (a clinic store answers),
# "unreachable" (a store is configured but does not answer, or alerts wait undelivered), "none" (no
# clinic store: the alert is only on this device). The front end knows; the engine words the hold by it.
Reach = Literal["station", "unreachable", "none"]
SavedKind = Literal["mood", "note", "draft", "screening", "answer"]
FinishStatus = Literal["completed", "stopped", "ended"]


# ---- events -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Started:
    """The dialogue begins (a new session for the engine's patient)."""


@dataclass(frozen=True)
class Heard:
    """A recognised utterance. `audio` is the utterance as 16 kHz mono 16-bit PCM, kept for notes."""

    text: str
    confidence: float = 1.0
    audio: bytes | None = None
    machine_transcript: bool = True
    listen_id: int | None = None
    # Runner-up hypotheses from the recognizer: a red flag among them is asked about, never dropped.
    alternatives: tuple[str, ...] = ()
    # A free-form second opinion of this audio follows (SecondOpinion): until it agrees, a red flag the
    # grammar heard may be speech forced onto a grammar phrase, so it is only possible.
    second_opinion_follows: bool = False
    # A free-form reading of the same audio that the front end waited for (numbers, red flags, unsure
    # words): the engine compares the two readings before it acts on either.
    second_opinion: str | None = None


@dataclass(frozen=True)
class Typed:
    """A line typed by the patient or a caregiver."""

    text: str


@dataclass(frozen=True)
class Pressed:
    """An answer key (y, n, r, h, s, f, b, x, 0-9)."""

    key: str


@dataclass(frozen=True)
class Silence:
    """A listen ended with no speech after `seconds`."""

    seconds: float
    listen_id: int | None = None


@dataclass(frozen=True)
class Tick:
    """Time passes; a listen whose deadline is behind `now` counts as silence."""

    now: float


@dataclass(frozen=True)
class Acknowledge:
    """Staff acknowledge an open alert."""

    alert_id: int
    staff: str


@dataclass(frozen=True)
class Ended:
    """The front end is closing (end of input, kiosk reset): keep what was confirmed, draft the rest."""


@dataclass(frozen=True)
class SecondOpinion:
    """A free-form recognizer's (Whisper's, or PocketSphinx's language model's) reading of the utterance
    already answered as Heard for `listen_id`; it arrives a moment later and may escalate a red flag."""

    text: str
    listen_id: int | None = None


@dataclass(frozen=True)
class StaffReach:
    """The front end learned that alerts now do (or no longer) reach the nurse station."""

    reach: Reach


Event = Started | Heard | Typed | Pressed | Silence | Tick | Acknowledge | Ended | SecondOpinion | StaffReach


# ---- actions ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Say:
    """Say `text`. `topic` names the approved answer it belongs to, when it answers a question."""

    text: str
    step: str
    urgent: bool = False
    topic: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "say", "step": self.step, "text": self.text, "urgent": self.urgent}
        if self.topic is not None:
            out["topic"] = self.topic
        return out


@dataclass(frozen=True)
class Listen:
    """Listen for an answer. `phrases` constrain the recognizer (red flags always included; empty means
    free-form, for notes).

    timeout: seconds to wait for a first word; end_silence: the pause that ends the answer;
    max_seconds: the longest answer. `listen_id` increases with every Listen: a front end passes it back
    on Heard/Silence so an answer to a listen that was already superseded (say, by a typed answer) is
    dropped instead of answering the next question.
    """

    step: str
    expect: Expect
    phrases: tuple[str, ...]
    timeout: float
    end_silence: float
    max_seconds: float
    listen_id: int = 0
    hold: bool = False  # a red-flag hold is on: the front end keeps the alert in view
    setting: Setting = "clinic"
    # A wrong reading of this answer would matter (a number to save, a "no" that dismisses a danger): a
    # voice front end waits for its free-form second reading and hands both over in one Heard.
    both_readings: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "listen",
            "step": self.step,
            "text": "",
            "expect": self.expect,
            "hold": self.hold,
            "setting": self.setting,
            "both_readings": self.both_readings,
            "timeout": self.timeout,
            "end_silence": self.end_silence,
            "max_seconds": self.max_seconds,
            "phrases": list(self.phrases),
            "listen_id": self.listen_id,
        }


@dataclass(frozen=True)
class SetRate:
    """Change the speaking rate (words per minute)."""

    rate_wpm: int
    step: str

    def to_json(self) -> dict[str, Any]:
        return {"type": "rate", "step": self.step, "text": "", "rate_wpm": self.rate_wpm}


@dataclass(frozen=True)
class Saved:
    """Something was durably written to the journal (only emitted after the write succeeded)."""

    kind: SavedKind
    record_id: int
    step: str
    text: str = ""
    value: int | None = None
    audio_path: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "saved",
            "step": self.step,
            "text": self.text,
            "kind": self.kind,
            "id": self.record_id,
            "value": self.value,
            "audio_path": self.audio_path,
        }


@dataclass(frozen=True)
class Alert:
    """A staff alert, already written to the journal. It stays open until acknowledged."""

    level: AlertLevel
    text: str
    alert_id: int
    step: str
    certainty: Certainty = "certain"
    concept: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "type": "alert",
            "step": self.step,
            "text": self.text,
            "level": self.level,
            "certainty": self.certainty,
            "concept": self.concept,
            "id": self.alert_id,
        }


@dataclass(frozen=True)
class Finish:
    status: FinishStatus
    step: str

    def to_json(self) -> dict[str, Any]:
        return {"type": "finish", "step": self.step, "text": "", "status": self.status}


Action = Say | Listen | SetRate | Saved | Alert | Finish
