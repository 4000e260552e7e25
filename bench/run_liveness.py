"""Liveness benchmarks against a real PostgreSQL server, through a relay that stalls or cuts the link.
Prints JSON.

    eval "$(bash scripts/pg_test_server.sh start)"     # or point KETAVOICE_BENCH_DATABASE_URL elsewhere
    python bench/run_liveness.py [rounds]

Per round, for a stall (the relay holds every byte: a stopped server or a partition), a cut (the relay
closes every connection and refuses new ones) and, when KETAVOICE_PG_DIR names the throwaway server's
data folder (scripts/pg_test_server.sh), a stop (SIGSTOP of that server's processes, then SIGCONT):
- room detection: from the fault to the room's SyncWorker saying offline (what the kiosk shows);
- station detection: from the fault to the station's feed loop (snapshot + heartbeat wait, as in
  `ketavoice station`) failing, i.e. its header leaving "live" (STALE at the latest after
  STATION_STALE_AFTER_S without a snapshot);
- delivery after recovery: an alert raised during a 10 s fault, from the link's return to the alert
  being in the store.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from ketavoice.clinic import liveness  # noqa: E402
from ketavoice.clinic.config import ClinicConfig  # noqa: E402
from ketavoice.clinic.listener import StationFeed  # noqa: E402
from ketavoice.clinic.pgstore import ClinicStore  # noqa: E402
from ketavoice.clinic.replicator import SyncWorker  # noqa: E402
from ketavoice.errors import KetavoiceError  # noqa: E402
from ketavoice.journal.sqlite import SqliteJournal  # noqa: E402
from tests.clinic_support import Relay, with_port  # noqa: E402

FAULT_S = 10.0
CAP_S = 120.0


def wait_until(condition: Callable[[], bool]) -> float:
    """monotonic() when `condition` first held (polled every 10 ms)."""
    deadline = time.monotonic() + CAP_S
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("bench: a condition never held; is the server up?")
        time.sleep(0.01)
    return time.monotonic()


class StationLoop:
    """The station's feed thread (ketavoice/tui/station_app.py `listen`), recording when it fails."""

    def __init__(self, config: ClinicConfig) -> None:
        self.config = config
        self.failed_at: float | None = None
        self.snapshots = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                feed = StationFeed(self.config)
            except KetavoiceError:
                self.failed_at = self.failed_at or time.monotonic()
                time.sleep(0.5)
                continue
            try:
                while not self._stop.is_set():
                    feed.snapshot()
                    self.snapshots += 1
                    feed.wait(liveness.HEARTBEAT_S)
            except KetavoiceError:
                self.failed_at = self.failed_at or time.monotonic()
            finally:
                feed.close()

    def stop(self) -> None:
        self._stop.set()


def server_pids() -> list[int]:
    """The throwaway server's postmaster and its children (only the one this bench was pointed at)."""
    folder = os.environ.get("KETAVOICE_PG_DIR", "")
    pid_file = Path(folder) / "postmaster.pid"
    if not folder or not pid_file.exists():
        return []
    postmaster = int(pid_file.read_text().split()[0])
    children = subprocess.run(["pgrep", "-P", str(postmaster)], capture_output=True, text=True).stdout
    return [postmaster, *(int(pid) for pid in children.split())]


def set_fault(relay: Relay, fault: str, on: bool) -> None:
    if fault == "stall":
        relay.stall() if on else relay.resume()
    elif fault == "cut":
        relay.down() if on else relay.up()
    else:
        for pid in server_pids():
            os.kill(pid, signal.SIGSTOP if on else signal.SIGCONT)


def one_round(url: str, fault: str, folder: Path) -> dict[str, float]:
    parts = urlsplit(url)
    relay = Relay(parts.hostname or "127.0.0.1", parts.port or 5432)
    relay.up()
    via = with_port(url, "127.0.0.1", relay.port)
    journal = SqliteJournal(folder / uuid.uuid4().hex / "journal.sqlite3")
    worker = SyncWorker(journal.path, ClinicConfig(via, "Bench room"), interval=0.5).start()
    station = StationLoop(ClinicConfig(via, ""))
    try:
        wait_until(lambda: worker.passes > 0 and station.snapshots > 0)
        start = time.monotonic()
        set_fault(relay, fault, True)
        session = journal.start_session("bench", "post_session", time.time())
        journal.add_alert(session, "bench", "emergency", "Emergency red flag", time.time())
        worker.wake()
        room_offline = wait_until(lambda: worker.offline)
        station_down = wait_until(lambda: station.failed_at is not None)
        time.sleep(max(0.0, FAULT_S - (time.monotonic() - start)))
        back = time.monotonic()
        set_fault(relay, fault, False)
        with ClinicStore(ClinicConfig(url, "")) as store:
            delivered = wait_until(lambda: bool(store.alerts(room="Bench room")))
        return {"room_detect_s": room_offline - start, "station_detect_s": station_down - start,
                "delivered_after_return_s": delivered - back}
    finally:
        if fault == "server-stop":
            set_fault(relay, fault, False)
        station.stop()
        worker.stop()
        relay.down()
        journal.close()


def summary(samples: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(samples), 3), "max": round(max(samples), 3)}


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    base = os.environ.get("KETAVOICE_BENCH_DATABASE_URL") or os.environ.get("KETAVOICE_TEST_DATABASE_URL")
    if not base:
        raise SystemExit("set KETAVOICE_BENCH_DATABASE_URL (or start scripts/pg_test_server.sh)")
    name = "kvbench_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = urlunsplit(urlsplit(base)._replace(path="/" + name))
    results: dict[str, object] = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load": round(os.getloadavg()[0], 2)},
        "settings": {"operation_deadline_s": liveness.OPERATION_DEADLINE_S,
                     "pass_deadline_s": liveness.PASS_DEADLINE_S, "heartbeat_s": liveness.HEARTBEAT_S,
                     "station_stale_after_s": liveness.STATION_STALE_AFTER_S,
                     "alert_retry_s": liveness.ALERT_RETRY_S, "fault_s": FAULT_S, "rounds": rounds},
    }
    try:
        with tempfile.TemporaryDirectory() as folder:
            for fault in ("stall", "cut", *(("server-stop",) if server_pids() else ())):
                runs = [one_round(url, fault, Path(folder)) for _ in range(rounds)]
                results[fault] = {key: summary([run[key] for run in runs]) for key in runs[0]}
    finally:
        with psycopg.connect(base, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
