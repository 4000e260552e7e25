"""Alerts never lie (clinic v3, findings 2 and 9): an alert the journal could not keep (a full disk) is
sent to the clinic store from memory, and the room hears whether staff were reached; `chat` exits 1
and says why on stderr when an alert was not saved or not delivered. Real child processes, a real full
disk for the child (RLIMIT_FSIZE) and the real PostgreSQL server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.pgstore import ClinicStore
from ketavoice.content import load_content
from ketavoice.journal import open_journal

REPO = Path(__file__).resolve().parent.parent
DRIVER = REPO / "tests" / "chat_full_disk_driver.py"
RED_FLAG = "I have crushing chest pain"
MESSAGES = load_content().messages


def run_full_disk_chat(home: Path, url: str | None, *lines: str, wait_store: bool = False
                       ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "KETAVOICE_HOME": str(home), "KETAVOICE_ROOM": "Room F",
           "FULL_DISK_WAIT_STORE": "1" if wait_store else "0"}
    env.pop("KETAVOICE_DATABASE_URL", None)
    if url is not None:
        env["KETAVOICE_DATABASE_URL"] = url
    return subprocess.run([sys.executable, str(DRIVER), *lines], capture_output=True, text=True, env=env,
                          timeout=120, cwd=REPO)


def said_after_alert(stdout: str) -> list[str]:
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("!! STAFF ALERT"))
    return lines[start + 1:]


def test_full_disk_alert_reaches_the_store_from_memory_and_the_room_is_told_truly(
    tmp_path: Path, clinic_url: str
) -> None:
    home = tmp_path / "home"
    result = run_full_disk_chat(home, clinic_url, "okay", RED_FLAG, "is anyone there", wait_store=True)
    assert "Traceback" not in result.stderr, result.stderr
    after = "\n".join(said_after_alert(result.stdout))
    # Not saved and not yet sent when it was raised: no promise; once the store has it, the room hears so.
    assert MESSAGES.hold_unreachable in after and MESSAGES.hold_clinic not in after
    assert after.index(MESSAGES.hold_unreachable) < after.index(MESSAGES.hold_reached)
    with ClinicStore(ClinicConfig(clinic_url, "")) as store:
        alerts = store.alerts()
    assert [(a.room, a.patient, a.level) for a in alerts] == [("Room F", "pfull", "emergency")]
    assert alerts[0].local_id < 0  # never a journal row id of this device
    with open_journal(home) as journal:
        assert journal.open_alerts() == []  # the journal really could not keep it
    assert result.returncode == 1
    assert "could not be saved in this machine's journal; they reached the clinic store" in result.stderr
    assert "chest" not in result.stderr


def test_full_disk_with_the_store_down_says_staff_were_not_reached(tmp_path: Path) -> None:
    from tests.clinic_support import free_port

    url = f"postgresql://nurse:pw@127.0.0.1:{free_port()}/clinic"
    result = run_full_disk_chat(tmp_path / "home", url, "okay", RED_FLAG, "hello?")
    assert "Traceback" not in result.stderr, result.stderr
    after = "\n".join(said_after_alert(result.stdout))
    assert MESSAGES.hold_unreachable in after
    assert "Someone is coming" not in after and "told the staff" not in after
    assert result.returncode == 1
    assert "nor delivered to the clinic store: staff were not told" in result.stderr


def test_full_disk_with_no_store_says_so_and_exits_non_zero(tmp_path: Path) -> None:
    result = run_full_disk_chat(tmp_path / "home", None, "okay", RED_FLAG)
    assert "Traceback" not in result.stderr, result.stderr
    after = "\n".join(said_after_alert(result.stdout))
    assert MESSAGES.hold_no_station in after and "Someone is coming" not in after
    assert result.returncode == 1
    assert "could not be saved on this machine and no clinic store is configured" in result.stderr


def test_every_truthful_hold_line_is_a_short_turn() -> None:
    for text in (MESSAGES.hold_unreachable, MESSAGES.hold_unreachable_repeat, MESSAGES.hold_no_station,
                 MESSAGES.hold_no_station_repeat, MESSAGES.hold_reached, MESSAGES.staff_unreached):
        assert len(text.split()) <= 25, text
    assert json.dumps(MESSAGES.hold_unreachable)  # plain text, no placeholders


def test_full_disk_in_the_console_sends_the_alert_from_memory_and_says_so(tmp_path: Path, clinic_url: str
                                                                         ) -> None:
    """The same through the Textual console (the kiosk uses the same clinic link), Pilot in a child."""
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "PYTHONPATH": str(REPO), "KETAVOICE_HOME": str(home)}
    result = subprocess.run([sys.executable, str(REPO / "tests" / "console_full_disk_driver.py"), str(home),
                             clinic_url], capture_output=True, text=True, env=env, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {
        "unreachable_said": True,
        "promise_said": False,
        "reached_said": True,
        "store": [["Room T", "p-tui-full", "emergency", True]],
        "journal_alerts": 0,
    }
