"""Yes/no with negation and subject, and the driving teach-back, on answer sets written by others.
Prints JSON: aggregate figures only (never the lines), so it may run over a held-out set.

python bench/run_yes_no.py                       # dev sets, tests/data/eval_v3/
python bench/run_yes_no.py --misses              # the dev lines read otherwise than labelled
python bench/run_yes_no.py tests/data/heldout    # a held-out folder: aggregate figures only

ride_home.tsv (label yes / no / unsure) is read at the ride-home step; what the dialogue does with each
intent: yes -> "Good, let them drive"; no or unsure -> staff alert. drive_teachback.tsv (label correct /
wrong / unclear) at "When can you drive again?": no = the right answer; yes = the correction, then the
alert; unsure = a wrong answer too; unknown = asked again.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ketavoice.content import load_content  # noqa: E402
from ketavoice.content.model import Content  # noqa: E402
from ketavoice.understanding import understand  # noqa: E402

DEV = ROOT / "tests" / "data" / "eval_v3"


def _rows(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(row["text"], row["label"]) for row in reader]


def _intent(content: Content, step_id: str, text: str) -> str:
    step = content.dialogue("post_session").step(step_id)
    return understand(content, text, step).intent


def ride_home(content: Content, path: Path) -> dict[str, object]:
    rows = _rows(path)
    exact = 0
    unsafe_yes = 0  # a "no" or "unsure" read as yes: no staff alert, the worst error here
    yes_lost = 0  # a clear yes read as anything else: a needless alert or a re-ask
    asked_again = 0
    per_label: dict[str, dict[str, int]] = {}
    for text, label in rows:
        intent = _intent(content, "ride_home", text)
        per_label.setdefault(label, {}).setdefault(intent, 0)
        per_label[label][intent] += 1
        exact += intent == label
        unsafe_yes += label in ("no", "unsure") and intent == "yes"
        yes_lost += label == "yes" and intent != "yes"
        asked_again += intent not in ("yes", "no", "unsure")
    safe = sum((label == "yes") == (_intent(content, "ride_home", text) == "yes") for text, label in rows)
    return {
        "lines": len(rows),
        "exact": exact,
        "exact_rate": round(exact / len(rows), 3) if rows else None,
        "safe_outcome": safe,
        "safe_outcome_rate": round(safe / len(rows), 3) if rows else None,
        "no_or_unsure_read_as_yes": unsafe_yes,
        "yes_not_read_as_yes": yes_lost,
        "asked_again": asked_again,
        "by_label": per_label,
    }


def drive_teachback(content: Content, path: Path) -> dict[str, object]:
    rows = _rows(path)
    outcome = {"no": "correct", "yes": "wrong", "unsure": "wrong"}
    counts = {label: {"right": 0, "total": 0} for label in ("correct", "wrong", "unclear")}
    wrong_accepted = 0  # a today answer taken as right: no correction, no alert
    unclear_accepted = 0
    for text, label in rows:
        heard = outcome.get(_intent(content, "drive_check", text), "unclear")
        bucket = counts.setdefault(label, {"right": 0, "total": 0})
        bucket["total"] += 1
        # An unclear answer is right when asked again or treated as wrong (corrected): never accepted.
        bucket["right"] += heard == label or (label == "unclear" and heard == "wrong")
        wrong_accepted += label == "wrong" and heard == "correct"
        unclear_accepted += label == "unclear" and heard == "correct"
    return {
        "lines": len(rows),
        **{f"{label}_right": f"{bucket['right']}/{bucket['total']}" for label, bucket in counts.items()},
        "wrong_accepted_as_right": wrong_accepted,
        "unclear_accepted_as_right": unclear_accepted,
        "all_right_rate": round(sum(b["right"] for b in counts.values()) / len(rows), 3) if rows else None,
    }


def figures(folder: Path) -> dict[str, object]:
    content = load_content(None)
    out: dict[str, object] = {"folder": folder.name}
    for path in sorted(folder.glob("ride_home*.tsv")):
        out[path.stem] = ride_home(content, path)
    for path in sorted(folder.glob("drive_teachback*.tsv")):
        out[path.stem] = drive_teachback(content, path)
    return out


def dev_misses() -> list[dict[str, str]]:
    """Development lines read otherwise than labelled (never a held-out line)."""
    content = load_content(None)
    outcome = {"no": "correct", "yes": "wrong", "unsure": "wrong"}
    misses = []
    for path in sorted(DEV.glob("ride_home*.tsv")):
        for text, label in _rows(path):
            if (intent := _intent(content, "ride_home", text)) != label:
                misses.append({"set": path.stem, "text": text, "label": label, "got": intent})
    for path in sorted(DEV.glob("drive_teachback*.tsv")):
        for text, label in _rows(path):
            heard = outcome.get(_intent(content, "drive_check", text), "unclear")
            if heard != label:
                misses.append({"set": path.stem, "text": text, "label": label, "got": heard})
    return misses


def main() -> None:
    if "--misses" in sys.argv[1:]:
        print(json.dumps(dev_misses(), indent=1))
        return
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEV
    print(json.dumps(figures(folder.resolve()), indent=2))


if __name__ == "__main__":
    main()
