"""Content: loading and validating content.toml into frozen values."""

from __future__ import annotations

from ketavoice.content.loader import default_content_path, load_content
from ketavoice.content.model import Content, Dialogue, Step

__all__ = ["Content", "Dialogue", "Step", "default_content_path", "load_content"]
