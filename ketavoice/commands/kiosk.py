"""`ketavoice kiosk`: the clinic kiosk under a supervisor; `ketavoice kiosk set-pin`: the staff PIN.

The supervisor runs the kiosk in a child process with every TEXTUAL* variable removed, wipes the screen
and scrollback after every run, and restarts it unless staff closed it with the PIN.
"""

from __future__ import annotations

import argparse

NAMES = ("kiosk",)
HELP = "Run the clinic kiosk (full screen, staff PIN to leave); `kiosk set-pin` sets the staff PIN."


def add_arguments(parser: argparse.ArgumentParser, name: str) -> None:
    parser.add_argument("action", nargs="?", choices=("run", "set-pin"), default="run",
                        help="run the kiosk (default) or set the staff PIN")
    parser.add_argument("--pin-stdin", action="store_true",
                        help="set-pin: read the PIN from stdin instead of prompting (when one is set: the "
                             "current PIN on the first line, the new one on the second)")
    parser.add_argument("--idle-lock", type=float, default=600.0,
                        help="seconds without any answer before a session is locked for privacy")
    parser.add_argument("--end-reset", type=float, default=30.0,
                        help="seconds the goodbye stays on screen before the kiosk resets")
    parser.add_argument("--voice", action="store_true",
                        help="hands-free: speak the dialogue and listen to the patient")
    parser.add_argument("--push-to-talk", default=None, metavar="KEY",
                        help="with --voice: listen only after this key is pressed (e.g. f8)")
    parser.add_argument("--backend", choices=("auto", "vosk", "pocketsphinx"), default="auto")
    parser.add_argument("--high-contrast", action="store_true")
    parser.add_argument("--large-text", action="store_true")
    parser.add_argument("--no-supervisor", action="store_true",
                        help="run the kiosk in this process (no crash restart; for debugging)")


def _set_pin(args: argparse.Namespace) -> int:
    import getpass
    import sys
    import time

    from ketavoice.errors import KetavoiceError, KioskError
    from ketavoice.journal import open_journal
    from ketavoice.paths import data_home
    from ketavoice.tui.pin import PinStore, validate_pin

    home = data_home()
    store = PinStore(home)
    if store.is_set():
        # Replacing a PIN needs the current one (a wrong one is throttled like any other attempt).
        current = sys.stdin.readline().strip() if args.pin_stdin else getpass.getpass("Current staff PIN: ")
        check = store.check(current)
        if check.throttled:
            raise KioskError(f"too many wrong PINs: wait {check.wait_text}; nothing was changed")
        if not check.ok:
            raise KioskError("the current staff PIN is wrong; nothing was changed")
    if args.pin_stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = getpass.getpass("New staff PIN (4-12 digits): ")
        validate_pin(pin)
        if getpass.getpass("Same PIN again: ") != pin:
            raise KioskError("the two PINs differ; nothing was changed")
    store.set_pin(pin)
    try:
        with open_journal(home) as journal:
            journal.audit(None, "staff", "pin_set", "kiosk staff PIN set", time.time())
    except KetavoiceError as error:
        print(f"ketavoice kiosk: PIN set, but the audit trail was not written: {error}", file=sys.stderr)
        return 1
    print("Staff PIN set.")
    return 0


def _child_argv(args: argparse.Namespace) -> list[str]:
    argv = ["--idle-lock", str(args.idle_lock), "--end-reset", str(args.end_reset), "--backend", args.backend]
    content = getattr(args, "content", None)
    if content:
        argv += ["--content", content]
    if getattr(args, "voice", False):
        argv.append("--voice")
    if args.push_to_talk:
        argv += ["--push-to-talk", args.push_to_talk]
    if args.high_contrast:
        argv.append("--high-contrast")
    if args.large_text:
        argv.append("--large-text")
    return argv


def _preflight(args: argparse.Namespace) -> None:
    """Launch checks made before anything shows: the PIN is set, the content loads, the journal opens.

    A problem here is reported to whoever starts the kiosk; once the kiosk runs, it never exits to a
    shell (see `tui.hardening.supervise`).
    """
    from pathlib import Path

    from ketavoice.content import load_content
    from ketavoice.errors import KioskError
    from ketavoice.journal import open_journal
    from ketavoice.paths import data_home
    from ketavoice.tui.pin import PinStore

    if not PinStore(data_home()).is_set():
        raise KioskError("no staff PIN is set: run `ketavoice kiosk set-pin` first")
    content = getattr(args, "content", None)
    load_content(Path(content) if content else None)
    with open_journal():
        pass


def run(args: argparse.Namespace) -> int:
    import os
    import sys
    import time

    from ketavoice.errors import KetavoiceError, KioskError
    from ketavoice.paths import data_home
    from ketavoice.tui.hardening import clean_environment, supervise, textual_variables
    from ketavoice.tui.locked import wait_locked
    from ketavoice.tui.pin import PinStore

    if args.action == "set-pin":
        return _set_pin(args)
    _preflight(args)
    env, removed = clean_environment(os.environ)
    if removed:
        from ketavoice.terminal import safe_text

        names = safe_text(", ".join(removed))
        print(f"ketavoice kiosk: not passing {names} to the kiosk", file=sys.stderr)
    if args.no_supervisor:
        textual = textual_variables(os.environ)
        if textual:
            raise KioskError("unset " + ", ".join(textual) + " or run with the supervisor")
        from ketavoice.tui.kiosk_main import main as child_main

        return child_main(_child_argv(args))

    def on_crash(exit_code: int) -> None:
        from ketavoice.journal import open_journal

        try:
            with open_journal() as journal:
                journal.audit(None, "system", "kiosk_restart", f"kiosk restarted after exit code {exit_code}",
                              time.time())
        except KetavoiceError:
            pass  # the restart matters more than its audit line; the crash itself is on the terminal

    store = PinStore(data_home())
    # -I: the child ignores PYTHON* variables and the user's site-packages even if some slipped through.
    command = [sys.executable, "-I", "-m", "ketavoice.tui.kiosk_main", *_child_argv(args)]
    result = supervise(command, env, on_crash=on_crash, locked=lambda seconds: wait_locked(store, seconds))
    if result.exit_code != 0:
        print(f"ketavoice kiosk: could not start (exit code {result.exit_code})", file=sys.stderr)
    return result.exit_code
