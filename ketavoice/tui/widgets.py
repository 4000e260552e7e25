"""The session screen's widgets: status line, alert banner, prompt, transcript, answer keys, notices.

They only display what they are given; the session screen decides what that is from engine actions.
Meaning is never carried by colour alone: every state has a word and a symbol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Button, Static

VoiceState = Literal["listening", "speaking", "idle", "off", "failed"]
_LEVEL_BARS = " ▁▂▃▄▅▆▇█"

STATE_LABELS: dict[VoiceState, str] = {
    "listening": "● LISTENING",
    "speaking": "◆ SPEAKING",
    "idle": "○ IDLE",
    "off": "⌨ KEYBOARD",
    "failed": "✗ VOICE OFF",
}


def level_meter(level: float, width: int = 8) -> str:
    """A text meter for a 0..1 microphone level, e.g. `mic [████    ]`."""
    clamped = max(0.0, min(1.0, level))
    full = int(round(clamped * width))
    return "mic [" + "█" * full + " " * (width - full) + "]"


class StatusLine(Static):
    """One line: voice state word + symbol, mic level when listening, and a short patient label."""

    def __init__(self, patient_label: str, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.patient_label = patient_label
        self.voice_state: VoiceState = "off"
        self.level = 0.0
        self.extra = ""
        self.clinic = ""
        self._refresh_text()

    def set_clinic(self, text: str) -> None:
        """The clinic link's state ("" when fine or not configured)."""
        if text != self.clinic:
            self.clinic = text
            self._refresh_text()

    def set_state(self, state: VoiceState, level: float = 0.0) -> None:
        self.voice_state = state
        self.level = level
        self._refresh_text()

    def set_extra(self, extra: str) -> None:
        self.extra = extra
        self._refresh_text()

    def _refresh_text(self) -> None:
        parts = [STATE_LABELS[self.voice_state]]
        if self.voice_state == "listening":
            parts.append(level_meter(self.level))
        if self.extra:
            parts.append(self.extra)
        if self.clinic:
            parts.append(self.clinic)
        parts.append(self.patient_label)
        self.update("  ".join(parts))
        self.set_class(self.voice_state == "listening", "-listening")
        self.set_class(self.voice_state == "speaking", "-speaking")


@dataclass(frozen=True)
class BannerAlert:
    alert_id: int
    level: str
    text: str
    certainty: str = "certain"

    @property
    def shown(self) -> bool:
        """Only a certain alert is a banner on the patient's screen; a possible one is being checked
        with the patient (the check question is the calm line they see) and staff have it already."""
        return self.certainty != "possible"


class AlertBanner(Static):
    """A persistent banner for open staff alerts; stays until staff acknowledge every one of them.

    Every open alert is kept (F7 and the station can acknowledge it), but only certain ones are shown:
    a possible flag must not put a large staff banner in front of a patient who is being asked about it.
    """

    def __init__(self, ack_hint: str, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.ack_hint = ack_hint
        self.alerts: list[BannerAlert] = []
        self.display = False

    def add(self, alert: BannerAlert) -> None:
        if all(existing.alert_id != alert.alert_id for existing in self.alerts):
            self.alerts.append(alert)
        self._refresh_text()

    def resolve(self, alert_id: int) -> None:
        self.alerts = [alert for alert in self.alerts if alert.alert_id != alert_id]
        self._refresh_text()

    def clear(self) -> None:
        self.alerts = []
        self._refresh_text()

    def newest(self) -> BannerAlert | None:
        """The alert F7 acknowledges: the newest one shown, else the newest being checked."""
        candidates = [alert for alert in self.alerts if alert.shown] or self.alerts
        return candidates[-1] if candidates else None

    def _refresh_text(self) -> None:
        shown = [alert for alert in self.alerts if alert.shown]
        self.display = bool(shown)
        if not shown:
            self.update("")
            return
        latest = shown[-1]
        more = f" (+{len(shown) - 1} more)" if len(shown) > 1 else ""
        self.update(f"⚠ ALERT {latest.level.upper()}{more}: {latest.text}\n{self.ack_hint}")


class PromptView(Static):
    """What the assistant just said, in large, calm type. Never parsed as markup."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(text, id=id, markup=False)


class Transcript(VerticalScroll):
    """The conversation so far, one line per utterance, newest at the bottom."""

    MAX_LINES = 200

    def add_line(self, speaker: str, text: str, *, urgent: bool = False) -> None:
        line = Static(f"{speaker}: {text}", classes="transcript-line", markup=False)
        if urgent:
            line.add_class("-urgent")
        self.mount(line)
        lines = self.query(".transcript-line")
        for old in list(lines)[: max(0, len(lines) - self.MAX_LINES)]:
            old.remove()
        self.scroll_end(animate=False)

    def clear_lines(self) -> None:
        self.remove_children()


@dataclass(frozen=True)
class AnswerKey:
    """One answer key: `key` is what is pressed, `label` what it means; `typed` sends text instead."""

    key: str
    label: str
    typed: str | None = None


class AnswerButton(Button):
    """A button that carries its answer."""

    def __init__(self, answer: AnswerKey) -> None:
        caption = " ".join(part for part in (answer.key, answer.label) if part)
        super().__init__(Text(caption), classes="answer-key", compact=True)
        self.answer = answer


class AnswerKeys(Horizontal):
    """A row of answer buttons matching the step; each press is posted as `AnswerKeys.Chosen`."""

    class Chosen(Message):
        def __init__(self, answer: AnswerKey) -> None:
            super().__init__()
            self.answer = answer

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.answers: tuple[AnswerKey, ...] = ()

    def set_answers(self, answers: Sequence[AnswerKey]) -> None:
        if tuple(answers) == self.answers:
            return
        self.answers = tuple(answers)
        self.remove_children()
        self.mount_all(AnswerButton(answer) for answer in self.answers)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if isinstance(event.button, AnswerButton):
            event.stop()
            self.post_message(self.Chosen(event.button.answer))


class Notice(Static):
    """A calm one-line confirmation ("✓ Saved") or a visible error ("✗ ..."); never a toast."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(text, id=id, markup=False)

    def show_ok(self, text: str) -> None:
        self.remove_class("-error")
        self.update(f"✓ {text}")

    def show_error(self, text: str) -> None:
        self.add_class("-error")
        self.update(f"✗ {text}")

    def clear_hint(self) -> None:
        """Clear a calm hint or confirmation; an error stays until something replaces it."""
        if not self.has_class("-error"):
            self.update("")

    def show_info(self, text: str) -> None:
        self.remove_class("-error")
        self.update(text)
