"""From the station's acknowledgement to a running `chat` room's release, against a real PostgreSQL server.
Prints JSON.

    eval "$(bash scripts/pg_test_server.sh start)"     # or point KETAVOICE_BENCH_DATABASE_URL elsewhere
    python bench/run_ack_release.py [rounds]

Per round: a real `ketavoice chat --jsonl` subprocess in its own room and home, fed through a pipe
("okay", then a certain chest-pain red flag); once its alert is in the store, the alert is acknowledged
there as the station does (`ClinicStore.acknowledge`, via "station"), and the time runs from that
commit to the room printing the hold's release (read from its stdout by this process, so one clock).
The room's sync polls every 0.5 s (SyncWorker's default interval): that poll is most of the figure.
"""

from __future__ import annotations

import inspect
import json
import os
import platform
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from ketavoice.clinic.config import ClinicConfig  # noqa: E402
from ketavoice.clinic.pgstore import ClinicStore  # noqa: E402
from ketavoice.clinic.replicator import SyncWorker  # noqa: E402
from ketavoice.content import load_content  # noqa: E402

CAP_S = 60.0
RELEASED = load_content().messages.hold_released


def read_rows(stream: IO[str], rows: queue.SimpleQueue[tuple[float, dict[str, Any]] | None]) -> None:
    for line in stream:
        rows.put((time.monotonic(), json.loads(line)))
    rows.put(None)


def until(rows: queue.SimpleQueue[tuple[float, dict[str, Any]] | None],
          wanted: Callable[[dict[str, Any]], bool]) -> float:
    """monotonic() when the chat printed the first row `wanted` accepts."""
    deadline = time.monotonic() + CAP_S
    while True:
        item = rows.get(timeout=max(0.01, deadline - time.monotonic()))
        if item is None:
            raise SystemExit("bench: the chat ended before the awaited line")
        if wanted(item[1]):
            return item[0]
        if time.monotonic() > deadline:
            raise SystemExit("bench: the awaited line never came")


def one_round(url: str, home: Path, room: str) -> float:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KETAVOICE_HOME": str(home), "KETAVOICE_ROOM": room,
           "KETAVOICE_DATABASE_URL": url}
    chat = subprocess.Popen([sys.executable, "-m", "ketavoice", "chat", "--jsonl", "--patient", "bench"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env, cwd=ROOT)
    assert chat.stdin is not None and chat.stdout is not None
    rows: queue.SimpleQueue[tuple[float, dict[str, Any]] | None] = queue.SimpleQueue()
    threading.Thread(target=read_rows, args=(chat.stdout, rows), daemon=True).start()
    try:
        until(rows, lambda r: r["type"] == "listen")
        chat.stdin.write("okay\nI have crushing chest pain\n")
        chat.stdin.flush()
        until(rows, lambda r: r["type"] == "listen" and r.get("hold") is True)
        with ClinicStore(ClinicConfig(url, "")) as store:
            deadline = time.monotonic() + CAP_S
            while not (alerts := store.alerts(open_only=True, room=room)):
                if time.monotonic() > deadline:
                    raise SystemExit("bench: the alert never reached the store")
                time.sleep(0.02)
            outcome = store.acknowledge(alerts[0].id, "Bench Nurse", "station")
            acked = time.monotonic()
        if outcome != "acknowledged":
            raise SystemExit(f"bench: acknowledgement {outcome}")
        released = until(rows, lambda r: r["type"] == "say" and r["text"] == RELEASED)
        chat.stdin.close()
        chat.wait(CAP_S)
        return released - acked
    finally:
        if chat.poll() is None:
            chat.kill()
            chat.wait()


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    base = os.environ.get("KETAVOICE_BENCH_DATABASE_URL") or os.environ.get("KETAVOICE_TEST_DATABASE_URL")
    if not base:
        raise SystemExit("set KETAVOICE_BENCH_DATABASE_URL (or start scripts/pg_test_server.sh)")
    name = "kvbench_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(base)._replace(path="/" + name))
    try:
        with tempfile.TemporaryDirectory(prefix="kv-ackbench-") as tmp:
            seconds = [one_round(url, Path(tmp) / f"room{i}", f"Bench Room {i}") for i in range(rounds)]
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    ms = [round(s * 1000, 1) for s in seconds]
    interval = inspect.signature(SyncWorker).parameters["interval"].default
    print(json.dumps({
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load": round(os.getloadavg()[0], 2)},
        "settings": {"rounds": rounds, "sync_interval_s": interval},
        "ack_to_release_ms": {"median": round(statistics.median(ms), 1), "max": max(ms), "rounds": ms},
    }, indent=2))


if __name__ == "__main__":
    main()
