"""Train the question-topic model (ketavoice/understanding/topic_model.py) and write its weights.

python scripts/train_topic_model.py              # 5-fold CV on the development questions, then train on
                                                 # all of them and write ketavoice/_data/topic_model.json
python scripts/train_topic_model.py --cv-only    # the CV figures only
python scripts/train_topic_model.py --search     # also the hyper-parameter grid, each setting's CV figures

Data: the development questions (tests/data/eval_v3/questions.tsv) and the `examples` of each
[answers.<topic>] table in content.toml (always in training, never scored). The held-out questions are
never read here. Multinomial logistic regression with an L2 penalty, fitted with numpy (a test-only tool)
by accelerated gradient descent in the span of the training rows (W = X^T A), deterministic: fixed fold
seed, fixed iteration count, no randomness in the fit. Every CV figure is computed by the shipped
plain-Python inference on the exported (pruned, quantised) weights of each fold's model.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ketavoice.understanding.topic_model import (  # noqa: E402
    FORMAT,
    MODEL_PATH,
    NONE_TOPIC,
    TopicModel,
    features,
    normalise,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEV = ROOT / "tests" / "data" / "eval_v3"
CONTENT = ROOT / "content.toml"
SEED = 20261203
FOLDS = 5
ITERATIONS = 1500
# Chosen by 5-fold CV accuracy on the development questions (with the content examples and pattern words
# in every training fold). Searched: lam 1e-5: 0.674, 1e-4: 0.661, 1e-3: 0.658 without idf or pattern
# words; with idf, 1e-4: 0.688, 1e-3: 0.684; with idf and pattern words, lam 1e-4: 0.778, 5e-4: 0.788,
# 1e-3: 0.785, 3e-3: 0.709, 1e-2: 0.245; at 1e-3, characters seen twice or more only: 0.774, word block
# 1.5x: 0.767, 'none' weighed 2x: 0.760, pattern words weighed 2x: 0.751, or 30 (10) per topic in all:
# 0.769 (0.734). --search reruns a smaller grid around the choice.
DEFAULTS: dict[str, Any] = {
    "lam": 5e-4,
    "word_scale": 1.0,
    "char_scale": 1.0,
    "char_min_df": 1,
    "none_weight": 1.0,
    "idf": True,
}
GRID: dict[str, list[Any]] = {
    "lam": [3e-4, 5e-4, 1e-3],
    "word_scale": [1.0],
    "char_scale": [1.0],
    "char_min_df": [1, 2],
    "none_weight": [1.0],
    "idf": [True],
}
# The file: weights stored as integers times QUANTUM; weights under PRUNE left out, and features with
# none left out too (chosen by the same CV, on the exported weights: PRUNE 0.002 with every feature kept
# 0.788 and 2.9 MB; 0.05 0.790, 0.9 MB; 0.1 0.790, 0.48 MB (0.781 keeping empty features); 0.15 0.767;
# 0.2 0.771).
QUANTUM = 1e-3
PRUNE = 0.1
KEEP_EMPTY = False  # True: a feature with no weight left would still count in its block's length
THRESHOLDS = [round(0.05 * step, 2) for step in range(0, 20)]

Example = tuple[str, str]


def read_questions(path: Path) -> list[Example]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(row["text"], row["topic"]) for row in reader if row.get("text")]


def _answer_tables(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """The [answers.<topic>] tables of a content file, by topic id (none when it has none)."""
    if not path.exists():
        return []
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return sorted(data.get("answers", {}).items())


def read_content_examples(path: Path) -> list[Example]:
    """The `examples` of every [answers.<topic>] table (none when the file has no answers)."""
    found: list[Example] = []
    for topic, table in _answer_tables(path):
        found += [(text, topic) for text in table.get("examples", [])]
    return found


def read_content_lexicon(path: Path) -> list[Example]:
    """Each word or phrase of the [answers.<topic>] patterns that stand alone (one part, no "..."), as a
    one-phrase example of its topic: the clinic's own vocabulary ("aspirin" is medication)."""
    found: list[Example] = []
    for topic, table in _answer_tables(path):
        for pattern in table.get("patterns", []):
            if "..." in pattern:
                continue
            for alternative in pattern.split("|"):
                phrase = alternative.strip().strip("()").strip()
                if phrase:
                    found.append((phrase, topic))
    return found


