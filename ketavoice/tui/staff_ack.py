"""Who ends an alert: the acknowledgement dialog of the console and the kiosk.

An acknowledgement ends a clinic hold, so it is never anonymous: the person's name is always asked and
recorded ("acknowledged by NAME"), and in the clinic (a kiosk, or a console with a clinic store) the staff
PIN is checked here too, through the app's throttled check, before the dialog gives the name back.
Nothing happens on Cancel or Esc.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from ketavoice.tui.pin import MAX_PIN_LENGTH, PinCheck

MAX_STAFF_NAME = 60


def staff_name(typed: str) -> str | None:
    """The name as recorded (spaces collapsed), or None when it is empty or holds control characters."""
    name = " ".join(typed.split())
    return name if name and name.isprintable() else None


class StaffAckScreen(ModalScreen[str | None]):
    """Name (and, with `check_pin`, the staff PIN) to acknowledge one alert; dismissed with the name."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=True)]

    def __init__(self, summary: str, check_pin: Callable[[str], PinCheck] | None) -> None:
        super().__init__()
        self.summary = summary
        self.check_pin = check_pin

    @property
    def needs_pin(self) -> bool:
        return self.check_pin is not None

    def compose(self) -> ComposeResult:
        with Vertical(id="pin-dialog"):
            title = "Staff: name and PIN to acknowledge" if self.needs_pin else "Your name to acknowledge"
            yield Static(title, classes="panel-title")
            yield Static(self.summary, id="ack-summary", markup=False)
            yield Input(placeholder="Your name", id="ack-name", max_length=MAX_STAFF_NAME)
            if self.needs_pin:
                yield Input(password=True, max_length=MAX_PIN_LENGTH, restrict=r"[0-9]*", id="ack-pin",
                            placeholder="Staff PIN, then Enter")
            yield Static("", id="ack-status", markup=False)
            with Horizontal(classes="row"):
                yield Button("Acknowledge", id="ack-confirm", compact=True, variant="warning")
                yield Button("Cancel", id="ack-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#ack-name", Input).focus()

    @on(Input.Submitted, "#ack-name")
    def _name_done(self) -> None:
        if self.needs_pin:
            self.query_one("#ack-pin", Input).focus()
        else:
            self._confirm()

    @on(Input.Submitted, "#ack-pin")
    @on(Button.Pressed, "#ack-confirm")
    def _confirm(self) -> None:
        name = staff_name(self.query_one("#ack-name", Input).value)
        if name is None:
            self.status("Type your name first.")
            self.query_one("#ack-name", Input).focus()
            return
        if self.check_pin is None:
            self.dismiss(name)
            return
        pin_input = self.query_one("#ack-pin", Input)
        pin = pin_input.value
        pin_input.clear()
        if not pin:
            self.status("Type the staff PIN.")
            pin_input.focus()
            return
        check = self.check_pin(pin)
        if check.ok:
            self.dismiss(name)
        elif check.throttled:
            self.status(f"⏳ Too many wrong PINs. Try again in {int(check.wait_seconds + 0.999)} s.")
        else:
            self.status("✗ Wrong PIN: the alert was not acknowledged.")
            pin_input.focus()

    @on(Button.Pressed, "#ack-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def status(self, text: str) -> None:
        self.query_one("#ack-status", Static).update(text)
