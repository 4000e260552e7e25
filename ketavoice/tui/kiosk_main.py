"""The kiosk child process: `python -m ketavoice.tui.kiosk_main [options]`, started by the supervisor.

It refuses to run with any TEXTUAL* variable in its environment (Textual reads them at import time:
devtools, screenshots, logs, drivers), so this check happens before Textual is imported.
Exit code 0 means "staff closed the kiosk"; anything else makes the supervisor wipe and restart.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ketavoice.tui.hardening import textual_variables


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ketavoice kiosk (child)")
    parser.add_argument("--content", default=None)
    parser.add_argument("--voice", action="store_true")
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--idle-lock", type=float, default=600.0)
    parser.add_argument("--end-reset", type=float, default=30.0)
    parser.add_argument("--push-to-talk", default=None)
    parser.add_argument("--high-contrast", action="store_true")
    parser.add_argument("--large-text", action="store_true")
    return parser


def run_kiosk(args: argparse.Namespace) -> int:
    """Run the kiosk app in this process (environment already checked); return its exit code."""
    from pathlib import Path

    from ketavoice.clinic.config import clinic_config
    from ketavoice.clinic.replicator import SyncWorker
    from ketavoice.content import load_content
    from ketavoice.errors import KioskError
    from ketavoice.journal import open_journal
    from ketavoice.paths import data_home
    from ketavoice.tui.kiosk_app import EXIT_ERROR, KioskApp
    from ketavoice.tui.pin import PinStore

    home = data_home()
    pin_store = PinStore(home)
    if not pin_store.is_set():
        raise KioskError("no staff PIN is set: run `ketavoice kiosk set-pin` first")
    content = load_content(Path(args.content) if args.content else None)
    factory = None
    if args.voice:
        from ketavoice.tui.voice_io import voice_factory

        factory = voice_factory(content, backend=args.backend)
    config = clinic_config()  # from KETAVOICE_DATABASE_URL / KETAVOICE_ROOM (never on a command line)
    with open_journal(home) as journal:
        sync = SyncWorker(journal.path, config) if config is not None else None
        app = KioskApp(
            content, journal, home=home, pin_store=pin_store, voice_factory=factory, sync=sync,
            idle_lock_seconds=args.idle_lock, end_reset_seconds=args.end_reset,
            push_to_talk_key=args.push_to_talk, high_contrast=args.high_contrast,
            large_text=args.large_text,
        )
        result = app.run()
    return EXIT_ERROR if result is None else int(result)


def main(argv: Sequence[str] | None = None) -> int:
    removed = textual_variables(os.environ)
    if removed:
        print("ketavoice kiosk: refusing to start with " + ", ".join(removed) + " set", file=sys.stderr)
        return 2
    args = build_parser().parse_args(argv)
    from ketavoice.errors import KetavoiceError

    try:
        return run_kiosk(args)
    except KetavoiceError as error:
        from ketavoice.terminal import safe_text

        print(f"ketavoice kiosk: {safe_text(str(error), multiline=True)}", file=sys.stderr)
        return 3


if __name__ == "__main__":
    raise SystemExit(main())
