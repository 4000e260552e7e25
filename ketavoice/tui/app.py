"""The caregiver console: `ketavoice` (and `ketavoice --voice`).

One session screen per patient, driven by the one engine; F2 mood history, F3 escort summary, F5 high
contrast, F6 large text. The kiosk (`kiosk_app.KioskApp`) builds on this class and locks it down.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import Screen
from textual.theme import Theme
from textual.widgets import Footer, Static

from ketavoice.content.model import Content
from ketavoice.engine.engine import Engine
from ketavoice.errors import KetavoiceError
from ketavoice.journal.base import Journal
from ketavoice.terminal import safe_line, safe_text
from ketavoice.tui.clinic_sync import ClinicSyncMixin
from ketavoice.tui.escort_screen import EscortScreen
from ketavoice.tui.history_screen import HistoryScreen
from ketavoice.tui.pin import PinCheck, PinStore
from ketavoice.tui.plain import PlainNotifyApp
from ketavoice.tui.session_screen import AcknowledgeRequested, SessionScreen
from ketavoice.tui.staff_ack import StaffAckScreen
from ketavoice.tui.voice import PerformerFactory, VoiceBridge
from ketavoice.tui.widgets import BannerAlert

if TYPE_CHECKING:
    from ketavoice.clinic.replicator import SyncWorker

HIGH_CONTRAST = Theme(
    name="ketavoice-high-contrast",
    primary="#FFFF00",
    secondary="#00FFFF",
    accent="#00FFFF",
    warning="#FFFF00",
    error="#FF4040",
    success="#00FF00",
    foreground="#FFFFFF",
    background="#000000",
    surface="#000000",
    panel="#202020",
    dark=True,
)
CALM = Theme(
    name="ketavoice-calm",
    primary="#7FA7C9",
    secondary="#9DB89A",
    accent="#C9B37F",
    warning="#E0B050",
    error="#E06060",
    success="#80C080",
    foreground="#E8E8E8",
    background="#1C2329",
    surface="#232C33",
    panel="#2C3740",
    dark=True,
)

HELP_TEXT = """Keys

Typing box (focused at the start): type an answer and press Enter.
  A single answer key typed alone (y, n, 7 ...) counts as that key.
Esc: move between the typing box and the answer keys; there, y / n / 0-9 /
  r (repeat) / h (help) / s (slower) work with one press. Tab also moves.
F7: acknowledge the banner's alert (your name; in a clinic, the PIN).
F2: mood history and export.   F3: escort summary for the driver.
F5: high-contrast colours.     F6: large-text layout.
Ctrl+Q: quit (an unconfirmed note is kept as a draft).

Press Esc to go back."""


KIOSK_HELP_TEXT = """Keys

Type an answer and press Enter. A single answer key typed alone (y, n, 7 ...)
  counts as that key.
Esc: move between the typing box and the answer keys; there, y / n / 0-9 /
  r (repeat) / h (help) / s (slower) work with one press. Tab also moves.
F5: high-contrast colours.     F6: large-text layout.
Staff: F2 (PIN) staff screen; F7 (name + PIN) acknowledges an alert.