def topics_of(examples: list[Example]) -> tuple[str, ...]:
    named = sorted({topic for _, topic in examples if topic != NONE_TOPIC})
    return (*named, NONE_TOPIC)


def folds(examples: list[Example], count: int = FOLDS, seed: int = SEED) -> list[int]:
    """A fold number for each example, stratified by topic, from a fixed seed."""
    rng = np.random.default_rng(seed)
    assignment = [0] * len(examples)
    by_topic: dict[str, list[int]] = {}
    for index, (_, topic) in enumerate(examples):
        by_topic.setdefault(topic, []).append(index)
    offset = 0
    for topic in sorted(by_topic):
        indices = by_topic[topic]
        order = rng.permutation(len(indices))
        for rank, position in enumerate(order):
            assignment[indices[position]] = (rank + offset) % count
        offset += len(indices)
    return assignment


class Featurizer:
    """The vocabulary of a training set and its binary, per-block unit-length rows."""

    def __init__(
        self, texts: list[str], char_min_df: int, word_scale: float, char_scale: float, use_idf: bool
    ) -> None:
        self.word_scale = word_scale
        self.char_scale = char_scale
        word_df: Counter[str] = Counter()
        char_df: Counter[str] = Counter()
        for text in texts:
            words, chars = features(normalise(text))
            word_df.update(words)
            char_df.update(chars)
        names = sorted(word_df) + sorted(name for name, df in char_df.items() if df >= char_min_df)
        self.names = names
        self.index = {name: position for position, name in enumerate(names)}
        count = len(texts)
        df = {**word_df, **char_df}
        # Smoothed inverse document frequency, as scikit-learn's: ln((1 + n) / (1 + df)) + 1.
        self.idf = np.array(
            [np.log((1 + count) / (1 + df[name])) + 1.0 if use_idf else 1.0 for name in names]
        )

    def matrix(self, texts: list[str]) -> np.ndarray:
        rows = np.zeros((len(texts), len(self.names)))
        for row, text in enumerate(texts):
            words, chars = features(normalise(text))
            for block, scale in ((words, self.word_scale), (chars, self.char_scale)):
                present = [self.index[name] for name in block if name in self.index]
                if present:
                    values = self.idf[present]
                    rows[row, present] = scale * values / np.sqrt(float(values @ values))
        return rows


