"""Journal timings: open, durable writes (with and without a 3 s WAV), reads; SQLite vs in-memory.

usage: PYTHONPATH=. python bench/bench_journal.py [N]   (uses a temp dir; prints one line per measure)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ketavoice.journal import open_journal
from ketavoice.journal.memory import MemoryJournal

THREE_SECONDS_PCM = b"\x01\x00" * 16_000 * 3


def timed(label: str, repeat: int, action: Callable[[int], object]) -> None:
    samples = []
    for number in range(repeat):
        started = time.perf_counter()
        action(number)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95) - 1] if len(samples) > 1 else samples[0]
    print(f"{label:<34} median {statistics.median(samples):8.3f} ms   p95 {p95:8.3f} ms   (n={repeat})")


def run(name: str, journal: Any, count: int) -> None:
    session = journal.start_session("bench", "default", 0.0)
    timed(f"{name} save_mood", count, lambda n: journal.save_mood(session, n % 11, float(n)))
    timed(
        f"{name} save_note (typed)",
        count,
        lambda n: journal.save_note(session, "a note " * 20, None, False, n),
    )
    timed(
        f"{name} save_note (3 s audio)",
        max(count // 5, 1),
        lambda n: journal.save_note(session, "spoken", THREE_SECONDS_PCM, True, float(n)),
    )
    timed(f"{name} add_alert", count, lambda n: journal.add_alert(session, "bench", "staff", "x", float(n)))
    timed(f"{name} notes() all", 20, lambda n: journal.notes())
    timed(f"{name} open_alerts()", 20, lambda n: journal.open_alerts())


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        journal = open_journal(Path(tmp) / "home")
        print(f"{'sqlite open (new file)':<34} {(time.perf_counter() - started) * 1000:8.3f} ms")
        run("sqlite", journal, count)
        journal.close()
        started = time.perf_counter()
        open_journal(Path(tmp) / "home").close()
        print(f"{'sqlite reopen (quick_check)':<34} {(time.perf_counter() - started) * 1000:8.3f} ms")
    run("memory", MemoryJournal(), count)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
