"""Load content.toml strictly: parse, build, validate, and report every problem with file, line and key.

`load_content(path)` returns `Content` or raises `ContentError` carrying all problems found, each as
`content.toml:LINE: key.path: message` (the line only when the locator is sure of it).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from ketavoice.content.build import build_content
from ketavoice.content.fill import fill_clinic_phone
from ketavoice.content.instruments import check_required_instruments
from ketavoice.content.limits import MAX_BYTES, MAX_PROBLEMS, size_problem, structure_problems
from ketavoice.content.locate import locate
from ketavoice.content.model import Content
from ketavoice.content.reader import Problems
from ketavoice.content.validate import check_required_default_steps, validate_content
from ketavoice.errors import ContentError, ContentProblem

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib

ENV_VAR = "KETAVOICE_CONTENT"
_SYNTAX_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def packaged_content_path() -> Path | None:
    """The copy embedded in wheels (`ketavoice/_data/content.toml`), if this install has one.

    A plain path beside the package, not importlib.resources: that pulls in zipfile and threading,
    and the pure core must not import threading (ketavoice is never installed zipped).
    """
    candidate = Path(__file__).resolve().parents[1] / "_data" / "content.toml"
    return candidate if candidate.is_file() else None


def repo_content_path() -> Path:
    """content.toml at the root of a source or editable checkout, beside the package directory."""
    return Path(__file__).resolve().parents[2] / "content.toml"


def default_content_path() -> Path:
    """$KETAVOICE_CONTENT if set; else the packaged copy; else the checkout's root content.toml."""
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override)
    return packaged_content_path() or repo_content_path()


def is_bundled(path: Path) -> bool:
    """True when `path` is the content shipped with ketavoice (not a clinic's own file)."""
    for bundled in (packaged_content_path(), repo_content_path()):
        try:
            if bundled is not None and bundled.exists() and path.exists() and path.samefile(bundled):
                return True
        except OSError:
            continue
    return False


def load_content(path: Path | None = None, *, require_default_steps: bool | None = None) -> Content:
    """Load and validate a content file (None: the default one). Raises ContentError with every problem.

    `require_default_steps` (default: only for the bundled file) also demands the step ids other tools
    rely on (welcome, feeling, ride_home, mood_rating, mood_note, closing).
    """
    path = Path(path) if path is not None else default_content_path()
    name = path.name
    try:
        with open(path, "rb") as handle:
            too_big = size_problem(name, os.fstat(handle.fileno()).st_size)
            if too_big is not None:
                raise ContentError([too_big])
            data = handle.read(MAX_BYTES + 1)
        too_big = size_problem(name, len(data))  # a file that grew, or a pipe
        if too_big is not None:
            raise ContentError([too_big])
        text = data.decode("utf-8")
    except FileNotFoundError:
        raise ContentError([ContentProblem(name, "", f"file not found: {path}")]) from None
    except IsADirectoryError:
        raise ContentError([ContentProblem(name, "", f"{path} is a folder, not a file")]) from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ContentError([ContentProblem(name, "", f"cannot read {path}: {reason}")]) from None
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ContentError([ContentProblem(name, "", "the file is not UTF-8 text", line)]) from None
    if require_default_steps is None:
        require_default_steps = is_bundled(path)
    return parse_content(text, name, source=str(path), require_default_steps=require_default_steps)


def parse_content(text: str, name: str, *, source: str = "", require_default_steps: bool = False) -> Content:
    """Validate TOML `text` (reported as file `name`) into Content; raises ContentError with every problem.

    Size, nesting and number limits are checked before parsing (`limits`); a leading UTF-8 byte order mark
    (Windows Notepad writes one) is accepted.
    """
    text = text.removeprefix("\ufeff")
    too_big = size_problem(name, len(text.encode("utf-8", errors="surrogatepass")))
    limits = [too_big] if too_big is not None else structure_problems(text, name)
    if limits:
        raise ContentError(limits)
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ContentError([syntax_problem(name, error)]) from None
    except (RecursionError, ValueError, MemoryError):  # past the limits above: still a message, never a crash
        problem = ContentProblem(name, "", "the file is too deeply nested or too large to read")
        raise ContentError([problem]) from None
    problems = Problems()
    content = build_content(data, source or name, problems)
    validate_content(content, problems)
    if require_default_steps:
        check_required_default_steps(content, problems)
        check_required_instruments(content.instruments, problems)
    if problems.items:
        shown = problems.items[:MAX_PROBLEMS]
        found = [ContentProblem(name, key, message, locate(text, key)) for key, message in shown]
        # File order reads best; problems without a line (whole-file ones) come first.
        found.sort(key=lambda problem: problem.line or 0)
        hidden = len(problems.items) - len(shown)
        if hidden:
            found.append(ContentProblem(name, "", f"{hidden:,} more problem(s) not shown; fix these first"))
        raise ContentError(found)
    return fill_clinic_phone(content)


def syntax_problem(name: str, error: Exception) -> ContentProblem:
    """A TOML syntax error, with the line and column tomllib put in its message."""
    message = str(error)
    position = _SYNTAX_POSITION.search(message)
    if position is None:
        return ContentProblem(name, "", f"TOML syntax error: {message}")
    reason = message[: position.start()].strip()
    column = position.group(2)
    return ContentProblem(name, "", f"TOML syntax error: {reason} (column {column})", int(position.group(1)))
