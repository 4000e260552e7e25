"""Child process for the kill -9 tests: writes to a journal and replicates, and is killed mid-way.

`python -m tests.clinic_crash_writer JOURNAL URL MODE`
  loop:        write an alert and a mood, sync, forever (the parent kills it at a random moment); prints
               `ready` before the first write and `wrote` after the first round, for the parent to wait on
  after-commit: deliver the whole outbox to PostgreSQL, then SIGKILL itself before marking it delivered
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

from ketavoice.clinic.config import ClinicConfig
from ketavoice.clinic.outbox import Outbox
from ketavoice.clinic.pgstore import ClinicStore
from ketavoice.clinic.replicator import Replicator
from ketavoice.journal.sqlite import SqliteJournal


def main() -> None:
    path, url, mode = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
    config = ClinicConfig(url, "Crash room")
    journal = SqliteJournal(path)
    if mode == "after-commit":
        session = journal.start_session("crash", "post_session", time.time())
        journal.add_alert(session, "crash", "emergency", "Emergency red flag", time.time())
        with Outbox(path) as outbox, ClinicStore(config) as store:
            store.deliver(outbox.device_id(), outbox.pending())
            os.kill(os.getpid(), signal.SIGKILL)
    replicator = Replicator(path, config)
    session = journal.start_session("crash", "post_session", time.time())
    print("ready", flush=True)
    rounds = 0
    while True:
        journal.add_alert(session, "crash", "emergency", "Emergency red flag", time.time())
        journal.save_mood(session, 5, time.time())
        replicator.sync_once()
        rounds += 1
        if rounds == 1:
            print("wrote", flush=True)


if __name__ == "__main__":
    main()
