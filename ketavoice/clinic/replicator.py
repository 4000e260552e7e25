"""Replication of one device's journal to the clinic store, once (`ketavoice sync`) or in a thread.

One pass: deliver the outbox oldest first in batches (each batch one PostgreSQL transaction, then removed
from the outbox: a crash in between only means the batch is delivered again, which changes nothing),
pull acknowledgements made at the station for alerts still open here, publish this device's status.
The background worker repeats that every `interval` seconds, backing off (capped) while the store is
unreachable, and never touches the UI: it reports acknowledgements through a callback. Alerts the journal
could not keep (a full disk) are handed to the worker and sent from memory, retried while it lives.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.liveness import ALERT_RETRY_S, PASS_DEADLINE_S
from ketavoice.clinic.outbox import Outbox, OutboxItem, PulledAck, RefusedRecord
from ketavoice.clinic.pgstore import ClinicStore, DeviceStatus
from ketavoice.engine.events import Reach
from ketavoice.errors import ClinicError, ClinicRefused, KetavoiceError, RecordCollision
from ketavoice.textclean import storable

BATCH = 200
MAX_BACKOFF_S = 30.0
# While an alert waits to be delivered the store is tried again this often at most, not every 30 s.
ALERT_BACKOFF_S = 2.0


@dataclass(frozen=True)
class SyncReport:
    delivered: int
    pending: int
    acknowledged: list[PulledAck] = field(default_factory=list)
    refused: list[RefusedRecord] = field(default_factory=list)  # set aside in this pass
    renewed_from: str | None = None  # set when this pass found the journal to be a copy and renamed it


def copy_note(previous_device_id: str | None) -> str:
    """What staff are told about a journal that was found to be a copy of another device's."""
    if previous_device_id is None:
        return ""
    return (f"new device id: this journal was a copy (restored from backup or cloned) of device "
            f"{previous_device_id[:8]}; its older records stay under that id")


