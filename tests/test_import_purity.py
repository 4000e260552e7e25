"""The engine, content and understanding import no UI, speech, audio or threading library."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("textual", "vosk", "pocketsphinx", "sounddevice", "pyttsx3", "threading", "asyncio", "sqlite3")


def test_core_imports_nothing_forbidden() -> None:
    code = (
        "import sys, json\n"
        "import ketavoice.engine.engine, ketavoice.content, ketavoice.understanding, ketavoice.journal.base\n"
        "import ketavoice.journal.memory\n"
        "from ketavoice.content import load_content\n"
        "load_content()\n"
        f"print(json.dumps([m for m in {FORBIDDEN!r} if m in sys.modules]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert json.loads(out.stdout) == []