Press Esc to go back."""

MAX_PASTE_CHARS = 2000  # longer pastes are cut: no answer is that long, and size must not stall the UI


class HelpScreen(Screen[None]):
    BINDINGS = [Binding("escape", "close", "Back", show=True)]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="panel"):
            yield Static(self.text, id="help-text", markup=False)
        yield Footer(compact=True, show_command_palette=False)  # every binding fits in 80 columns

    def action_close(self) -> None:
        self.dismiss(None)


class KetavoiceApp(ClinicSyncMixin, PlainNotifyApp[int]):
    """The caregiver console for one patient."""

    CSS_PATH = "ketavoice.tcss"
    TITLE = "ketavoice"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=True, priority=True),
        Binding("f1", "show_help", "Keys", show=True),
        Binding("f2", "history", "History", show=True),
        Binding("f3", "escort", "Escort", show=True),
        Binding("f5", "toggle_contrast", "Contrast", show=True),
        Binding("f6", "toggle_large", "Large", show=True),
    ]
    KIOSK = False

    def __init__(
        self,
        content: Content,
        journal: Journal,
        *,
        patient_id: str,
        home: Path,
        clock: Callable[[], float] = time.time,
        tick_seconds: float | None = 1.0,
        voice_factory: PerformerFactory | None = None,
        dialogue: str | None = None,
        high_contrast: bool = False,
        large_text: bool = False,
        push_to_talk_key: str | None = None,
        sync: SyncWorker | None = None,
        pin_store: PinStore | None = None,
    ) -> None:
        super().__init__()
        self.sync = sync
        self.pin_store = pin_store if pin_store is not None else PinStore(home)
        self.content = content
        self.journal = journal
        self.patient_id = patient_id
        self.home = home
        self.clock = clock
        self.tick_seconds = tick_seconds
        self.voice_factory = voice_factory
        self.dialogue_name = dialogue
        self.push_to_talk_key = push_to_talk_key
        self._start_contrast = high_contrast
        self._start_large = large_text
        self.session: SessionScreen | None = None

    @property
    def export_folder(self) -> Path:
        return self.home / "exports"

    def on_mount(self) -> None:
        self.register_theme(CALM)
        self.register_theme(HIGH_CONTRAST)
        self.theme = HIGH_CONTRAST.name if self._start_contrast else CALM.name
        self.set_class(self._start_large, "-large")
        self.start_session(self.patient_id)
        if self.start_sync():
            self.set_interval(1.0, self.show_sync_state)
        self.after_mount()

    def after_mount(self) -> None:
        """Hook for subclasses (Textual calls every class's `on_mount`, so they must not define one)."""

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Paste):
            # A paste is cut before anything looks at it, then cleaned: a megabyte of escapes and emoji
            # costs the same bounded time as a short one, and no control character reaches a widget.
            event.text = safe_text(event.text[: MAX_PASTE_CHARS * 4])[:MAX_PASTE_CHARS]
        await super().on_event(event)

    # ---- sessions ---------------------------------------------------------------------------------

    def new_session_screen(self, patient_id: str, patient_label: str) -> SessionScreen:
        engine = Engine(self.content, self.journal, patient_id=patient_id, dialogue=self.dialogue_name,
                        clock=self.clock, kiosk=self.KIOSK, reach=self.initial_reach(),
                        spoken=self.voice_factory is not None)
        voice = VoiceBridge(self.voice_factory) if self.voice_factory is not None else None
        return SessionScreen(
            engine, self.content, patient_label=patient_label, clock=self.clock,
            tick_seconds=self.tick_seconds, voice=voice, open_alerts=self._open_alerts(patient_id),
            push_to_talk_key=self.push_to_talk_key,
        )

    def _open_alerts(self, patient_id: str) -> list[BannerAlert]:
        try:
            return [BannerAlert(a.id, a.level, a.text, a.certainty)
                    for a in self.journal.open_alerts(patient_id)]
        except KetavoiceError:
            return []

    def start_session(self, patient_id: str) -> None:
        self.patient_id = patient_id
        self.session = self.new_session_screen(patient_id, f"patient {patient_id}")
        self.push_screen(self.session)

    def end_session(self) -> None:
        """Close the running session the way the engine expects (an unconfirmed note becomes a draft)."""
        if self.session is not None:
            self.session.end()

    def on_acknowledge_requested(self, message: AcknowledgeRequested) -> None:
        # A named handler (not @on) so the kiosk's override replaces it instead of running beside it.
        session = self.session
        if session is None:
            return
        alert_id = message.alert_id
        self.ask_who_acknowledges(alert_id, lambda name: session.acknowledge(alert_id, staff=name))

    # ---- who acknowledges -------------------------------------------------------------------------

    @property
    def in_clinic(self) -> bool:
        """A kiosk, or a console with a clinic store: staff end alerts there, behind the staff PIN."""
        return self.KIOSK or self.sync is not None

    def check_pin(self, pin: str) -> PinCheck:
        """Check the staff PIN; any failure to check it is a refusal (fail closed), never a crash."""
        try:
            return self.pin_store.check(pin)
        except KetavoiceError as error:
            self.notify(safe_text(str(error)), severity="error", timeout=30)
        except OSError:
            self.notify("The staff PIN could not be checked (storage error).", severity="error", timeout=30)
        return PinCheck(ok=False)

    def ask_who_acknowledges(self, alert_id: int, then: Callable[[str], None]) -> None:
        """Ask for the name of whoever acknowledges `alert_id` (and, in the clinic, the staff PIN), then
        call `then(name)`; Cancel does nothing. An acknowledgement ends a hold, so it is never anonymous."""
        if isinstance(self.screen, StaffAckScreen):
            return
        check = None
        if self.in_clinic:
            if not self.pin_store.is_set():
                self.notify("No staff PIN is set on this device (`ketavoice kiosk set-pin`): the alert stays "
                            "open.", severity="error", timeout=30)
                return
            check = self.check_pin

        def done(name: str | None) -> None:
            if name:
                then(name)

        self.push_screen(StaffAckScreen(self.alert_summary(alert_id), check), done)

    def alert_summary(self, alert_id: int) -> str:
        """One line naming the alert being acknowledged, as the banner shows it."""
        shown = self.session.banner_alert(alert_id) if self.session is not None else None
        if shown is None:
            return f"Alert #{alert_id}"
        return safe_line(f"Alert #{alert_id} {shown.level.upper()}: {shown.text}", 200)

    # ---- actions ----------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        self.end_session()
        self.exit(0)

    def action_show_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(KIOSK_HELP_TEXT if self.KIOSK else HELP_TEXT))

    def action_history(self) -> None:
        if not isinstance(self.screen, HistoryScreen):
            self.push_screen(
                HistoryScreen(self.journal, self.patient_id, self.export_folder, clock=self.clock)
            )

    def action_escort(self) -> None:
        if not isinstance(self.screen, EscortScreen):
            self.push_screen(EscortScreen(self.content, self.journal, self.patient_id, self.export_folder,
                                          clock=self.clock))

    def action_toggle_contrast(self) -> None:
        self.theme = CALM.name if self.theme == HIGH_CONTRAST.name else HIGH_CONTRAST.name

    def action_toggle_large(self) -> None:
        self.set_class(not self.has_class("-large"), "-large")
