"""Screening answers read by meaning: PHQ/GAD frequency answers and ASQ yes/no answers, on the
development sets (tests/data/eval_v3/) and the held-out sets (tests/data/heldout/), written by
independent writers. Prints JSON with aggregate figures only (never a held-out line).

Each answer is read exactly as the engine reads it (`ketavoice.screening.answers.read` with the bundled
instruments). For each set: of the clear answers, % read right and % read wrong (a different option:
a guess); of the unclear ones, % asked again (no option chosen: unclear, or declined with no option).
An ASQ answer is clear when its label is yes, no, unsure or declined; `unsafe` counts positive answers
(yes, unsure, declined) read as no, `false_positive` counts a no read as positive.

python bench/run_screening_answers.py [--misses]   # from the repository root; --misses: dev lines only
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ketavoice.content import load_content  # noqa: E402
from ketavoice.content.instruments import Instrument  # noqa: E402
from ketavoice.screening.answers import read  # noqa: E402

DEV = ROOT / "tests" / "data" / "eval_v3"
HELD_OUT = ROOT / "tests" / "data" / "heldout"
POSITIVE = frozenset({"yes", "unsure", "declined"})


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def frequency_figures(path: Path, instrument: Instrument) -> dict[str, object]:
    """Clear answers right / wrong and unclear ones asked again, for one frequency set."""
    clear = right = wrong = unclear = asked = skipped = 0
    for row in _rows(path):
        text, expected = row.get("text"), (row.get("value") or "").strip()
        if text is None or not expected:
            skipped += 1
            continue
        answer = read(instrument, text).answer
        if expected == "unclear":
            unclear += 1
            asked += answer is None
            continue
        clear += 1
        if answer is not None:
            right += str(answer.value) == expected
            wrong += str(answer.value) != expected
    return {
        "answers": clear + unclear, "clear": clear, "unclear": unclear,
        "clear_right_pct": _percent(right, clear), "clear_wrong_pct": _percent(wrong, clear),
        "clear_wrong": wrong, "clear_asked_again_pct": _percent(clear - right - wrong, clear),
        "unclear_asked_again_pct": _percent(asked, unclear), "rows_skipped": skipped,
    }


def asq_figures(path: Path, instrument: Instrument) -> dict[str, object]:
    """The same figures for one ASQ set, with the safety-relevant errors apart."""
    clear = right = wrong = unclear = asked = unsafe = false_positive = skipped = 0
    for row in _rows(path):
        text, expected = row.get("text"), (row.get("label") or "").strip()
        if text is None or not expected:
            skipped += 1
            continue
        reading = read(instrument, text)
        got = reading.answer.id if reading.answer is not None else None
        if expected == "unclear":
            unclear += 1
            asked += got is None
            continue
        clear += 1
        if got is None:
            continue
        right += got == expected
        wrong += got != expected
        unsafe += expected in POSITIVE and got == "no"
        false_positive += expected == "no" and got in POSITIVE
    return {
        "answers": clear + unclear, "clear": clear, "unclear": unclear,
        "clear_right_pct": _percent(right, clear), "clear_wrong_pct": _percent(wrong, clear),
        "clear_wrong": wrong, "unsafe": unsafe, "false_positive": false_positive,
        "clear_asked_again_pct": _percent(clear - right - wrong, clear),
        "unclear_asked_again_pct": _percent(asked, unclear), "rows_skipped": skipped,
    }


def set_figures(folder: Path) -> dict[str, dict[str, object]]:
    """The figures for the frequency and ASQ sets in `folder` (those that are there)."""
    content = load_content(None)
    sets: dict[str, dict[str, object]] = {}
    for path in sorted(folder.glob("frequency*.tsv")):
        sets[path.stem] = frequency_figures(path, content.instrument("phq9"))
    for path in sorted(folder.glob("asq*.tsv")):
        sets[path.stem] = asq_figures(path, content.instrument("asq"))
    return sets


def dev_misses() -> list[dict[str, str]]:
    """The development frequency answers read wrong or not read (never a held-out line)."""
    phq9 = load_content(None).instrument("phq9")
    misses = []
    for path in sorted(DEV.glob("frequency*.tsv")):
        for row in _rows(path):
            answer = read(phq9, row["text"]).answer
            got = "unclear" if answer is None else str(answer.value)
            if got != row["value"].strip():
                misses.append({"set": path.stem, "text": row["text"], "expected": row["value"], "got": got})
    return misses


def main() -> None:
    if "--misses" in sys.argv[1:]:
        print(json.dumps(dev_misses(), indent=1))
        return
    print(json.dumps({"dev": set_figures(DEV), "held_out": set_figures(HELD_OUT)}, indent=1))


if __name__ == "__main__":
    main()
