"""`ketavoice station`: the nurse station's view of every room, live from the clinic store.

A thread listens (LISTEN/NOTIFY) and posts snapshots; the app only renders them. New alerts ring the
terminal bell and flash a notice. Every outside string is shown through `clean` (the one sanitiser,
`terminal.safe_text`) as plain `Text`, and toasts are never markup (`PlainNotifyApp`). Staff acknowledge
one alert at a time: name + staff PIN, then a confirmation; the store's trigger audits it and the room's
device clears its banner at its next sync.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Footer, Input, Static

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.listener import StationFeed, StationSnapshot
from ketavoice.clinic.liveness import HEARTBEAT_S, ROOM_UNSEEN_AFTER_S, STATION_STALE_AFTER_S
from ketavoice.clinic.pgstore import ClinicAlert, ClinicStore
from ketavoice.errors import KetavoiceError
from ketavoice.terminal import safe_line
from ketavoice.tui.pin import PinStore
from ketavoice.tui.plain import PlainNotifyApp

MAX_STAFF_NAME = 60
RECONNECT_S = (0.5, 1.0, 2.0, 5.0)


def clean(text: str | None, limit: int = 80) -> str:
    """Outside text (patient ids and words, rooms, alert texts, errors) for a terminal cell: through the
    one sanitiser, `terminal.safe_text` (whole escape sequences and controls out), one line, bounded.
    Widgets get it as `rich.text.Text` and toasts go through `PlainNotifyApp`, so it is never markup."""
    return safe_line(text, limit)


def clock_time(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%H:%M:%S")


class SnapshotReady(Message):
    def __init__(self, snapshot: StationSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class FeedProblem(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class AckScreen(ModalScreen[tuple[str, str] | None]):
    """One alert, the staff member's name and PIN, then Confirm or Cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", show=True)]

    def __init__(self, alert: ClinicAlert) -> None:
        super().__init__()
        self.alert = alert

    def compose(self) -> ComposeResult:
        alert = self.alert
        with Vertical(id="ack-box"):
            yield Static(Text(
                f"Acknowledge alert #{alert.id}\n"
                f"Room {clean(alert.room) or '-'} · patient {clean(alert.patient)} · "
                f"{clean(alert.level).upper()} ({clean(alert.certainty)}) at {clock_time(alert.created_at)}\n"
                f"“{clean(alert.words, 200)}”\n{clean(alert.text, 200)}"
            ), id="ack-text")
            yield Input(placeholder="Your name", id="ack-name", max_length=MAX_STAFF_NAME)
            yield Input(placeholder="Staff PIN", id="ack-pin", password=True, max_length=12)
            yield Static("", id="ack-error")
            with Horizontal(id="ack-buttons"):
                yield Button("Confirm acknowledgement", id="ack-confirm", variant="warning")
                yield Button("Cancel", id="ack-cancel")

    def on_mount(self) -> None:
        self.query_one("#ack-name", Input).focus()

    @on(Input.Submitted, "#ack-name")
    def _name_done(self) -> None:
        self.query_one("#ack-pin", Input).focus()

    @on(Input.Submitted, "#ack-pin")
    @on(Button.Pressed, "#ack-confirm")
    def _confirm(self) -> None:
        name = " ".join(self.query_one("#ack-name", Input).value.split())
        pin = self.query_one("#ack-pin", Input).value.strip()
        if not name or not name.isprintable():
            self.show_error("Type your name first.")
            self.query_one("#ack-name", Input).focus()
            return
        if not pin:
            self.show_error("Type the staff PIN.")
            self.query_one("#ack-pin", Input).focus()
            return
        self.dismiss((name, pin))

    @on(Button.Pressed, "#ack-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def show_error(self, text: str) -> None:
        self.query_one("#ack-error", Static).update(Text(text, style="bold red"))


class StationApp(PlainNotifyApp[int]):
    """Every room and every open alert, newest first; Enter acknowledges the selected alert."""

    TITLE = "ketavoice station"
    CSS = """
    #summary { height: 1; padding: 0 1; background: $panel; }
    #summary.-offline { background: $error; color: $text; }
    #rooms { height: 1fr; }
    #alerts { height: 2fr; }
    .caption { height: 1; padding: 0 1; color: $text-muted; }
    AckScreen { align: center middle; }
    #ack-box { width: 76; height: auto; padding: 1 2; border: thick $warning; background: $surface; }
    #ack-text { height: auto; margin-bottom: 1; }
    #ack-error { height: auto; }
    #ack-buttons { height: auto; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "acknowledge", "Acknowledge (or Enter)", show=True),
        Binding("ctrl+q", "quit", "Quit", show=True, priority=True),
    ]

    def __init__(
        self,
        config: ClinicConfig,
        pin_store: PinStore,
        *,
        audit: Callable[[str, str], None] | None = None,
        clock: Callable[[], float] = time.time,
        stale_after: float = STATION_STALE_AFTER_S,
        unseen_after: float = ROOM_UNSEEN_AFTER_S,
    ) -> None:
        super().__init__()
        self.config = config
        self.stale_after = stale_after
        self.unseen_after = unseen_after
        self._snapshot_at: float | None = None  # time.monotonic() of the last snapshot the feed delivered
        self.pin_store = pin_store
        self.audit = audit or (lambda kind, text: None)
        self.clock = clock
        self.snapshot: StationSnapshot | None = None
        self.seen_alerts: set[int] | None = None
        self.cues = 0
        self.shown_at: dict[int, float] = {}
        self.status_text = "connecting…"

    def compose(self) -> ComposeResult:
        yield Static("", id="summary")
        yield Static("Rooms", classes="caption")
        yield DataTable(id="rooms", cursor_type="none", zebra_stripes=True)
        yield Static("Open alerts, newest first: ↑/↓ to choose, Enter to acknowledge", classes="caption")
        yield DataTable(id="alerts", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#rooms", DataTable).add_columns(
            "Room", "Patient", "Step", "Last mood", "Seen", "Note")
        self.query_one("#alerts", DataTable).add_columns(
            "Time", "Room", "Patient", "Level", "Certainty", "Patient's words", "Alert")
        self.query_one("#alerts", DataTable).focus()
        self._render_summary()
        self.set_interval(0.5, self.check_stale)
        self.listen()

    # ---- the feed (a thread that only posts messages) ---------------------------------------------

    @work(thread=True, exclusive=True, group="feed")
    def listen(self) -> None:
        from textual.worker import get_current_worker

        worker = get_current_worker()
        failures = 0
        while not worker.is_cancelled:
            try:
                feed = StationFeed(self.config)
            except KetavoiceError as error:
                self.post_message(FeedProblem(str(error)))
                time.sleep(RECONNECT_S[min(failures, len(RECONNECT_S) - 1)])
                failures += 1
                continue
            failures = 0
            try:
                while not worker.is_cancelled:
                    self.post_message(SnapshotReady(feed.snapshot()))
                    feed.wait(HEARTBEAT_S)
            except KetavoiceError as error:
                self.post_message(FeedProblem(str(error)))
            finally:
                feed.close()

    @on(SnapshotReady)
    def _snapshot(self, message: SnapshotReady) -> None:
        snapshot = message.snapshot
        self.snapshot = snapshot
        self._snapshot_at = time.monotonic()
        self.status_text = "live" if snapshot.writable else \
            "READ-ONLY: the clinic store refuses writes, rooms cannot deliver alerts"
        alert_ids = {alert.id for alert in snapshot.open_alerts}
        if self.seen_alerts is not None:
            new = [a for a in snapshot.open_alerts if a.id not in self.seen_alerts]
            if new:
                self.cue_new_alerts(new)
        self.seen_alerts = (self.seen_alerts or set()) | alert_ids
        now = self.clock()
        for alert_id in alert_ids:
            self.shown_at.setdefault(alert_id, now)
        self._render_rooms(snapshot)
        self._render_alerts(snapshot)
        self._render_summary()

    def check_stale(self) -> None:
        """The header must not say "live" over an old snapshot: the feed's heartbeat has stopped (a stalled
        store, a cut link) even if no error has come back yet."""
        if self._snapshot_at is None or self.status_text.startswith("OFFLINE"):
            return
        age = time.monotonic() - self._snapshot_at
        if age > self.stale_after:
            self.status_text = (f"STALE: no answer from the clinic store for {age:.0f} s, "
                                "alerts may be missing")
            self._render_summary()

    @on(FeedProblem)
    def _problem(self, message: FeedProblem) -> None:
        self.status_text = f"OFFLINE: {clean(message.text, 160)} (retrying)"
        self._render_summary()

    def cue_new_alerts(self, new: list[ClinicAlert]) -> None:
        """A visible and audible cue: the terminal bell and a notice per new alert."""
        self.cues += 1
        self.bell()
        for alert in new:
            self.notify(f"New {clean(alert.level).upper()} alert: room {clean(alert.room) or '-'}, "
                        f"patient {clean(alert.patient)}", severity="error", timeout=10)

    # ---- rendering --------------------------------------------------------------------------------

    def _render_summary(self) -> None:
        summary = self.query_one("#summary", Static)
        rooms = len(self.snapshot.devices) if self.snapshot else 0
        alerts = len(self.snapshot.open_alerts) if self.snapshot else 0
        summary.update(Text(f"{rooms} room(s) · {alerts} open alert(s) · {self.status_text} · "
                            f"{clean(self.config.safe_url, 120)}"))
        summary.set_class(self.status_text != "live", "-offline")

    def _render_rooms(self, snapshot: StationSnapshot) -> None:
        table = self.query_one("#rooms", DataTable)
        table.clear()
        for device in snapshot.devices:
            mood = "-" if device.last_mood is None else f"{device.last_mood}/10"
            unseen = snapshot.unseen(device, self.unseen_after)
            note = Text(f"NOT SEEN for {unseen:.0f} s", style="bold red") if unseen is not None else Text("")
            if device.note:
                note.append((" · " if unseen is not None else "") + clean(device.note, 100))
            table.add_row(Text(clean(device.room) or "-"), Text(clean(device.patient) or "-"),
                          Text(clean(device.step) or "-"), Text(mood), Text(clock_time(device.updated_at)),
                          note)

    def _render_alerts(self, snapshot: StationSnapshot) -> None:
        table = self.query_one("#alerts", DataTable)
        selected = self.selected_alert()
        table.clear()
        for alert in snapshot.open_alerts:
            style = "bold red" if alert.certainty == "certain" else "yellow"
            table.add_row(
                Text(clock_time(alert.received_at or alert.created_at)), Text(clean(alert.room) or "-"),
                Text(clean(alert.patient)),
                Text(clean(alert.level).upper(), style=style), Text(clean(alert.certainty), style=style),
                Text(clean(alert.words, 60)), Text(clean(alert.text, 60)), key=str(alert.id),
            )
        if selected is not None:
            ids = [a.id for a in snapshot.open_alerts]
            if selected.id in ids:
                table.move_cursor(row=ids.index(selected.id))

    def selected_alert(self) -> ClinicAlert | None:
        if self.snapshot is None or not self.snapshot.open_alerts:
            return None
        row = self.query_one("#alerts", DataTable).cursor_row
        alerts = self.snapshot.open_alerts
        return alerts[row] if 0 <= row < len(alerts) else None

    # ---- acknowledging ----------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#alerts")
    def _row_chosen(self) -> None:
        self.action_acknowledge()

    def action_acknowledge(self) -> None:
        if isinstance(self.screen, AckScreen):
            return
        alert = self.selected_alert()
        if alert is None:
            self.notify("No open alert is selected.", timeout=4)
            return

        def done(answer: tuple[str, str] | None) -> None:
            if answer is not None:
                self._check_and_acknowledge(alert, *answer)

        self.push_screen(AckScreen(alert), done)

    def _check_and_acknowledge(self, alert: ClinicAlert, staff: str, pin: str) -> None:
        try:
            check = self.pin_store.check(pin)
        except KetavoiceError as error:
            self.notify(clean(str(error), 300), severity="error", timeout=10)
            return
        if check.throttled:
            self.audit("pin_throttled", f"station PIN attempt refused for alert {alert.id}")
            self.notify(f"Too many wrong PINs: wait {check.wait_text}.", severity="error")
            return
        if not check.ok:
            self.audit("pin_failed", f"wrong staff PIN at the station for alert {alert.id}")
            self.notify("Wrong staff PIN: the alert was not acknowledged.", severity="error")
            return
        self.audit("pin_ok", f"staff PIN accepted at the station for alert {alert.id} ({staff})")
        self._acknowledge(alert.id, staff)

    @work(thread=True, group="ack")
    def _acknowledge(self, alert_id: int, staff: str) -> None:
        try:
            with ClinicStore(self.config) as store:
                outcome = store.acknowledge(alert_id, staff, via="station")
        except KetavoiceError as error:
            self.call_from_thread(self.notify, f"Not acknowledged: {clean(str(error), 300)}",
                                  severity="error", timeout=10)
            return
        text = {
            "acknowledged": f"✓ Alert #{alert_id} acknowledged by {clean(staff)}.",
            "already": f"Alert #{alert_id} was already acknowledged.",
            "missing": f"Alert #{alert_id} no longer exists.",
        }[outcome]
        self.call_from_thread(self.notify, text, timeout=6)
