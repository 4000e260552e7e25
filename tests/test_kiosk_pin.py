"""The staff PIN store: salted scrypt on disk, 0600, exponential backoff that survives a restart."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ketavoice.errors import KioskError
from ketavoice.tui.pin import MAX_DELAY_SECONDS, PinStore, backoff_seconds
from tests.test_tui_console import FakeClock


def test_pin_is_stored_as_salted_scrypt_owner_only(ketavoice_home: Path) -> None:
    store = PinStore(ketavoice_home)
    store.set_pin("482913")
    raw = store.pin_path.read_text(encoding="utf-8")
    assert "482913" not in raw
    record = json.loads(raw)
    assert record["kdf"] == "scrypt" and len(bytes.fromhex(record["salt"])) == 16
    assert stat.S_IMODE(store.pin_path.stat().st_mode) == 0o600
    assert stat.S_IMODE(ketavoice_home.stat().st_mode) == 0o700
    other = PinStore(ketavoice_home / "other")
    other.set_pin("482913")
    assert json.loads(other.pin_path.read_text())["hash"] != record["hash"]  # salted


@pytest.mark.parametrize("bad", ["", "123", "12a4", "1234567890123", "12 34"])
def test_bad_pins_are_refused_without_echo(ketavoice_home: Path, bad: str) -> None:
    with pytest.raises(KioskError) as raised:
        PinStore(ketavoice_home).set_pin(bad)
    assert bad not in str(raised.value) or bad == ""


def test_wrong_pins_back_off_exponentially_and_persist(ketavoice_home: Path) -> None:
    clock = FakeClock()
    store = PinStore(ketavoice_home, clock=clock)
    store.set_pin("2468")
    assert not store.check("1111").ok
    # Throttled: even the right PIN is refused, unchecked and uncounted, until the wait is over.
    refused = store.check("2468")
    assert not refused.ok and refused.throttled and refused.wait_seconds == pytest.approx(1.0)
    clock.now += 1.0
    assert not store.check("0000").ok
    clock.now += 1.9
    assert store.check("2468").throttled  # 2 s after the second failure
    clock.now += 0.2
    assert not store.check("9999").ok  # third failure: 4 s
    restarted = PinStore(ketavoice_home, clock=clock)  # a restart does not reset the count
    assert restarted.wait_seconds() == pytest.approx(4.0)
    assert restarted.check("2468").throttled
    clock.now += 4.0
    assert restarted.check("2468").ok
    assert not restarted.check("1111").ok and restarted.wait_seconds() == pytest.approx(1.0)


def test_backoff_is_capped() -> None:
    assert [backoff_seconds(n) for n in range(5)] == [0.0, 1.0, 2.0, 4.0, 8.0]
    assert backoff_seconds(40) == MAX_DELAY_SECONDS


def test_damaged_throttle_file_is_not_a_way_around(ketavoice_home: Path) -> None:
    clock = FakeClock()
    store = PinStore(ketavoice_home, clock=clock)
    store.set_pin("2468")
    store.throttle_path.write_text("{not json", encoding="utf-8")
    assert store.check("2468").throttled
    clock.now += MAX_DELAY_SECONDS
    assert store.check("2468").ok


def test_no_pin_set_is_a_clear_error(ketavoice_home: Path) -> None:
    with pytest.raises(KioskError, match="set-pin"):
        PinStore(ketavoice_home).check("1234")


def test_set_pin_command_and_audit(ketavoice_home: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ketavoice", "kiosk", "set-pin", "--pin-stdin"],
        input="735911\n", capture_output=True, text=True, timeout=60, check=False,
        env={"KETAVOICE_HOME": str(ketavoice_home), "PYTHONPATH": str(Path(__file__).parents[1]),
             "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    assert "735911" not in result.stdout + result.stderr
    assert PinStore(ketavoice_home).check("735911").ok
    import sqlite3

    with sqlite3.connect(ketavoice_home / "journal.sqlite3") as db:
        rows = db.execute("SELECT actor, kind FROM audit WHERE kind = 'pin_set'").fetchall()
    assert rows == [("staff", "pin_set")]


def test_the_throttle_wait_is_rounded_up(ketavoice_home: Path) -> None:
    """Clinic v3 finding 14: 0.3 s left was shown as "wait 0 s" while the right PIN was refused."""
    clock = FakeClock()
    store = PinStore(ketavoice_home, clock=clock)
    store.set_pin("2468")
    assert not store.check("1111").ok
    clock.now += 0.7
    refused = store.check("2468")
    assert refused.throttled and refused.wait_seconds == pytest.approx(0.3)
    assert refused.wait_text == "1 s"
    clock.now += 0.3
    assert store.check("2468").ok


def _set_pin(home: Path, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ketavoice", "kiosk", "set-pin", "--pin-stdin"],
        input=stdin, capture_output=True, text=True, timeout=60, check=False,
        env={"KETAVOICE_HOME": str(home), "PYTHONPATH": str(Path(__file__).parents[1]),
             "PATH": "/usr/bin:/bin"},
    )


def test_replacing_a_pin_needs_the_current_one(ketavoice_home: Path) -> None:
    """Clinic v3 finding 7 (part): `kiosk set-pin` replaced a PIN without the old one."""
    import time

    assert _set_pin(ketavoice_home, "735911\n").returncode == 0  # the first PIN needs nothing
    pin_file = PinStore(ketavoice_home).pin_path.read_bytes()
    forged = _set_pin(ketavoice_home, "000000\n111111\n")
    assert forged.returncode == 1 and "current staff PIN is wrong" in forged.stderr
    assert "Traceback" not in forged.stderr and "111111" not in forged.stderr
    assert PinStore(ketavoice_home).pin_path.read_bytes() == pin_file  # unchanged
    time.sleep(PinStore(ketavoice_home).wait_seconds() + 0.05)  # the wrong try was throttled like any other
    again = _set_pin(ketavoice_home, "735911\n246810\n")
    assert again.returncode == 0, again.stderr
    assert PinStore(ketavoice_home).check("246810").ok and not PinStore(ketavoice_home).check("735911").ok
