"""The learned red-flag tier: it loads, scores obvious lines right, fails closed (None) on damaged weights,
stays fast, and its cross-validated development figures stay at or above a floor."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ketavoice.understanding import learned
from ketavoice.understanding.learned import MODEL_PATH, LearnedTier, features, normalise

ROOT = Path(__file__).resolve().parents[1]

EMERGENCY = [
    "I've got crushing pain in my chest and it's going down my left arm",
    "she's not breathing and her lips are blue",
    "my husband took a whole bottle of his oxycodone and i cant wake him",
]
CRISIS = [
    "i'm going to kill myself tonight",
    "I've been saving up my pills to take them all at once",
    "everyone would be better off if i was gone",
]
BENIGN = [
    "what time is my next appointment",
    "my daughter is driving me home",
    "can I have a glass of water",
    "my phone battery is dying",
    "",
    "!!!",
]


@pytest.fixture(scope="module")
def tier() -> LearnedTier:
    loaded = LearnedTier.load()
    assert loaded is not None
    return loaded


def test_loads_the_packaged_weights(tier: LearnedTier) -> None:
    assert MODEL_PATH.name == "flag_model.json" and MODEL_PATH.parent.name == "_data"
    assert 0.0 < tier.threshold < 1.0
    assert learned.shared_tier() is learned.shared_tier() is not None


@pytest.mark.parametrize("text", EMERGENCY)
def test_obvious_emergencies(tier: LearnedTier, text: str) -> None:
    found = tier.level(text)
    assert found is not None and found[0] == "emergency" and tier.threshold <= found[1] < 1.0


@pytest.mark.parametrize("text", CRISIS)
def test_obvious_crises(tier: LearnedTier, text: str) -> None:
    found = tier.level(text)
    assert found is not None and found[0] == "crisis" and tier.threshold <= found[1] < 1.0


@pytest.mark.parametrize("text", BENIGN)
def test_benign_lines_raise_nothing(tier: LearnedTier, text: str) -> None:
    assert tier.level(text) is None


def test_probabilities_are_probabilities(tier: LearnedTier) -> None:
    for text in EMERGENCY + CRISIS + BENIGN + ["a" * 5000, "\u00e9\u00e8 \u2019 \U0001f600"]:
        emergency, crisis = tier.probabilities(text)
        assert 0.0 <= emergency <= 1.0 and 0.0 <= crisis <= 1.0 and emergency + crisis <= 1.0 + 1e-12


def test_features_fold_spelling_and_punctuation() -> None:
    assert normalise("I CAN'T  breathe!!") == normalise("i cant breathe") == "i cant breathe"
    assert {"w:cant", "b:cant breathe", "c: ca", "c:breat"} <= features("I can't breathe")


def _valid() -> dict[str, object]:
    return {
        "format": learned.FORMAT,
        "classes": ["emergency", "crisis"],
        "threshold": 0.5,
        "bias": [-1.0, -1.0],
        "weights": {"w:chest": [3.0, 0.0]},
    }


def _damaged() -> list[bytes]:
    raw = json.dumps(_valid()).encode()
    variants: list[bytes] = [b"", b"\x00\xff\xfe garbage", raw[: len(raw) // 2], b"[]", b"null", b"{}"]
    for key, value in [
        ("format", "other/9"),
        ("classes", ["crisis", "emergency"]),
        ("threshold", 1.5),
        ("threshold", "0.5"),
        ("threshold", True),
        ("bias", [0.0]),
        ("bias", ["x", 0.0]),
        ("weights", {}),
        ("weights", []),
        ("weights", {"w:chest": [1.0]}),
        ("weights", {"w:chest": [1.0, None]}),
        ("weights", {"w:chest": "1,0"}),
    ]:
        variants.append(json.dumps({**_valid(), key: value}).encode())
    variants.append(json.dumps(_valid()).replace("3.0", "NaN").encode())
    variants.append(json.dumps({k: v for k, v in _valid().items() if k != "bias"}).encode())
    return variants


def test_a_valid_small_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    path.write_text(json.dumps(_valid()), encoding="utf-8")
    small = LearnedTier.load(path)
    assert small is not None
    found = small.level("chest")
    assert found is not None and found[0] == "emergency"
    assert small.level("water") is None


@pytest.mark.parametrize("index", range(len(_damaged())))
def test_damaged_weights_give_none(tmp_path: Path, index: int) -> None:
    path = tmp_path / "model.json"
    path.write_bytes(_damaged()[index])
    assert LearnedTier.load(path) is None


def test_missing_or_unreadable_weights_give_none(tmp_path: Path) -> None:
    assert LearnedTier.load(tmp_path / "absent.json") is None
    assert LearnedTier.load(tmp_path) is None  # a directory


def test_a_call_is_fast(tier: LearnedTier) -> None:
    texts = [*EMERGENCY, *CRISIS, *BENIGN, "um i dont know its like my whole left side feels heavy and wrong"]
    timings = []
    for _ in range(50):
        for text in texts:
            started = time.perf_counter()
            tier.level(text)
            timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.002


def test_loading_is_quick_and_imports_no_threading() -> None:
    code = (
        "import sys, time, json\n"
        "from ketavoice.understanding.learned import LearnedTier\n"
        "t = time.perf_counter(); tier = LearnedTier.load(); t = time.perf_counter() - t\n"
        "print(json.dumps([tier is not None, t, [m for m in ('threading', 'numpy') if m in sys.modules]]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    loaded, seconds, forbidden = json.loads(out.stdout)
    assert loaded and forbidden == []
    assert seconds < 0.5  # about 35 ms on the development machine


@pytest.mark.slow
def test_cross_validated_dev_figures_stay_above_the_floor() -> None:
    pytest.importorskip("sklearn")
    sys.path.insert(0, str(ROOT / "scripts"))
    import train_flag_model as training

    examples = training.dev_examples()
    ruled = training.rule_flags([e.text for e in examples])
    cv = training.cross_validated(examples, ruled, training.ngram_scorer)
    summary = cv["summary"]
    assert isinstance(summary, dict)
    # Measured after understanding v3's rules (which now miss 106 of the development red flags, not 360):
    # 57 of 106 caught (54%), 2.96% added check questions on benign lines.
    assert summary["benign_added_rate"] <= training.MAX_NEGATIVE_FLAGGED
    assert summary["share_caught"] >= 0.50
    groups = cv["groups"]
    assert isinstance(groups, dict)
    for level in ("emergency", "crisis"):
        row = groups[level]
        assert row["tier_right_level"] >= 0.9 * row["tier_flags_rule_miss"]
