"""Trial v3 finding 15 in a real terminal: a typed burst (on-screen keyboard, dictation, a fast typist)
reaches the engine whole, Enter included; the kiosk's flood gate used to drop everything after the 20th
key, so a red flag at the end of a long answer was never judged."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.tui.kiosk_driver import BURST_KEYS
from ketavoice.tui.pin import PinStore
from tests.test_tui_tmux import Terminal, descendants

RED_FLAG = "my chest hurts"
PIN = "2468"


def burst_line(length: int = 200) -> str:
    """A `length`-character answer that ends with a red flag."""
    filler = "i am sitting in the chair by the window and my sister is driving me home later, "
    body = (filler * 4)[: length - len(RED_FLAG) - 1]
    return body + " " + RED_FLAG


def start_kiosk_session(terminal_env: dict[str, str], terminals: list[Terminal], home: Path,
                        patient_id: str) -> Terminal:
    """A kiosk in a real terminal, a session started by staff, at its first question."""
    PinStore(home).set_pin(PIN)
    term = Terminal([sys.executable, "-m", "ketavoice", "kiosk"], terminal_env)
    terminals.append(term)
    term.wait_for("Welcome.")
    term.send("F2")
    term.wait_for("Staff PIN")
    term.type(PIN)
    term.wait_for("Start session")
    term.type(patient_id)
    term.wait_for("Say okay when you're ready.")
    return term


def test_a_200_character_burst_and_enter_reach_the_engine_whole(
    terminal_env: dict[str, str], terminals: list[Terminal], ketavoice_home: Path
) -> None:
    term = start_kiosk_session(terminal_env, terminals, ketavoice_home, "burst-patient")
    line = burst_line()
    assert len(line) == 200
    term.send("-l", line + "\r")  # one write: 200 characters and Enter at once
    term.wait_for("ALERT", timeout=60)
    screen = term.screen(history=True)
    assert "has not answered" not in screen and "not taken" not in screen
    journal = SqliteJournal(ketavoice_home / "journal.sqlite3")
    alerts = journal.open_alerts("burst-patient")
    assert alerts, "the red flag at the end of the burst raised an alert"
    assert any(RED_FLAG in alert.text for alert in alerts), [alert.text for alert in alerts]
    assert not any("not answered" in alert.text for alert in alerts)
    kiosk = [pid for pid in descendants(term.pane_pid())
             if "kiosk_main" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")]
    assert kiosk, "the kiosk is still running"


def test_a_flood_beyond_any_answer_is_reported_not_silently_dropped(
    terminal_env: dict[str, str], terminals: list[Terminal], ketavoice_home: Path
) -> None:
    term = start_kiosk_session(terminal_env, terminals, ketavoice_home, "flood-patient")
    term.send("-l", "z" * (BURST_KEYS + 500))  # an unbracketed paste: more keys than any answer
    term.wait_for("not taken", timeout=60)  # the patient is told, instead of waiting for nothing
    # Keys are taken again once the keyboard has been quiet (QUIET_SECONDS): the first clear may still
    # fall inside the flood's tail on a loaded machine, so clear until the field is empty (at most ten
    # tries, each a second after the last key: a quiet keyboard by then, whatever the load).
    for _ in range(10):
        time.sleep(1.0)
        term.send("C-u")
        time.sleep(0.5)
        if "zzzz" not in term.screen():
            break
    assert "zzzz" not in term.screen(), "the input was never cleared after the flood"
    term.type("ok")  # once quiet, typing works again
    term.wait_for("How do you feel right now?", timeout=60)
