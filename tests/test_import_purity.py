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


# speech/ only hears: what an utterance means and what to do about it are the engine's (engine/listening.py,
# injected by frontends/voice.py). It may use the events protocol and the shared error types, nothing else.
SPEECH_MAY_IMPORT = ("ketavoice.speech", "ketavoice.engine.events", "ketavoice.errors", "ketavoice.paths")


def _imports(path: Path) -> list[str]:
    import ast

    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [node.module]
    return found


def test_speech_imports_only_the_events_protocol() -> None:
    wrong = {
        f"{path.name}: {name}"
        for path in sorted((ROOT / "ketavoice" / "speech").glob("*.py"))
        for name in _imports(path)
        if name.startswith("ketavoice.") and not name.startswith(SPEECH_MAY_IMPORT)
    }
    assert wrong == set()
    code = (
        "import sys, json, pkgutil, importlib\n"
        "import ketavoice.speech\n"
        "for info in pkgutil.iter_modules(ketavoice.speech.__path__):\n"
        "    importlib.import_module('ketavoice.speech.' + info.name)\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.startswith('ketavoice.') and\n"
        "                        m.split('.')[1] in ('understanding', 'content', 'engine', 'journal') and\n"
        "                        m not in ('ketavoice.engine', 'ketavoice.engine.events'))))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert json.loads(out.stdout) == []
