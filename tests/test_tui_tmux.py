"""The real app in a real terminal (tmux, 80x24): keys in, screen read back with capture-pane."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.tui.pin import PinStore

REPO = Path(__file__).parents[1]
TMUX = shutil.which("tmux")


class Terminal:
    """One detached tmux session running a command; read with capture-pane."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        assert TMUX is not None, "tmux is required for this test"
        self.name = f"kvtest-{uuid.uuid4().hex[:8]}"
        exports = " ".join(f"{key}={value}" for key, value in env.items())
        shell = f"env -i {exports} {' '.join(command)}; echo EXITED $?; sleep 60"
        size = ["-x", "80", "-y", "24"]
        subprocess.run([TMUX, "new-session", "-d", "-s", self.name, *size, shell], check=True)

    def screen(self, history: bool = False) -> str:
        args = [TMUX, "capture-pane", "-p", "-t", self.name] + (["-S", "-", "-E", "-"] if history else [])
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not on screen after {timeout} s:\n{self.screen()}")

    def send(self, *keys: str) -> None:
        subprocess.run([TMUX, "send-keys", "-t", self.name, *keys], check=True)

    def type(self, text: str) -> None:
        subprocess.run([TMUX, "send-keys", "-t", self.name, "-l", text], check=True)
        self.send("Enter")

    def pane_pid(self) -> int:
        out = subprocess.run([TMUX, "display", "-p", "-t", self.name, "#{pane_pid}"], capture_output=True,
                             text=True, check=True).stdout
        return int(out.strip())

    def close(self) -> None:
        subprocess.run([TMUX, "kill-session", "-t", self.name], check=False, capture_output=True)


def descendants(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    children = [int(p) for p in out.split()]
    return children + [g for c in children for g in descendants(c)]


def test_console_runs_in_a_real_terminal(terminal_env: dict[str, str], terminals: list[Terminal],
                                         ketavoice_home: Path) -> None:
    term = Terminal([sys.executable, "-m", "ketavoice", "--patient", "tmux-patient"], terminal_env)
    terminals.append(term)
    screen = term.wait_for("Say okay when you're ready.")
    assert "KEYBOARD" in screen and "c Continue" in screen
    term.type("c")
    term.wait_for("How do you feel right now?")
    term.type("sleepy")
    term.wait_for("drive you home?")
    term.send("Escape")
    time.sleep(0.5)  # a lone Escape followed at once by a key would read as Alt+key
    term.send("y")  # an answer key, one press, focus on the key row
    term.wait_for("When can you drive again?")
    term.send("C-q")
    term.wait_for("EXITED 0")
    journal = SqliteJournal(ketavoice_home / "journal.sqlite3")
    assert journal.sessions("tmux-patient")[0].status == "ended"


def test_kiosk_survives_ctrl_c_and_a_crash_without_leaving_words(
    terminal_env: dict[str, str], terminals: list[Terminal], ketavoice_home: Path
) -> None:
    PinStore(ketavoice_home).set_pin("2468")
    env = terminal_env | {"TEXTUAL_SCREENSHOT": "1"}  # stripped by the supervisor, never reaches the app
    term = Terminal([sys.executable, "-m", "ketavoice", "kiosk"], env)
    terminals.append(term)
    term.wait_for("Welcome.")
    term.send("C-c")
    term.send("C-\\")
    time.sleep(0.5)
    assert "Welcome." in term.screen() and "EXITED" not in term.screen()
    term.send("F2")
    term.wait_for("Staff PIN")
    term.type("2468")
    term.wait_for("Start session")
    term.type("crash-test-patient")
    term.wait_for("Say okay when you're ready.")
    term.type("purple giraffe")
    term.wait_for("Patient: purple giraffe")
    children = descendants(term.pane_pid())
    kiosk_children = [pid for pid in children
                      if "kiosk_main" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")]
    assert kiosk_children, "the kiosk app runs as a supervised child"
    os.kill(kiosk_children[0], signal.SIGKILL)
    term.wait_for("Welcome.")
    everything = term.screen(history=True)
    assert "purple" not in everything and "crash-test-patient" not in everything
    term.send("C-q")
    term.wait_for("Staff PIN")
    term.type("2468")
    term.wait_for("EXITED 0")
