"""The console's and kiosk's link to the clinic store: background sync, and acknowledgements made at the
station fed back to the engine as `Acknowledge` events (so a hold ends and the banner clears).

The sync worker runs in its own thread and only posts messages (thread-safe); everything that touches
the engine or the screen happens here, on the app's thread. The engine is told (`StaffReach`) when
alerts start or stop reaching the station, so the hold never promises a nurse nobody called; an alert the
journal could not keep is handed to the worker, which sends it from memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.message import Message

from ketavoice.clinic.link import ClinicLink
from ketavoice.clinic.outbox import PulledAck
from ketavoice.engine.events import Reach, StaffReach
from ketavoice.tui.widgets import StatusLine

if TYPE_CHECKING:
    from ketavoice.clinic.replicator import SyncWorker
    from ketavoice.tui.session_screen import SessionProgress, SessionScreen


class RemoteAcknowledged(Message):
    """Staff acknowledged alerts elsewhere (the station); the journal already holds it."""

    def __init__(self, acks: Sequence[PulledAck]) -> None:
        super().__init__()
        self.acks = list(acks)


class ClinicSyncMixin:
    """Mixed into the Textual app: owns the optional SyncWorker for the app's lifetime."""

    sync: SyncWorker | None
    session: SessionScreen | None
    patient_id: str
    _told_reach: Reach = "none"
    _link: ClinicLink | None = None

    if TYPE_CHECKING:  # provided by the Textual app this is mixed into (never defined here: it would win)

        def post_message(self, message: Message) -> bool:
            return True

    def start_sync(self) -> bool:
        """Start the worker if there is one; True if so (the app then polls `show_sync_state`)."""
        if self.sync is None:
            return False
        self.sync.on_acknowledged = self._acks_from_sync
        self.sync.set_status(self.patient_id, "")
        self.sync.start()
        return True

    def initial_reach(self) -> Reach:
        """How alerts reach staff for a session starting now (what the engine words its hold by)."""
        self._told_reach = "none" if self.sync is None else self.sync.reach
        return self._told_reach

    def show_sync_state(self) -> None:
        """Say on the status line when the station cannot be reached (alerts then only show here)."""
        sync, session = self.sync, self.session
        if sync is None or session is None or not session.is_mounted:
            return
        reach = sync.reach
        if reach != self._told_reach:
            self._told_reach = reach
            session.dispatch(StaffReach(reach))
        text = ""
        if sync.offline:
            text = f"⚠ NURSE STATION OFFLINE ({sync.pending} waiting)" if sync.pending else \
                "⚠ NURSE STATION OFFLINE"
        for line in session.query(StatusLine):  # none while the screen composes or is torn down
            line.set_clinic(text)

    def stop_sync(self) -> None:
        if self.sync is not None:
            self.sync.stop()

    def _acks_from_sync(self, acks: Sequence[PulledAck]) -> None:
        self.post_message(RemoteAcknowledged(acks))  # runs on the sync thread

    def on_remote_acknowledged(self, message: RemoteAcknowledged) -> None:
        session = self.session
        for ack in message.acks:
            if session is not None and session.shows_alert(ack.alert_id):
                session.acknowledge(ack.alert_id, ack.acknowledged_by)
            self.remote_acknowledged(ack)

    def remote_acknowledged(self, ack: PulledAck) -> None:
        """Hook: the kiosk refreshes its staff list."""

    def on_session_progress(self, message: SessionProgress) -> None:
        if self.sync is not None:
            self.sync.set_status(self.patient_id, message.step)
            if message.alert:
                self.sync.wake()
        raised, session = message.raised, self.session
        if raised is not None and raised.alert_id < 0 and self.sync is not None and session is not None:
            if self._link is None:
                self._link = ClinicLink(self.sync, self.sync.config.room)
            self._link.alert_raised(raised, patient_id=self.patient_id, session_id=session.engine.session_id)
            self._told_reach = "unreachable"  # the engine knows; it is told "station" once the alert arrives

    def on_unmount(self) -> None:
        self.stop_sync()
