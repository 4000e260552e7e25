"""TUI benchmarks; prints one JSON object.

- launch_to_first_screen: a real `python -m ketavoice` in tmux (80x24) until the first prompt is on the
  terminal (process start, imports, content, journal, first render), and the same in-process (headless
  Pilot, from App creation to the first prompt rendered).
- key_to_updated_prompt: an Enter key event on a typed answer until the prompt widget holds the next
  prompt (event dispatch + engine + journal writes + widget update), over the whole dialogue;
  key_to_idle_screen: the same until Textual reports the app idle with the new screen drawn (what a Pilot
  `press` waits for; includes Textual's own settling waits).

Run: PYTHONPATH=. python bench/run_tui.py [--rounds N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from textual import events

from ketavoice.content import load_content
from ketavoice.content.model import Content
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.tui.app import KetavoiceApp
from ketavoice.tui.widgets import PromptView

ROOT = Path(__file__).resolve().parents[1]
ANSWERS = ("c", "sleepy", "y", "no", *("okay",) * 6, "7", "yes", "a quiet day so far", "yes",
           *("okay",) * 5, "no")
FIRST_PROMPT = "Say okay when you're ready."


def summary(samples_ms: list[float]) -> dict[str, float]:
    ordered = sorted(samples_ms)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"n": len(ordered), "median_ms": round(statistics.median(ordered), 2),
            "p95_ms": round(p95, 2), "max_ms": round(ordered[-1], 2)}


def launch_in_tmux(rounds: int) -> list[float]:
    tmux = shutil.which("tmux")
    if tmux is None:
        return []
    samples = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as home:
            name = f"kvbench-{uuid.uuid4().hex[:8]}"
            env = f"env -i PATH=/usr/bin:/bin PYTHONPATH={ROOT} KETAVOICE_HOME={home} TERM=xterm-256color"
            start = time.perf_counter()
            subprocess.run([tmux, "new-session", "-d", "-s", name, "-x", "80", "-y", "24",
                            f"{env} {sys.executable} -m ketavoice --patient bench"], check=True)
            try:
                while time.perf_counter() - start < 60:
                    screen = subprocess.run([tmux, "capture-pane", "-p", "-t", name], capture_output=True,
                                            text=True).stdout
                    if FIRST_PROMPT in screen:
                        samples.append((time.perf_counter() - start) * 1000)
                        break
                    time.sleep(0.01)
            finally:
                subprocess.run([tmux, "send-keys", "-t", name, "C-q"], check=False)
                time.sleep(0.3)
                subprocess.run([tmux, "kill-session", "-t", name], check=False, capture_output=True)
    return samples


async def in_process(content: Content, rounds: int) -> tuple[list[float], list[float], list[float]]:
    launch: list[float] = []
    keys: list[float] = []
    idle: list[float] = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory() as folder:
            home = Path(folder)
            journal = SqliteJournal(home / "journal.sqlite3")
            start = time.perf_counter()
            app = KetavoiceApp(content, journal, patient_id="bench", home=home, tick_seconds=None)
            async with app.run_test(size=(80, 24)) as pilot:
                while not str(app.screen.query(PromptView).first().content if app.screen.query(PromptView)
                              else ""):
                    await asyncio.sleep(0.001)
                launch.append((time.perf_counter() - start) * 1000)
                for answer in ANSWERS:
                    await pilot.press(*["space" if ch == " " else ch for ch in answer])
                    prompt = app.screen.query_one(PromptView)
                    before = str(prompt.content)
                    pressed = time.perf_counter()
                    app.post_message(events.Key("enter", None))
                    while str(prompt.content) == before:
                        await asyncio.sleep(0)
                    keys.append((time.perf_counter() - pressed) * 1000)
                    await pilot.pause()  # Textual idle: the refreshed prompt has been drawn
                    idle.append((time.perf_counter() - pressed) * 1000)
            journal.close()
    return launch, keys, idle


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.pop("TEXTUAL", None)
    content = load_content()
    launch, keys, idle = asyncio.run(in_process(content, args.rounds))
    terminal = launch_in_tmux(args.rounds)
    result = {
        "benchmark": "tui",
        "size": "80x24",
        "launch_to_first_screen_terminal": summary(terminal) if terminal else None,
        "launch_to_first_screen_in_process": summary(launch),
        "key_to_updated_prompt": summary(keys),
        "key_to_idle_screen": summary(idle),
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
