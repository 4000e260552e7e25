"""Reading a spoken or typed rating: "7", "seven", "about a seven", "7/10", "seven out of ten"."""

from __future__ import annotations

from ketavoice.content.model import Numbers

# A rating is the first number in the utterance; a trailing "out of N" or "/N" only states the scale.
_SCALE_MARKERS = ("out of", "/")


def number_value(words: tuple[str, ...], numbers: Numbers) -> int | None:
    """The first number in `words` (already tokenised), or None."""
    lookup = dict(numbers.words)
    for index, word in enumerate(words):
        value = _word_value(word, lookup)
        if value is None:
            continue
        if _is_scale(words, index):
            continue
        return value
    return None


def _word_value(word: str, lookup: dict[str, int]) -> int | None:
    if word.isdigit() and len(word) <= 3:
        return int(word)
    if word.endswith("s") and word[:-1].isdigit():  # "7s" as in "about 7s"
        return int(word[:-1])
    return lookup.get(word)


def _is_scale(words: tuple[str, ...], index: int) -> bool:
    """True when the number at `index` follows "out of" or "/", i.e. it names the scale, not the rating."""
    before = " ".join(words[max(0, index - 2) : index])
    return any(before.endswith(marker) for marker in _SCALE_MARKERS)
