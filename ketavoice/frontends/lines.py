"""Reading patient lines from a byte stream (stdin) that may hold anything.

Bytes are decoded as UTF-8 with replacement (invalid bytes become U+FFFD, never an exception or a lone
surrogate that SQLite cannot store), and a line is capped at MAX_LINE_CHARS: the rest of an overlong line
is read in bounded chunks and dropped, so memory stays bounded whatever arrives.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from ketavoice.textclean import storable

MAX_LINE_CHARS = 4000
_DISCARD_CHUNK = 64 * 1024


def read_line(stream: BinaryIO, max_chars: int = MAX_LINE_CHARS) -> str | None:
    """The next line without its line ending (None at end of input), at most `max_chars` characters."""
    limit = max_chars * 4  # UTF-8 needs at most 4 bytes a character
    raw = stream.readline(limit + 1)
    if not raw:
        return None
    if len(raw) > limit and not raw.endswith(b"\n"):
        while True:  # drop the rest of the overlong line, a bounded chunk at a time
            rest = stream.readline(_DISCARD_CHUNK)
            if not rest or rest.endswith(b"\n"):
                break
    text = storable(raw.decode("utf-8", errors="replace"))
    return text.rstrip("\r\n")[:max_chars]


def read_lines(stream: BinaryIO, max_chars: int = MAX_LINE_CHARS) -> Iterator[str]:
    """Every line of `stream`, each as `read_line` returns it."""
    while True:
        line = read_line(stream, max_chars)
        if line is None:
            return
        yield line
