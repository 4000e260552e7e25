"""Typed, problem-collecting reads from parsed TOML tables.

Every read records what is wrong (with its dotted key path) and returns a harmless default, so the loader
can keep going and report every problem in one pass instead of stopping at the first.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
# Phrases feed the recognizer grammar: lowercase words (apostrophes allowed), single spaces.
PHRASE_RE = re.compile(r"^[a-z']+(?: [a-z']+)*$")


@dataclass
class Problems:
    """Collected (key path, message) pairs, in the order found."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, key_path: str, message: str) -> None:
        self.items.append((key_path, message))


def join(path: str, key: str | int) -> str:
    """The key path of `key` inside `path`: `a.b`, `a."odd key"`, `a.steps[3]`."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    part = key if _BARE_KEY.match(key) else '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{path}.{part}" if path else part


def type_name(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return "a date or time"


def check_keys(
    table: dict[str, Any],
    path: str,
    problems: Problems,
    *,
    allowed: Collection[str],
    required: Iterable[str] = (),
    what: str = "key",
) -> None:
    """Report keys not in `allowed` (with a "did you mean" hint) and `required` keys that are absent."""
    for key in table:
        if key not in allowed:
            problems.add(join(path, key), unknown_key_message(key, allowed, what))
    for key in required:
        if key not in table:
            problems.add(path, f'missing required {what} "{key}"')


def unknown_key_message(key: str, allowed: Collection[str], what: str = "key") -> str:
    close = difflib.get_close_matches(key, sorted(allowed), n=1, cutoff=0.6)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    return f"unknown {what}{hint}"


def table_at(parent: dict[str, Any], key: str, path: str, problems: Problems) -> dict[str, Any] | None:
    """`parent[key]` if it is a table; None (reported) when it is something else; None when absent."""
    value = parent.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.add(join(path, key), f"expected a table, got {type_name(value)}")
        return None
    return value


def read_str(
    table: dict[str, Any],
    key: str,
    path: str,
    problems: Problems,
    *,
    required: bool = False,
    default: str = "",
) -> str:
    """A string; a required one must also be non-blank."""
    if key not in table:
        if required:
            problems.add(path, f'missing required key "{key}"')
        return default
    value = table[key]
    if not isinstance(value, str):
        problems.add(join(path, key), f"expected a string, got {type_name(value)}")
        return default
    if not value.strip():
        problems.add(join(path, key), "must not be empty")
    return value


def read_int(
    table: dict[str, Any],
    key: str,
    path: str,
    problems: Problems,
    *,
    required: bool = False,
    default: int = 0,
) -> int:
    if key not in table:
        if required:
            problems.add(path, f'missing required key "{key}"')
        return default
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(join(path, key), f"expected an integer, got {type_name(value)}")
        return default
    return value


def read_float(table: dict[str, Any], key: str, path: str, problems: Problems, *, default: float) -> float:
    """A number: TOML integers are accepted where a float is expected."""
    if key not in table:
        return default
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        problems.add(join(path, key), f"expected a number, got {type_name(value)}")
        return default
    return float(value)


def read_bool(table: dict[str, Any], key: str, path: str, problems: Problems, *, default: bool) -> bool:
    if key not in table:
        return default
    value = table[key]
    if not isinstance(value, bool):
        problems.add(join(path, key), f"expected true or false, got {type_name(value)}")
        return default
    return value


def read_str_list(
    table: dict[str, Any],
    key: str,
    path: str,
    problems: Problems,
    *,
    required: bool = False,
    non_empty: bool = False,
) -> tuple[str, ...]:
    """An array of non-blank strings (as a tuple). `non_empty`: the array itself must have an item."""
    if key not in table:
        if required:
            problems.add(path, f'missing required key "{key}"')
        return ()
    value = table[key]
    key_path = join(path, key)
    if not isinstance(value, list):
        problems.add(key_path, f"expected an array of strings, got {type_name(value)}")
        return ()
    if non_empty and not value:
        problems.add(key_path, "must not be empty")
    items: list[str] = []
    for index, item in enumerate(value):
        if not isinstance(item, str):
            problems.add(join(key_path, index), f"expected a string, got {type_name(item)}")
        elif not item.strip():
            problems.add(join(key_path, index), "must not be empty")
        else:
            items.append(item)
    return tuple(items)


def read_phrases(
    table: dict[str, Any], key: str, path: str, problems: Problems, *, required: bool = True
) -> tuple[str, ...]:
    """An array of phrases in recognizer form (lowercase words, single spaces); when `required`, it
    must be there and non-empty."""
    phrases = read_str_list(table, key, path, problems, required=required, non_empty=required)
    key_path = join(path, key)
    raw = table.get(key)
    seen: set[str] = set()
    for index, phrase in enumerate(raw if isinstance(raw, list) else []):
        if not isinstance(phrase, str) or not phrase.strip():
            continue
        if not PHRASE_RE.match(phrase):
            problems.add(
                join(key_path, index),
                f'"{phrase}" must be lowercase words (letters and apostrophes, single spaces)',
            )
        if phrase in seen:
            problems.add(join(key_path, index), f'"{phrase}" is listed twice')
        seen.add(phrase)
    return phrases


def read_patterns(
    table: dict[str, Any], key: str, path: str, problems: Problems, required: bool = False
) -> tuple[str, ...]:
    """An array of word patterns (`ketavoice.content.pattern_syntax`); a bad one is reported and left out."""
    from ketavoice.content.pattern_syntax import pattern_problem

    texts = read_str_list(table, key, path, problems, required=required, non_empty=required)
    valid: list[str] = []
    for index, text in enumerate(texts):
        problem = pattern_problem(text)
        if problem is None:
            valid.append(text)
        else:
            problems.add(join(join(path, key), index), problem)
    return tuple(valid)
