"""A learned question-topic classifier: multinomial logistic regression over word 1-2-grams and character
3-5-grams of the normalised question, run in plain Python from a small JSON weights file shipped in the
package (`ketavoice/_data/topic_model.json`, written by `scripts/train_topic_model.py`).

`TopicModel.topic(text)` gives the most probable topic id (one of the clinic's [answers] topics, or
"none": no approved answer) and its probability; `decide(text)` gives None below the threshold chosen by
cross-validation (unsure). Nothing is read at import time: `TopicModel.load()` reads the file when asked
(a few milliseconds) and returns None, never raises, when the file is missing or damaged.
"""

from __future__ import annotations

import json
import math
import operator
import re
import unicodedata
from pathlib import Path
from typing import Any

FORMAT = "ketavoice-topic-model/1"
MODEL_PATH = Path(__file__).resolve().parent.parent / "_data" / "topic_model.json"
NONE_TOPIC = "none"

# Common txt-speak and spoken-form spellings, mapped to the written word (after lowercasing and dropping
# apostrophes). General shorthand only, not fitted to any one data set.
TXT_SPEAK: dict[str, str] = {
    "u": "you",
    "ya": "you",
    "yu": "you",
    "ur": "your",
    "r": "are",
    "y": "why",
    "hw": "how",
    "wat": "what",
    "wut": "what",
    "wht": "what",
    "wot": "what",
    "whta": "what",
    "wen": "when",
    "whn": "when",
    "wer": "where",
    "cn": "can",
    "cud": "could",
    "shud": "should",
    "shld": "should",
    "wud": "would",
    "wld": "would",
    "hav": "have",
    "da": "the",
    "teh": "the",
    "n": "and",
    "nd": "and",
    "b4": "before",
    "bfr": "before",
    "aftr": "after",
    "agen": "again",
    "agin": "again",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmrow": "tomorrow",
    "tmw": "tomorrow",
    "tomoz": "tomorrow",
    "tomorow": "tomorrow",
    "tommorow": "tomorrow",
    "tommorrow": "tomorrow",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "2day": "today",
    "tday": "today",
    "2nite": "tonight",
    "2night": "tonight",
    "tonite": "tonight",
    "tnite": "tonight",
    "nite": "night",
    "rite": "right",
    "ppl": "people",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "ty": "thanks",
    "bc": "because",
    "bcz": "because",
    "cuz": "because",
    "coz": "because",
    "cos": "because",
    "abt": "about",
    "bout": "about",
    "til": "till",
    "untill": "until",
    "gonna": "going to",
    "gunna": "going to",
    "wanna": "want to",
    "gotta": "got to",
    "kinda": "kind of",
    "sorta": "sort of",
    "dunno": "do not know",
    "ok": "okay",
    "k": "okay",
    "kk": "okay",
    "oky": "okay",
    "okey": "okay",
    "alrite": "alright",
    "mins": "minutes",
    "min": "minute",
    "hrs": "hours",
    "hr": "hour",
    "wk": "week",
    "wks": "weeks",
    "dr": "doctor",
    "doc": "doctor",
    "docs": "doctors",
    "appt": "appointment",
    "appts": "appointments",
    "meds": "medication",
    "med": "medication",
    "prob": "probably",
    "probs": "probably",
    "totaly": "totally",
    "realy": "really",
    "rly": "really",
    "sumthing": "something",
    "smth": "something",
    "sth": "something",
    "w": "with",
    "wo": "without",
    "im": "i am",
    "ive": "i have",
    "cant": "can not",
    "cannot": "can not",
    "dont": "do not",
    "doesnt": "does not",
    "didnt": "did not",
    "isnt": "is not",
    "arent": "are not",
    "wont": "will not",
    "shouldnt": "should not",
    "wouldnt": "would not",
    "couldnt": "could not",
    "hasnt": "has not",
    "havent": "have not",
    "wasnt": "was not",
    "whats": "what is",
    "hows": "how is",
    "wheres": "where is",
    "whens": "when is",
    "whos": "who is",
    "thats": "that is",
    "its": "it is",
    "theres": "there is",
}

