"""Clinic v3 finding 5: one record the store can't take never blocks the ones behind it. NUL (and lone
surrogates) are cleaned where patient text enters and again as records leave; a record the store still
refuses is set aside (kept in the journal, marked), named by id by `sync`, `alerts` and `notes --alerts`,
and `sync` no longer says the store is not answering when it answered. Real PostgreSQL, real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.outbox import Outbox
from ketavoice.clinic.pgstore import ClinicStore
from ketavoice.journal import open_journal
from ketavoice.textclean import storable

REPO = Path(__file__).resolve().parent.parent


def cli(home: Path, *args: str, url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "KETAVOICE_HOME": str(home),
           "KETAVOICE_DATABASE_URL": url, "KETAVOICE_ROOM": "Room N"}
    return subprocess.run([sys.executable, "-m", "ketavoice", *args], input=stdin, capture_output=True,
                          text=True, env=env, timeout=60, cwd=REPO)


def test_storable_removes_only_what_no_store_keeps() -> None:
    assert storable("chest\x00 pain\ud800!") == "chest pain!"
    same = "I have chest pain \u2014 \U0001f494"
    assert storable(same) is same


def test_a_nul_typed_in_chat_is_cleaned_and_the_alert_arrives(tmp_path: Path, clinic_url: str) -> None:
    home = tmp_path / "home"
    result = cli(home, "chat", "--patient", "pnul", url=clinic_url,
                 stdin="okay\nI have chest pain\x00\n")
    assert result.returncode == 0, result.stderr
    with ClinicStore(ClinicConfig(clinic_url, "")) as store:
        alerts = store.alerts()
    assert [(a.patient, a.words) for a in alerts] == [("pnul", "I have chest pain")]
    with open_journal(home) as journal:
        assert all("\x00" not in a.text for a in journal.alerts())


def test_a_refused_record_is_set_aside_and_the_alert_behind_it_arrives(tmp_path: Path, clinic_url: str
                                                                       ) -> None:
    home = tmp_path / "home"
    now = time.time()
    with open_journal(home) as journal:  # written straight to the journal, as before input was cleaned
        first = journal.start_session("pnul", "post_session", now)
        note = journal.save_note(first, "I have chest pain\x00", None, False, now + 1)
        bad_mood = journal.save_mood(first, 2**40, now + 2)  # no PostgreSQL integer holds it
        second = journal.start_session("pother", "post_session", now + 3)
        journal.add_alert(second, "pother", "crisis", "Crisis red flag", now + 4)
    synced = cli(home, "sync", url=clinic_url)
    assert synced.returncode == 1  # one record did not get through, and it says which
    assert f"refused 1 record(s); they are kept only on this machine: mood {bad_mood}." in synced.stderr
    assert "when the store answers" not in synced.stderr and "cannot be reached" not in synced.stderr
    with ClinicStore(ClinicConfig(clinic_url, "")) as store:
        assert [(a.patient, a.level) for a in store.alerts()] == [("pother", "crisis")]
        assert store.count("notes") == 1 and store.count("moods") == 0 and store.count("sessions") == 2
        with store.conn.cursor() as cur:
            cur.execute("SELECT text FROM notes WHERE local_id = %s", (note.id,))
            assert cur.fetchone() == ("I have chest pain",)
    with Outbox(home / "journal.sqlite3") as outbox:
        assert outbox.pending_count() == 0
    with open_journal(home) as journal:
        assert [m.rating for m in journal.moods()] == [2**40]  # kept here, never dropped
    again = cli(home, "sync", url=clinic_url)
    assert again.returncode == 0, again.stderr  # nothing new refused; the old one is still named
    assert f"mood {bad_mood}" in again.stderr
    noted = cli(home, "notes", "--alerts", "--json", url=clinic_url)
    assert noted.returncode == 0 and f"refused mood {bad_mood}" in noted.stderr
    assert "chest" not in synced.stderr + again.stderr + noted.stderr
