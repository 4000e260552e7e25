"""The clinic kiosk: full screen, no way out without the staff PIN, a clean slate between patients.

Textual's own ways out are closed: the command palette is off, the inherited bindings (Ctrl+Q, Ctrl+C)
are replaced, and the quit/palette/screenshot/suspend actions are overridden. Between patients every
screen above the base is removed, the clipboard emptied and notifications cleared, so nothing of the
previous patient survives in the DOM. The idle lock is a UI timer; silence rules stay in the engine.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, work
from textual.binding import Binding, BindingType
from textual.driver import Driver

from ketavoice.content.model import Content
from ketavoice.errors import KetavoiceError
from ketavoice.journal.base import Actor, Journal
from ketavoice.terminal import safe_text
from ketavoice.tui.app import KetavoiceApp
from ketavoice.tui.escort_screen import EscortScreen
from ketavoice.tui.history_screen import HistoryScreen
from ketavoice.tui.kiosk_screens import (
    LockScreen,
    OpenAlertLine,
    PinPurpose,
    PinScreen,
    StaffScreen,
    WelcomeScreen,
)
from ketavoice.tui.pin import PinCheck, PinStore
from ketavoice.tui.session_screen import AcknowledgeRequested, SessionFinished
from ketavoice.tui.staff_ack import StaffAckScreen
from ketavoice.tui.voice import PerformerFactory
from ketavoice.tui.widgets import Notice

if TYPE_CHECKING:
    from ketavoice.clinic.outbox import PulledAck
    from ketavoice.clinic.replicator import SyncWorker

EXIT_STAFF = 0
EXIT_ERROR = 1
INPUT_DROPPED = "Some typing came too fast and was not taken. Please type your answer again."


def masked(patient_id: str) -> str:
    """A patient id as shown in small type on a patient-facing screen: only its last two characters."""
    return "patient …" + patient_id[-2:] if len(patient_id) > 2 else "patient …"


class KioskApp(KetavoiceApp, inherit_bindings=False):
    """Kiosk mode. Exit code 0 only after a staff PIN; the supervisor restarts anything else."""

    ENABLE_COMMAND_PALETTE = False
    KIOSK = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "request_exit", "Close (staff)", show=False, priority=True),
        Binding("ctrl+c", "blocked", show=False, priority=True),
        Binding("ctrl+x", "blocked", show=False, priority=True),
        Binding("ctrl+v", "blocked", show=False, priority=True),
        Binding("ctrl+p", "blocked", show=False, priority=True),
        Binding("ctrl+z", "blocked", show=False, priority=True),
        Binding("ctrl+s", "blocked", show=False, priority=True),
        Binding("f1", "show_help", "Keys", show=True),
        Binding("f2", "staff", "Staff", show=True),
        Binding("f5", "toggle_contrast", "Contrast", show=True),
        Binding("f6", "toggle_large", "Large", show=True),
    ]

    def __init__(
        self,
        content: Content,
        journal: Journal,
        *,
        home: Path,
        pin_store: PinStore,
        clock: Callable[[], float] = time.time,
        tick_seconds: float | None = 1.0,
        voice_factory: PerformerFactory | None = None,
        idle_lock_seconds: float = 600.0,
        end_reset_seconds: float = 30.0,
        staff_idle_seconds: float = 120.0,
        watch_seconds: float | None = 1.0,
        high_contrast: bool = False,
        large_text: bool = False,
        push_to_talk_key: str | None = None,
        sync: SyncWorker | None = None,
    ) -> None:
        super().__init__(content, journal, patient_id="", home=home, clock=clock, tick_seconds=tick_seconds,
                         voice_factory=voice_factory, high_contrast=high_contrast, large_text=large_text,
                         push_to_talk_key=push_to_talk_key, sync=sync, pin_store=pin_store)
        self.idle_lock_seconds = idle_lock_seconds
        self.end_reset_seconds = end_reset_seconds
        self.staff_idle_seconds = staff_idle_seconds
        self.watch_seconds = watch_seconds
        self.last_input = clock()
        self.finished_at: float | None = None
        self._pending_pin: PinPurpose | None = None

    def get_driver_class(self) -> type[Driver]:
        """On Linux, Textual's driver with a key-flood limiter (see `kiosk_driver`); Pilot tests run
        headless and do not use it."""
        import sys

        if sys.platform.startswith("linux"):
            from ketavoice.tui.kiosk_driver import KioskDriver

            return KioskDriver
        return super().get_driver_class()

    def after_mount(self) -> None:
        if self.watch_seconds is not None:
            self.set_interval(self.watch_seconds, self.check_kiosk_idle)

    def start_session(self, patient_id: str) -> None:
        """The kiosk starts with nobody's session: the welcome screen."""
        if patient_id:
            self.start_kiosk_session(patient_id)
        else:
            self.push_screen(WelcomeScreen())

    # ---- closed doors -----------------------------------------------------------------------------

    def action_blocked(self) -> None:
        """Ctrl+C and friends do nothing in the kiosk."""

    async def action_quit(self) -> None:
        self.action_request_exit()

    def action_help_quit(self) -> None:
        """Textual's 'press Ctrl+Q to quit' hint: nothing in the kiosk."""

    def action_command_palette(self) -> None:
        """No command palette in the kiosk."""

    def action_suspend_process(self) -> None:
        """No suspending the kiosk."""

    def action_screenshot(self, filename: str | None = None, path: str | None = None) -> None:
        """No screenshots from the kiosk keyboard."""

    def action_request_exit(self) -> None:
        self.ask_pin("exit")

    def on_input_dropped(self) -> None:
        """The driver dropped keys that came faster than any typing (`kiosk_driver.InputDropped`): say so,
        so a lost answer is typed again rather than waited for."""
        if self.session is not None and self.screen is self.session:
            self.session.query_one(Notice).show_error(INPUT_DROPPED)
        else:
            self.notify(INPUT_DROPPED, severity="warning", timeout=15)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.last_input = self.clock()
        await super().on_event(event)

    # ---- the PIN ----------------------------------------------------------------------------------

    def audit(self, kind: str, text: str, actor: Actor = "staff") -> None:
        """Write a staff action to the journal's audit trail; a failure is shown, never swallowed."""
        session_id = None
        if self.session is not None:
            session_id = getattr(self.session.engine, "session_id", None)
        try:
            self.journal.audit(session_id, actor, kind, text, self.clock())
        except KetavoiceError as error:
            self.notify(f"Audit trail not written: {error}", severity="error", timeout=30)

    def check_pin(self, pin: str) -> PinCheck:
        """Check a staff PIN (fail closed, see `KetavoiceApp.check_pin`) and audit the attempt."""
        try:
            check = self.pin_store.check(pin)
        except KetavoiceError as error:
            self.notify(safe_text(str(error)), severity="error", timeout=30)
            return PinCheck(ok=False)
        except OSError:  # PinStore keeps OSErrors in, but a kiosk must never fall over on a PIN
            self.notify("The staff PIN could not be checked (storage error).", severity="error", timeout=30)
            return PinCheck(ok=False)
        if not check.recorded:
            self.notify("PIN attempts cannot be recorded on disk (full or read-only); they are still "
                        "limited.", severity="error", timeout=30)
        if check.throttled:
            self.audit("pin_throttled", f"PIN attempt refused, {check.wait_text} left")
        elif not check.ok:
            self.audit("pin_failed", f"wrong staff PIN (failure {check.failures})")
        else:
            self.audit("pin_ok", f"staff PIN accepted for {self._pending_pin}")
        return check

    def ask_pin(self, purpose: PinPurpose, then: Callable[[], None] | None = None) -> None:
        if isinstance(self.screen, PinScreen | StaffAckScreen):
            return
        self._pending_pin = purpose

        def done(ok: bool | None) -> None:
            self._pending_pin = None
            if not ok:
                return
            if purpose == "exit":
                self.staff_exit()
            elif then is not None:
                then()
            else:
                self.open_staff_screen()

        self.push_screen(PinScreen(purpose), done)

    def action_staff(self) -> None:
        if isinstance(self.screen, StaffScreen | HistoryScreen | EscortScreen):
            return
        self.ask_pin("staff")

    # ---- staff ------------------------------------------------------------------------------------

    def open_alert_lines(self) -> list[OpenAlertLine]:
        """Every open alert (none left off), with the full patient id, room and time: staff only."""
        try:
            with_rooms = getattr(self.journal, "alerts_with_rooms", None)
            if with_rooms is not None:
                found = [(alert, str(room)) for alert, room in with_rooms(open_only=True)]
            else:
                found = [(alert, "") for alert in self.journal.open_alerts()]
        except KetavoiceError as error:
            self.notify(f"Could not read alerts: {error}", severity="error", timeout=30)
            return []
        return [OpenAlertLine(a.id, a.patient_id, a.level, a.text, room, a.created_at, a.certainty)
                for a, room in found]

    def open_staff_screen(self) -> None:
        active = self.session is not None and not self.session.finished
        self.push_screen(StaffScreen(self.open_alert_lines(), session_active=active))

    def start_kiosk_session(self, patient_id: str) -> None:
        self.audit("session_start", f"kiosk session started for patient {patient_id}")
        self._start_after_reset(patient_id)

    @work(exclusive=True, group="reset")
    async def _start_after_reset(self, patient_id: str) -> None:
        await self.reset_to_welcome(reason="new session", show_welcome=False)
        self.patient_id = patient_id
        self.session = self.new_session_screen(patient_id, masked(patient_id))
        self.finished_at = None
        self.last_input = self.clock()
        await self.push_screen(self.session)

    def show_history(self, patient_id: str) -> None:
        self.audit("history_view", f"history opened for patient {patient_id}")
        self.push_screen(HistoryScreen(self.journal, patient_id, self.export_folder, clock=self.clock))

    def show_escort(self, patient_id: str) -> None:
        self.audit("escort_summary", f"escort summary made for patient {patient_id}")
        self.push_screen(EscortScreen(self.content, self.journal, patient_id, self.export_folder,
                                      clock=self.clock))

    def acknowledge_alert(self, alert_id: int, staff: str) -> None:
        """Acknowledge `alert_id` as the named staff member (their PIN already checked)."""
        if self.session is not None:
            self.session.acknowledge(alert_id, staff=staff)  # through the engine, which audits it
            return
        try:
            self.journal.acknowledge_alert(alert_id, staff, self.clock())
        except KetavoiceError as error:
            self.notify(f"Alert not acknowledged: {error}", severity="error", timeout=30)
            return
        self.audit("acknowledge", f"alert {alert_id}")

    def acknowledge_one(self, alert_id: int, staff: str) -> None:
        """Staff confirmed one alert on the staff screen (already behind the PIN), with their name."""
        self.acknowledge_alert(alert_id, staff)
        if isinstance(self.screen, StaffScreen):
            self.screen.set_alerts(self.open_alert_lines())
            still_open = any(line.alert_id == alert_id for line in self.screen.alerts)
            self.screen.status(f"Alert #{alert_id} is still open." if still_open
                               else f"✓ Alert #{alert_id} acknowledged.")

    def remote_acknowledged(self, ack: PulledAck) -> None:
        """An alert was acknowledged at the station: refresh the staff list if it is open."""
        if isinstance(self.screen, StaffScreen):
            self.screen.set_alerts(self.open_alert_lines())

    def on_acknowledge_requested(self, message: AcknowledgeRequested) -> None:
        message.prevent_default()  # the console's handler must not run after this one
        if isinstance(self.screen, PinScreen):
            return
        alert_id = message.alert_id
        self._pending_pin = "acknowledge"

        def acknowledge(name: str) -> None:
            self._pending_pin = None
            self.acknowledge_alert(alert_id, name)

        self.ask_who_acknowledges(alert_id, acknowledge)

    def staff_exit(self) -> None:
        self.audit("kiosk_exit", "kiosk closed by staff")
        self.end_session()
        self.exit(EXIT_STAFF)

    # ---- resets -----------------------------------------------------------------------------------

    def request_reset(self, reason: str) -> None:
        self.audit("kiosk_reset", reason, actor="staff" if reason.startswith("staff") else "system")
        self._reset_worker(reason)

    @work(exclusive=True, group="reset")
    async def _reset_worker(self, reason: str, lock: bool = False) -> None:
        await self.reset_to_welcome(reason=reason, lock=lock)

    async def reset_to_welcome(self, *, reason: str, lock: bool = False, show_welcome: bool = True) -> None:
        """End any session (a draft is kept), drop every screen, empty the clipboard, show a clean slate."""
        self.end_session()
        self.session = None
        self.patient_id = ""
        self.finished_at = None
        while len(self.screen_stack) > 1:
            await self.pop_screen()
        self.copy_to_clipboard("")
        self.clear_notifications()
        self.last_input = self.clock()
        if show_welcome:
            alert_open = bool(self.open_alert_lines())
            await self.push_screen(LockScreen(alert_open) if lock else WelcomeScreen())

    def on_session_finished(self, message: SessionFinished) -> None:
        self.finished_at = self.clock()

    def check_kiosk_idle(self) -> None:
        """Idle lock, reset after the end of a session, and staff screens left open."""
        now = self.clock()
        session = self.session
        if isinstance(self.screen, PinScreen | StaffAckScreen):
            # A PIN prompt left open over a session must not keep the idle lock away.
            if now - self.last_input >= self.staff_idle_seconds:
                if isinstance(self.screen, PinScreen):
                    self.screen.dismiss(False)
                else:
                    self.screen.dismiss(None)
            return
        if session is not None and self.finished_at is not None:
            if now - self.finished_at >= self.end_reset_seconds:
                self.request_reset("session ended")
            return
        if session is not None and self.screen is session:
            quiet_since = max(session.last_activity, self.last_input)
            if now - quiet_since >= self.idle_lock_seconds:
                self.audit("idle_lock", "session locked after no answer", actor="system")
                self._reset_worker("idle lock", lock=True)
            return
        if isinstance(self.screen, StaffScreen | HistoryScreen | EscortScreen):
            if now - self.last_input >= self.staff_idle_seconds:
                self.request_reset("staff screen idle")
