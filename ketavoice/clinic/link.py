"""What a front end needs of the clinic: how alerts reach staff right now, where an alert the journal
could not keep goes (to the store from memory), and the station's acknowledgements of this session's
alerts, applied on the engine's own thread. No clinic store configured: reach is "none", no acks come.

It imports no driver: a device without a clinic store uses it too (it then only counts unsaved alerts).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TextIO

from ketavoice.clinic.outbox import PulledAck, unsaved_alert
from ketavoice.engine.events import Acknowledge, Action, Alert, Event, Listen, Reach, StaffReach

if TYPE_CHECKING:
    from ketavoice.clinic.replicator import AckCallback, SyncWorker
    from ketavoice.engine.engine import Engine


class ClinicLink:
    """The front end's side of the sync worker (if any): `reach` and `alert_raised`."""

    def __init__(
        self, worker: SyncWorker | None, room: str = "", clock: Callable[[], float] = time.time
    ) -> None:
        self.worker = worker
        self.room = room
        self.clock = clock
        self.unsaved = 0  # alerts raised here that the journal could not keep
        self.journal_alerts_waiting = 0  # set at exit: alerts saved here that did not reach the store

    @property
    def reach(self) -> Reach:
        return "none" if self.worker is None else self.worker.reach

    def alert_raised(self, alert: Alert, *, patient_id: str, session_id: int | None) -> None:
        """Wake the sync now (no waiting for the next poll); an alert the journal lost goes from memory."""
        if alert.alert_id < 0:
            self.unsaved += 1
            if self.worker is not None:
                now = self.clock()
                self.worker.send_unsaved(unsaved_alert(
                    local_id=-time.time_ns() // 1000, session_id=session_id, patient_id=patient_id,
                    level=alert.level, certainty=alert.certainty, text=alert.text, created_at=now,
                    room=self.room,
                ))
        if self.worker is not None:
            self.worker.wake()

    def on_acknowledged(self, callback: AckCallback) -> None:
        """Call `callback` (on the sync thread) with each acknowledgement the sync pulls from the station
        and writes to the journal. Without a clinic store nothing is ever pulled."""
        if self.worker is not None:
            self.worker.on_acknowledged = callback

    def report(self, stream: TextIO) -> None:
        for problem in self.problems():
            print(f"ketavoice: {problem}", file=stream)

    def problems(self) -> list[str]:
        """What went wrong with this run's alerts, for stderr at exit (no patient words)."""
        found: list[str] = []
        waiting = self.worker.unsaved_waiting if self.worker is not None else 0
        if self.unsaved and self.worker is None:
            found.append(f"{self.unsaved} alert(s) could not be saved on this machine and no clinic store "
                         "is configured: staff were not told by this device.")
        elif waiting:
            found.append(f"{waiting} alert(s) could not be saved on this machine nor delivered to the clinic "
                         "store: staff were not told by this device.")
        elif self.unsaved:
            found.append(f"{self.unsaved} alert(s) could not be saved in this machine's journal; they "
                         "reached the clinic store.")
        if self.journal_alerts_waiting:
            found.append(f"{self.journal_alerts_waiting} alert(s) are saved on this machine but did not "
                         "reach the clinic store: the nurse station has not seen them.")
        return found


class LinkedEngine:
    """The engine as a line-by-line front end (`chat`, `voice`) drives it, joined to the clinic link:
    before each event the engine hears whether alerts reach the station now (`StaffReach`, only on a
    change), and every alert it raises goes to the link (wake the sync; from memory if unsaved).

    After `follow_acknowledgements(wake)` the station's acknowledgements of alerts raised in this session
    are queued by the sync thread, which then calls `wake`; the front end answers by calling
    `take_acknowledgements` on the engine's thread (the engine is not thread-safe), which hands the
    engine `Acknowledge(alert_id, staff)` and returns what it does (the hold's release, the next ask)."""

    def __init__(self, engine: Engine, link: ClinicLink) -> None:
        self.engine = engine
        self.link = link
        self._told: Reach = engine.reach
        self._raised: set[int] = set()  # journal ids of the alerts raised in this session
        self._acks: list[PulledAck] = []  # filled on the sync thread, emptied on the engine's
        self._acks_lock = threading.Lock()
        self._wake: Callable[[], None] | None = None

    def follow_acknowledgements(self, wake: Callable[[], None]) -> None:
        """Hear the station's acknowledgements from now on; `wake` is called (on the sync thread) when
        some wait for `take_acknowledgements`. It must only signal the front end's loop, never block."""
        self._wake = wake
        self.link.on_acknowledged(self._queue_acks)

    def take_acknowledgements(self) -> list[Action]:
        """Apply the acknowledgements waiting (those of this session's alerts); on the engine's thread."""
        with self._acks_lock:
            acks, self._acks = self._acks, []
        actions: list[Action] = []
        for ack in acks:
            if ack.alert_id in self._raised:
                self._raised.discard(ack.alert_id)
                actions += self.handle(Acknowledge(alert_id=ack.alert_id, staff=ack.acknowledged_by))
        return actions

    def _queue_acks(self, acks: Sequence[PulledAck]) -> None:
        with self._acks_lock:
            self._acks.extend(acks)
        if self._wake is not None:
            self._wake()

    @property
    def finished(self) -> bool:
        return self.engine.finished

    @property
    def pending_listen(self) -> Listen | None:
        return self.engine.pending_listen

    def handle(self, event: Event) -> list[Action]:
        actions: list[Action] = []
        reach = self.link.reach
        if reach != self._told:
            self._told = reach
            actions += self.engine.handle(StaffReach(reach))
        for action in self.engine.handle(event):
            actions.append(action)
            if isinstance(action, Alert):
                if action.alert_id > 0:
                    self._raised.add(action.alert_id)
                self.link.alert_raised(
                    action, patient_id=self.engine.patient_id, session_id=self.engine.session_id
                )
                if action.alert_id < 0:
                    self._told = "unreachable"  # the engine knows; it is told "station" once it arrives
        return actions
