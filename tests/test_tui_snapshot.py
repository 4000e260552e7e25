"""Snapshot tests at a pinned 80x24: the README screenshots are regenerated and must match byte for byte,
and the screen text of each scene holds what it must."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ketavoice.content.model import Content
from ketavoice.tui.showcase import SCENES, capture

SHOTS = Path(__file__).parents[1] / "docs" / "screenshots"


@pytest.fixture(autouse=True)
def utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize("scene", SCENES)
def test_screenshot_matches_the_stored_svg(content: Content, scene: str) -> None:
    svg = asyncio.run(capture(content, scene))
    stored = (SHOTS / f"{scene}.svg").read_text(encoding="utf-8")
    assert svg == stored, f"{scene}.svg changed: review it, then run bench/screenshots.py"


def test_scene_texts(content: Content) -> None:
    main = asyncio.run(capture(content, "main", as_text=True))
    assert main.splitlines()[0].strip() == "⌨ KEYBOARD  patient demo"
    assert "When can you drive again?" in main
    assert "Patient: [y] Yes" in main and "y Yes   n No   r Repeat   h Help   s Slower" in main
    assert len(main.splitlines()) == 24 and max(len(line) for line in main.splitlines()) <= 80
    alert = asyncio.run(capture(content, "alert", as_text=True))
    assert "⚠ ALERT EMERGENCY" in alert and "Staff: press F7 to acknowledge." in alert
    history = asyncio.run(capture(content, "history", as_text=True))
    assert "7 ratings: latest 8, lowest 3, highest 8." in history
    assert "2026-11-13 11:08  note  Slept badly, a bit flat." in history
    kiosk = asyncio.run(capture(content, "kiosk", as_text=True))
    assert [line.strip() for line in kiosk.splitlines() if line.strip()] == [
        "Welcome.",
        "A member of staff will start your session.",
        "If you feel unwell, please tell a member of staff now.",
        "f2 Staff  f1 Keys  f5 Contrast  f6 Large",
    ]
