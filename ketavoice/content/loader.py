"""Placeholder: replaced by the strict loader."""

from __future__ import annotations

from pathlib import Path

from ketavoice.content.model import Content


def default_content_path() -> Path:
    raise NotImplementedError


def load_content(path: Path | None = None) -> Content:
    raise NotImplementedError