_APOSTROPHES = re.compile(r"['\u2019\u2018\u02bc`\u00b4]")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def normalise(text: str) -> str:
    """Lowercase, apostrophes dropped ("can't" -> "cant"), anything else not a letter or digit a space,
    txt-speak written out ("hw long till i can drink agen" -> "how long till i can drink again")."""
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = _APOSTROPHES.sub("", folded)
    tokens = _NON_WORD.sub(" ", folded).split()
    return " ".join(TXT_SPEAK.get(token, token) for token in tokens)


def features(normalised: str, char_min: int = 3, char_max: int = 5) -> tuple[list[str], list[str]]:
    """The word 1-2-grams ("w:...") and character n-grams ("c:...", over the text padded with a space
    each side) of a normalised text, each list without repeats, in a fixed order."""
    tokens = normalised.split()
    words: dict[str, None] = {}
    for index, token in enumerate(tokens):
        words["w:" + token] = None
        if index + 1 < len(tokens):
            words["w:" + token + " " + tokens[index + 1]] = None
    chars: dict[str, None] = {}
    padded = " " + normalised + " "
    for size in range(char_min, char_max + 1):
        for start in range(len(padded) - size + 1):
            chars["c:" + padded[start : start + size]] = None
    return list(words), list(chars)


class TopicModel:
    """Weights of a trained model; `topic` is pure Python (well under a millisecond a call)."""

    def __init__(
        self,
        topics: tuple[str, ...],
        bias: tuple[float, ...],
        weights: FeatureTable,
        threshold: float,
        word_scale: float,
        char_scale: float,
        char_min: int = 3,
        char_max: int = 5,
        info: dict[str, Any] | None = None,
    ) -> None:
        self.topics = topics
        self.bias = bias
        self.weights = weights
        self.threshold = threshold
        self.word_scale = word_scale
        self.char_scale = char_scale
        self.char_min = char_min
        self.char_max = char_max
        self.info: dict[str, Any] = info or {}

    @classmethod
    def load(cls, path: Path | None = None) -> TopicModel | None:
        """The model in `path` (default: the package's), or None when it is missing or damaged."""
        try:
            raw = (path or MODEL_PATH).read_bytes()
            data = json.loads(raw.decode("utf-8"))
            return cls.from_json(data)
        except (OSError, UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError, OverflowError):
            return None
        except RecursionError:
            return None

    @classmethod
    def from_json(cls, data: Any) -> TopicModel:
        """Build a model from its JSON form; ValueError for anything that is not one."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a ketavoice topic model")
        topics = tuple(data["topics"])
        if not topics or not all(isinstance(t, str) and t for t in topics) or len(set(topics)) != len(topics):
            raise ValueError("bad topics")
        if NONE_TOPIC not in topics:
            raise ValueError("no 'none' topic")
        size = len(topics)
        scale = _number(data["scale"])
        if scale <= 0:
            raise ValueError("bad scale")
        bias = _vector(data["bias"], size, 1.0)
        weights = FeatureTable.from_lists(
            data["features"], data["idf"], data["offsets"], data["classes"], data["values"], size, scale
        )
        threshold = _number(data["threshold"])
        if not 0.0 <= threshold <= 1.0:
            raise ValueError("bad threshold")
        char_min, char_max = int(data["char_min"]), int(data["char_max"])
        if not 1 <= char_min <= char_max <= 8:
            raise ValueError("bad character n-gram range")
        info = data.get("info", {})
        return cls(
            topics=topics,
            bias=bias,
            weights=weights,
            threshold=threshold,
            word_scale=_number(data["word_scale"]),
            char_scale=_number(data["char_scale"]),
            char_min=char_min,
            char_max=char_max,
            info=info if isinstance(info, dict) else {},
        )

    def probabilities(self, text: str) -> dict[str, float]:
        """Every topic's probability for `text` (they add up to 1)."""
        scores = self._scores(text)
        top = max(scores)
        exps = [math.exp(score - top) for score in scores]
        total = sum(exps)
        return {topic: value / total for topic, value in zip(self.topics, exps, strict=True)}

    def topic(self, text: str) -> tuple[str, float]:
        """The most probable topic id ("none" included) for `text`, and its probability."""
        scores = self._scores(text)
        best = max(range(len(scores)), key=scores.__getitem__)
        top = scores[best]
        total = sum(math.exp(score - top) for score in scores)
        return self.topics[best], 1.0 / total

    def decide(self, text: str) -> str | None:
        """The topic id ("none" included) when its probability reaches the threshold, else None (unsure)."""
        topic, probability = self.topic(text)
        return topic if probability >= self.threshold else None

    def _scores(self, text: str) -> list[float]:
        words, chars = features(normalise(text), self.char_min, self.char_max)
        scores = list(self.bias)
        for names, scale in ((words, self.word_scale), (chars, self.char_scale)):
            table = self.weights
            present = [position for position in map(table.index.get, names) if position is not None]
            if not present:
                continue
            idf, offsets, classes, values = table.idf, table.offsets, table.classes, table.values
            # Each feature present counts its idf; each block is scaled to unit length, times its scale.
            factor = scale * table.scale / math.sqrt(sum(idf[position] ** 2 for position in present))
            for position in present:
                value = factor * idf[position]
                for entry in range(offsets[position], offsets[position + 1]):
                    scores[classes[entry]] += value * values[entry]
        return scores


