"""Finding 6 in a real terminal: a 1 MB bracketed paste of escapes and emoji must not freeze the kiosk.

Textual's parser turned the escape sequences inside a paste into about a million key presses; the
kiosk's driver now filters pastes before the parser and drops key floods (`tui/kiosk_driver.py`).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from ketavoice.tui.app import MAX_PASTE_CHARS
from ketavoice.tui.kiosk_driver import (
    BURST_KEYS,
    KEYS_PER_SECOND,
    PASTE_END,
    PASTE_KEEP_CHARS,
    PASTE_START,
    QUIET_SECONDS,
    KeyFloodGate,
    PasteFilter,
    PasteFilteringParser,
)
from ketavoice.tui.pin import PinStore
from tests.test_kiosk_faults import PASTE
from tests.test_tui_console import FakeClock
from tests.test_tui_tmux import TMUX, Terminal, descendants


def test_paste_filter_strips_controls_caps_and_survives_split_markers() -> None:
    body_in = "a\x1b[31mb\x07c" + "x" * 50_000
    for size in (1, 3, 7, 4096):
        rest = body_in + PASTE_END + "after"
        chunks = ["key", PASTE_START[:4], PASTE_START[4:] + rest[:size]]
        chunks += [rest[i : i + size] for i in range(size, len(rest), size)]
        filt = PasteFilter()
        out = "".join(filt.push(chunk) for chunk in chunks)
        assert out.startswith("key" + PASTE_START) and out.endswith(PASTE_END + "after")
        body = out[len("key" + PASTE_START) : out.index(PASTE_END)]
        assert body.startswith("a[31mbc") and len(body) == PASTE_KEEP_CHARS and "\x1b" not in body
        assert not filt.in_paste and not filt.pending


def test_a_lone_escape_is_never_held_back() -> None:
    filt = PasteFilter()
    assert filt.push("\x1b") == "\x1b" and not filt.pending


def test_input_outside_a_paste_passes_unchanged() -> None:
    keys = "\x1b[A\x1bOP plain \x1b\r"
    assert PasteFilter().push(keys) == keys


def test_parser_turns_a_megabyte_paste_into_one_short_paste_event() -> None:
    """The parser's work is bounded by what the filter lets through, whatever the paste's size: that
    (not a stopwatch) is what keeps a megabyte paste from freezing the kiosk."""
    stream = PASTE_START + PASTE + PASTE_END + "ok\r"
    chunks = [stream[i : i + 4096] for i in range(0, len(stream), 4096)]
    paste_filter = PasteFilter()
    reaching_the_parser = sum(len(paste_filter.push(chunk)) for chunk in chunks)
    assert reaching_the_parser <= len(PASTE_START) + PASTE_KEEP_CHARS + len(PASTE_END) + len("ok\r")
    parser = PasteFilteringParser()
    events = [e for chunk in chunks for e in parser.feed(chunk)]
    names = [type(event).__name__ for event in events]
    assert names == ["Paste", "Key", "Key", "Key"]
    assert len(getattr(events[0], "text", "")) <= PASTE_KEEP_CHARS


def test_key_flood_gate() -> None:
    clock = FakeClock()
    gate = KeyFloodGate(clock)
    burst = [gate.allow() for _ in range(BURST_KEYS)]  # a whole answer in one write (finding 15)
    assert all(burst) and gate.floods == 0
    assert not any(gate.allow() for _ in range(1000))  # a flood: dropped, and one flood reported
    assert gate.floods == 1 and gate.dropped == 1000
    clock.now += QUIET_SECONDS
    assert gate.allow()  # the next key after a quiet moment is typing again
    for _ in range(200):  # a fast typist: 10 keys a second
        clock.now += 0.1
        assert gate.allow()
    assert gate.floods == 1


def test_a_200_key_burst_passes_whole_and_the_bucket_refills() -> None:
    """The old gate passed 20 keys in 0.1 s and dropped the rest of "yes my sister is driving me"."""
    clock = FakeClock()
    gate = KeyFloodGate(clock)
    for _ in range(3):
        assert all(gate.allow() for _ in range(200))  # three long answers, each sent in one burst...
        clock.now += 200 / KEYS_PER_SECOND  # ...some seconds apart
    assert gate.floods == 0 and gate.dropped == 0


def test_megabyte_paste_in_a_real_terminal(ketavoice_home: Path, tmp_path: Path) -> None:
    assert TMUX is not None
    PinStore(ketavoice_home).set_pin("2468")
    paste_file = tmp_path / "paste.txt"
    paste_file.write_text(PASTE)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(Path(__file__).parents[1]),
           "KETAVOICE_HOME": str(ketavoice_home), "TERM": "xterm-256color", "LANG": "C.UTF-8"}
    import sys

    term = Terminal([sys.executable, "-m", "ketavoice", "kiosk"], env)
    try:
        term.wait_for("Welcome.")
        term.send("F2")
        term.wait_for("Staff PIN")
        term.type("2468")
        term.wait_for("Start session")
        term.type("paste-patient")
        term.wait_for("Say okay when you're ready.")
        subprocess.run([TMUX, "load-buffer", "-b", term.name, str(paste_file)], check=True)
        subprocess.run([TMUX, "paste-buffer", "-p", "-d", "-b", term.name, "-t", term.name], check=True)
        # The deadlines only keep a hung kiosk from hanging the suite: it never came back before.
        term.wait_for("evil", timeout=120)  # the (cut, cleaned) paste is in the answer box
        term.send("C-u")  # the patient clears it and types a red flag
        term.type("my chest hurts")
        term.wait_for("ALERT", timeout=120)
        kiosk = [pid for pid in descendants(term.pane_pid())
                 if "kiosk_main" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")]
        assert kiosk
        status = Path(f"/proc/{kiosk[0]}/status").read_text().splitlines()
        rss_kb = int(next(line.split()[1] for line in status if line.startswith("VmRSS:")))
        assert rss_kb < 300_000, rss_kb  # it grew to 2 GB before
        assert "PWNED" not in term.screen()
        assert MAX_PASTE_CHARS < PASTE_KEEP_CHARS
    finally:
        term.close()
