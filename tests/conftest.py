"""Shared fixtures: every test gets its own KETAVOICE_HOME; content is the real default content.toml."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ketavoice.content import load_content
from ketavoice.content.model import Content


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