def fit(
    x: np.ndarray, labels: np.ndarray, classes: int, lam: float, sample_weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression, L2 penalty `lam` on W (not the bias): weighted mean cross-entropy
    + lam/2 |W|^2, minimised by Nesterov-accelerated gradient descent with W kept as X^T A (the minimum
    lies in that span), so each step costs n*n*k. Returns W (features x classes) and the bias."""
    n = x.shape[0]
    kernel = x @ x.T
    targets = np.zeros((n, classes))
    targets[np.arange(n), labels] = 1.0
    weight = sample_weight / sample_weight.sum()
    # Lipschitz bound of the gradient: softmax curvature <= 1/2, times the largest eigenvalue of the
    # weighted kernel (with a column of ones for the bias), plus the penalty.
    augmented = kernel + 1.0
    scaled = np.sqrt(weight)[:, None] * augmented * np.sqrt(weight)[None, :]
    lipschitz = 0.5 * float(np.linalg.eigvalsh(scaled)[-1]) + lam
    step = 1.0 / lipschitz
    alpha = np.zeros((n, classes))
    bias = np.zeros(classes)
    alpha_prev, bias_prev = alpha.copy(), bias.copy()
    for iteration in range(1, ITERATIONS + 1):
        momentum = (iteration - 1) / (iteration + 2)
        look_alpha = alpha + momentum * (alpha - alpha_prev)
        look_bias = bias + momentum * (bias - bias_prev)
        scores = kernel @ look_alpha + look_bias
        scores -= scores.max(axis=1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=1, keepdims=True)
        residual = (probs - targets) * weight[:, None]
        alpha_prev, bias_prev = alpha, bias
        alpha = look_alpha - step * (residual + lam * look_alpha)
        bias = look_bias - step * residual.sum(axis=0)
    return x.T @ alpha, bias


def export(
    featurizer: Featurizer, topics: tuple[str, ...], w: np.ndarray, bias: np.ndarray, threshold: float,
    info: dict[str, Any],
) -> dict[str, Any]:
    """The JSON form TopicModel.load reads: integer weights (times QUANTUM), small ones left out."""
    names: list[str] = []
    idfs: list[float] = []
    offsets: list[int] = [0]
    classes: list[int] = []
    values: list[int] = []
    for position, name in enumerate(featurizer.names):
        row = [(k, int(round(float(w[position, k]) / QUANTUM))) for k in range(len(topics))
               if abs(float(w[position, k])) >= PRUNE]
        if row or KEEP_EMPTY:
            for k, value in row:
                classes.append(k)
                values.append(value)
            offsets.append(len(classes))
            names.append(name)
            idfs.append(round(float(featurizer.idf[position]), 3))
    return {
        "format": FORMAT,
        "topics": list(topics),
        "scale": QUANTUM,
        "bias": [round(float(value), 5) for value in bias],
        "word_scale": featurizer.word_scale,
        "char_scale": featurizer.char_scale,
        "char_min": 3,
        "char_max": 5,
        "threshold": threshold,
        "features": names,
        "idf": idfs,
        "offsets": offsets,
        "classes": classes,
        "values": values,
        "info": info,
    }


def train(train_set: list[Example], topics: tuple[str, ...], params: dict[str, Any], threshold: float,
          info: dict[str, Any]) -> dict[str, Any]:
    texts = [text for text, _ in train_set]
    featurizer = Featurizer(
        texts, params["char_min_df"], params["word_scale"], params["char_scale"], params["idf"]
    )
    x = featurizer.matrix(texts)
    position = {topic: index for index, topic in enumerate(topics)}
    labels = np.array([position[topic] for _, topic in train_set])
    sample_weight = np.array(
        [params["none_weight"] if topic == NONE_TOPIC else 1.0 for _, topic in train_set]
    )
    w, bias = fit(x, labels, len(topics), params["lam"], sample_weight)
    return export(featurizer, topics, w, bias, threshold, info)


def cross_validate(
    questions: list[Example], extra: list[Example], params: dict[str, Any]
) -> list[tuple[str, str, float]]:
    """(gold, predicted, probability) for every development question, each predicted by the model of
    the fold that did not see it (trained on the other folds and the content examples)."""
    topics = topics_of(questions + extra)
    assignment = folds(questions)
    predictions: list[tuple[str, str, float] | None] = [None] * len(questions)
    for fold in range(FOLDS):
        train_set = [example for example, f in zip(questions, assignment, strict=True) if f != fold] + extra
        model = TopicModel.from_json(train(train_set, topics, params, 0.0, {}))
        for index, (example, f) in enumerate(zip(questions, assignment, strict=True)):
            if f == fold:
                predicted, probability = model.topic(example[0])
                predictions[index] = (example[1], predicted, probability)
    return [p for p in predictions if p is not None]


def figures(predictions: list[tuple[str, str, float]], threshold: float) -> dict[str, Any]:
    """Accuracy (top topic), and with the threshold: unsure answers counted as 'none' (saved for the
    care team), coverage, and accuracy of the answers given."""
    total = len(predictions)
    right = sum(gold == predicted for gold, predicted, _ in predictions)
    decided = [(gold, predicted) for gold, predicted, probability in predictions if probability >= threshold]
    decided_right = sum(gold == predicted for gold, predicted in decided)
    as_none = sum(
        gold == (predicted if probability >= threshold else NONE_TOPIC)
        for gold, predicted, probability in predictions
    )
    wrong_answer = sum(
        probability >= threshold and predicted != NONE_TOPIC and gold != predicted
        for gold, predicted, probability in predictions
    )
    per_topic: dict[str, dict[str, int]] = {}
    for gold, predicted, _ in predictions:
        entry = per_topic.setdefault(gold, {"right": 0, "wrong": 0})
        entry["right" if gold == predicted else "wrong"] += 1
    return {
        "questions": total,
        "accuracy": round(right / total, 4),
        "right": right,
        "threshold": threshold,
        "coverage": round(len(decided) / total, 4),
        "accuracy_when_sure": round(decided_right / len(decided), 4) if decided else None,
        "accuracy_unsure_as_none": round(as_none / total, 4),
        "wrong_approved_answer_when_sure": wrong_answer,
        "per_topic": dict(sorted(per_topic.items())),
    }


def choose_threshold(predictions: list[tuple[str, str, float]]) -> float:
    """The threshold with the best CV accuracy when unsure questions are saved for the care team
    ('none'); of equals, the highest (fewest wrong approved answers)."""
    best = max(THRESHOLDS, key=lambda t: (figures(predictions, t)["accuracy_unsure_as_none"], t))
    return best


def data_hash(examples: list[Example]) -> str:
    digest = hashlib.sha256()
    for text, topic in examples:
        digest.update(f"{text}\t{topic}\n".encode())
    return digest.hexdigest()[:16]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cv-only", action="store_true", help="print the CV figures, write nothing")
    parser.add_argument(
        "--search", action="store_true", help="also print the CV accuracy of every grid setting"
    )
    parser.add_argument("--output", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)

    questions = [q for path in sorted(DEV.glob("questions*.tsv")) for q in read_questions(path)]
    examples = read_content_examples(CONTENT)
    lexicon = read_content_lexicon(CONTENT)
    extra = examples + lexicon
    report: dict[str, Any] = {
        "dev_questions": len(questions), "content_examples": len(examples), "content_lexicon": len(lexicon)
    }
    started = time.perf_counter()
    if args.search:
        grid: list[dict[str, Any]] = []
        keys = sorted(GRID)
        settings: list[dict[str, Any]] = [{}]
        for key in keys:
            settings = [{**s, key: value} for s in settings for value in GRID[key]]
        for setting in settings:
            predictions = cross_validate(questions, extra, setting)
            grid.append({**setting, "cv_accuracy": figures(predictions, 0.0)["accuracy"]})
        grid.sort(key=lambda entry: -entry["cv_accuracy"])
        report["grid"] = grid
    predictions = cross_validate(questions, extra, DEFAULTS)
    threshold = choose_threshold(predictions)
    report["params"] = DEFAULTS
    report["cv"] = figures(predictions, threshold)
    report["cv_by_threshold"] = {
        str(t): {
            k: figures(predictions, t)[k]
            for k in ("coverage", "accuracy_when_sure", "accuracy_unsure_as_none")
        }
        for t in THRESHOLDS[::2]
    }
    if not args.cv_only:
        info = {
            "trained_on": {
                "dev_questions": len(questions),
                "content_examples": len(examples),
                "content_lexicon": len(lexicon),
            },
            "data_sha256_16": data_hash(questions + extra),
            "params": DEFAULTS,
            "cv_accuracy": report["cv"]["accuracy"],
            "cv_accuracy_unsure_as_none": report["cv"]["accuracy_unsure_as_none"],
        }
        model = train(questions + extra, topics_of(questions + extra), DEFAULTS, threshold, info)
        args.output.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(model, separators=(",", ":"), sort_keys=True)
        args.output.write_text(text + "\n", encoding="utf-8")
        shown = args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output
        report["written"] = {"path": str(shown), "bytes": len(text) + 1, "features": len(model["features"])}
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
