"""Child process for the journal crash, disk-full and concurrency tests.

Saves notes (every third with audio) in a loop and prints `ACK <id> <tag>` to stdout, flushed, only after
`save_note` returned. `<tag>` identifies the note; its text and PCM are derived from it, so the parent
can check every acknowledged note is complete. On a JournalError it prints `ERR <message>` and goes on.

usage: journal_crash_writer.py HOME [--count N] [--fsize BYTES] [--audio-bytes N] [--tag PREFIX]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ketavoice.errors import JournalError  # noqa: E402
from ketavoice.journal import open_journal  # noqa: E402

SECRET = "zebra-lighthouse-marmalade"  # distinctive words that must never reach an error message


def note_text(tag: str) -> str:
    return f"{SECRET} note {tag} " + "words " * 40


def note_audio(tag: str, size: int) -> bytes | None:
    """Deterministic PCM for every third note (by the tag's last number), None for the others."""
    if int(tag.rsplit("-", 1)[1]) % 3:
        return None
    seed = hashlib.sha256(tag.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("home", type=Path)
    parser.add_argument("--count", type=int, default=10**9)
    parser.add_argument("--fsize", type=int, default=0, help="RLIMIT_FSIZE in bytes (simulates a full disk)")
    parser.add_argument("--audio-bytes", type=int, default=3200)
    parser.add_argument("--tag", default=str(os.getpid()))
    args = parser.parse_args()
    journal = open_journal(args.home)
    session = journal.start_session(f"patient-{args.tag}", "default", 1000.0)
    if args.fsize:
        # Past the limit writes fail with EFBIG instead of the process being killed by SIGXFSZ.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (args.fsize, args.fsize))
    print("READY", flush=True)
    for number in range(args.count):
        tag = f"{args.tag}-{number}"
        try:
            stored = journal.save_note(
                session, note_text(tag), note_audio(tag, args.audio_bytes), True, 1000.0 + number
            )
        except JournalError as error:
            print(f"ERR {error}".replace("\n", " "), flush=True)
            continue
        print(f"ACK {stored.id} {tag}", flush=True)
    journal.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
