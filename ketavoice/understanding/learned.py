"""A learned red-flag tier that only ever raises a check question.

The rule-based understanding (`safety.py`, `content.toml [red_flags]`) is precise but misses red flags said
in words it was not written for. `LearnedTier` is a small multinomial logistic regression over word 1-2-grams
and character 3-5-grams (robust to misspelling and recognition slips), trained by
`scripts/train_flag_model.py` on the development sets and shipped as a JSON weights file inside the package
(`ketavoice/_data/flag_model.json`). Inference is plain Python: no numpy at run time.

It is meant for an utterance in which the rules found nothing: `level(text)` returns ("emergency" or
"crisis", probability) when P(emergency) + P(crisis) reaches the threshold chosen by cross-validation (calm,
expected-effect and question lines flagged at most 3%), else None. A caller must treat its answer as a
*possible* flag (a check question), never as certain.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

FORMAT = "ketavoice-flag-model/1"
MODEL_PATH = Path(__file__).resolve().parent.parent / "_data" / "flag_model.json"
LEVELS = ("emergency", "crisis")

_NON_WORD = re.compile(r"[^a-z0-9 ]+")
_SPACES = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Lower case, ASCII, apostrophes dropped ("can't" == "cant"), all else not a letter or digit a space."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    folded = folded.replace("'", "").replace("`", "")
    return _SPACES.sub(" ", _NON_WORD.sub(" ", folded)).strip()


def features(text: str) -> set[str]:
    """The binary features of `text`: words, word pairs and character 3-5-grams (spaces included)."""
    norm = normalise(text)
    words = norm.split()
    found: set[str] = {"w:" + word for word in words}
    found.update("b:" + first + " " + second for first, second in zip(words, words[1:], strict=False))
    padded = " " + norm + " "
    for size in (3, 4, 5):
        found.update("c:" + padded[i : i + size] for i in range(len(padded) - size + 1))
    return found


class LearnedTier:
    """Scores an utterance for P(emergency) and P(crisis); above `threshold` it names the likelier level."""

    def __init__(
        self,
        weights: dict[str, tuple[float, float]],
        bias: tuple[float, float],
        threshold: float,
    ) -> None:
        self._weights = weights
        self._bias = bias
        self.threshold = threshold

    @classmethod
    def load(cls, path: Path | None = None) -> LearnedTier | None:
        """The tier from its weights file, or None when the file is missing or damaged (never a traceback)."""
        try:
            raw = json.loads((path or MODEL_PATH).read_text(encoding="utf-8"))
            return cls._from_json(raw)
        except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError):
            return None

    @classmethod
    def _from_json(cls, raw: object) -> LearnedTier | None:
        if not isinstance(raw, dict) or raw.get("format") != FORMAT or raw.get("classes") != list(LEVELS):
            return None
        threshold = raw["threshold"]
        bias = raw["bias"]
        table = raw["weights"]
        if not _number(threshold) or not 0.0 < float(threshold) < 1.0:
            return None
        if not isinstance(bias, list) or len(bias) != 2 or not all(_number(b) for b in bias):
            return None
        if not isinstance(table, dict) or not table:
            return None
        weights: dict[str, tuple[float, float]] = {}
        for name, pair in table.items():
            if not isinstance(pair, list) or len(pair) != 2 or not (_number(pair[0]) and _number(pair[1])):
                return None
            weights[name] = (float(pair[0]), float(pair[1]))
        return cls(weights, (float(bias[0]), float(bias[1])), float(threshold))

    def probabilities(self, text: str) -> tuple[float, float]:
        """(P(emergency), P(crisis)) for `text`; the rest is P(neither)."""
        return self.probabilities_of(features(text))

    def probabilities_of(self, found: Iterable[str]) -> tuple[float, float]:
        names = [name for name in found]
        emergency, crisis = self._bias
        if names:
            scale = 1.0 / math.sqrt(len(names))
            get = self._weights.get
            sum_e = sum_c = 0.0
            for name in names:
                pair = get(name)
                if pair is not None:
                    sum_e += pair[0]
                    sum_c += pair[1]
            emergency += sum_e * scale
            crisis += sum_c * scale
        top = max(0.0, emergency, crisis)
        none_e, emergency_e, crisis_e = math.exp(-top), math.exp(emergency - top), math.exp(crisis - top)
        total = none_e + emergency_e + crisis_e
        return emergency_e / total, crisis_e / total

    def level(self, text: str) -> tuple[str, float] | None:
        """("emergency" | "crisis", P(red flag)) when P(emergency) + P(crisis) reaches the threshold, or None.

        Only ever grounds for a check question: the caller never makes it certain.
        """
        emergency, crisis = self.probabilities(text)
        either = emergency + crisis
        if either < self.threshold:
            return None
        return ("emergency" if emergency >= crisis else "crisis"), either


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


_UNLOADED = object()
_cached: object = _UNLOADED


def shared_tier() -> LearnedTier | None:
    """The packaged tier, loaded on first use (about 35 ms) and kept; None when its weights are unusable.

    Loading here, at the first utterance, keeps start-up free of it; a front end that already runs threads
    may call this once on one of them beforehand. No threading here: the understanding core imports none.
    """
    global _cached
    if _cached is _UNLOADED:
        _cached = LearnedTier.load()
    return _cached if isinstance(_cached, LearnedTier) else None
