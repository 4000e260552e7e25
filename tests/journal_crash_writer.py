"""Child process for the journal crash, disk-full and concurrency tests.

Saves notes (every third with audio) in a loop and prints `ACK <id> <tag>` to stdout, flushed, only after
`save_note` returned. `<tag>` identifies the note; its text and PCM are derived from it, so the parent
can check every acknowledged note is complete. On a JournalError it prints `ERR <message>` and goes on.

With `--meet DIR --parties N` it waits for the other writers at three points (a file-based barrier, no
timing): before opening the journal (so all race to create and migrate it), after its first note and
before note `count // 2`; it prints `MET <point>` when everyone has arrived. A writer that waits longer
than `MEET_DEADLINE_S` for the others exits with status 3.

usage: journal_crash_writer.py HOME [--count N] [--fsize BYTES] [--audio-bytes N] [--tag PREFIX]
                               [--meet DIR --parties N]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ketavoice.errors import JournalError  # noqa: E402
from ketavoice.journal import open_journal  # noqa: E402

SECRET = "zebra-lighthouse-marmalade"  # distinctive words that must never reach an error message
MEET_DEADLINE_S = 120.0  # only a broken test waits this long: the others have died or never started


def note_text(tag: str) -> str:
    return f"{SECRET} note {tag} " + "words " * 40


def note_audio(tag: str, size: int) -> bytes | None:
    """Deterministic PCM for every third note (by the tag's last number), None for the others."""
    if int(tag.rsplit("-", 1)[1]) % 3:
        return None
    seed = hashlib.sha256(tag.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


def meet(folder: Path | None, parties: int, point: str, tag: str) -> None:
    """Arrive at `point` (an empty file named after it and this writer) and wait until `parties` have."""
    if folder is None:
        return
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{point}.{tag}").touch(exist_ok=False)
    deadline = time.monotonic() + MEET_DEADLINE_S
    while len(list(folder.glob(f"{point}.*"))) < parties:
        if time.monotonic() > deadline:
            print(f"writer {tag}: the others never reached {point}", file=sys.stderr, flush=True)
            raise SystemExit(3)
        time.sleep(0.002)
    print(f"MET {point}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("home", type=Path)
    parser.add_argument("--count", type=int, default=10**9)
    parser.add_argument("--fsize", type=int, default=0, help="RLIMIT_FSIZE in bytes (simulates a full disk)")
    parser.add_argument("--audio-bytes", type=int, default=3200)
    parser.add_argument("--tag", default=str(os.getpid()))
    parser.add_argument("--meet", type=Path, default=None, help="folder of the file-based barrier")
    parser.add_argument("--parties", type=int, default=1, help="writers meeting in --meet")
    args = parser.parse_args()
    meet(args.meet, args.parties, "open", args.tag)
    journal = open_journal(args.home)
    session = journal.start_session(f"patient-{args.tag}", "default", 1000.0)
    if args.fsize:
        # Past the limit writes fail with EFBIG instead of the process being killed by SIGXFSZ.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (args.fsize, args.fsize))
    print("READY", flush=True)
    meeting_points = {1: "first", args.count // 2: "half"}
    for number in range(args.count):
        if number in meeting_points:
            meet(args.meet, args.parties, meeting_points[number], args.tag)
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
