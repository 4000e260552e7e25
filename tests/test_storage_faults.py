"""Storage under attack: full disks, read-only media, no permission, damaged and foreign files.

Every refused file is hashed (with its -wal/-shm and its mode) before and after, through the library and
through the CLI; every failure must name its real cause, and only real damage may say "restore".
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ketavoice.errors import JournalCorrupt, JournalError, JournalReadOnly
from ketavoice.journal import DB_NAME, open_journal
from tests.dialogue_inputs import CHECKIN_TO_NOTE_OFFER
from tests.faults import (
    can_mount,
    fill_disk,
    remount,
    run_cli,
    run_python,
    small_tmpfs,
    snapshot,
)

PAGE = 4096
CHECKIN = CHECKIN_TO_NOTE_OFFER + "yes\nstill here\nyes\nokay\n"
MOUNTABLE = can_mount()
needs_mount = pytest.mark.skipif(not MOUNTABLE, reason="this machine does not allow `mount -t tmpfs`")


def saved_journal(home: Path, notes: int = 3) -> Path:
    """A closed journal (no -wal/-shm left) holding `notes` notes."""
    with open_journal(home) as journal:
        session = journal.start_session("ana", "checkin", 1.0)
        for number in range(notes):
            journal.save_note(session, f"kept note {number} " + "x" * 300, None, False, float(number + 2))
    path = home / DB_NAME
    assert not Path(f"{path}-wal").exists()
    return path


WAL_WRITER = """
import os, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.execute("pragma wal_autocheckpoint=0")
conn.execute(sys.argv[2])
conn.commit()
os._exit(0)  # killed before closing: the transaction is only in the -wal
"""


def write_only_to_wal(path: Path, statement: str) -> None:
    subprocess.run([sys.executable, "-c", WAL_WRITER, str(path), statement], check=True)


def foreign_wal(path: Path) -> None:
    """A foreign SQLite file in WAL mode whose last transaction is only in its -wal (writer killed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    code = ("import sqlite3, os, sys; c = sqlite3.connect(sys.argv[1]); c.execute('pragma journal_mode=wal');"
            "c.execute('pragma wal_autocheckpoint=0'); c.execute('create table t(x)');"
            "c.execute('insert into t values (1)'); c.commit(); os._exit(0)")
    subprocess.run([sys.executable, "-c", code, str(path)], check=True)
    os.chmod(path, 0o644)


def damaged_with_wal(path: Path) -> None:
    """A ketavoice journal with a damaged page in the main file and unsaved pages in its -wal."""
    saved_journal(path.parent, notes=300)
    write_only_to_wal(path, "insert into audit (session_id, actor, kind, text, at)"
                            " values (1, 'system', 'x', 'y', 9)")
    assert Path(f"{path}-wal").stat().st_size > 0
    pages = path.stat().st_size // PAGE
    with open(path, "r+b") as handle:
        handle.seek((pages // 2) * PAGE)
        handle.write(random.Random(11).randbytes(PAGE))


def foreign_rollback(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE recipes (name TEXT)")
        conn.execute("INSERT INTO recipes VALUES ('soup')")
    conn.close()
    os.chmod(path, 0o644)


def empty_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()
    os.chmod(path, 0o600)


def text_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("Dear diary, this is not a database.\n" * 50)


def folder(path: Path) -> None:
    path.mkdir(parents=True)


# case -> (maker, expected words in the refusal, may the message say "restore"?)
REFUSED: dict[str, tuple[Callable[[Path], None], str, bool]] = {
    "foreign sqlite in WAL mode": (foreign_wal, "not a ketavoice journal", True),
    "foreign sqlite, rollback mode": (foreign_rollback, "not a ketavoice journal", True),
    "damaged, with unsaved WAL pages": (damaged_with_wal, "damaged", True),
    "0-byte journal": (empty_file, "empty", True),
    "text file": (text_file, "not a SQLite database", True),
    "folder": (folder, "not a file", False),
}


def make_case(case: str, home: Path, outside: Path) -> list[Path]:
    """Build the case under `home`; return the paths whose bytes and modes must not change."""
    if case == "symlink to a journal elsewhere":
        target = outside / "elsewhere" / DB_NAME
        saved_journal(target.parent)
        os.chmod(target, 0o644)
        home.mkdir(parents=True, exist_ok=True)
        (home / DB_NAME).symlink_to(target)
        return [home / DB_NAME, target]
    maker = REFUSED[case][0]
    maker(home / DB_NAME)
    return [home / DB_NAME]


CASES = [*REFUSED, "symlink to a journal elsewhere"]


@pytest.mark.parametrize("case", CASES)
def test_refused_files_are_left_exactly_as_found(case: str, tmp_path: Path) -> None:
    """Finding 3 (and D10): the old code rewrote a foreign WAL file and deleted its -wal/-shm, chmod-ed
    foreign files and a symlink's target, and silently started a 0-byte journal afresh."""
    home = tmp_path / "home"
    kept = make_case(case, home, tmp_path)
    before = snapshot(*kept)
    names = sorted(os.listdir(home))
    with pytest.raises(JournalCorrupt) as caught:
        open_journal(home)
    message = str(caught.value)
    words = "symbolic link" if case.startswith("symlink") else REFUSED[case][1]
    assert words in message
    assert snapshot(*kept) == before
    for args, stdin in ((("notes", "--json"), ""), (("checkin",), CHECKIN)):
        result = run_cli(home, *args, stdin=stdin)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert words in result.stderr and "Traceback" not in result.stderr
        assert snapshot(*kept) == before, args
    assert sorted(os.listdir(home)) == names  # nothing created beside it either


def test_a_journal_left_mid_write_with_its_wal_still_opens_and_keeps_everything(tmp_path: Path) -> None:
    """The read-only check must not turn a sound journal with unsaved WAL pages into a refusal."""
    home = tmp_path / "home"
    path = saved_journal(home)
    write_only_to_wal(path, "insert into notes (session_id, text, audio_path, machine_transcript, status,"
                            " created_at) values (1, 'only in the wal', NULL, 0, 'saved', 99)")
    for shm_present in (True, False):
        if not shm_present:
            Path(f"{path}-shm").unlink(missing_ok=True)
        with open_journal(home, readonly=True) as journal:
            assert "only in the wal" in [note.text for note in journal.notes()]
    with open_journal(home) as journal:
        assert len(journal.notes()) == 4 and journal.integrity_check() == ["ok"]


# ---- full disk -------------------------------------------------------------------------------------

def assert_full_disk_message(stderr: str) -> None:
    assert "disk is full" in stderr, stderr
    assert "is damaged" not in stderr and "restore" not in stderr and "Traceback" not in stderr


def test_full_disk_via_file_size_limit_is_not_called_damage(tmp_path: Path) -> None:
    """Finding 2: a full disk at open (SQLITE_IOERR_SHMSIZE) was reported as a damaged journal with advice
    to restore from backup. RLIMIT_FSIZE (16 KB, under the 32 KB -shm) makes the disk full for the child."""
    home = tmp_path / "home"
    path = saved_journal(home)
    before = snapshot(path)[str(path)]
    result = run_cli(home, "checkin", stdin=CHECKIN, fsize=16384)
    assert result.returncode == 1
    assert_full_disk_message(result.stderr)
    assert snapshot(path)[str(path)] == before
    reading = run_cli(home, "notes", "--json", fsize=16384)  # what is saved can still be read
    assert reading.returncode == 0, reading.stderr
    assert len(json.loads(reading.stdout)) == 3
    again = run_cli(home, "checkin", stdin=CHECKIN)  # space back: the same journal works, nothing lost
    assert again.returncode == 0, again.stderr
    with open_journal(home) as journal:
        assert len(journal.notes()) == 4 and journal.integrity_check() == ["ok"]


def test_full_disk_while_saving_keeps_earlier_notes_and_says_so(tmp_path: Path) -> None:
    home = tmp_path / "home"
    path = saved_journal(home, notes=1)
    size = path.stat().st_size
    big_note = CHECKIN_TO_NOTE_OFFER + "yes\n" + "word " * 700 + "\nyes\nokay\n"
    result = run_cli(home, "checkin", stdin=big_note, fsize=size + 4096 * 3 + 40000)
    assert "Traceback" not in result.stderr and "is damaged" not in result.stderr + result.stdout
    with open_journal(home) as journal:
        assert journal.integrity_check() == ["ok"]
        assert [n.text.startswith("kept note 0") for n in journal.notes()][0]


PIN_CHECKS = """
import json, time
from pathlib import Path
from ketavoice.tui.pin import PinStore
store = PinStore(Path(__import__('os').environ['KETAVOICE_HOME']))
out = []
for pin in ('1111', '2222'):
    c = store.check(pin)
    out.append([c.ok, c.throttled, c.failures, c.recorded])
time.sleep(store.wait_seconds() + 0.05)
c = store.check('2468')
out.append([c.ok, c.throttled, c.failures, c.recorded])
print(json.dumps(out))
"""


def test_wrong_pins_on_a_full_disk_are_throttled_in_memory_and_staff_still_get_in(tmp_path: Path) -> None:
    """Finding 1: on a full disk a wrong PIN raised OSError (the kiosk crashed); nothing limited guesses."""
    home = tmp_path / "home"
    result = run_cli(home, "kiosk", "set-pin", "--pin-stdin", stdin="2468\n")
    assert result.returncode == 0, result.stderr
    checks = run_python(home, PIN_CHECKS, fsize=1)
    assert checks.returncode == 0, checks.stderr
    first, second, staff = json.loads(checks.stdout)
    assert first == [False, False, 1, False]  # refused, counted, not recorded on disk
    assert second[:2] == [False, True]  # the next guess is held back although nothing could be written
    assert staff[0] is True  # after the delay the right PIN works


def test_set_pin_on_a_full_disk_is_a_clear_error(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    result = run_cli(home, "kiosk", "set-pin", "--pin-stdin", stdin="2468\n", fsize=1)
    assert result.returncode == 1
    assert "could not save the staff PIN" in result.stderr and "Traceback" not in result.stderr


@needs_mount
def test_full_small_tmpfs(tmp_path: Path) -> None:
    """The same on a real 600 KB file system filled to the last byte."""
    with small_tmpfs(tmp_path / "mnt") as mnt:
        home = mnt / "kv"
        saved_journal(home)
        assert run_cli(home, "kiosk", "set-pin", "--pin-stdin", stdin="2468\n").returncode == 0
        filler = fill_disk(mnt)
        try:
            before = snapshot(home / DB_NAME)[str(home / DB_NAME)]
            result = run_cli(home, "checkin", stdin=CHECKIN)
            assert result.returncode == 1
            assert_full_disk_message(result.stderr)
            assert snapshot(home / DB_NAME)[str(home / DB_NAME)] == before
            reading = run_cli(home, "notes", "--json")
            assert reading.returncode == 0 and len(json.loads(reading.stdout)) == 3, reading.stderr
            checks = run_python(home, PIN_CHECKS)
            assert checks.returncode == 0, checks.stderr
            first, second, staff = json.loads(checks.stdout)
            assert first[0] is False and second[1] is True and staff[0] is True
        finally:
            filler.unlink()
        assert run_cli(home, "checkin", stdin=CHECKIN).returncode == 0


# ---- read-only and no permission ---------------------------------------------------------------------

def hand_to_nobody(home: Path) -> None:
    """Give `home` to another user (0755 folder, 0644 files): a root child without DAC capabilities can
    read it but not write or chmod it."""
    for path in [home, *home.rglob("*")]:
        os.chown(path, 65534, 65534, follow_symlinks=False)
        os.chmod(path, 0o755 if path.is_dir() else 0o644)


def test_notes_reads_a_journal_it_may_not_write_and_writes_say_why(tmp_path: Path) -> None:
    """Finding 8: `notes` could not read a journal it could not write (a backup copy, read-only media)."""
    home = tmp_path / "home"
    saved_journal(home)
    hand_to_nobody(home)
    before = snapshot(home / DB_NAME)
    reading = run_cli(home, "notes", "--json", no_dac=True)
    assert reading.returncode == 0, reading.stderr
    assert len(json.loads(reading.stdout)) == 3
    writing = run_cli(home, "checkin", stdin=CHECKIN, no_dac=True)
    assert writing.returncode == 1
    assert "permission denied" in writing.stderr and "Traceback" not in writing.stderr
    assert "is damaged" not in writing.stderr and "restore" not in writing.stderr
    pin = run_cli(home, "kiosk", "set-pin", "--pin-stdin", stdin="2468\n", no_dac=True)
    assert pin.returncode == 1 and "permission denied" in pin.stderr and "Traceback" not in pin.stderr
    assert snapshot(home / DB_NAME) == before


def test_a_read_only_journal_object_refuses_writes_clearly(tmp_path: Path) -> None:
    home = tmp_path / "home"
    saved_journal(home)
    with open_journal(home, readonly=True) as journal:
        assert len(journal.notes()) == 3
        with pytest.raises(JournalReadOnly, match="read-only"):
            journal.save_mood(1, 5, 3.0)


@needs_mount
def test_read_only_file_system(tmp_path: Path) -> None:
    """Finding 8 and D8 on a real read-only mount: notes reads, checkin and set-pin explain, no traceback."""
    with small_tmpfs(tmp_path / "mnt", size="4m") as mnt:
        home = mnt / "kv"
        saved_journal(home)
        remount(mnt, "ro")
        try:
            reading = run_cli(home, "notes")
            assert reading.returncode == 0 and "kept note 2" in reading.stdout, reading.stderr
            writing = run_cli(home, "checkin", stdin=CHECKIN)
            assert writing.returncode == 1 and "read-only" in writing.stderr
            assert "is damaged" not in writing.stderr and "Traceback" not in writing.stderr
            pin = run_cli(home, "kiosk", "set-pin", "--pin-stdin", stdin="2468\n")
            assert pin.returncode == 1 and "read-only" in pin.stderr and "Traceback" not in pin.stderr
        finally:
            remount(mnt, "rw")


def test_lock_timeout_has_its_own_message(tmp_path: Path) -> None:
    from ketavoice.journal.sqlerrors import translate

    error = sqlite3.OperationalError("database is locked")
    error.sqlite_errorcode = 5  # type: ignore[attr-defined]
    error.sqlite_errorname = "SQLITE_BUSY"  # type: ignore[attr-defined]
    message = str(translate(error, "save the note", str(tmp_path / DB_NAME)))
    assert "locked by another program" in message and "restore" not in message


def test_each_cause_has_its_own_advice_and_only_damage_says_restore(tmp_path: Path) -> None:
    from ketavoice.journal.sqlerrors import translate

    where = str(tmp_path / DB_NAME)
    messages = {}
    causes = (("SQLITE_FULL", 13), ("SQLITE_READONLY", 8), ("SQLITE_BUSY", 5), ("SQLITE_CORRUPT", 11),
              ("SQLITE_CANTOPEN", 14))
    for name, code in causes:
        error = sqlite3.OperationalError("x")
        error.sqlite_errorcode = code  # type: ignore[attr-defined]
        error.sqlite_errorname = name  # type: ignore[attr-defined]
        messages[name] = translate(error, "save the note", where)
    assert len({str(m) for m in messages.values()}) == len(messages)
    assert [n for n, m in messages.items() if "restore" in str(m)] == ["SQLITE_CORRUPT"]
    assert isinstance(messages["SQLITE_READONLY"], JournalReadOnly)
    assert isinstance(messages["SQLITE_CORRUPT"], JournalCorrupt)
    assert isinstance(messages["SQLITE_FULL"], JournalError)


def test_refused_copy_cleanup_leaves_no_temp_folders(tmp_path: Path) -> None:
    """The probe's private copy (a -wal without a -shm) is removed afterwards."""
    import tempfile

    home = tmp_path / "home"
    foreign_wal(home / DB_NAME)
    Path(f"{home / DB_NAME}-shm").unlink()
    before = set(Path(tempfile.gettempdir()).glob("ketavoice-probe-*"))
    with pytest.raises(JournalCorrupt):
        open_journal(home)
    assert set(Path(tempfile.gettempdir()).glob("ketavoice-probe-*")) == before
    shutil.rmtree(home)