class Replicator:
    """Push this device's outbox to the clinic store and pull acknowledgements back."""

    def __init__(
        self, journal_path: Path, config: ClinicConfig, clock: Callable[[], float] = time.time
    ) -> None:
        self.config = config
        self.clock = clock
        self.outbox = Outbox(journal_path)
        if config.room:
            self.outbox.set_room(config.room)
        self._copied_from = self.outbox.bind_to_file(clock())  # reported by the first pass
        self.device_id = self.outbox.device_id()
        self._store: ClinicStore | None = None
        self._status_lock = threading.Lock()
        self._patient = ""
        self._step = ""
        self._published: DeviceStatus | None = None
        self.progress_at = time.monotonic()  # the last moment the store answered (read by the worker)

    def close(self) -> None:
        self._drop_store()
        self.outbox.close()

    def set_status(self, patient: str, step: str) -> None:
        """What the station shows for this room (thread-safe: the UI calls it, the worker publishes)."""
        with self._status_lock:
            self._patient, self._step = storable(patient), step

    def sync_once(self) -> SyncReport:
        """One full pass; ClinicUnreachable when the store does not answer (nothing is lost: retry later)."""
        refused: list[RefusedRecord] = []
        try:
            store = self._connected()
            before = self.device_id = self.outbox.device_id()  # another replicator may have renewed it
            delivered = self._deliver(store, refused)
            acks = store.acks_for(self.outbox.open_alert_uids())
            applied = self.outbox.apply_acks(acks, self.clock())
            if applied:
                # the local copies of those acks, so nothing stays queued
                delivered += self._deliver(store, refused)
            self._publish_status(store)
            renewed_from = before if self.device_id != before else self._copied_from
            self._copied_from = None
            return SyncReport(delivered=delivered, pending=self.outbox.pending_count(), acknowledged=applied,
                              refused=refused, renewed_from=renewed_from)
        except ClinicError:
            self._drop_store()
            raise

    def deliver_unsaved(self, items: Sequence[OutboxItem]) -> None:
        """Send alerts the journal could not keep straight to the store (one transaction)."""
        try:
            self._connected().deliver(self.device_id, items)
        except ClinicError:
            self._drop_store()
            raise

    def _deliver(self, store: ClinicStore, refused: list[RefusedRecord]) -> int:
        delivered = 0
        renewed = False
        while True:
            items = self.outbox.pending(BATCH, self.config.room)
            if not items:
                return delivered
            try:
                if store.reused_keys(self.device_id, items):
                    raise RecordCollision("this journal reuses record ids the store holds under other uids")
                store.deliver(self.device_id, items)
            except RecordCollision:
                if renewed:  # a fresh id cannot collide: never loop on it
                    raise
                self._renew_identity()
                renewed = True
                continue
            except ClinicRefused:
                delivered += self._deliver_one_by_one(store, items, refused)
                continue
            self.progress_at = time.monotonic()
            self.outbox.mark_delivered([item.seq for item in items])
            delivered += len(items)

    def _deliver_one_by_one(
        self, store: ClinicStore, items: Sequence[OutboxItem], refused: list[RefusedRecord]
    ) -> int:
        """A batch the store refused: each record alone, and the ones it refuses set aside (quarantined),
        so one bad record never holds back the alerts queued behind it."""
        delivered = 0
        for item in items:
            try:
                store.deliver(self.device_id, [item])
            except ClinicRefused:
                self.outbox.quarantine(item, self.clock())
                refused.append(RefusedRecord(item.kind, item.row_id))
                continue
            self.progress_at = time.monotonic()
            self.outbox.mark_delivered([item.seq])
            delivered += 1
        return delivered

    def _renew_identity(self) -> None:
        """This journal is a copy: go on under a new device id, so no record of the other copy is touched."""
        copied_from = self.device_id
        self.device_id = self.outbox.renew_device_id(copied_from, self.clock())
        if self.device_id == copied_from:
            raise ClinicError("could not give this journal a new device identity")
        self._published = None

    def _publish_status(self, store: ClinicStore) -> None:
        with self._status_lock:
            patient, step = self._patient, self._step
        last_mood = self.outbox.last_mood(patient) if patient else None
        note = copy_note(self.outbox.identity().previous_device_id)
        status = DeviceStatus(self.device_id, self.config.room, patient, step, last_mood, self.clock(), note)
        previous = self._published
        stale = previous is None or status.updated_at - previous.updated_at >= 10.0
        def shown(s: DeviceStatus) -> tuple[object, ...]:
            return (s.device_id, s.room, s.patient, s.step, s.last_mood, s.note)

        changed = previous is None or shown(previous) != shown(status)
        if changed or stale:
            store.publish_status(status)
            self._published = status

    def _connected(self) -> ClinicStore:
        if self._store is not None and self._store.closed:
            self._drop_store()
        if self._store is None:
            self._store = ClinicStore(self.config)
        return self._store

    def _drop_store(self) -> None:
        if self._store is not None:
            try:
                self._store.close()
            except Exception:  # noqa: BLE001 - a broken connection may fail to close; it is dropped anyway
                pass
            self._store = None


AckCallback = Callable[[Sequence[PulledAck]], None]


