"""The syntax of red-flag and idiom patterns, checked when content.toml is loaded.

The language itself (what matches what) is described and implemented in
`ketavoice.understanding.patterns`; content only checks that a pattern is well formed.
"""

from __future__ import annotations

import re

_PATTERN_WORD = re.compile(r"^[a-z0-9]+\*?$")
_GROUP = re.compile(r"\([^()]*\)")


def pattern_parts(text: str) -> list[str]:
    """The slots of a pattern: words split on spaces, except inside a "(...)" group, which is one slot
    whose alternatives may be several words ("(without me|if i were gone)")."""
    groups: list[str] = []

    def hide(match: re.Match[str]) -> str:
        groups.append(match.group(0))
        return f"\x00{len(groups) - 1}\x00"

    hidden = _GROUP.sub(hide, text)
    return [re.sub(r"\x00(\d+)\x00", lambda m: groups[int(m.group(1))], part) for part in hidden.split()]


def slot_alternatives(part: str) -> list[list[str]]:
    """The alternatives of one slot, each a list of words: "a|(b c|d)|e" gives a, b c, d, e."""
    alternatives: list[list[str]] = []
    depth = 0
    current = ""
    for char in part + "|":
        if char == "|" and depth == 0:
            inner = current[1:-1] if current.startswith("(") and current.endswith(")") else current
            alternatives += [alternative.split() for alternative in inner.split("|")]
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    return alternatives


def pattern_problem(text: str) -> str | None:
    """Why `text` is not a valid pattern, or None."""
    if text.count("(") != text.count(")"):
        return "unbalanced parentheses"
    parts = pattern_parts(text)
    if not parts or all(part == "..." for part in parts):
        return "a pattern needs at least one word"
    if parts[0] == "..." or parts[-1] == "...":
        return '"..." belongs between two words'
    for part in parts:
        if part == "...":
            continue
        for alternative in slot_alternatives(part):
            if not alternative:
                return f'"{part}" has an empty alternative'
            for word in alternative:
                if not _PATTERN_WORD.match(word):
                    return f'"{word}" must be a lowercase word without apostrophes, optionally ending in *'
    return None
