"""The key-path locator: right line or None, never a guess."""

from __future__ import annotations

from pathlib import Path

import pytest

from ketavoice.content.loader import tomllib
from ketavoice.content.locate import key_lines, locate

DOC = '''# a comment with [brackets] and key = "value"
title = "top"

[timing]
long_wait = 120.0   # trailing comment
"odd key" = 1
site.name = "clinic"
site."door code" = 2

[intents.yes]
phrases = [
    "yes",   # first
    "yeah",
]
keys = ["y", "j"]

[numbers]
words = { zero = 0, one = 1, "a few" = 3 }
examples = [
    { text = "about a seven", value = 7 },
    { text = "7/10", value = 7 },
]

[dialogues.main]
title = """Multi-line
[not.a.header]
next = "not a key"
"""
start = 'a'

[[dialogues.main.steps]]
id = "a"
say = ["Hello.", "It's \\"fine\\"."]
next = "b"

[[dialogues.main.steps.choices]]
id = "first"
[[dialogues.main.steps.choices]]
id = "second"
reply = \'\'\'literal
with "quotes"\'\'\'

[[dialogues.main.steps]]
id = "b"
kind = "end"

[[dialogues.other.steps]]
id = "c"
'''


@pytest.mark.parametrize(
    ("key_path", "line"),
    [
        ("title", 2),
        ("timing", 4),
        ("timing.long_wait", 5),
        ('timing."odd key"', 6),
        ("timing.site.name", 7),
        ('timing.site."door code"', 8),
        ("intents.yes", 10),
        ("intents.yes.phrases", 11),
        ("intents.yes.phrases[0]", 12),
        ("intents.yes.phrases[1]", 13),
        ("intents.yes.keys[1]", 15),
        ("numbers.words", 18),
        ("numbers.words.one", 18),
        ('numbers.words."a few"', 18),
        ("numbers.examples", 19),
        ("numbers.examples[0].value", 20),
        ("numbers.examples[1]", 21),
        ("numbers.examples[1].text", 21),
        ("numbers.examples[1].value", 21),
        ("dialogues.main.title", 25),
        ("dialogues.main.start", 29),
        ("dialogues.main.steps[0]", 31),
        ("dialogues.main.steps[0].say[1]", 33),
        ("dialogues.main.steps[0].next", 34),
        ("dialogues.main.steps[0].choices[0].id", 37),
        ("dialogues.main.steps[0].choices[1]", 38),
        ("dialogues.main.steps[0].choices[1].reply", 40),
        ("dialogues.main.steps[1]", 43),
        ("dialogues.main.steps[1].kind", 45),
        ("dialogues.other.steps[0].id", 48),
    ],
)
def test_locates_written_keys(key_path: str, line: int) -> None:
    assert tomllib.loads(DOC)  # the sample is valid TOML, as the loader guarantees before locating
    assert locate(DOC, key_path) == line


@pytest.mark.parametrize(
    "key_path",
    [
        "",  # the whole file
        "dialogues",  # an implicit table: never written as a header
        "dialogues.main.steps",  # the array itself has no single line
        "not.a.header",  # only inside a multi-line string
        "dialogues.main.next",
        "dialogues.main.steps[2]",
        "dialogues.main.steps[1].choices[0]",  # choices belong to steps[0]
        "timing.site",  # dotted-key parent: not written on one line of its own
    ],
)
def test_unknown_or_unwritten_paths_give_none(key_path: str) -> None:
    assert locate(DOC, key_path) is None


def test_a_key_written_twice_is_not_located() -> None:
    text = "[a]\nx = 1\n[a]\nx = 2\n"
    assert locate(text, "a.x") is None
    assert locate(text, "a") is None


def test_text_it_cannot_follow_gives_no_lines_at_all() -> None:
    assert key_lines('[a]\nx = 1\ny = "unterminated\n') == {}
    assert locate("[a]\nx = 1\n= 3\n", "a.x") is None


def test_crlf_line_endings() -> None:
    assert locate("[a]\r\nx = 1\r\n\r\ny = [\r\n  1,\r\n  2,\r\n]\r\n", "a.y[1]") == 6


def test_every_key_of_the_default_content_is_located_on_its_own_line() -> None:
    path = Path(__file__).resolve().parents[1] / "content.toml"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    found = key_lines(text)
    assert len(found) > 500
    assert found["dialogues.post_session.steps[2]"] > 0
    for key_path, line in found.items():
        assert line > 0, key_path
        last = key_path.rsplit(".", 1)[-1]
        if "[" not in last:
            written = lines[line - 1]
            header = written.startswith("[") and written.rstrip("]").endswith(key_path)
            assert header or written.lstrip(" {").startswith(last) or f" {last} = " in written, key_path
