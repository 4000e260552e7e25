"""Kiosk screens: welcome, staff PIN, staff console, privacy lock.

None of them shows a patient's words; the staff console is only reached through the PIN. Patient ids
appear only in small type and only on staff screens.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol, cast

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Footer, Input, Static

from ketavoice.tui.pin import PinCheck

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

    def acknowledge_all(self) -> None: ...

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
            status.update(f"⏳ Too many wrong PINs. Try again in {int(check.wait_seconds + 0.999)} s.")
        else:
            status.update("✗ Wrong PIN.")

    def action_cancel(self) -> None:
        self.dismiss(False)


@dataclass(frozen=True)
class OpenAlertLine:
    alert_id: int
    patient_label: str
    level: str
    text: str


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
                yield Button("Acknowledge alerts", id="ack", compact=True)
                yield Button("Lock", id="lock", compact=True)
                yield Button("Close kiosk", id="exit", compact=True)
            yield Static(self._alert_text(), id="staff-alerts", classes="small", markup=False)
            yield Static("", id="staff-status", markup=False)
        yield Footer()

    def _alert_text(self) -> str:
        if not self.alerts:
            return "No open alerts."
        lines = [f"⚠ {len(self.alerts)} open alert(s):"]
        lines += [f"  {a.level.upper()} ({a.patient_label}): {a.text}" for a in self.alerts[:5]]
        return "\n".join(lines)

    def on_mount(self) -> None:
        self.query_one("#patient-id", Input).focus()

    def set_alerts(self, alerts: Sequence[OpenAlertLine]) -> None:
        self.alerts = list(alerts)
        self.query_one("#staff-alerts", Static).update(self._alert_text())

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
        controls(self).acknowledge_all()

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
