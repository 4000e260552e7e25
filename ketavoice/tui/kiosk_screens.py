"""Kiosk screens: welcome, staff PIN, staff console, privacy lock.

None of them shows a patient's words; the staff console is only reached through the PIN. Full patient
ids appear only on staff screens (the patient's own screen shows the last two characters).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, OptionList, Static
from textual.widgets.option_list import Option

from ketavoice.tui.pin import PinCheck
from ketavoice.tui.staff_ack import MAX_STAFF_NAME, staff_name

PinPurpose = Literal["staff", "exit", "acknowledge"]
PURPOSE_TEXT: dict[PinPurpose, str] = {
    "staff": "Staff PIN to open the staff screen",
    "exit": "Staff PIN to close the kiosk",
    "acknowledge": "Staff PIN to acknowledge the alert",
}


class KioskControls(Protocol):
    """What the kiosk screens ask of the kiosk app."""

    def check_pin(self, pin: str) -> PinCheck: ...

    def start_kiosk_session(self, patient_id: str) -> None: ...

    def show_history(self, patient_id: str) -> None: ...

    def show_escort(self, patient_id: str) -> None: ...

    def acknowledge_one(self, alert_id: int, staff: str) -> None: ...

    def request_reset(self, reason: str) -> None: ...

    def staff_exit(self) -> None: ...


def controls(screen: Screen[Any]) -> KioskControls:
    return cast(KioskControls, screen.app)


class WelcomeScreen(Screen[None]):
    """Shown between patients: nothing about anyone."""

    BINDINGS = [Binding("f2", "app.staff", "Staff", show=True)]

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static("Welcome.", classes="panel-title", id="welcome-title")
            yield Static("A member of staff will start your session.\n\n"
                         "If you feel unwell, please tell a member of staff now.", id="welcome-text")
        yield Footer()


class LockScreen(Screen[None]):
    """Privacy lock after an idle session. An open alert is announced without any detail."""

    BINDINGS = [Binding("f2", "app.staff", "Staff", show=True)]

    def __init__(self, alert_open: bool) -> None:
        super().__init__()
        self.alert_open = alert_open

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static("This screen is locked for privacy.", classes="panel-title")
            yield Static("A member of staff will be with you shortly.", id="lock-text")
            if self.alert_open:
                yield Static("⚠ ALERT: a patient needs staff now. Staff: press F2.", id="lock-alert")
        yield Footer()


class PinScreen(ModalScreen[bool]):
    """Asks for the staff PIN. The app checks it (throttled) and answers through `show_result`."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=True)]

    def __init__(self, purpose: PinPurpose) -> None:
        super().__init__()
        self.purpose: PinPurpose = purpose

    def compose(self) -> ComposeResult:
        with Vertical(id="pin-dialog"):
            yield Static(PURPOSE_TEXT[self.purpose], classes="panel-title")
            yield Input(password=True, max_length=12, restrict=r"[0-9]*", id="pin-input",
                        placeholder="PIN, then Enter")
            yield Static("", id="pin-status")

    def on_mount(self) -> None:
        self.query_one("#pin-input", Input).focus()

    @on(Input.Submitted, "#pin-input")
    def _submitted(self, event: Input.Submitted) -> None:
        pin = event.value
        event.input.clear()
        check = controls(self).check_pin(pin)
        self.show_result(check)

    def show_result(self, check: PinCheck) -> None:
        status = self.query_one("#pin-status", Static)
        if check.ok:
            self.dismiss(True)
        elif check.throttled:
            status.update(f"⏳ Too many wrong PINs. Try again in {check.wait_text}.")
        else:
            status.update("✗ Wrong PIN.")

    def action_cancel(self) -> None:
        self.dismiss(False)


@dataclass(frozen=True)
class OpenAlertLine:
    """One open alert as staff see it: whose, where, when, how sure."""

    alert_id: int
    patient_id: str
    level: str
    text: str
    room: str = ""
    created_at: float | None = None
    certainty: str = "certain"

    def describe(self) -> str:
        when = datetime.fromtimestamp(self.created_at).strftime("%H:%M") if self.created_at else "--:--"
        room = f"room {self.room}, " if self.room else ""
        return (f"#{self.alert_id} {when} {self.level.upper()} ({self.certainty}) — {room}"
                f"patient {self.patient_id}: {self.text}")


