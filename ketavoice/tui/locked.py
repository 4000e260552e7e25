"""The supervisor's locked screen: what a crash-looping kiosk shows instead of ever reaching a shell.

Plain terminal text (no Textual, which may be what keeps crashing): a request for staff, and a hidden
PIN entry. The right staff PIN closes the kiosk; wrong PINs are throttled like the kiosk's own (the same
`PinStore`, in memory when the disk cannot record them). With no answer the supervisor tries the kiosk
again after `seconds`. Keyboard signals stay ignored by the supervisor meanwhile, and only digits,
Backspace and Enter mean anything here.
"""

from __future__ import annotations

import os
import select
import sys
import time
from collections.abc import Callable
from typing import IO, Any

from ketavoice.errors import KetavoiceError
from ketavoice.tui.pin import MAX_PIN_LENGTH, PinStore

MESSAGE = (
    "\n  This kiosk needs a member of staff.\n"
    "  Please let the staff know.\n\n"
    "  Staff: type the PIN and press Enter to close the kiosk.\n"
    "  It will try to start again by itself in about {seconds} s.\n\n"
)


def wait_locked(
    store: PinStore,
    seconds: float,
    *,
    stdin: IO[str] | None = None,
    out: IO[str] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """Show the locked screen for up to `seconds`; True as soon as staff enter the right PIN."""
    source = stdin if stdin is not None else sys.stdin
    sink = out if out is not None else sys.stdout
    deadline = clock() + seconds
    _write(sink, MESSAGE.format(seconds=int(seconds)))
    try:
        fd = source.fileno()
    except (OSError, ValueError, AttributeError):
        fd = -1
    saved = _echo_off(fd)
    try:
        return _read_pins(fd, store, sink, deadline, clock, sleep)
    finally:
        _restore(fd, saved)


def _read_pins(fd: int, store: PinStore, sink: IO[str], deadline: float,
               clock: Callable[[], float], sleep: Callable[[float], None]) -> bool:
    typed = ""
    while (remaining := deadline - clock()) > 0:
        if fd < 0:
            sleep(remaining)
            return False
        try:
            ready, _w, _x = select.select([fd], [], [], min(remaining, 1.0))
            data = os.read(fd, 256) if ready else None
        except (OSError, ValueError):
            sleep(remaining)
            return False
        if data is None:
            continue
        if not data:  # end of input: nobody can type here; wait out the time
            sleep(max(0.0, deadline - clock()))
            return False
        for char in data.decode("ascii", errors="ignore"):
            if char in "\r\n":
                if typed and _check(store, typed, sink):
                    return True
                typed = ""
            elif char in "\b\x7f":
                typed = typed[:-1]
            elif char.isdigit() and len(typed) < MAX_PIN_LENGTH:
                typed += char
    return False


def _check(store: PinStore, pin: str, sink: IO[str]) -> bool:
    try:
        check = store.check(pin)
    except KetavoiceError as error:
        from ketavoice.terminal import safe_text

        _write(sink, f"  The PIN cannot be checked: {safe_text(str(error))}\n")
        return False
    if check.ok:
        return True
    if check.throttled:
        _write(sink, f"  Too many wrong PINs. Try again in {check.wait_text}.\n")
    else:
        _write(sink, "  Wrong PIN.\n")
    return False


def _write(sink: IO[str], text: str) -> None:
    try:
        sink.write(text)
        sink.flush()
    except (OSError, ValueError):
        return


def _echo_off(fd: int) -> list[Any] | None:
    try:
        import termios

        if fd < 0 or not os.isatty(fd):
            return None
        saved: list[Any] = termios.tcgetattr(fd)
        quiet = termios.tcgetattr(fd)
        quiet[3] &= ~termios.ECHO
        quiet[3] |= termios.ICANON
        termios.tcsetattr(fd, termios.TCSANOW, quiet)
        return saved
    except (ImportError, OSError, ValueError):
        return None


def _restore(fd: int, saved: list[Any] | None) -> None:
    if saved is None:
        return
    try:
        import termios

        termios.tcsetattr(fd, termios.TCSANOW, saved)
    except (ImportError, OSError, ValueError):
        return
