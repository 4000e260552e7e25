"""Write the README screenshots: docs/screenshots/{main,alert,history,kiosk}.svg (deterministic scenes).

Run: PYTHONPATH=. python bench/screenshots.py [OUT_DIR]
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from ketavoice.content import load_content
from ketavoice.tui.showcase import SCENES, capture

ROOT = Path(__file__).resolve().parents[1]


async def write_all(out: Path) -> list[Path]:
    content = load_content()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for scene in SCENES:
        path = out / f"{scene}.svg"
        path.write_text(await capture(content, scene), encoding="utf-8")
        written.append(path)
    return written


def main() -> int:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    for path in asyncio.run(write_all(out)):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
