"""Rebuild the learned red-flag tier's weights (ketavoice/_data/flag_model.json) from the development sets.

Deterministic (fixed fold seed, lbfgs). Chooses the operating threshold by 5-fold cross-validation: the
lowest one that keeps calm, expected-effect and question lines flagged at or below 3% (counted where the
rules found nothing, since the tier only runs there), and prints the cross-validated figures as JSON.
Needs numpy and scikit-learn (test-only tools); the shipped tier needs neither.

python scripts/train_flag_model.py              # retrain, write the weights, print CV figures
python scripts/train_flag_model.py --no-write   # CV figures only
python scripts/train_flag_model.py --compare-minilm   # also candidate (b): all-MiniLM-L6-v2 embeddings + LR
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ketavoice.understanding.learned import FORMAT, LEVELS, MODEL_PATH, features, normalise  # noqa: E402

DEV_V3 = ROOT / "tests" / "data" / "eval_v3"
DEV_V1 = ROOT / "tests" / "data" / "eval"
SEED = 20261203
FOLDS = 5
MAX_NEGATIVE_FLAGGED = 0.03
C = 10.0
MIN_DF = 2
CLASSES = ("none", *LEVELS)
# Groups whose flag rate the operating point bounds (the tier's added check questions on benign lines).
COUNTS = ("lines", "rules_flag", "rules_miss", "tier_flags_rule_miss", "tier_flags_any_line")
BOUNDED = ("calm", "expected", "questions", "calm_v1")
# v3 ambiguous lines have no level: the one a nurse would check for, by concept.
CRISIS_CONCEPTS = ("hopelessness", "past_attempt", "past_self_harm")


Pair = tuple[float, float]  # (P(emergency), P(crisis))


@dataclass(frozen=True)
class Example:
    text: str
    target: str  # none | emergency | crisis
    group: str  # emergency, crisis, ambiguous (v3 labels), calm, expected, questions, *_v1, answers


Scorer = Callable[[Sequence[Example]], list[Pair]]
Factory = Callable[[Sequence[Example]], Scorer]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def ambiguous_level(concept: str) -> str:
    return "crisis" if concept in CRISIS_CONCEPTS else "emergency"


def load_sets(v3: Path, v1: Path | None) -> list[Example]:
    """Every line of the sets under `v3` (flags_*.tsv and the answer sets) and, if given, `v1`."""
    examples: list[Example] = []
    for path in sorted(v3.glob("flags_*.tsv")):
        for row in _rows(path):
            label = row["label"]
            if label in LEVELS:
                examples.append(Example(row["text"], label, label))
            elif label == "ambiguous":
                examples.append(Example(row["text"], ambiguous_level(row.get("concept", "")), "ambiguous"))
            else:
                examples.append(Example(row["text"], "none", label))
    for path in sorted(v3.glob("questions*.tsv")):
        examples += [Example(row["text"], "none", "questions") for row in _rows(path)]
    answer_sets = ("asq", "frequency", "ride_home", "drive_teachback")
    for path in sorted(p for name in answer_sets for p in v3.glob(f"{name}*.tsv")):
        name = path.stem.split("_E")[0] + ".tsv"
        for row in _rows(path):
            # A "yes" to an ASQ item can be a crisis said in words ("yeah they'd be better off without me"):
            # not a benign line, so neither a negative to learn from nor a false alarm to count.
            if name == "asq.tsv" and row.get("label") == "yes":
                continue
            examples.append(Example(row["text"], "none", "answers"))
    if v1 is not None:
        for name, group in (("red_flags", "red_flags_v1"), ("ambiguous", "ambiguous_v1")):
            examples += [Example(row["text"], row["level"], group) for row in _rows(v1 / f"{name}.tsv")]
        examples += [Example(row["text"], "none", "calm_v1") for row in _rows(v1 / "calm.tsv")]
        examples += [Example(row["text"], "none", "answers") for row in _rows(v1 / "answers.tsv")]
    return examples


def dedupe(examples: Sequence[Example]) -> list[Example]:
    """One example per normalised text (the first): no line sits in both a training and a test fold."""
    seen: set[str] = set()
    kept: list[Example] = []
    for example in examples:
        key = normalise(example.text)
        if key and key not in seen:
            seen.add(key)
            kept.append(example)
    return kept


def rule_flags(texts: Sequence[str]) -> list[bool]:
    """Whether the rules found a red flag (any tier) in each text (the learned tier's own do not count)."""
    from ketavoice.content import load_content
    from ketavoice.understanding import understand

    content = load_content(None)
    return [
        any(flag.concept_id != "learned" for flag in understand(content, text).flags) for text in texts
    ]


# ---------------------------------------------------------------- candidate (a): n-gram logistic regression


def _vectorise(docs: Sequence[set[str]], vocabulary: dict[str, int]) -> object:
    import numpy as np
    from scipy.sparse import csr_matrix  # type: ignore[import-untyped]

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for i, found in enumerate(docs):
        scale = 1.0 / math.sqrt(len(found)) if found else 0.0
        for name in found:
            j = vocabulary.get(name)
            if j is not None:
                rows.append(i)
                cols.append(j)
                vals.append(scale)
    return csr_matrix((np.array(vals), (np.array(rows), np.array(cols))), shape=(len(docs), len(vocabulary)))


def _vocabulary(docs: Sequence[set[str]]) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for found in docs:
        counts.update(found)
    return {name: i for i, name in enumerate(sorted(n for n, c in counts.items() if c >= MIN_DF))}


def fit_ngram(docs: Sequence[set[str]], targets: Sequence[str], c: float = C) -> dict[str, object]:
    """A multinomial logistic regression as the shipped weights (log-odds against "none")."""
    from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

    vocabulary = _vocabulary(docs)
    model = LogisticRegression(C=c, max_iter=5000, tol=1e-6)
    model.fit(_vectorise(docs, vocabulary), [CLASSES.index(t) for t in targets])
    coef = model.coef_
    intercept = model.intercept_
    none, emergency, crisis = 0, 1, 2
    weights: dict[str, list[float]] = {}
    for name, j in vocabulary.items():
        pair = [round(float(coef[level, j] - coef[none, j]), 5) for level in (emergency, crisis)]
        if abs(pair[0]) >= 1e-4 or abs(pair[1]) >= 1e-4:
            weights[name] = pair
    bias = [
        round(float(intercept[emergency] - intercept[none]), 5),
        round(float(intercept[crisis] - intercept[none]), 5),
    ]
    return {"format": FORMAT, "classes": list(LEVELS), "threshold": 0.5, "bias": bias, "weights": weights}


def ngram_scorer(train: Sequence[Example], c: float = C) -> Scorer:
    from ketavoice.understanding.learned import LearnedTier

    raw = fit_ngram([features(e.text) for e in train], [e.target for e in train], c)
    tier = LearnedTier._from_json(raw)
    assert tier is not None
    return lambda test: [tier.probabilities(e.text) for e in test]


# ---------------------------------------------------------------- candidate (b): MiniLM embeddings + LR


def minilm_scorer_factory() -> Factory:
    import tempfile

    from all_minilm_l6_v2 import extract_model  # type: ignore[import-untyped]
    from sentence_transformers import SentenceTransformer
    from sklearn.linear_model import LogisticRegression

    model = SentenceTransformer(str(extract_model(tempfile.mkdtemp(prefix="minilm-"))), device="cpu")
    cache: dict[str, list[float]] = {}

    def embed(texts: Sequence[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            vectors = model.encode(missing, batch_size=64, normalize_embeddings=True)
            for text, vector in zip(missing, vectors, strict=True):
                cache[text] = [float(v) for v in vector]
        return [cache[t] for t in texts]

    def factory(train: Sequence[Example]) -> Scorer:
        lr = LogisticRegression(C=10.0, max_iter=5000)
        lr.fit(embed([e.text for e in train]), [CLASSES.index(e.target) for e in train])

        def score(test: Sequence[Example]) -> list[Pair]:
            probs = lr.predict_proba(embed([e.text for e in test]))
            return [(float(p[1]), float(p[2])) for p in probs]

        return score

    return factory


# ---------------------------------------------------------------- cross-validation and the operating point


def folds(examples: Sequence[Example], k: int = FOLDS, seed: int = SEED) -> list[int]:
    """A fold per example, stratified by group, shuffled with a fixed seed."""
    import random

    rng = random.Random(seed)
    by_group: dict[str, list[int]] = {}
    for i, example in enumerate(examples):
        by_group.setdefault(example.group, []).append(i)
    assignment = [0] * len(examples)
    offset = 0
    for group in sorted(by_group):
        members = by_group[group]
        rng.shuffle(members)
        for n, i in enumerate(members):
            assignment[i] = (n + offset) % k
        offset += len(members)
    return assignment


def out_of_fold(
    examples: Sequence[Example],
    factory: Factory,
) -> list[Pair]:
    assignment = folds(examples)
    scores: list[Pair] = [(0.0, 0.0)] * len(examples)
    for fold in range(FOLDS):
        train = [e for e, f in zip(examples, assignment, strict=True) if f != fold]
        test_index = [i for i, f in enumerate(assignment) if f == fold]
        for i, score in zip(test_index, factory(train)([examples[i] for i in test_index]), strict=True):
            scores[i] = score
    return scores


def choose_threshold(examples: Sequence[Example], scores: Sequence[Pair], ruled: Sequence[bool]) -> float:
    """The lowest threshold flagging at most 3% of the bounded benign lines (where the rules found none)."""
    bounded = [i for i, e in enumerate(examples) if e.group in BOUNDED]
    allowed = int(MAX_NEGATIVE_FLAGGED * len(bounded))
    candidates = sorted((sum(scores[i]) for i in bounded if not ruled[i]), reverse=True)
    if len(candidates) <= allowed:
        return 0.5
    return min(0.99, max(0.05, math.nextafter(candidates[allowed], 1.0)))


def figures(
    examples: Sequence[Example], scores: Sequence[Pair], ruled: Sequence[bool], threshold: float
) -> dict[str, dict[str, int | float]]:
    """Per group: lines, found by the rules, flagged by the tier where the rules found nothing, its level."""
    out: dict[str, dict[str, int | float]] = {}
    for i, example in enumerate(examples):
        row = out.setdefault(
            example.group,
            dict.fromkeys(COUNTS, 0),
        )
        emergency, crisis = scores[i]
        flagged = emergency + crisis >= threshold
        row["lines"] += 1
        row["tier_flags_any_line"] += int(flagged)
        if ruled[i]:
            row["rules_flag"] += 1
        else:
            row["rules_miss"] += 1
            row["tier_flags_rule_miss"] += int(flagged)
            if flagged and example.target in LEVELS:
                level = "emergency" if emergency >= crisis else "crisis"
                row["tier_right_level"] = int(row.get("tier_right_level", 0)) + int(level == example.target)
    for row in out.values():
        lines = int(row["lines"])
        row["tier_flag_rate_added"] = round(int(row["tier_flags_rule_miss"]) / lines, 4) if lines else 0.0
    return out


def summary(examples: Sequence[Example], table: dict[str, dict[str, int | float]]) -> dict[str, int | float]:
    positives = [g for g in table if any(e.group == g and e.target in LEVELS for e in examples)]
    missed = sum(int(table[g]["rules_miss"]) for g in positives)
    caught = sum(int(table[g]["tier_flags_rule_miss"]) for g in positives)
    bounded_lines = sum(int(table[g]["lines"]) for g in BOUNDED if g in table)
    bounded_flags = sum(int(table[g]["tier_flags_rule_miss"]) for g in BOUNDED if g in table)
    return {
        "red_flags_missed_by_rules": missed,
        "of_those_caught_by_tier": caught,
        "share_caught": round(caught / missed, 4) if missed else 0.0,
        "benign_bounded_lines": bounded_lines,
        "benign_added_check_questions": bounded_flags,
        "benign_added_rate": round(bounded_flags / bounded_lines, 4) if bounded_lines else 0.0,
    }


def cross_validated(
    examples: Sequence[Example],
    ruled: Sequence[bool],
    factory: Factory,
) -> dict[str, object]:
    started = time.perf_counter()
    scores = out_of_fold(examples, factory)
    threshold = choose_threshold(examples, scores, ruled)
    table = figures(examples, scores, ruled, threshold)
    return {
        "threshold": round(threshold, 5),
        "summary": summary(examples, table),
        "groups": table,
        "seconds": round(time.perf_counter() - started, 1),
    }


def dev_examples() -> list[Example]:
    return dedupe(load_sets(DEV_V3, DEV_V1))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print CV figures, do not write the weights")
    parser.add_argument("--compare-minilm", action="store_true", help="also cross-validate MiniLM + LR")
    parser.add_argument("--c", type=float, default=C, help="inverse regularisation strength")
    parser.add_argument("--output", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)

    examples = dev_examples()
    ruled = rule_flags([e.text for e in examples])
    result: dict[str, object] = {
        "dev_lines": len(examples),
        "folds": FOLDS,
        "seed": SEED,
        "ngram_lr": {"C": args.c, **cross_validated(examples, ruled, lambda t: ngram_scorer(t, args.c))},
    }
    if args.compare_minilm:
        result["minilm_lr"] = cross_validated(examples, ruled, minilm_scorer_factory())
    if not args.no_write:
        raw = fit_ngram([features(e.text) for e in examples], [e.target for e in examples], args.c)
        cv = result["ngram_lr"]
        assert isinstance(cv, dict)
        raw["threshold"] = cv["threshold"]
        raw["trained_on"] = {"lines": len(examples), "C": args.c, "seed": SEED, "cv_summary": cv["summary"]}
        args.output.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(raw, sort_keys=True, separators=(",", ":")) + "\n"
        args.output.write_text(text, encoding="utf-8")
        result["weights"] = {"path": str(args.output), "features": len(raw["weights"]), "bytes": len(text)}  # type: ignore[arg-type]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
