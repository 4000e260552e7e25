"""Shared fixtures: every test gets its own KETAVOICE_HOME; content is the real default content.toml."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ketavoice.content import load_content
from ketavoice.content.model import Content

if TYPE_CHECKING:
    from tests.test_tui_tmux import Terminal

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def ketavoice_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "ketavoice-home"
    monkeypatch.setenv("KETAVOICE_HOME", str(home))
    monkeypatch.delenv("KETAVOICE_CONTENT", raising=False)
    monkeypatch.delenv("KETAVOICE_MODEL", raising=False)
    yield home


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture
def terminal_env(ketavoice_home: Path) -> dict[str, str]:
    """The environment of a ketavoice process in a real terminal (tmux) with its own home."""
    return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "KETAVOICE_HOME": str(ketavoice_home),
            "TERM": "xterm-256color", "LANG": "C.UTF-8"}


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    """Terminals a test opens, closed after it."""
    opened: list[Terminal] = []
    yield opened
    for terminal in opened:
        terminal.close()


@pytest.fixture
def clinic_url() -> Iterator[str]:
    """A fresh database on the test PostgreSQL server (fails, never skips, under CI without one)."""
    from tests.clinic_support import fresh_database

    with fresh_database() as url:
        yield url