class ConfirmAckScreen(ModalScreen[str | None]):
    """'Acknowledge this alert?' with the alert spelled out and the staff member's name; nothing happens
    without a name and a yes. Dismissed with the name."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=True)]

    def __init__(self, line: OpenAlertLine) -> None:
        super().__init__()
        self.line = line

    def compose(self) -> ComposeResult:
        with Vertical(id="pin-dialog"):
            yield Static("Acknowledge this alert?", classes="panel-title")
            yield Static(self.line.describe(), id="confirm-text", markup=False)
            yield Input(placeholder="Your name", id="confirm-name", max_length=MAX_STAFF_NAME)
            yield Static("", id="confirm-status", markup=False)
            with Horizontal(classes="row"):
                yield Button("Yes, acknowledge", id="confirm-yes", compact=True, variant="warning")
                yield Button("Cancel", id="confirm-no", compact=True)

    def on_mount(self) -> None:
        self.query_one("#confirm-name", Input).focus()

    @on(Input.Submitted, "#confirm-name")
    @on(Button.Pressed, "#confirm-yes")
    def _yes(self) -> None:
        name = staff_name(self.query_one("#confirm-name", Input).value)
        if name is None:
            self.query_one("#confirm-status", Static).update("Type your name first.")
            self.query_one("#confirm-name", Input).focus()
            return
        self.dismiss(name)

    @on(Button.Pressed, "#confirm-no")
    def action_cancel(self) -> None:
        self.dismiss(None)


class StaffScreen(Screen[None]):
    """Start a session, look at a patient's history, acknowledge alerts, lock, or close the kiosk."""

    BINDINGS = [Binding("escape", "back", "Back", show=True)]

    def __init__(self, alerts: Sequence[OpenAlertLine], session_active: bool) -> None:
        super().__init__()
        self.alerts = list(alerts)
        self.session_active = session_active

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static("Staff", classes="panel-title")
            yield Input(placeholder="Patient id", id="patient-id", max_length=64)
            with Horizontal(classes="row"):
                yield Button("Start session", id="start", compact=True)
                yield Button("History", id="history", compact=True)
                yield Button("Escort summary", id="escort", compact=True)
            with Horizontal(classes="row"):
                if self.session_active:
                    yield Button("Back to session", id="resume", compact=True)
                yield Button("Acknowledge selected alert", id="ack", compact=True)
                yield Button("Lock", id="lock", compact=True)
                yield Button("Close kiosk", id="exit", compact=True)
            yield Static(self._alert_caption(), id="staff-alerts-caption", markup=False)
            yield OptionList(*self._alert_options(), id="staff-alerts")
            yield Static("", id="staff-status", markup=False)
        yield Footer(compact=True)  # every binding fits in 80 columns

    def _alert_caption(self) -> str:
        if not self.alerts:
            return "No open alerts."
        return f"⚠ {len(self.alerts)} open alert(s), newest first (choose one, then Acknowledge):"

    def _alert_options(self) -> list[Option]:
        newest_first = sorted(self.alerts, key=lambda a: (a.created_at or 0.0, a.alert_id), reverse=True)
        return [Option(Text(line.describe()), id=str(line.alert_id)) for line in newest_first]

    def selected_alert(self) -> OpenAlertLine | None:
        options = self.query_one("#staff-alerts", OptionList)
        if options.highlighted is None or not self.alerts:
            return None
        option_id = options.get_option_at_index(options.highlighted).id
        return next((a for a in self.alerts if str(a.alert_id) == option_id), None)

    def on_mount(self) -> None:
        self.query_one("#patient-id", Input).focus()

    def set_alerts(self, alerts: Sequence[OpenAlertLine]) -> None:
        self.alerts = list(alerts)
        self.query_one("#staff-alerts-caption", Static).update(self._alert_caption())
        options = self.query_one("#staff-alerts", OptionList)
        options.clear_options()
        options.add_options(self._alert_options())
        if self.alerts:
            options.highlighted = 0

    def status(self, text: str) -> None:
        self.query_one("#staff-status", Static).update(text)

    def patient_id(self) -> str | None:
        value = self.query_one("#patient-id", Input).value.strip()
        if not value:
            self.status("Type a patient id first.")
            return None
        return value

    @on(Input.Submitted, "#patient-id")
    def _submitted(self) -> None:
        self._start()

    @on(Button.Pressed, "#start")
    def _start(self) -> None:
        patient_id = self.patient_id()
        if patient_id is not None:
            controls(self).start_kiosk_session(patient_id)

    @on(Button.Pressed, "#history")
    def _history(self) -> None:
        patient_id = self.patient_id()
        if patient_id is not None:
            controls(self).show_history(patient_id)

    @on(Button.Pressed, "#escort")
    def _escort(self) -> None:
        patient_id = self.patient_id()
        if patient_id is not None:
            controls(self).show_escort(patient_id)

    @on(Button.Pressed, "#ack")
    def _ack(self) -> None:
        line = self.selected_alert()
        if line is None:
            self.status("No open alert is selected." if self.alerts else "No open alerts.")
            return

        def done(name: str | None) -> None:
            if name:
                controls(self).acknowledge_one(line.alert_id, name)
            else:
                self.status("Not acknowledged.")

        self.app.push_screen(ConfirmAckScreen(line), done)

    @on(Button.Pressed, "#lock")
    def _lock(self) -> None:
        controls(self).request_reset("staff lock")

    @on(Button.Pressed, "#exit")
    def _exit(self) -> None:
        controls(self).staff_exit()

    @on(Button.Pressed, "#resume")
    def _resume(self) -> None:
        self.action_back()

    def action_back(self) -> None:
        if self.session_active:
            self.dismiss(None)
        else:
            controls(self).request_reset("staff back")
