"""The pyttsx3 worker process: `python -m ketavoice.speech.tts_worker`, one engine per process.

pyttsx3's engine only works on the thread that made it, `runAndWait` can hang, its espeak driver plays
through `aplay` and fails silently without it, and a `say` after `save_to_file` overwrites the saved
file. Owning one engine per process, one kind of job per process (`--save` makes a worker that only
writes files; the default one only speaks), and checking for the player first makes all four harmless:
the parent can kill a hung worker and start a fresh one.

Protocol: one JSON object per line on stdin, one JSON reply per line on stdout.
  {"cmd": "say", "text": str, "rate": int}          -> {"ok": true} | {"ok": false, "error": str}
  {"cmd": "save", "text": str, "rate": int, "path"}  -> the same, after the file is written
  {"cmd": "voices"}                                  -> {"ok": true, "voices": [names]}
  {"cmd": "ping"}                                    -> {"ok": true}
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from typing import Any

PLAYER_HELP = "no audio player: pyttsx3's espeak driver needs `aplay` (apt-get install alsa-utils)"


def _needs_aplay() -> bool:
    return sys.platform.startswith("linux")


def _make_engine() -> Any:
    import pyttsx3

    return pyttsx3.init()


def handle(engine: Any, request: dict[str, Any], *, saver: bool = False) -> dict[str, Any]:
    command = request.get("cmd")
    if command in ("say", "save") and (command == "save") != saver:
        return {"ok": False, "error": f"this worker does not {command}: speaking and saving use separate "
                "workers (pyttsx3 overwrites a saved file on the next say)"}
    if command == "ping":
        return {"ok": True}
    if command == "voices":
        return {"ok": True, "voices": [str(voice.name) for voice in engine.getProperty("voices")]}
    if command not in ("say", "save"):
        return {"ok": False, "error": f"unknown command {command!r}"}
    engine.setProperty("rate", int(request.get("rate", 150)))
    text = str(request.get("text", ""))
    if command == "say":
        if _needs_aplay() and shutil.which("aplay") is None:
            return {"ok": False, "error": PLAYER_HELP}
        engine.say(text)
    else:
        engine.save_to_file(text, str(request["path"]))
    engine.runAndWait()
    if command == "save" and not os.path.exists(str(request["path"])):
        return {"ok": False, "error": "pyttsx3 finished without writing the file"}
    return {"ok": True}


def main(argv: list[str] | None = None) -> int:
    saver = "--save" in (sys.argv[1:] if argv is None else argv)
    # Keep the protocol channel clean: anything the drivers print goes to stderr (captured by the parent).
    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "w", buffering=1)
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    try:
        engine = _make_engine()
    except Exception as error:  # noqa: BLE001 - any driver failure becomes a reply the parent can show
        protocol.write(json.dumps({"ok": False, "error": f"pyttsx3 could not start ({error})"}) + "\n")
        return 1
    protocol.write(json.dumps({"ok": True, "ready": True}) + "\n")
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = handle(engine, json.loads(line), saver=saver)
        except Exception as error:  # noqa: BLE001 - report, keep serving
            reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        protocol.write(json.dumps(reply) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
