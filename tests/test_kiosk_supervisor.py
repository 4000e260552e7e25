"""Kiosk launch hardening: TEXTUAL_*/PYTHON* stripped, terminal wiped, crashes restarted, never a shell."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

from ketavoice.tui.hardening import (
    LOCKED_RETRY_SECONDS,
    MAX_CRASHES_IN_WINDOW,
    TERMINAL_RESET,
    clean_environment,
    reset_terminal,
    supervise,
)

REPO = Path(__file__).parents[1]
CHILD = """
import pathlib, sys
counter = pathlib.Path(sys.argv[1])
runs = int(counter.read_text()) + 1 if counter.exists() else 1
counter.write_text(str(runs))
codes = [int(c) for c in sys.argv[2].split(",")]
sys.exit(codes[min(runs, len(codes)) - 1])
"""


def child_env(home: Path) -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "KETAVOICE_HOME": str(home)}


def test_clean_environment_removes_every_textual_variable() -> None:
    env = {"TEXTUAL": "devtools", "TEXTUAL_SCREENSHOT": "1", "textual_log": "/tmp/x", "PATH": "/bin",
           "KETAVOICE_HOME": "/h"}
    clean, removed = clean_environment(env)
    assert removed == ("TEXTUAL", "TEXTUAL_SCREENSHOT", "textual_log")
    assert clean == {"PATH": "/bin", "KETAVOICE_HOME": "/h"}


def test_reset_clears_screen_and_scrollback() -> None:
    out = io.StringIO()
    reset_terminal(out)
    assert out.getvalue() == TERMINAL_RESET
    assert "\x1b[3J" in TERMINAL_RESET and "\x1b[2J" in TERMINAL_RESET and "\x1b[?1049l" in TERMINAL_RESET


def test_supervisor_restarts_crashes_and_wipes_after_every_run(tmp_path: Path) -> None:
    out = io.StringIO()
    crashes: list[int] = []
    counter = tmp_path / "runs"
    command = [sys.executable, "-c", CHILD, str(counter), "1,139,0"]
    result = supervise(command, child_env(tmp_path), on_crash=crashes.append,
                       reset=lambda: reset_terminal(out), pause=lambda _s: None)
    assert (result.exit_code, result.restarts) == (0, 2)
    assert crashes == [1, 139]
    assert counter.read_text() == "3"
    assert out.getvalue().count("\x1b[3J\x1b[2J") == 3


def test_a_crash_loop_never_returns_to_the_shell_only_the_locked_screen_ends_it(tmp_path: Path) -> None:
    """Finding 1: after 5 quick crashes the old supervisor returned (exit 1) and the patient was at a
    shell. Now it shows the locked staff screen and tries again until staff close it with the PIN."""
    out = io.StringIO()
    runs: list[int] = []
    locked_calls: list[float] = []

    def crash(_command: object, _env: object) -> int:
        runs.append(1)
        return 1

    def locked(seconds: float) -> bool:
        locked_calls.append(seconds)
        return len(locked_calls) == 3  # staff type the PIN on the third locked screen

    result = supervise(["kiosk"], {}, run=crash, locked=locked, reset=lambda: reset_terminal(out),
                       pause=lambda _s: None, clock=lambda: 0.0)
    assert result.exit_code == 0
    assert locked_calls == [LOCKED_RETRY_SECONDS] * 3
    assert len(runs) == 3 * MAX_CRASHES_IN_WINDOW  # the kiosk was tried again after each locked screen


def test_config_errors_end_only_a_first_launch(tmp_path: Path) -> None:
    out = io.StringIO()
    refused = supervise([sys.executable, "-c", CHILD, str(tmp_path / "b"), "2"], child_env(tmp_path),
                        reset=lambda: reset_terminal(out), pause=lambda _s: None)
    assert (refused.exit_code, refused.restarts) == (2, 0)
    # The same exit code after the kiosk has run (a crash, then a refused restart) is a crash: restarted.
    later = supervise([sys.executable, "-c", CHILD, str(tmp_path / "c"), "1,3,3,0"], child_env(tmp_path),
                      reset=lambda: reset_terminal(out), pause=lambda _s: None)
    assert (later.exit_code, later.restarts) == (0, 3)


def test_python_variables_are_stripped_from_the_kiosk_child() -> None:
    """Finding 7 (D16): PYTHONINSPECT and friends reached the kiosk child."""
    env = {"PYTHONINSPECT": "1", "PYTHONSTARTUP": "/tmp/x.py", "pythonpath": "/evil", "PATH": "/bin",
           "TEXTUAL_DRIVER": "x", "KETAVOICE_HOME": "/h"}
    clean, removed = clean_environment(env)
    assert clean == {"PATH": "/bin", "KETAVOICE_HOME": "/h"}
    assert set(removed) == {"PYTHONINSPECT", "PYTHONSTARTUP", "pythonpath", "TEXTUAL_DRIVER"}


def test_kiosk_child_refuses_textual_variables(tmp_path: Path) -> None:
    env = child_env(tmp_path) | {"TEXTUAL_SCREENSHOT": "1"}
    result = subprocess.run([sys.executable, "-m", "ketavoice.tui.kiosk_main"], env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "TEXTUAL_SCREENSHOT" in result.stderr


def test_kiosk_without_a_pin_is_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "ketavoice", "kiosk"], env=child_env(tmp_path),
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert "ketavoice kiosk set-pin" in result.stderr
    assert not (tmp_path / "journal.sqlite3").exists() or os.stat(tmp_path).st_mode & 0o077 == 0


def test_kiosk_voice_is_offered_and_passed_to_the_kiosk_child() -> None:
    """`ketavoice kiosk --voice` (offered by its own help) starts the child hands-free."""
    import argparse

    from ketavoice.commands.kiosk import _child_argv, add_arguments
    from ketavoice.tui.kiosk_main import build_parser

    parser = argparse.ArgumentParser()
    add_arguments(parser, "kiosk")
    args = parser.parse_args(["--voice", "--push-to-talk", "f8"])
    child = _child_argv(args)
    assert "--voice" in child and child[child.index("--push-to-talk") + 1] == "f8"
    assert build_parser().parse_args(child).voice is True
