"""Background replication for the command-line front ends (`chat`, `checkin`, `voice`).

With no clinic store configured it only yields a link whose reach is "none". A bad configuration is
reported on stderr and the session runs alone: the journal keeps everything and a later `ketavoice sync`
delivers it. At exit the link's `problems` say which alerts were not saved or not delivered.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from ketavoice.clinic.link import ClinicLink
from ketavoice.errors import KetavoiceError

# Long enough for one connection attempt (pgstore.CONNECT_TIMEOUT_S) and a first delivery.
FIRST_PASS_WAIT_S = 5.0


@contextmanager
def background_sync(journal_path: Path, err: TextIO | None = None) -> Iterator[ClinicLink]:
    """Replicate in a thread while the block runs; at the end, one last pass if the store answers (or an
    alert waits in memory), and a line on `err` for what could not be delivered."""
    from ketavoice.clinic.config import clinic_config

    stream = err if err is not None else sys.stderr
    try:
        config = clinic_config()
    except KetavoiceError as error:
        print(f"ketavoice: clinic sync off: {error}", file=stream)
        config = None
    if config is None:
        link = ClinicLink(None)
        try:
            yield link
        finally:
            link.report(stream)
        return
    from ketavoice.clinic.replicator import SyncWorker

    worker = SyncWorker(journal_path, config).start()
    # The room is told whether staff can be reached: know it before the first line, don't assume it.
    worker.wait_first_pass(FIRST_PASS_WAIT_S)
    link = ClinicLink(worker, config.room)
    try:
        yield link
    finally:
        worker.stop()
        if worker.last_error is None or worker.unsaved_waiting:
            worker.final_pass()
        if worker.last_error is not None and worker.store_failed:
            # Only when the store did not take them: after a local write error (a full disk) the queued
            # alerts may well be at the store, merely not yet marked delivered here.
            link.journal_alerts_waiting = _alerts_waiting(journal_path)
            print(f"ketavoice: not everything reached the clinic store yet ({worker.last_error}); "
                  "it stays queued here for the next sync.", file=stream)
        link.report(stream)


def _alerts_waiting(journal_path: Path) -> int:
    """Alerts saved here but not yet at the store (counted as one if the journal can't even be read)."""
    from ketavoice.clinic.outbox import Outbox

    try:
        with Outbox(journal_path) as outbox:
            return outbox.pending_alert_count()
    except KetavoiceError:
        return 1
