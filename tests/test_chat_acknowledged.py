"""Clinic v3 item 5: the station's acknowledgement reaches a running `chat` room. A real `ketavoice chat`
subprocess fed through a pipe, the real PostgreSQL server, `ketavoice alerts ack` as the station runs it;
plus the parts on their own (LinkedEngine with a real SyncWorker's callback, LineInbox on a real pipe)."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.link import ClinicLink, LinkedEngine
from ketavoice.clinic.outbox import PulledAck
from ketavoice.clinic.pgstore import ClinicStore
from ketavoice.clinic.replicator import SyncWorker
from ketavoice.content import load_content
from ketavoice.engine.engine import Engine
from ketavoice.engine.events import Alert, Say, Started, Typed
from ketavoice.frontends.inbox import WOKEN, LineInbox
from ketavoice.journal import open_journal
from ketavoice.journal.sqlite import SqliteJournal
from ketavoice.tui.pin import PinStore
from tests.clinic_support import wait_for

REPO = Path(__file__).resolve().parent.parent
DEADLINE_S = 60.0  # only so a broken build cannot hang the suite; nothing here is timed
PIN = "482913"
RELEASED = load_content().messages.hold_released


class JsonlReader:
    """The chat's stdout read on a thread, so the test can wait for a line without hanging forever."""

    def __init__(self, stream: IO[str]) -> None:
        self.rows: list[dict[str, Any]] = []
        self._queue: queue.SimpleQueue[dict[str, Any] | None] = queue.SimpleQueue()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(json.loads(line))
        self._queue.put(None)

    def until(self, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        deadline = time.monotonic() + DEADLINE_S
        while True:
            left = deadline - time.monotonic()
            assert left > 0, f"never printed; got {[r['type'] for r in self.rows]}"
            try:
                row = self._queue.get(timeout=left)
            except queue.Empty:
                continue
            assert row is not None, f"output ended first; got {[r['type'] for r in self.rows]}"
            self.rows.append(row)
            if wanted(row):
                return row

    def rest(self) -> list[dict[str, Any]]:
        tail: list[dict[str, Any]] = []
        while (row := self._queue.get(timeout=DEADLINE_S)) is not None:
            tail.append(row)
        self.rows += tail
        return tail


def ketavoice(home: Path, *args: str, env: dict[str, str], stdin: str = ""
              ) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(REPO), "KETAVOICE_HOME": str(home), **env}
    return subprocess.run([sys.executable, "-m", "ketavoice", *args], input=stdin, capture_output=True,
                          text=True, env=full, timeout=DEADLINE_S, cwd=REPO)


def open_store_alerts(url: str, room: str) -> list[int]:
    with ClinicStore(ClinicConfig(url, "")) as store:
        return [a.id for a in store.alerts(open_only=True, room=room)]


