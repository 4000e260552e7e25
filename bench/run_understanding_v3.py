"""Understanding v3 on the independent sets: red flags, calm lines, expected effects and questions, on the
development part (tests/data/eval_v3) and the held-out part (tests/data/heldout) side by side. Prints JSON.

python bench/run_understanding_v3.py               # figures for both parts
python bench/run_understanding_v3.py --misses      # also the development lines that fail (never held-out)

The held-out part is only ever counted here: no line of it is printed, so rules are never written
against it.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ketavoice.content import load_content  # noqa: E402
from ketavoice.content.model import Content  # noqa: E402
from ketavoice.meaning import Understood  # noqa: E402
from ketavoice.understanding import understand  # noqa: E402

DATA = ROOT / "tests" / "data"
PARTS = {"dev": DATA / "eval_v3", "held_out": DATA / "heldout"}
RED = ("emergency", "crisis")


def rows(folder: Path, prefix: str) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for path in sorted(folder.glob(f"{prefix}*.tsv")):
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            found += [row for row in reader if row.get("text")]
    return found


def flag_figures(
    content: Content, lines: list[dict[str, str]], misses: list[str] | None
) -> dict[str, object]:
    by_label: dict[str, Counter[str]] = {}
    for row in lines:
        label = row["label"].strip()
        meaning = understand(content, row["text"])
        tier = meaning.flag.certainty if meaning.flag is not None else "none"
        counts = by_label.setdefault(label, Counter())
        counts[tier] += 1
        counts["lines"] += 1
        if label in RED and meaning.flag is not None and meaning.flag.level != label:
            counts["other_level"] += 1
        if label == "expected" and meaning.intent == "expected_effect":
            counts["reassured"] += 1
            if meaning.value == row.get("concept", "").strip():
                counts["right_effect"] += 1
        if misses is not None and _fails(label, meaning):
            misses.append(f"{label}\t{tier}\t{meaning.intent}\t{row.get('concept', '')}\t{row['text']}")
    return {label: _summary(label, counts) for label, counts in sorted(by_label.items())}


def _fails(label: str, meaning: Understood) -> bool:
    flag = meaning.flag
    if label in RED:
        return flag is None or flag.certainty != "certain"
    if label == "ambiguous":
        return flag is None
    if label == "expected":
        return flag is not None or meaning.intent != "expected_effect"
    return flag is not None


def _summary(label: str, counts: Counter[str]) -> dict[str, object]:
    total = counts["lines"]
    out: dict[str, object] = {"lines": total, "certain": counts["certain"], "possible": counts["possible"],
                              "none": counts["none"]}
    if label in RED or label == "ambiguous":
        out["caught"] = round((counts["certain"] + counts["possible"]) / total, 4)
        out["certain_share"] = round(counts["certain"] / total, 4)
    else:
        out["certain_rate"] = round(counts["certain"] / total, 4)
        out["check_rate"] = round(counts["possible"] / total, 4)
    if label == "expected":
        out["reassured"] = round(counts["reassured"] / total, 4)
        out["right_effect"] = round(counts["right_effect"] / total, 4)
    return out


def question_figures(
    content: Content, lines: list[dict[str, str]], misses: list[str] | None
) -> dict[str, object]:
    steps = [None, *_answer_steps(content)]
    counts: Counter[str] = Counter()
    for row in lines:
        topic = row["topic"].strip()
        for step in steps:
            meaning = understand(content, row["text"], step)
            counts["tries"] += 1
            if meaning.intent == "question":
                counts["as_question"] += 1
                got = meaning.value if meaning.value is not None else "none"
                if got == topic:
                    counts["right_topic"] += 1
                elif misses is not None and step is None:
                    misses.append(f"topic\t{topic}\t{got}\t{row['text']}")
            elif meaning.red_flag:
                counts["certain_flag"] += 1
            else:
                counts["as_answer"] += 1
                if misses is not None:
                    where = step.id if step is not None else "-"
                    misses.append(f"answer\t{topic}\t{meaning.intent}@{where}\t{row['text']}")
            if meaning.flag is not None and meaning.flag.certainty == "possible":
                counts["check"] += 1
    tries = counts["tries"] or 1
    return {
        "questions": len(lines),
        "tries": counts["tries"],
        "right_topic": round(counts["right_topic"] / tries, 4),
        "read_as_answer": round(counts["as_answer"] / tries, 4),
        "certain_flag": counts["certain_flag"],
        "check_question": round(counts["check"] / tries, 4),
    }


def _answer_steps(content: Content) -> list:  # type: ignore[type-arg]
    """One step of each kind the patient answers: where a question could be taken for an answer."""
    post = content.dialogue("post_session")
    wanted = ("feeling", "ride_home", "drive_check", "mood_rating", "welcome")
    return [post.step(step_id) for step_id in wanted if any(s.id == step_id for s in post.steps)]


def latency(content: Content, texts: list[str]) -> dict[str, float]:
    step = content.dialogue("post_session").step("feeling")
    understand(content, "warm up", step)
    timings: list[float] = []
    for text in texts:
        started = time.perf_counter()
        understand(content, text, step)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {
        "utterances": len(timings),
        "median_ms": round(statistics.median(timings), 3),
        "p99_ms": round(timings[max(0, int(len(timings) * 0.99) - 1)], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", action="store_true", help="print failing development lines to stderr")
    args = parser.parse_args()
    content = load_content(None)
    result: dict[str, object] = {}
    texts: list[str] = []
    for part, folder in PARTS.items():
        misses: list[str] | None = [] if args.misses and part == "dev" else None
        flags = rows(folder, "flags")
        questions = rows(folder, "questions")
        texts += [row["text"] for row in flags + questions]
        result[part] = {
            "flags": flag_figures(content, flags, misses),
            "questions": question_figures(content, questions, misses) if questions else None,
        }
        if misses:
            print("\n".join(misses), file=sys.stderr)
    result["latency"] = latency(content, texts)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
