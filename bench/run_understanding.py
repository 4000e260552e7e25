"""Understanding on the evaluation sets: red-flag recall and calm false alarms per tier, and latency per
utterance with every tier on. Prints JSON.

python bench/run_understanding.py      # from the repository root
"""

from __future__ import annotations

import csv
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ketavoice.content import load_content  # noqa: E402
from ketavoice.understanding import understand  # noqa: E402

EVAL = ROOT / "tests" / "data" / "eval"


def _rows(name: str) -> list[dict[str, str]]:
    with (EVAL / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _tiers(texts: list[str]) -> dict[str, int]:
    content = load_content(None)
    counts = {"certain": 0, "possible": 0, "none": 0}
    for text in texts:
        flag = understand(content, text).flag
        counts[flag.certainty if flag is not None else "none"] += 1
    return counts


def main() -> None:
    content = load_content(None)
    red = _rows("red_flags.tsv")
    calm = _rows("calm.tsv")
    ambiguous = _rows("ambiguous.tsv")
    red_tiers = _tiers([row["text"] for row in red])
    calm_tiers = _tiers([row["text"] for row in calm])
    ambiguous_tiers = _tiers([row["text"] for row in ambiguous])
    texts = [row["text"] for row in red + calm + ambiguous + _rows("answers.tsv")]
    step = content.dialogue("post_session").step("feeling")
    understand(content, "warm up", step)
    timings: list[float] = []
    for _ in range(5):
        for text in texts:
            started = time.perf_counter()
            understand(content, text, step)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    result = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "red_flags": {
            "lines": len(red),
            **red_tiers,
            "caught": round((red_tiers["certain"] + red_tiers["possible"]) / len(red), 4),
            "certain_share": round(red_tiers["certain"] / len(red), 4),
        },
        "calm": {
            "lines": len(calm),
            **calm_tiers,
            "certain_rate": round(calm_tiers["certain"] / len(calm), 4),
            "check_rate": round(calm_tiers["possible"] / len(calm), 4),
        },
        "ambiguous": {"lines": len(ambiguous), **ambiguous_tiers},
        "latency_ms": {
            "utterances": len(timings),
            "median": round(statistics.median(timings), 3),
            "p99": round(timings[int(len(timings) * 0.99) - 1], 3),
            "max": round(timings[-1], 3),
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
