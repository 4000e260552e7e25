"""Reading a spoken or typed rating: "7", "seven", "about a seven", "7/10", "seven out of ten", "-1"."""

from __future__ import annotations

import re

from ketavoice.content.model import Numbers

# A rating is the first number in the utterance; a trailing "out of N" or "/N" only states the scale.
_SCALE_MARKERS = ("out of", "/")
_NEGATIVE_MARKERS = ("minus", "negative")
_TYPED_NEGATIVE = re.compile(r"(?<![\w/])-\s*\d")


def number_value(words: tuple[str, ...], numbers: Numbers, text: str = "") -> int | None:
    """The first number in `words` (already tokenised), or None; negative when `text` says so ("-1",
    "minus one"), so an out-of-range rating is refused instead of read as its absolute value."""
    lookup = dict(numbers.words)
    for index, word in enumerate(words):
        value = _word_value(word, lookup)
        if value is None:
            continue
        if _is_scale(words, index):
            continue
        negative = (index > 0 and words[index - 1] in _NEGATIVE_MARKERS) or bool(_TYPED_NEGATIVE.search(text))
        return -value if negative else value
    return None


def numbers_said(words: tuple[str, ...], numbers: Numbers) -> tuple[int, ...]:
    """Every rating number in `words` ("five, six" -> (5, 6)), scale markers left out."""
    lookup = dict(numbers.words)
    found = (_word_value(word, lookup) for index, word in enumerate(words) if not _is_scale(words, index))
    return tuple(value for value in found if value is not None)


def _word_value(word: str, lookup: dict[str, int]) -> int | None:
    if word.isdigit() and len(word) <= 3:
        return int(word)
    if word.endswith("s") and word[:-1].isdigit() and len(word) <= 4:  # "about 7s"
        return int(word[:-1])
    return lookup.get(word)


def _is_scale(words: tuple[str, ...], index: int) -> bool:
    """True when the number at `index` follows "out of" or "/", i.e. it names the scale, not the rating."""
    before = " ".join(words[max(0, index - 2) : index])
    return any(before.endswith(marker) for marker in _SCALE_MARKERS)