_shared: TopicModel | None = None
_shared_loaded = False


def shared_model() -> TopicModel | None:
    """The package's model, read on first use and kept (None when missing or damaged). Understanding is
    called from one thread per engine; two first calls at once would only both read the same file."""
    global _shared, _shared_loaded
    if not _shared_loaded:
        _shared = TopicModel.load()
        _shared_loaded = True
    return _shared


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("not a number")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError("not finite")
    return number


def _vector(values: Any, size: int, scale: float) -> tuple[float, ...]:
    if not isinstance(values, list) or len(values) != size:
        raise ValueError("bad vector")
    return tuple(_number(value) * scale for value in values)


class FeatureTable:
    """The features of a model, as loaded: name -> position, its idf, and its non-zero weights, entries
    offsets[position] to offsets[position + 1] of `classes` (class index) and `values` (integer weight,
    times `scale`). Flat lists, checked with builtins: a load takes a few milliseconds."""

    def __init__(
        self, index: dict[str, int], idf: list[float], offsets: list[int], classes: list[int],
        values: list[int], scale: float,
    ) -> None:
        self.index = index
        self.idf = idf
        self.offsets = offsets
        self.classes = classes
        self.values = values
        self.scale = scale

    def __len__(self) -> int:
        return len(self.index)

    @classmethod
    def from_lists(
        cls, names: Any, idf: Any, offsets: Any, classes: Any, values: Any, size: int, scale: float
    ) -> FeatureTable:
        lists = (names, idf, offsets, classes, values)
        if not all(type(item) is list for item in lists):
            raise ValueError("bad features")
        count = len(names)
        if count == 0 or len(idf) != count or len(offsets) != count + 1 or len(classes) != len(values):
            raise ValueError("bad features")
        # Exact types, as JSON gives them (never bool here); NaN and infinity are refused by the ranges.
        if set(map(type, names)) != {str} or len(set(names)) != count:
            raise ValueError("bad feature names")
        if not set(map(type, idf)) <= {int, float} or not 0 < min(idf) <= max(idf) < 1e6:
            raise ValueError("bad idf")
        if set(map(type, offsets)) != {int} or offsets[0] != 0 or offsets[-1] != len(classes):
            raise ValueError("bad offsets")
        if not all(map(operator.le, offsets, offsets[1:])):
            raise ValueError("bad offsets")
        if classes and (
            not set(map(type, classes)) == set(map(type, values)) == {int}
            or not 0 <= min(classes) <= max(classes) < size
            or not -1e9 < min(values) <= max(values) < 1e9
        ):
            raise ValueError("bad weights")
        return cls(dict(zip(names, range(count), strict=True)), idf, offsets, classes, values, scale)
