"""Text normalisation shared by understanding and the recognizer phrase lists."""

from __future__ import annotations

import re

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'"})
_NOT_WORD = re.compile(r"[^a-z0-9'/ ]+")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    """Lower-case, unify apostrophes, turn punctuation (except ' and /) into spaces, fold spaces."""
    lowered = text.translate(_APOSTROPHES).lower()
    return _SPACES.sub(" ", _NOT_WORD.sub(" ", lowered)).strip()


def tokens(text: str) -> tuple[str, ...]:
    """Words of `text` for matching: normalised, apostrophes dropped ("can't" -> "cant")."""
    return tuple(word.replace("'", "") for word in normalize(text).replace("/", " / ").split() if word != "'")
