"""Kiosk launch hardening: a clean environment, a terminal wiped between runs, a supervisor loop.

Textual reads `TEXTUAL_*` variables at import time (devtools, screenshots, log files, drivers, key
presses) and Python reads `PYTHON*` ones (PYTHONINSPECT would leave a Python prompt on the glass after a
crash), so the kiosk app always runs in a child process whose environment has none of them. When the
child ends for any reason other than a staff exit, the supervisor wipes the screen *and* the scrollback
before starting it again, so a crash never leaves the last patient's words on the glass.

The supervisor fails closed: it returns only after a staff exit, or when the very first launch is
refused (a configuration error the person starting the kiosk sees). A crash loop never ends in a shell:
it shows a locked screen asking for staff (`locked`), which takes the staff PIN to close the kiosk and
otherwise tries the kiosk again after a while.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

# Leave the alternate screen, reset attributes, show the cursor, stop mouse and paste modes, then clear
# the scrollback (3J) and the screen (2J) and home the cursor.
TERMINAL_RESET = (
    "\x1b[?1049l\x1b[0m\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l\x1b[?2004l"
    "\x1b[H\x1b[3J\x1b[2J\x1b[H"
)
EXIT_STAFF = 0  # the child exits 0 only after a staff PIN; anything else is restarted...
NO_RESTART = frozenset({2, 3})  # ...except a refused launch or a configuration error, which would recur
CRASH_WINDOW_SECONDS = 60.0
MAX_CRASHES_IN_WINDOW = 5
LOCKED_RETRY_SECONDS = 60.0  # how long the locked screen waits for staff before trying the kiosk again
STRIPPED_PREFIXES = ("TEXTUAL", "PYTHON")


def textual_variables(environ: Mapping[str, str]) -> tuple[str, ...]:
    """The TEXTUAL* variable names in `environ` (which Textual would read at import time)."""
    return tuple(sorted(name for name in environ if name.upper().startswith("TEXTUAL")))


def clean_environment(environ: Mapping[str, str]) -> tuple[dict[str, str], tuple[str, ...]]:
    """A copy of `environ` without any TEXTUAL* or PYTHON* variable, and the names removed (values never
    shown)."""
    removed = tuple(sorted(name for name in environ if name.upper().startswith(STRIPPED_PREFIXES)))
    clean = {name: value for name, value in environ.items() if name not in removed}
    return clean, removed


def reset_terminal(stream: IO[str] | None = None) -> None:
    """Wipe the screen and the scrollback, and put the terminal back into a sane cooked mode."""
    out = stream if stream is not None else sys.__stdout__
    if out is None:
        return
    try:
        out.write(TERMINAL_RESET)
        out.flush()
    except OSError:
        return
    _restore_cooked_mode(out)


def _restore_cooked_mode(out: IO[str]) -> None:
    try:
        import termios

        fd = out.fileno()
        if not os.isatty(fd):
            return
        attributes = termios.tcgetattr(fd)
        attributes[3] |= termios.ECHO | termios.ICANON | termios.ISIG
        termios.tcsetattr(fd, termios.TCSANOW, attributes)
    except (ImportError, OSError, ValueError, AttributeError):
        return


@dataclass(frozen=True)
class SupervisorResult:
    """How the supervisor ended: `exit_code` 0 after a staff exit, else a refused first launch."""

    exit_code: int
    restarts: int


def supervise(
    command: Sequence[str],
    env: Mapping[str, str],
    *,
    run: Callable[[Sequence[str], Mapping[str, str]], int] | None = None,
    on_crash: Callable[[int], None] | None = None,
    locked: Callable[[float], bool] | None = None,
    reset: Callable[[], None] = reset_terminal,
    clock: Callable[[], float] = time.monotonic,
    pause: Callable[[float], None] = time.sleep,
) -> SupervisorResult:
    """Run the kiosk child until it exits 0 (staff PIN); wipe the terminal after every run.

    Returns only after a staff exit, or when the first launch is refused (exit code 2 or 3 before the
    kiosk ever ran). After MAX_CRASHES_IN_WINDOW crashes within CRASH_WINDOW_SECONDS it calls
    `locked(LOCKED_RETRY_SECONDS)` (the locked staff screen; True when staff entered the PIN to close the
    kiosk) or, without one, just waits that long; then it tries the kiosk again. It never gives up.

    Keyboard signals are ignored here: the child runs the terminal in raw mode, so Ctrl+C reaches it as
    a key; a stray SIGINT to the supervisor must not leave the kiosk dead with a patient's words showing.
    """
    runner = run if run is not None else _run_child
    restarts = 0
    crash_times: list[float] = []
    previous = _ignore_keyboard_signals()
    try:
        while True:
            exit_code = runner(command, env)
            reset()
            if exit_code == EXIT_STAFF:
                return SupervisorResult(exit_code=0, restarts=restarts)
            if exit_code in NO_RESTART and restarts == 0:
                return SupervisorResult(exit_code=exit_code, restarts=restarts)
            if on_crash is not None:
                on_crash(exit_code)
            now = clock()
            crash_times = [t for t in crash_times if now - t < CRASH_WINDOW_SECONDS] + [now]
            restarts += 1
            if len(crash_times) >= MAX_CRASHES_IN_WINDOW:
                crash_times = []
                if locked is not None:
                    staff_closed = locked(LOCKED_RETRY_SECONDS)
                    reset()
                    if staff_closed:
                        return SupervisorResult(exit_code=0, restarts=restarts)
                else:
                    pause(LOCKED_RETRY_SECONDS)
                continue
            pause(min(0.5 * len(crash_times), 3.0))
    finally:
        _restore_signals(previous)


def _run_child(command: Sequence[str], env: Mapping[str, str]) -> int:
    completed = subprocess.run(list(command), env=dict(env), check=False)
    return completed.returncode


_KEYBOARD_SIGNALS = ("SIGINT", "SIGQUIT", "SIGTSTP")


def _ignore_keyboard_signals() -> dict[int, Any]:
    previous: dict[int, Any] = {}
    for name in _KEYBOARD_SIGNALS:
        number = getattr(signal, name, None)
        if number is None:
            continue
        try:
            previous[number] = signal.signal(number, signal.SIG_IGN)
        except (ValueError, OSError):  # not the main thread (tests) or unsupported
            continue
    return previous


def _restore_signals(previous: dict[int, Any]) -> None:
    for number, handler in previous.items():
        try:
            signal.signal(number, handler)
        except (ValueError, OSError, TypeError):
            continue
