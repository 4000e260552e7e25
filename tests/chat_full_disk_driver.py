"""Run in a child by test_alerts_truthful: `ketavoice chat` in this process, with the disk full from the
patient's second line on (RLIMIT_FSIZE drops to 1 byte, so every write that grows a file fails with
EFBIG, exactly as on a full disk: the alert cannot be journaled).

argv: the patient's lines. Before each line after the first it waits for the events the test needs, not
for time: the store (if any) has the session row before the disk fills, and has the alert before the
line after the red flag, so the room's next words are decided, never raced.
Environment: KETAVOICE_HOME, KETAVOICE_DATABASE_URL (optional), KETAVOICE_ROOM, FULL_DISK_WAIT_STORE
("1": the store answers, wait on it).
"""

from __future__ import annotations

import io
import os
import resource
import sys
import time
from collections.abc import Iterator

DEADLINE_S = 60.0  # only so a broken build cannot hang the suite


def _store_has(table: str) -> None:
    import psycopg

    deadline = time.monotonic() + DEADLINE_S
    while time.monotonic() < deadline:
        try:
            with psycopg.connect(os.environ["KETAVOICE_DATABASE_URL"], connect_timeout=3) as conn:
                row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
                if row is not None and row[0] > 0:
                    return
        except psycopg.Error:
            pass
        time.sleep(0.05)
    raise SystemExit(f"the store never got a row in {table}")


class Lines(io.RawIOBase):
    """stdin for the chat: each line handed over only once the test's condition for it holds."""

    def __init__(self, lines: list[str], wait_store: bool) -> None:
        self._chunks: Iterator[bytes] = self._feed(lines, wait_store)
        self._buffer = b""

    def _feed(self, lines: list[str], wait_store: bool) -> Iterator[bytes]:
        for index, line in enumerate(lines):
            if index == 1:
                if wait_store:
                    _store_has("sessions")
                resource.setrlimit(resource.RLIMIT_FSIZE, (1, 1))  # from here on the disk is full
            if index == 2 and wait_store:
                _store_has("alerts")
            yield (line + "\n").encode()

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        if not self._buffer:
            self._buffer = next(self._chunks, b"")
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


def main() -> int:
    from ketavoice.cli import main as cli_main

    stream = io.BufferedReader(Lines(sys.argv[1:], os.environ.get("FULL_DISK_WAIT_STORE") == "1"))
    sys.stdin = io.TextIOWrapper(stream, encoding="utf-8")
    return cli_main(["chat", "--patient", "pfull"])


if __name__ == "__main__":
    raise SystemExit(main())
