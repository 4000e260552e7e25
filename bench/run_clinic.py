"""Clinic-store benchmarks against a real PostgreSQL server. Prints JSON.

    eval "$(bash scripts/pg_test_server.sh start)"     # or point KETAVOICE_BENCH_DATABASE_URL elsewhere
    python bench/run_clinic.py

- alert latency: 20 simulated rooms (a journal + background SyncWorker each, as in the kiosk) run
  sessions at once; a station feed (LISTEN/NOTIFY) stamps each alert when its snapshot first holds it.
  Latency = that moment minus the alert's journal time (the moment the patient's words were judged).
- replication throughput: one journal with 5,000 queued records delivered by `sync_once`.
- engine turn on a real SQLite journal with replication off vs on (a worker syncing every 50 ms).
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402

from ketavoice.clinic.config import ClinicConfig  # noqa: E402
from ketavoice.clinic.listener import StationFeed  # noqa: E402
from ketavoice.clinic.replicator import Replicator, SyncWorker  # noqa: E402
from ketavoice.content import load_content  # noqa: E402
from ketavoice.content.model import Content  # noqa: E402
from ketavoice.engine.engine import Engine  # noqa: E402
from ketavoice.engine.events import Started, Typed  # noqa: E402
from ketavoice.journal.sqlite import SqliteJournal  # noqa: E402

ROOMS = 20
ALERTS_PER_ROOM = 5


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def fresh_database(base: str) -> tuple[str, str]:
    name = "kvbench_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(urlsplit(base)._replace(path="/" + name)), name


def drop_database(base: str, name: str) -> None:
    with psycopg.connect(base, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def room_session(journal: SqliteJournal, worker: SyncWorker, room: int, rng: random.Random) -> None:
    """One room: moods and notes every few hundred ms, and ALERTS_PER_ROOM alerts at random moments."""
    patient = f"bench-{room:02d}"
    session = journal.start_session(patient, "post_session", time.time())
    worker.set_status(patient, "feeling")
    for _ in range(ALERTS_PER_ROOM):
        for _ in range(rng.randint(1, 3)):
            time.sleep(rng.uniform(0.05, 0.3))
            journal.save_mood(session, rng.randint(0, 10), time.time())
        journal.audit(session, "patient", "typed", "my chest hurts", time.time())
        journal.add_alert(session, patient, "emergency", "Emergency red flag", time.time())
        worker.wake()  # what the console/kiosk does when the engine raises an Alert
    journal.end_session(session, "completed", time.time())


def alert_latency(url: str, home: Path) -> dict[str, float]:
    rng = random.Random(12)
    journals = [SqliteJournal(home / f"room{r}" / "journal.sqlite3") for r in range(ROOMS)]
    workers = [SyncWorker(j.path, ClinicConfig(url, f"Room {r}")) for r, j in enumerate(journals)]
    feed = StationFeed(ClinicConfig(url, ""))
    latencies: dict[int, float] = {}
    for worker in workers:
        worker.start()
    threads = [threading.Thread(target=room_session, args=(j, w, r, random.Random(rng.random())))
               for r, (j, w) in enumerate(zip(journals, workers, strict=True))]
    for thread in threads:
        thread.start()
    deadline = time.time() + 120
    while len(latencies) < ROOMS * ALERTS_PER_ROOM and time.time() < deadline:
        feed.wait(1.0)
        now = time.time()
        for alert in feed.snapshot().open_alerts:
            latencies.setdefault(alert.id, now - alert.created_at)
    for thread in threads:
        thread.join()
    for worker in workers:
        worker.stop()
    feed.close()
    for journal in journals:
        journal.close()
    samples = [v * 1000 for v in latencies.values()]
    return {
        "rooms": ROOMS,
        "alerts_seen": len(samples),
        "alerts_expected": ROOMS * ALERTS_PER_ROOM,
        "alert_latency_median_ms": round(statistics.median(samples), 1),
        "alert_latency_p99_ms": round(percentile(samples, 0.99), 1),
        "alert_latency_max_ms": round(max(samples), 1),
    }


def throughput(url: str, home: Path, records: int = 5000) -> dict[str, float]:
    journal = SqliteJournal(home / "bulk" / "journal.sqlite3")
    session = journal.start_session("bulk", "post_session", time.time())
    for i in range(records - 1):
        journal.save_mood(session, i % 11, time.time())
    replicator = Replicator(journal.path, ClinicConfig(url, "Bulk"))
    start = time.perf_counter()
    report = replicator.sync_once()
    elapsed = time.perf_counter() - start
    replicator.close()
    journal.close()
    return {"replicated_records": report.delivered,
            "replication_records_per_s": round(report.delivered / elapsed)}


def engine_turns(content: Content, home: Path, url: str | None, turns: int = 400) -> list[float]:
    """Milliseconds per engine turn on a real SQLite journal (what the kiosk's UI thread waits for)."""
    journal = SqliteJournal(home / "journal.sqlite3")
    worker = SyncWorker(journal.path, ClinicConfig(url, "Turns"), interval=0.05).start() if url else None
    samples: list[float] = []
    try:
        while len(samples) < turns:
            engine = Engine(content, journal, patient_id="turns", clock=time.time)
            engine.handle(Started())
            while not engine.finished and len(samples) < turns:
                step = engine.step
                answer = {"choice": step.choices[0].phrases[0] if step.choices else "okay",
                          "yes_no": step.expected or "no", "number": "about a seven",
                          "note": "no"}.get(step.kind, "okay")
                start = time.perf_counter()
                engine.handle(Typed(answer))
                samples.append((time.perf_counter() - start) * 1000)
    finally:
        if worker is not None:
            worker.stop()
        journal.close()
    return samples


def main() -> None:
    base = os.environ.get("KETAVOICE_BENCH_DATABASE_URL") or os.environ.get("KETAVOICE_TEST_DATABASE_URL")
    if not base:
        raise SystemExit("set KETAVOICE_BENCH_DATABASE_URL (or start scripts/pg_test_server.sh)")
    content = load_content()
    url, name = fresh_database(base)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            result: dict[str, object] = {
                "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
                **alert_latency(url, home / "latency"),
                **throughput(url, home / "throughput"),
            }
            off = engine_turns(content, home / "off", None)
            on = engine_turns(content, home / "on", url)
            result.update({
                "engine_turn_sqlite_replication_off_median_ms": round(statistics.median(off), 2),
                "engine_turn_sqlite_replication_off_p99_ms": round(percentile(off, 0.99), 2),
                "engine_turn_sqlite_replication_on_median_ms": round(statistics.median(on), 2),
                "engine_turn_sqlite_replication_on_p99_ms": round(percentile(on, 0.99), 2),
            })
    finally:
        drop_database(base, name)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
