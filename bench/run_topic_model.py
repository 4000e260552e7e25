"""The question-topic model (ketavoice/understanding/topic_model.py): 5-fold CV on the development
questions (tests/data/eval_v3/questions.tsv) and the shipped model on the held-out ones
(tests/data/heldout/questions.tsv), with load and call times. Prints JSON.

python bench/run_topic_model.py            # CV, held-out, timing
python bench/run_topic_model.py --no-cv    # held-out and timing only (CV takes a few minutes)

The held-out part is only counted here: accuracy and per-topic right/wrong counts, never a line of it.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from ketavoice.understanding.topic_model import MODEL_PATH, TopicModel  # noqa: E402

HELD_OUT = ROOT / "tests" / "data" / "heldout"


def held_out(model: TopicModel) -> dict[str, Any]:
    """Aggregate figures only: accuracy, with the threshold, and per-topic right/wrong counts."""
    rows: list[tuple[str, str]] = []
    for path in sorted(HELD_OUT.glob("questions*.tsv")):
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            rows += [(row["text"], row["topic"]) for row in reader if row.get("text")]
    from train_topic_model import figures

    predictions = [(gold, *model.topic(text)) for text, gold in rows]
    result: dict[str, Any] = figures(predictions, model.threshold)
    return result


def timing(model_path: Path, texts: list[str]) -> dict[str, Any]:
    loads = []
    for _ in range(5):
        started = time.perf_counter()
        model = TopicModel.load(model_path)
        loads.append((time.perf_counter() - started) * 1000)
    assert model is not None
    calls = []
    for _ in range(3):
        for text in texts:
            started = time.perf_counter()
            model.topic(text)
            calls.append((time.perf_counter() - started) * 1000)
    calls.sort()
    cold = []
    code = (
        "import time; started = time.perf_counter()\n"
        "from ketavoice.understanding.topic_model import shared_model\n"
        "assert shared_model() is not None; print((time.perf_counter() - started) * 1000)"
    )
    for _ in range(3):
        command = [sys.executable, "-c", code]
        result = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
        cold.append(float(result.stdout))
    return {
        "cold_import_and_load_ms_median": round(statistics.median(cold), 2),
        "load_ms_median": round(statistics.median(loads), 2),
        "load_ms_max": round(max(loads), 2),
        "call_ms_median": round(statistics.median(calls), 3),
        "call_ms_p99": round(calls[int(len(calls) * 0.99) - 1], 3),
        "file_bytes": model_path.stat().st_size,
        "features": len(model.weights),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-cv", action="store_true", help="skip the cross-validation")
    args = parser.parse_args(argv)

    from train_topic_model import (
        CONTENT,
        DEFAULTS,
        DEV,
        cross_validate,
        figures,
        read_content_examples,
        read_content_lexicon,
        read_questions,
    )

    model = TopicModel.load()
    if model is None:
        print(json.dumps({"error": f"no usable model at {MODEL_PATH}: run scripts/train_topic_model.py"}))
        return 1
    questions = [q for path in sorted(DEV.glob("questions*.tsv")) for q in read_questions(path)]
    report: dict[str, Any] = {"model": model.info}
    if not args.no_cv:
        extra = read_content_examples(CONTENT) + read_content_lexicon(CONTENT)
        report["dev_cv"] = figures(cross_validate(questions, extra, DEFAULTS), model.threshold)
    report["held_out"] = held_out(model)
    report["timing"] = timing(MODEL_PATH, [text for text, _ in questions])
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
