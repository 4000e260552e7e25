"""How quickly a stalled or cut clinic store is noticed: every timeout and keepalive in one place, and a
watchdog that ends an operation the server never answers.

Server-side limits (statement_timeout) and kernel ones (keepalives, tcp_user_timeout) catch a slow server
and a dead link, but not a *stalled* one: a stopped server's kernel, or a proxy that stops forwarding,
still acknowledges every packet, so the client would wait forever. The watchdog is the client's own
deadline: when an operation overruns, it shuts the connection's socket down, the blocked call fails
at once, and the caller reports the store unreachable and reconnects.
"""

from __future__ import annotations

import heapq
import itertools
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

CONNECT_TIMEOUT_S = 3
STATEMENT_TIMEOUT_MS = 3000
IDLE_IN_TRANSACTION_TIMEOUT_MS = 10000  # a device that stalls mid-transaction releases its locks
KEEPALIVES_IDLE_S = 2
KEEPALIVES_INTERVAL_S = 1
KEEPALIVES_COUNT = 2
TCP_USER_TIMEOUT_MS = 4000  # unacknowledged data for this long: the link is dead (Linux, libpq >= 12)

OPERATION_DEADLINE_S = 3.5  # one store operation (a batch, a snapshot query) longer than this: cut
MIGRATION_DEADLINE_S = 20.0  # the schema step may wait on another device's migration lock
PASS_DEADLINE_S = 3.0  # a room whose sync pass has run this long says the station is offline
HEARTBEAT_S = 1.0  # the station re-reads its snapshot at least this often, change or not
STATION_STALE_AFTER_S = 4.0  # the station's header says stale when its snapshot is older than this
ROOM_UNSEEN_AFTER_S = 30.0  # a room that has not published its status for this long is marked unseen
ALERT_RETRY_S = 1.0  # while an alert waits to be delivered, a failing link is probed this often


def connection_options() -> dict[str, Any]:
    """Keyword arguments for every `psycopg.connect` to the clinic store."""
    return {
        "connect_timeout": CONNECT_TIMEOUT_S,
        "keepalives": 1,
        "keepalives_idle": KEEPALIVES_IDLE_S,
        "keepalives_interval": KEEPALIVES_INTERVAL_S,
        "keepalives_count": KEEPALIVES_COUNT,
        "tcp_user_timeout": TCP_USER_TIMEOUT_MS,
        "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
        f" -c idle_in_transaction_session_timeout={IDLE_IN_TRANSACTION_TIMEOUT_MS}",
    }


def cut_socket(fileno: int) -> None:
    """Shut a connected socket down (both ways) so a call blocked on it returns with an error; the owner
    closes it. Works on a duplicate descriptor: shutdown acts on the socket, not on the descriptor."""
    with suppress(OSError):
        duplicate = os.dup(fileno)
        sock = socket.socket(fileno=duplicate)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        finally:
            sock.close()


class Watchdog:
    """One daemon thread running the deadlines of every guarded operation in the process."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._actions: dict[int, Callable[[], None]] = {}
        self._ids = itertools.count()
        self._thread: threading.Thread | None = None

    @contextmanager
    def guard(self, seconds: float, on_expiry: Callable[[], None]) -> Iterator[Callable[[], bool]]:
        """Run `on_expiry` (from the watchdog's thread) if the block is still running after `seconds`.
        Yields a function telling whether that happened."""
        token = next(self._ids)
        fired = threading.Event()

        def expire() -> None:
            fired.set()
            on_expiry()

        with self._cond:
            self._actions[token] = expire
            heapq.heappush(self._heap, (time.monotonic() + seconds, token))
            self._start()
            self._cond.notify()
        try:
            yield fired.is_set
        finally:
            with self._cond:
                self._actions.pop(token, None)

    def _start(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="ketavoice-watchdog", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                while self._heap and self._heap[0][1] not in self._actions:
                    heapq.heappop(self._heap)  # finished in time
                if not self._heap:
                    self._cond.wait()
                    continue
                due, token = self._heap[0]
                delay = due - time.monotonic()
                if delay > 0:
                    self._cond.wait(delay)
                    continue
                heapq.heappop(self._heap)
                action = self._actions.pop(token, None)
            if action is not None:
                action()


WATCHDOG = Watchdog()