class SyncWorker:
    """Background replication in a daemon thread; `wake()` asks for a pass now (say, after an alert)."""

    def __init__(
        self,
        journal_path: Path,
        config: ClinicConfig,
        on_acknowledged: AckCallback | None = None,
        *,
        interval: float = 0.5,
        max_backoff: float = MAX_BACKOFF_S,
        alert_backoff: float = ALERT_BACKOFF_S,
    ) -> None:
        self.journal_path = journal_path
        self.config = config
        self.on_acknowledged = on_acknowledged
        self.interval = interval
        self.max_backoff = max_backoff
        self.alert_backoff = alert_backoff
        self.last_error: str | None = None
        self.pending = 0
        self.failures = 0
        self.unsaved_delivered = 0
        self.next_wait = interval  # seconds until the next pass unless woken (backoff included)
        self._store_failed = False
        self._unsaved_lock = threading.Lock()
        self._unsaved: list[OutboxItem] = []
        self.passes = 0  # passes that finished, for tests and benches to wait on
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._first_pass = threading.Event()
        self._status: tuple[str, str] = ("", "")
        self._replicator: Replicator | None = None
        self._pass_started: float | None = None  # time.monotonic() while a pass runs
        self._thread = threading.Thread(target=self._run, name="ketavoice-sync", daemon=True)

    def start(self) -> SyncWorker:
        self._thread.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def wait_first_pass(self, timeout: float) -> bool:
        """Block until the first pass has answered (delivered or failed), so `reach` is known, not hoped."""
        return self._first_pass.wait(timeout)

    def send_unsaved(self, item: OutboxItem) -> None:
        """An alert the journal could not keep: sent from memory at once, retried until it arrives."""
        with self._unsaved_lock:
            self._unsaved.append(item)
        self._wake.set()

    @property
    def unsaved_waiting(self) -> int:
        with self._unsaved_lock:
            return len(self._unsaved)

    @property
    def store_failed(self) -> bool:
        """The last pass could not reach the store (or none has answered yet)."""
        return self._store_failed or not self._first_pass.is_set()

    @property
    def reach(self) -> Reach:
        """"station" once a pass got through and while the store answers with no alert waiting in
        memory; "unreachable" otherwise (also before the first pass has answered)."""
        if self.store_failed or self.unsaved_waiting:
            return "unreachable"
        return "station"

    def final_pass(self) -> None:
        """One last pass on the caller's thread after `stop` (the command-line front ends at exit)."""
        try:
            replicator = Replicator(self.journal_path, self.config)
        except KetavoiceError as error:
            self.last_error = str(error)
            return
        try:
            self._pass(replicator)
        finally:
            replicator.close()

    def set_status(self, patient: str, step: str) -> None:
        self._status = (patient, step)
        if self._replicator is not None:
            self._replicator.set_status(patient, step)
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    @property
    def connected(self) -> bool:
        return self.failures == 0 and self.last_error is None and not self.overdue

    @property
    def overdue(self) -> bool:
        """A pass has gone PASS_DEADLINE_S without the store answering (a stall); a long backlog that
        is being delivered batch by batch is progress, not a stall."""
        started, replicator = self._pass_started, self._replicator
        if started is None:
            return False
        last = max(started, replicator.progress_at) if replicator is not None else started
        return time.monotonic() - last > PASS_DEADLINE_S

    @property
    def offline(self) -> bool:
        """What the room shows: the last pass failed, or the one running has not finished in time."""
        return self.last_error is not None or self.overdue

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._replicator = Replicator(self.journal_path, self.config)
                break
            except KetavoiceError as error:  # the journal can't be read now: unsaved alerts still wait
                self._store_failed = True  # nothing can be delivered until it can
                self._first_pass.set()
                self._wake.wait(self._failed(str(error), alerts_waiting=self.unsaved_waiting > 0))
                self._wake.clear()
        if self._replicator is None:
            return
        self._replicator.set_status(*self._status)
        try:
            while not self._stop.is_set():
                wait = self._pass(self._replicator)
                self._first_pass.set()
                self._wake.wait(wait)
                self._wake.clear()
        finally:
            self._replicator.close()

    def _pass(self, replicator: Replicator) -> float:
        self._pass_started = time.monotonic()
        try:
            self._deliver_unsaved(replicator)
            report = replicator.sync_once()
        except ClinicError as error:  # ClinicUnreachable among them: the store did not take the records
            self._store_failed = True
            return self._failed(str(error), self._alerts_waiting(replicator))
        except KetavoiceError as error:  # the local journal (a full disk, say); the store answered
            self._store_failed = False
            return self._failed(str(error), self._alerts_waiting(replicator))
        finally:
            self._pass_started = None
        self._store_failed = False
        self.failures = 0
        self.last_error = None
        self.pending = report.pending
        self.passes += 1
        if report.acknowledged and self.on_acknowledged is not None:
            self.on_acknowledged(report.acknowledged)
        self.next_wait = self.interval
        return self.interval

    def _deliver_unsaved(self, replicator: Replicator) -> None:
        with self._unsaved_lock:
            items = list(self._unsaved)
        if not items:
            return
        replicator.deliver_unsaved(items)
        with self._unsaved_lock:
            self._unsaved = [item for item in self._unsaved if item not in items]
        self.unsaved_delivered += len(items)

    def _alerts_waiting(self, replicator: Replicator) -> bool:
        if self.unsaved_waiting:
            return True
        try:
            return replicator.outbox.pending_alert_count() > 0
        except KetavoiceError:
            return True  # can't tell: assume an alert waits, so the store is tried again soon

    def _failed(self, message: str, alerts_waiting: bool = False) -> float:
        self.failures += 1
        self.last_error = message
        # An alert is not left behind a long back-off: the link is probed often until it is delivered.
        cap = min(self.max_backoff, self.alert_backoff, ALERT_RETRY_S) if alerts_waiting else self.max_backoff
        self.next_wait = float(min(cap, self.interval * (2 ** min(self.failures, 16))))
        return self.next_wait
