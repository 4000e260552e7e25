"""What an utterance means: the contract types shared by understanding, the engine and the commands.

Understanding produces these and the engine consumes them; both import this module and neither imports
the other's internals, so there is no import cycle between the layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Expect = Literal["yes_no", "number", "note", "any"]
FlagLevel = Literal["emergency", "crisis"]
Certainty = Literal["certain", "possible"]
# Why a red-flag match is only possible, or why it was set aside (for the audit trail and tests).
FlagContext = Literal[
    "plain",
    "negated",
    "other_person",
    "past",
    "hypothetical",
    "idiom",
    "uncertain",
    "misheard",
    "vague",
    "low_confidence", "ideation",
]
# Whose danger it is: the patient's own, or that of the person the companion beside them speaks about.
FlagSubject = Literal["patient", "companion"]


@dataclass(frozen=True)
class Flag:
    """A red flag found in an utterance. `concept` names what was recognised, in words ("chest pain").

    `check` is the named question asked when the flag is only possible ("Just to be safe: ...").
    """

    level: FlagLevel
    certainty: Certainty
    concept: str
    concept_id: str = ""
    check: str = ""
    context: FlagContext = "plain"
    subject: FlagSubject = "patient"

    def to_json(self) -> dict[str, Any]:
        return {"level": self.level, "certainty": self.certainty, "concept": self.concept}

    def as_possible(self, context: FlagContext) -> Flag:
        return Flag(self.level, "possible", self.concept, self.concept_id, self.check, context, self.subject)

    def as_certain(self) -> Flag:
        """The same danger taken as real: confirmed, or left unanswered when asked about."""
        return Flag(self.level, "certain", self.concept, self.concept_id, self.check, subject=self.subject)


@dataclass(frozen=True)
class Understood:
    """What an utterance means. `value` is the rating for `number`, the choice id for `choice`, the mood
    direction ("low", "middle", "high") for `mood`.

    `intent` is `emergency` or `crisis` exactly when `flag` is certain. `flags` holds every red flag found
    (most urgent first); `flag` is the first of them.
    """

    text: str
    intent: str
    value: int | str | None = None
    flags: tuple[Flag, ...] = ()

    @property
    def flag(self) -> Flag | None:
        return self.flags[0] if self.flags else None

    @property
    def certain_flags(self) -> tuple[Flag, ...]:
        return tuple(flag for flag in self.flags if flag.certainty == "certain")

    @property
    def red_flag(self) -> bool:
        """True when a certain red flag was found (the full flow runs)."""
        return bool(self.certain_flags)

    def to_json(self) -> dict[str, Any]:
        flag = self.flag
        out: dict[str, Any] = {
            "text": self.text,
            "intent": self.intent,
            "value": self.value,
            "flag": flag.to_json() if flag is not None else None,
        }
        if self.intent == "question":
            out["topic"] = self.value  # the approved answer's id, or None: saved for the care team
        return out
