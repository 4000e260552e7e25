"""The station's live feed: LISTEN on the clinic store and hand back a fresh snapshot after each change.

Notifications carry only ids (the server's triggers build them), so the snapshot is re-read from the
tables with parameters. A dropped connection raises ClinicUnreachable; the caller reconnects.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.liveness import HEARTBEAT_S, OPERATION_DEADLINE_S, WATCHDOG, cut_socket
from ketavoice.clinic.pgschema import NOTIFY_CHANNEL
from ketavoice.clinic.pgstore import ClinicAlert, ClinicStore, DeviceStatus, connect, describe, import_psycopg
from ketavoice.errors import ClinicUnreachable


@dataclass(frozen=True)
class StationSnapshot:
    """Every room's status and every open alert (newest first), as read at `taken_at`; `store_now` is the
    store's clock then (rooms' `seen_at` is on it) and `writable` whether rooms can deliver at all."""

    devices: list[DeviceStatus]
    open_alerts: list[ClinicAlert]
    taken_at: float
    store_now: float = 0.0
    writable: bool = True

    def unseen(self, device: DeviceStatus, after: float) -> float | None:
        """Seconds since the store last heard from `device`, if more than `after`."""
        if device.seen_at is None:
            return None
        age = self.store_now - device.seen_at
        return age if age > after else None


class StationFeed:
    """One listening connection plus one query connection to the clinic store."""

    def __init__(self, config: ClinicConfig) -> None:
        self.config = config
        self._psycopg = import_psycopg()
        self.store = ClinicStore(config)  # migrates, so LISTEN has its triggers to hear
        self._listen: Any = connect(config, autocommit=True)
        try:
            fileno = self._listen.fileno()
            with WATCHDOG.guard(OPERATION_DEADLINE_S, lambda: cut_socket(fileno)):
                self._listen.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except self._psycopg.Error as error:
            self.close()
            raise ClinicUnreachable(f"could not listen for alerts: {describe(error, config)}") from None

    def close(self) -> None:
        for closing in (self._listen.close, self.store.close):
            try:
                closing()
            except self._psycopg.Error:
                pass

    def snapshot(self) -> StationSnapshot:
        store_now, writable = self.store.health()
        return StationSnapshot(self.store.devices(), self.store.alerts(open_only=True), time.time(),
                               store_now, writable)

    def wait(self, timeout: float = HEARTBEAT_S) -> bool:
        """Block up to `timeout` seconds for a change; True if one (or more) arrived. The caller takes a
        snapshot either way: that is the heartbeat that shows a stalled store within seconds."""
        try:
            seen = False
            for _notify in self._listen.notifies(timeout=timeout, stop_after=1):
                seen = True
            if seen:  # drain a burst (a batch of records) without waiting again
                for _notify in self._listen.notifies(timeout=0.01):
                    pass
            return seen
        except self._psycopg.Error as error:
            raise ClinicUnreachable(
                f"the clinic store at {self.config.safe_url} stopped answering "
                f"({describe(error, self.config)})"
            ) from None
