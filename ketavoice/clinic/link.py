"""What a front end needs of the clinic: how alerts reach staff right now, and where an alert the
journal could not keep goes (to the store from memory). No clinic store configured: reach is "none".

It imports no driver: a device without a clinic store uses it too (it then only counts unsaved alerts).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from ketavoice.clinic.outbox import unsaved_alert
from ketavoice.engine.events import Action, Alert, Event, Listen, Reach, StaffReach

if TYPE_CHECKING:
    from ketavoice.clinic.replicator import SyncWorker
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
    change), and every alert it raises goes to the link (wake the sync; from memory if unsaved)."""

    def __init__(self, engine: Engine, link: ClinicLink) -> None:
        self.engine = engine
        self.link = link
        self._told: Reach = engine.reach

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
                self.link.alert_raised(
                    action, patient_id=self.engine.patient_id, session_id=self.engine.session_id
                )
                if action.alert_id < 0:
                    self._told = "unreachable"  # the engine knows; it is told "station" once it arrives
        return actions
