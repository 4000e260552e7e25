"""Core benchmarks: engine turn latency, understanding latency, `ketavoice chat` start-up. Prints JSON.

python bench/run.py            # from the repository root, with ketavoice installed or on PYTHONPATH
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ketavoice.content import load_content  # noqa: E402
from ketavoice.content.model import Content, Step  # noqa: E402
from ketavoice.engine.engine import Engine  # noqa: E402
from ketavoice.engine.events import Started, Typed  # noqa: E402
from ketavoice.journal.base import Journal  # noqa: E402
from ketavoice.journal.memory import MemoryJournal  # noqa: E402
from ketavoice.journal.sqlite import SqliteJournal  # noqa: E402
from ketavoice.understanding import understand  # noqa: E402

UTTERANCES = [
    "yes",
    "Yeah.",
    "uh huh",
    "nope",
    "say that again",
    "about a seven",
    "7/10",
    "seven out of ten",
    "slower please",
    "I feel a bit dizzy",
    "my chest hurts",
    "I don't want to be alive",
    "purple elephant",
    "I think I'd like to go back to the part about driving please",
]


def _answer(step: Step) -> str:
    if step.kind == "choice":
        return step.choices[0].phrases[0]
    if step.kind == "yes_no":
        return step.expected or "no"
    if step.kind == "number":
        return "about a seven"
    if step.kind == "note":
        return "no"
    return "okay"


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def engine_turns(
    content: Content, turns: int, make_journal: type[Journal] | None, home: Path | None
) -> list[float]:
    """Microseconds per `handle` call over `turns` turns, restarting the dialogue when it ends."""
    samples: list[float] = []
    while len(samples) < turns:
        journal: Journal = MemoryJournal() if home is None else SqliteJournal(home / "bench.sqlite3")
        engine = Engine(content, journal, patient_id="bench", clock=time.time)
        engine.handle(Started())
        while not engine.finished and len(samples) < turns:
            event = Typed(_answer(engine.step))
            start = time.perf_counter_ns()
            engine.handle(event)
            samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def understanding_us(content: Content, rounds: int = 2000) -> dict[str, float]:
    per: list[float] = []
    for _ in range(rounds):
        for text in UTTERANCES:
            start = time.perf_counter_ns()
            understand(content, text)
            per.append((time.perf_counter_ns() - start) / 1000)
    return {
        "understand_median_us": round(statistics.median(per), 1),
        "understand_p99_us": round(_percentile(per, 0.99), 1),
    }


def chat_startup_s(runs: int = 10) -> dict[str, float]:
    times: list[float] = []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "KETAVOICE_HOME": home, "PYTHONPATH": str(ROOT)}
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "ketavoice", "chat"],
                input="",
                env=env,
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - start)
    return {
        "chat_startup_median_s": round(statistics.median(times), 3),
        "chat_startup_max_s": round(max(times), 3),
    }


def main() -> None:
    content = load_content()
    memory = engine_turns(content, 10_000, None, None)
    with tempfile.TemporaryDirectory() as home:
        sqlite = engine_turns(content, 500, SqliteJournal, Path(home))
    result: dict[str, object] = {
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}",
        "engine_turns": len(memory),
        "engine_turn_median_us": round(statistics.median(memory), 1),
        "engine_turn_p99_us": round(_percentile(memory, 0.99), 1),
        "engine_turns_sqlite": len(sqlite),
        "engine_turn_sqlite_median_ms": round(statistics.median(sqlite) / 1000, 2),
        "engine_turn_sqlite_p99_ms": round(_percentile(sqlite, 0.99) / 1000, 2),
        **understanding_us(content),
        **chat_startup_s(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
