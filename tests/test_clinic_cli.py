"""`ketavoice sync`, `ketavoice alerts [ack]` and `notes --alerts/--drafts` through real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.pgstore import ClinicStore
from ketavoice.journal import open_journal
from ketavoice.screening.model import ItemAnswer, Screening
from ketavoice.tui.pin import PinStore
from tests.clinic_support import free_port

REPO = Path(__file__).resolve().parent.parent
WORDS = "zebra-lighthouse-marmalade hurts"
PASSWORD = "s3cret-pass-word"


def cli(home: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None
        ) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHONPATH": str(REPO), "KETAVOICE_HOME": str(home), **(env or {})}
    for key in ("KETAVOICE_DATABASE_URL", "KETAVOICE_ROOM"):
        if env is None or key not in env:
            full_env.pop(key, None)
    return subprocess.run([sys.executable, "-m", "ketavoice", *args], input=stdin, capture_output=True,
                          text=True, env=full_env, timeout=60, cwd=REPO)


@pytest.fixture
def home(tmp_path: Path) -> Path:
    path = tmp_path / "home"
    journal = open_journal(path)
    session = journal.start_session("pat-7", "post_session", 1_700_000_000.0)
    journal.audit(session, "patient", "typed", WORDS, 1_700_000_001.0)
    journal.add_alert(session, "pat-7", "emergency", "Emergency red flag", 1_700_000_002.0)
    journal.add_alert(session, "pat-7", "possible", "Possible red flag", 1_700_000_003.0,
                      certainty="possible")
    journal.save_note(session, "a draft never confirmed", None, False, 1_700_000_004.0, status="draft")
    journal.close()
    PinStore(path).set_pin("482913")
    return path


def test_alerts_from_the_local_journal(home: Path) -> None:
    result = cli(home, "alerts", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["level"] for r in rows] == ["possible", "emergency"]  # newest first
    assert set(rows[0]) >= {"id", "room", "patient", "level", "certainty", "text", "created_at",
                            "acknowledged_at", "acknowledged_by"}
    assert rows[0]["certainty"] == "possible" and rows[1]["patient"] == "pat-7"


def test_alerts_ack_needs_the_pin_and_is_audited(home: Path) -> None:
    rows = json.loads(cli(home, "alerts", "--open", "--json").stdout)
    target = rows[-1]["id"]
    wrong = cli(home, "alerts", "ack", str(target), "--by", "Nurse Kim", stdin="000000\n")
    assert wrong.returncode == 1 and "wrong staff PIN" in wrong.stderr and "Traceback" not in wrong.stderr
    ok = cli(home, "alerts", "ack", str(target), "--by", "Nurse Kim", stdin="482913\n")
    # a wrong PIN costs a wait; the second attempt may be throttled, then succeeds after it
    if ok.returncode != 0:
        assert "wait" in ok.stderr
        import time

        time.sleep(1.2)
        ok = cli(home, "alerts", "ack", str(target), "--by", "Nurse Kim", stdin="482913\n")
    assert ok.returncode == 0, ok.stderr
    open_rows = json.loads(cli(home, "alerts", "--open", "--json").stdout)
    assert [r["id"] for r in open_rows] == [rows[0]["id"]]
    with open_journal(home) as journal:
        trail = journal.audit_trail(1)
    assert any(a.kind == "acknowledge" and "Nurse Kim" in a.text for a in trail)


def test_alerts_ack_without_a_name_or_id_is_a_usage_error(home: Path) -> None:
    assert cli(home, "alerts", "ack", stdin="482913\n").returncode == 2
    assert cli(home, "alerts", "ack", "1", stdin="482913\n").returncode == 2


def test_notes_can_show_alerts_and_drafts(home: Path) -> None:
    plain = json.loads(cli(home, "notes", "--json").stdout)
    assert plain == []
    both = json.loads(cli(home, "notes", "--alerts", "--drafts", "--json").stdout)
    assert [e["type"] for e in both] == ["alert", "alert", "note"]
    assert both[2]["status"] == "draft" and both[0]["level"] == "emergency"
    csv_out = cli(home, "notes", "--alerts", "--csv").stdout.splitlines()
    assert len(csv_out) == 3 and '"level"' in csv_out[0]


# ../shared/reviews/clinic-attack-v3.md finding 8: an OSC title and colours in the patient id and words
# came out raw from `alerts` and `notes --alerts`; plus 8-bit CSI, bidi override, a forged line, markup.
HOSTILE_PATIENT = "pE\x1b]2;PWNED-TITLE\x07\x1b[31mRED\u202e[/]"
HOSTILE_TEXT = "Emergency red flag: crushing chest pain \x1b]2;WORDS-TITLE\x07\x1b[5m\x9b2J\nFAKE LINE"
HOSTILE_NOTE = "note \x1b]52;c;aGVsbG8=\x07 kept\rover"


def control_characters(text: str) -> list[str]:
    """Every character in `text` that a terminal could act on (C0/C1 controls, format characters such
    as bidi overrides), except the line breaks between output lines."""
    return [repr(ch) for ch in text if ch != "\n" and unicodedata.category(ch) in ("Cc", "Cf")]


@pytest.fixture
def hostile_home(tmp_path: Path) -> Path:
    path = tmp_path / "hostile"
    journal = open_journal(path)
    session = journal.start_session(HOSTILE_PATIENT, "post_session", 1_700_000_000.0)
    journal.audit(session, "patient", "typed", HOSTILE_TEXT, 1_700_000_001.0)
    journal.add_alert(session, HOSTILE_PATIENT, "emergency", HOSTILE_TEXT, 1_700_000_002.0)
    journal.save_note(session, HOSTILE_NOTE, None, False, 1_700_000_003.0, status="draft")
    journal.close()
    return path


def assert_shown_safely(output: str) -> None:
    assert not control_characters(output), control_characters(output)
    for leaked in ("PWNED-TITLE", "WORDS-TITLE", "[31m", "[5m", "aGVsbG8"):
        assert leaked not in output
    assert "pERED[/]" in output  # what is left of the id, markup as literal text
    assert "FAKE LINE" in output and not any(line.startswith("FAKE LINE") for line in output.splitlines())


@pytest.mark.parametrize("args", [("alerts",), ("alerts", "--open"), ("notes", "--alerts"),
                                  ("notes", "--alerts", "--drafts")], ids=" ".join)
def test_alert_lists_print_no_control_characters(hostile_home: Path, args: tuple[str, ...]) -> None:
    result = cli(hostile_home, *args)
    assert result.returncode == 0, result.stderr
    assert_shown_safely(result.stdout)
    if "--drafts" in args:
        assert "note [draft]: note kept over" in result.stdout


def test_alerts_from_the_store_print_no_control_characters(hostile_home: Path, clinic_url: str) -> None:
    env = {"KETAVOICE_DATABASE_URL": clinic_url, "KETAVOICE_ROOM": "Room E"}
    assert cli(hostile_home, "sync", env=env).returncode == 0
    result = cli(hostile_home, "alerts", "--room", "Room E", env=env)
    assert result.returncode == 0, result.stderr
    assert_shown_safely(result.stdout)
    rows = json.loads(cli(hostile_home, "alerts", "--json", env=env).stdout)
    assert rows[0]["patient"] == HOSTILE_PATIENT  # JSON keeps the stored value, escaped by JSON itself


def test_notes_with_extras_show_screenings_like_the_plain_table(home: Path) -> None:
    """`notes --alerts` and `--drafts` printed every screening as "note: None"."""
    phq9 = Screening("phq9", "PHQ-9", tuple(ItemAnswer(f"phq9_{n}", "several_days", 1) for n in range(1, 10)),
                     9, "mild", False, crisis=True)
    with open_journal(home) as journal:
        session = journal.start_session("pat-7", "checkin", 1_700_000_010.0)
        journal.save_screening(session, phq9, 1_700_000_011.0)
    plain = cli(home, "notes").stdout
    assert "PHQ-9 score 9: mild [crisis flag]" in plain
    for extra in (("--alerts",), ("--drafts",), ("--alerts", "--drafts")):
        result = cli(home, "notes", *extra)
        assert result.returncode == 0, result.stderr
        assert "None" not in result.stdout
        lines = [line for line in result.stdout.splitlines() if "PHQ-9" in line]
        assert len(lines) == 1 and lines[0].endswith("pat-7  PHQ-9 score 9: mild [crisis flag]"), lines


def test_sync_unreachable_is_a_clear_error_without_the_password(home: Path) -> None:
    url = f"postgresql://nurse:{PASSWORD}@127.0.0.1:{free_port()}/clinic"
    result = cli(home, "sync", env={"KETAVOICE_DATABASE_URL": url, "KETAVOICE_ROOM": "Room 2"})
    assert result.returncode == 1
    assert "cannot be reached" in result.stderr and "wait on this machine" in result.stderr
    assert "Traceback" not in result.stderr
    assert PASSWORD not in result.stderr + result.stdout
    assert "nurse:***@" in result.stderr
    listed = cli(home, "alerts", "--json", env={"KETAVOICE_DATABASE_URL": url})
    assert listed.returncode == 1 and PASSWORD not in listed.stderr and "Traceback" not in listed.stderr


def test_a_database_url_on_the_command_line_is_refused(home: Path) -> None:
    """Clinic v3 finding 12: `ps` showed the password of `alerts --database-url postgresql://...`."""
    url = f"postgresql://nurse:{PASSWORD}@127.0.0.1:{free_port()}/clinic"
    for command in (("alerts",), ("sync",), ("station",)):
        result = cli(home, *command, "--database-url", url)
        assert result.returncode == 2 and "--database-url is refused" in result.stderr, result.stderr
        assert "--database-url-file" in result.stderr and "service=" in result.stderr
        assert PASSWORD not in result.stderr + result.stdout and "Traceback" not in result.stderr


def test_the_database_url_file_must_be_owner_only_and_works(home: Path, clinic_url: str, tmp_path: Path
                                                           ) -> None:
    url_file = tmp_path / "clinic.url"
    url_file.write_text(f"# the clinic store\n{clinic_url}\n")
    url_file.chmod(0o644)
    loose = cli(home, "sync", "--database-url-file", str(url_file))
    assert loose.returncode == 1 and "can be read by others" in loose.stderr and "chmod 600" in loose.stderr
    url_file.chmod(0o600)
    synced = cli(home, "sync", "--database-url-file", str(url_file), "--room", "Room F")
    assert synced.returncode == 0, synced.stderr
    by_env = cli(home, "alerts", "--json", env={"KETAVOICE_DATABASE_URL_FILE": str(url_file)})
    assert by_env.returncode == 0 and {r["room"] for r in json.loads(by_env.stdout)} == {"Room F"}


def test_a_libpq_service_names_the_store(home: Path, clinic_url: str, tmp_path: Path) -> None:
    from urllib.parse import urlsplit

    parts = urlsplit(clinic_url)
    service_file = tmp_path / "pg_service.conf"
    service_file.write_text(f"[ward]\nhost={parts.hostname}\nport={parts.port}\ndbname={parts.path[1:]}\n"
                            f"user={parts.username}\n")
    service_file.chmod(0o600)
    env = {"KETAVOICE_DATABASE_URL": "service=ward", "PGSERVICEFILE": str(service_file),
           "KETAVOICE_ROOM": "Room S"}
    assert cli(home, "sync", env=env).returncode == 0
    listed = cli(home, "alerts", "--json", env=env)
    assert listed.returncode == 0 and {r["room"] for r in json.loads(listed.stdout)} == {"Room S"}


def test_sync_without_configuration_is_a_usage_error(home: Path) -> None:
    result = cli(home, "sync")
    assert result.returncode == 2 and "KETAVOICE_DATABASE_URL" in result.stderr


def test_sync_then_alerts_and_ack_from_the_store(home: Path, clinic_url: str) -> None:
    env = {"KETAVOICE_DATABASE_URL": clinic_url, "KETAVOICE_ROOM": "Room 2"}
    result = cli(home, "sync", env=env)
    assert result.returncode == 0, result.stderr
    assert "0 pending" in result.stdout
    rows = json.loads(cli(home, "alerts", "--open", "--room", "Room 2", "--json", env=env).stdout)
    assert [(r["room"], r["level"]) for r in rows] == [("Room 2", "possible"), ("Room 2", "emergency")]
    assert rows[1]["words"] == WORDS
    assert json.loads(cli(home, "alerts", "--room", "Room 9", "--json", env=env).stdout) == []
    ack = cli(home, "alerts", "ack", str(rows[1]["id"]), "--by", "Nurse Lee", stdin="482913\n", env=env)
    assert ack.returncode == 0, ack.stderr
    with ClinicStore(ClinicConfig(clinic_url, "")) as store:
        assert [(s, v) for s, _, v in store.acknowledgements(rows[1]["id"])] == [("Nurse Lee", "cli")]
    assert cli(home, "sync", env=env).returncode == 0  # pulls the acknowledgement back
    with open_journal(home) as journal:
        assert [a.level for a in journal.open_alerts()] == ["possible"]


def test_chat_replicates_in_the_background(tmp_path: Path, clinic_url: str) -> None:
    home = tmp_path / "chat-home"
    env = {"KETAVOICE_DATABASE_URL": clinic_url, "KETAVOICE_ROOM": "Room 7"}
    result = cli(home, "chat", "--patient", "chatter", stdin="okay\nmy chest hurts\n", env=env)
    assert result.returncode == 0, result.stderr
    with ClinicStore(ClinicConfig(clinic_url, "")) as store:
        alerts = store.alerts()
        assert [(a.room, a.patient, a.words) for a in alerts] == [("Room 7", "chatter", "my chest hurts")]
        assert store.count("sessions") == 1


def test_chat_with_the_store_down_keeps_everything_and_says_so(tmp_path: Path) -> None:
    """Finding 9 (clinic v3): the room is told the station can't be reached, never "someone is coming",
    and the exit status says the alert did not get through."""
    home = tmp_path / "chat-home"
    url = f"postgresql://nurse:{PASSWORD}@127.0.0.1:{free_port()}/clinic"
    result = cli(home, "chat", stdin="okay\nmy chest hurts\n", env={"KETAVOICE_DATABASE_URL": url})
    assert result.returncode == 1
    assert "stays queued" in result.stderr and PASSWORD not in result.stderr + result.stdout
    assert "did not reach the clinic store" in result.stderr and "chest" not in result.stderr
    assert "The nurse station can't be reached." in result.stdout
    assert "Someone is coming" not in result.stdout and "told the staff" not in result.stdout
    with open_journal(home) as journal:
        assert len(journal.open_alerts()) == 1


def test_chat_with_no_store_does_not_claim_staff_were_told(tmp_path: Path) -> None:
    """Finding 9: with no clinic store the alert is only on this screen; the hold says whom to tell."""
    result = cli(tmp_path / "alone", "chat", stdin="okay\nmy chest hurts\nI'm still here\n")
    assert result.returncode == 0, result.stderr  # the alert is saved here: that is all a lone device does
    assert "This device can't reach the staff." in result.stdout and "call 911" in result.stdout
    assert "Someone is coming" not in result.stdout and "told the staff" not in result.stdout


def test_the_product_does_not_import_the_driver_without_a_store() -> None:
    code = ("import sys, ketavoice.tui.app, ketavoice.tui.kiosk_app, ketavoice.commands.alerts, "
            "ketavoice.clinic.replicator, ketavoice.tui.station_app; "
            "print('psycopg' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert result.stdout.strip() == "False", result.stderr
