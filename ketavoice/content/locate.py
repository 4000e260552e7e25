"""Find the line of a key path in TOML text, because tomllib keeps no positions.

`locate(text, "dialogues.post_session.steps[3].next")` returns the 1-based line where that key (or
table header, or array item) is written, or None when it is not written out explicitly or the scan is
unsure. It never guesses: a wrong line is worse than none. Paths use `ketavoice.content.reader.join`'s
form: dotted keys, quoted odd keys, `[i]` for array items and for the i-th `[[array.of.tables]]`.
"""

from __future__ import annotations

import bisect
from functools import lru_cache

from ketavoice.content.reader import join

_AMBIGUOUS = -1
_SCALAR_END = ",]}#\n"


class _Unsure(Exception):
    """The text holds something this small scanner does not follow; give no lines at all."""


def locate(text: str, key_path: str) -> int | None:
    """The 1-based line of `key_path` in `text`, or None when unknown or unsure."""
    if not key_path:
        return None
    line = key_lines(text).get(key_path)
    return line if line is not None and line != _AMBIGUOUS else None


@lru_cache(maxsize=8)
def key_lines(text: str) -> dict[str, int]:
    """Every key path written in `text` mapped to its line (-1 when seen twice); {} if the scan fails."""
    try:
        return _Scanner(text).scan()
    except (_Unsure, IndexError):
        return {}


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.newlines = [i for i, char in enumerate(text) if char == "\n"]
        self.found: dict[str, int] = {}
        self.array_counts: dict[str, int] = {}

    # -- positions -------------------------------------------------------------------------------
    def line(self) -> int:
        return bisect.bisect_left(self.newlines, self.pos) + 1

    def peek(self, count: int = 1) -> str:
        return self.text[self.pos : self.pos + count]

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def record(self, path: str, line: int) -> None:
        self.found[path] = _AMBIGUOUS if path in self.found else line

    def skip_spaces(self) -> None:
        while not self.at_end() and self.text[self.pos] in " \t\r":
            self.pos += 1

    def skip_comment(self) -> None:
        if self.peek() == "#":
            end = self.text.find("\n", self.pos)
            self.pos = len(self.text) if end < 0 else end

    def skip_blank(self) -> None:
        """Whitespace, newlines and comments (inside arrays)."""
        while not self.at_end():
            self.skip_spaces()
            self.skip_comment()
            if self.peek() == "\n":
                self.pos += 1
            else:
                return

    def expect(self, token: str) -> None:
        if self.peek(len(token)) != token:
            raise _Unsure(f"expected {token!r} at line {self.line()}")
        self.pos += len(token)

    # -- document --------------------------------------------------------------------------------
    def scan(self) -> dict[str, int]:
        current = ""
        while not self.at_end():
            self.skip_spaces()
            self.skip_comment()
            char = self.peek()
            if char == "\n":
                self.pos += 1
            elif char == "":
                break
            elif char == "[":
                current = self.header()
            else:
                self.key_value(current)
        return self.found

    def header(self) -> str:
        line = self.line()
        is_array = self.peek(2) == "[["
        self.pos += 2 if is_array else 1
        self.skip_spaces()
        keys = self.key()
        self.skip_spaces()
        self.expect("]]" if is_array else "]")
        path = ""
        for index, key in enumerate(keys):
            path = join(path, key)
            last = index == len(keys) - 1
            if is_array and last:
                count = self.array_counts.get(path, 0) + 1
                self.array_counts[path] = count
                path = join(path, count - 1)
            elif path in self.array_counts:
                path = join(path, self.array_counts[path] - 1)
        self.record(path, line)
        return path

    def key_value(self, table: str) -> None:
        line = self.line()
        path = table
        for key in self.key():
            path = join(path, key)
        self.record(path, line)
        self.skip_spaces()
        self.expect("=")
        self.skip_spaces()
        self.value(path)

    def key(self) -> list[str]:
        parts: list[str] = []
        while True:
            self.skip_spaces()
            char = self.peek()
            if char in ('"', "'"):
                parts.append(self.string())
            else:
                start = self.pos
                while not self.at_end() and (self.text[self.pos].isalnum() or self.text[self.pos] in "_-"):
                    self.pos += 1
                if start == self.pos:
                    raise _Unsure(f"no key at line {self.line()}")
                parts.append(self.text[start : self.pos])
            self.skip_spaces()
            if self.peek() != ".":
                return parts
            self.pos += 1

    # -- values ----------------------------------------------------------------------------------
    def value(self, path: str) -> None:
        char = self.peek()
        if char == "[":
            self.array(path)
        elif char == "{":
            self.inline_table(path)
        elif char in ('"', "'"):
            self.string()
        else:
            start = self.pos
            while not self.at_end() and self.text[self.pos] not in _SCALAR_END:
                self.pos += 1
            if not self.text[start : self.pos].strip():
                raise _Unsure(f"no value at line {self.line()}")

    def array(self, path: str) -> None:
        self.expect("[")
        index = 0
        while True:
            self.skip_blank()
            if self.peek() == "]":
                self.pos += 1
                return
            item_path = join(path, index)
            self.record(item_path, self.line())
            self.value(item_path)
            index += 1
            self.skip_blank()
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() != "]":
                raise _Unsure(f"bad array at line {self.line()}")

    def inline_table(self, path: str) -> None:
        self.expect("{")
        self.skip_spaces()
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            self.skip_spaces()
            line = self.line()
            key_path = path
            for key in self.key():
                key_path = join(key_path, key)
            self.record(key_path, line)
            self.skip_spaces()
            self.expect("=")
            self.skip_spaces()
            self.value(key_path)
            self.skip_spaces()
            if self.peek() == ",":
                self.pos += 1
            elif self.peek() == "}":
                self.pos += 1
                return
            else:
                raise _Unsure(f"bad inline table at line {self.line()}")

    def string(self) -> str:
        """Skip a string of any of TOML's four kinds; return its raw body (escapes left as written)."""
        quote = self.peek()
        triple = self.peek(3) == quote * 3
        self.pos += 3 if triple else 1
        start = self.pos
        while True:
            if self.at_end() or (not triple and self.peek() == "\n"):
                raise _Unsure("unterminated string")
            char = self.text[self.pos]
            if char == "\\" and quote == '"':
                self.pos += 2
                continue
            if triple and self.peek(3) == quote * 3:
                run = 3
                while self.peek(run + 1) == quote * (run + 1) and run < 5:
                    run += 1
                body = self.text[start : self.pos + run - 3]
                self.pos += run
                return body
            if not triple and char == quote:
                body = self.text[start : self.pos]
                self.pos += 1
                return body
            self.pos += 1
