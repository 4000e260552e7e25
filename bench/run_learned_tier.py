"""The learned red-flag tier: 5-fold cross-validated figures on the development sets, and aggregate figures of
the shipped weights on the held-out sets (counts per label and tier only: no held-out line is ever printed),
with its load time, time per call and memory. Prints JSON.

python bench/run_learned_tier.py                # from the repository root; needs scikit-learn (test extra)
python bench/run_learned_tier.py --no-heldout   # development figures only

Per group: `lines`; `rules_flag`, lines the rules found a red flag in (any tier); `rules_miss`, the rest;
`tier_flags_rule_miss`, of those the lines the tier would ask a check question about; `tier_right_level`, of
those red flags, how many it named at the labelled level; `tier_flag_rate_added` = tier_flags_rule_miss /
lines. The operating point bounds the added rate on calm + expected + questions (+ v1 calm) at 3% on dev.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import train_flag_model as training  # noqa: E402

from ketavoice.understanding.learned import LearnedTier  # noqa: E402

HELDOUT = ROOT / "tests" / "data" / "heldout"


def _load_seconds() -> dict[str, float]:
    """A fresh process: import of the module alone, and the load of the weights."""
    code = (
        "import time, json\n"
        "t0 = time.perf_counter()\n"
        "from ketavoice.understanding.learned import LearnedTier\n"
        "t1 = time.perf_counter()\n"
        "tier = LearnedTier.load()\n"
        "t2 = time.perf_counter()\n"
        "assert tier is not None\n"
        "print(json.dumps([t1 - t0, t2 - t1]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = []
    for _ in range(5):
        command = [sys.executable, "-c", code]
        out = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
        runs.append(json.loads(out.stdout))
    return {
        "import_understanding_and_module_s_median": round(statistics.median(r[0] for r in runs), 4),
        "load_weights_s_median": round(statistics.median(r[1] for r in runs), 4),
    }


def _costs(tier: LearnedTier, texts: list[str]) -> dict[str, object]:
    for text in texts[:50]:
        tier.level(text)
    timings: list[float] = []
    for _ in range(3):
        for text in texts:
            started = time.perf_counter()
            tier.level(text)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    tracemalloc.start()
    loaded = LearnedTier.load()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert loaded is not None
    size = (ROOT / "ketavoice" / "_data" / "flag_model.json").stat().st_size
    return {
        **_load_seconds(),
        "call_ms_median": round(statistics.median(timings), 4),
        "call_ms_p99": round(timings[int(len(timings) * 0.99)], 4),
        "memory_mb_peak_of_load": round(peak / 1e6, 1),
        "weights_file_kb": round(size / 1024),
        "features": len(loaded._weights),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-heldout", action="store_true", help="skip the held-out sets")
    args = parser.parse_args()

    tier = LearnedTier.load()
    assert tier is not None, "flag_model.json missing or damaged: run scripts/train_flag_model.py"
    dev = training.dev_examples()
    dev_ruled = training.rule_flags([e.text for e in dev])
    cv = training.cross_validated(dev, dev_ruled, lambda train: training.ngram_scorer(train))
    result: dict[str, object] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "shipped_threshold": tier.threshold,
        "dev_cross_validated": cv,
    }
    if not args.no_heldout:
        heldout = training.load_sets(HELDOUT, None)
        ruled = training.rule_flags([e.text for e in heldout])
        scores = [tier.probabilities(e.text) for e in heldout]
        table = training.figures(heldout, scores, ruled, tier.threshold)
        result["heldout_shipped_weights"] = {
            "summary": training.summary(heldout, table),
            "groups": table,
        }
    result["costs"] = _costs(tier, [e.text for e in dev])
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