def test_the_stations_ack_releases_a_running_chat_room(tmp_path: Path, clinic_url: str) -> None:
    room_home, station_home = tmp_path / "room", tmp_path / "station"
    PinStore(station_home).set_pin(PIN)
    env = {**os.environ, "PYTHONPATH": str(REPO), "KETAVOICE_HOME": str(room_home),
           "KETAVOICE_ROOM": "Room 4", "KETAVOICE_DATABASE_URL": clinic_url}
    with open(tmp_path / "chat.err", "w") as err:
        chat = subprocess.Popen([sys.executable, "-m", "ketavoice", "chat", "--jsonl", "--patient", "p4"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err, text=True,
                                env=env, cwd=REPO)
    assert chat.stdin is not None and chat.stdout is not None
    try:
        out = JsonlReader(chat.stdout)
        out.until(lambda r: r["type"] == "listen")
        chat.stdin.write("okay\nI have crushing chest pain\n")
        chat.stdin.flush()
        out.until(lambda r: r["type"] == "listen" and r.get("hold") is True)
        wait_for(lambda: len(open_store_alerts(clinic_url, "Room 4")) == 1)
        assert not any(r["type"] == "say" and r["text"] == RELEASED for r in out.rows)

        (alert_id,) = open_store_alerts(clinic_url, "Room 4")
        ack = ketavoice(station_home, "alerts", "ack", str(alert_id), "--by", "Nurse Ada", stdin=PIN + "\n",
                        env={"KETAVOICE_DATABASE_URL": clinic_url})
        assert ack.returncode == 0, ack.stderr

        out.until(lambda r: r["type"] == "say" and r["text"] == RELEASED)  # no line was sent meanwhile
        after = out.until(lambda r: r["type"] == "listen")
        assert after.get("hold") is False  # the dialogue goes on, as after a kiosk acknowledgement
        chat.stdin.write("okay\n")
        chat.stdin.close()
        tail = out.rest()
        assert chat.wait(DEADLINE_S) == 0, (tmp_path / "chat.err").read_text()
    finally:
        if chat.poll() is None:
            chat.kill()
            chat.wait()
    assert [r for r in tail if r["type"] == "say"], "the ordinary line got no answer"
    assert all(r.get("hold") is not True for r in tail if r["type"] == "listen")
    assert (tail[-1]["type"], tail[-1]["status"]) == ("finish", "ended")
    with open_journal(room_home) as journal:
        (alert,) = journal.alerts()
        assert alert.acknowledged_by == "Nurse Ada" and alert.acknowledged_at is not None
        assert journal.open_alerts() == []


def test_plain_chat_prints_the_release_when_the_station_acknowledges(tmp_path: Path, clinic_url: str
                                                                     ) -> None:
    room_home, station_home = tmp_path / "room", tmp_path / "station"
    PinStore(station_home).set_pin(PIN)
    env = {**os.environ, "PYTHONPATH": str(REPO), "KETAVOICE_HOME": str(room_home),
           "KETAVOICE_ROOM": "Room 5", "KETAVOICE_DATABASE_URL": clinic_url}
    chat = subprocess.Popen([sys.executable, "-m", "ketavoice", "chat", "--patient", "p5"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            text=True, env=env, cwd=REPO)
    assert chat.stdin is not None and chat.stdout is not None
    lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()

    def read(stream: IO[str]) -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    def until(wanted: str) -> list[str]:
        seen: list[str] = []
        while (line := lines.get(timeout=DEADLINE_S)) is not None:
            seen.append(line)
            if wanted in line:
                return seen
        raise AssertionError(f"never printed {wanted!r}: {seen}")

    threading.Thread(target=read, args=(chat.stdout,), daemon=True).start()
    try:
        chat.stdin.write("okay\nI have crushing chest pain\n")
        chat.stdin.flush()
        until("!! STAFF ALERT (emergency)")
        wait_for(lambda: len(open_store_alerts(clinic_url, "Room 5")) == 1)
        (alert_id,) = open_store_alerts(clinic_url, "Room 5")
        ack = ketavoice(station_home, "alerts", "ack", str(alert_id), "--by", "Nurse Cy", stdin=PIN + "\n",
                        env={"KETAVOICE_DATABASE_URL": clinic_url})
        assert ack.returncode == 0, ack.stderr
        assert until(RELEASED)[-1] == f"ketavoice: {RELEASED}"
        chat.stdin.close()
        assert chat.wait(DEADLINE_S) == 0
    finally:
        if chat.poll() is None:
            chat.kill()
            chat.wait()


def hold_engine(journal: SqliteJournal, link: ClinicLink) -> tuple[LinkedEngine, int]:
    linked = LinkedEngine(Engine(load_content(), journal, patient_id="pl", dialogue=None, clock=time.time,
                                 reach=link.reach), link)
    linked.handle(Started())
    linked.handle(Typed("okay"))
    raised = [a for a in linked.handle(Typed("I have crushing chest pain")) if isinstance(a, Alert)]
    assert len(raised) == 1 and raised[0].alert_id > 0 and linked.engine.pending_listen is not None
    assert linked.engine.pending_listen.hold
    return linked, raised[0].alert_id


def test_linked_engine_applies_only_this_sessions_acks_on_its_own_thread(tmp_path: Path) -> None:
    journal = SqliteJournal(tmp_path / "j" / "journal.sqlite3")
    earlier = journal.start_session("old", "post_session", time.time())
    other_alert = journal.add_alert(earlier, "old", "crisis", "Crisis red flag", time.time())
    worker = SyncWorker(journal.path, ClinicConfig("postgresql://unused", "Room L"))  # never started
    link = ClinicLink(worker, "Room L")
    linked, alert_id = hold_engine(journal, link)
    woken = threading.Event()
    linked.follow_acknowledgements(woken.set)
    assert worker.on_acknowledged is not None
    callback = worker.on_acknowledged
    sync = threading.Thread(target=callback, args=([PulledAck(other_alert, time.time(), "Nurse Old")],))
    sync.start()
    sync.join()
    assert woken.is_set() and linked.take_acknowledgements() == []  # another session's alert: nothing
    assert linked.engine.pending_listen is not None and linked.engine.pending_listen.hold
    woken.clear()
    sync = threading.Thread(target=callback, args=([PulledAck(alert_id, time.time(), "Nurse Bo")],))
    sync.start()
    sync.join()
    assert woken.is_set()
    actions = linked.take_acknowledgements()
    assert [a.text for a in actions if isinstance(a, Say)][0] == RELEASED
    assert linked.engine.pending_listen is not None and not linked.engine.pending_listen.hold
    assert linked.take_acknowledgements() == []  # applied once
    (record,) = [a for a in journal.alerts() if a.id == alert_id]
    assert record.acknowledged_by == "Nurse Bo"
    journal.close()


def test_line_inbox_keeps_arrival_order_and_ends_with_the_input() -> None:
    read_fd, write_fd = os.pipe()
    with os.fdopen(read_fd, "rb") as reading, os.fdopen(write_fd, "wb", buffering=0) as writing:
        inbox = LineInbox(reading)
        items = iter(inbox)
        writing.write(b"first\n")
        assert next(items) == "first"
        inbox.wake()  # the reader is blocked on the pipe: the wake-up still comes through
        assert next(items) is WOKEN
        writing.write(b"second \xff\n")
        assert next(items) == "second \ufffd"
        writing.close()
        assert list(items) == []
