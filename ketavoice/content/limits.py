"""Size, nesting and number limits for content.toml, checked before the TOML parser sees the text.

tomllib recurses on nested arrays and inline tables (RecursionError at a few hundred levels), converts any
integer (ValueError past 4,300 digits) and slows down badly on huge or deeply dotted files. The real
content.toml is about 25 KB, at most 4 levels deep, with small numbers, so these limits are far above any
real file and far below what hurts. The scan is one regular-expression pass, linear in the file's size.
"""

from __future__ import annotations

import re

from ketavoice.errors import ContentProblem

MAX_BYTES = 1024 * 1024
MAX_NESTING = 32  # arrays and inline tables inside one another
MAX_KEY_PARTS = 32  # parts of one dotted key or table header
MAX_NUMBER_DIGITS = 64
MAX_PROBLEMS = 100  # problems reported in one run; the rest are counted

_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'  # multi-line basic string
    r"|'''.*?'''"  # multi-line literal string
    r'|"(?:[^"\\\n]|\\.)*"'  # basic string
    r"|'[^'\n]*'"  # literal string
    r"|#[^\n]*"  # comment
    r"|[0-9_]+"  # a run of digits
    r"|[\[\]{}.,=\n]",
    re.DOTALL,
)


def size_problem(name: str, size: int) -> ContentProblem | None:
    """A problem when a file of `size` bytes is too big to be a content file."""
    if size <= MAX_BYTES:
        return None
    return ContentProblem(
        name, "", f"the file is {size:,} bytes; a content file may be at most {MAX_BYTES:,} bytes"
    )


def structure_problems(text: str, name: str) -> list[ContentProblem]:
    """Nesting, dotted-key and number-size problems in TOML `text` (the first of each kind, with its line)."""
    found: dict[str, ContentProblem] = {}

    def add(kind: str, line: int, message: str) -> None:
        found.setdefault(kind, ContentProblem(name, "", message, line))

    line = 1
    stack: list[str] = []
    in_key = True  # at the start of a line, after "{" and after "," inside an inline table
    parts = 1
    for match in _TOKEN.finditer(text):
        token = match.group()
        first = token[0]
        if first == "\n":
            line += 1
            if not stack:
                in_key, parts = True, 1
            continue
        if first in "\"'#":
            line += token.count("\n")
            continue
        if first.isdigit() or first == "_":
            if not in_key and len(token) > MAX_NUMBER_DIGITS:
                add("number", line,
                    f"a number has {len(token):,} digits; at most {MAX_NUMBER_DIGITS} are allowed")
            continue
        if first == ".":
            if in_key:
                parts += 1
                if parts > MAX_KEY_PARTS:
                    add("key", line, f"a dotted key or table header has more than {MAX_KEY_PARTS} parts")
            continue
        if first == "=":
            in_key = False
        elif first in "[{":
            if in_key and not stack and first == "[":
                continue  # a table header: its parts are counted like a dotted key's
            stack.append(first)
            if len(stack) > MAX_NESTING:
                add("nesting", line, f"arrays and inline tables are nested more than {MAX_NESTING} deep")
                return list(found.values())
            in_key, parts = first == "{", 1
        elif first in "]}":
            if stack:
                stack.pop()
        elif first == "," and stack and stack[-1] == "{":
            in_key, parts = True, 1
    return list(found.values())
